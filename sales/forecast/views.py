"""The forecast page (``sales:forecast``) and its CSV export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from core import access
from core.export import csv_rows

from ..models import Opportunity
from .forms import ForecastForm
from .periods import QUARTER, shift
from .selectors import Audience, Scope, audience, forecast


def _id(request, name):
    value = (request.GET.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404
    return value


def resolve_scope(request, aud: Audience) -> Scope:
    """``?rep=<user id>`` or ``?team=<team id>``; a person or team the viewer may not see
    answers 404 (ids leak nothing). Without either: a rep sees themselves, a manager all
    their teams."""
    rep_id, team_id = _id(request, "rep"), _id(request, "team")
    if rep_id:
        person = aud.person(rep_id)
        if person is None:
            raise Http404
        return Scope("me" if person.pk == aud.viewer.pk else "rep", person=person)
    if team_id:
        team = aud.team(team_id)
        if team is None:
            raise Http404
        return Scope("team", team=team)
    if not aud.is_manager:
        return Scope("me", person=aud.viewer)
    return Scope("all")


def tables(result, chosen: str | None) -> tuple[list[dict], dict]:
    """The page's tabs (one per period, one for the whole range) and the chosen one's table
    (``?tab=<key>``, the first period by default). Only that table is rendered: a manager of
    ten teams has ~100 rows a tab, and seven tabs of them cost more than the numbers."""
    tabs = [{"label": p.label, "key": p.key, "index": i} for i, p in enumerate(result.periods)]
    if len(result.periods) > 1:
        # Named by what it is, not by its first and last period: "Dec 2026 – May 2027" would
        # contain the first tab's name, and a screen reader would offer two "Dec 2026" tabs.
        n, kind = len(result.periods), result.periods[0].kind
        label = (
            ngettext("Total, %(n)d quarter", "Total, %(n)d quarters", n)
            if kind == QUARTER
            else ngettext("Total, %(n)d month", "Total, %(n)d months", n)
        ) % {"n": n}
        span = f"{result.periods[0].label} – {result.periods[-1].label}"
        tabs.append({"label": label, "title": span, "key": "range", "index": None})
    active = next((t for t in tabs if t["key"] == chosen), tabs[0])
    for tab in tabs:
        tab["active"] = tab is active
    i = active["index"]
    rows = [(row, row.total if i is None else row.cells[i]) for row in result.rows]
    return tabs, {"label": active["label"], "key": active["key"], "rows": rows}


CSV_HEADER = ["Team", "Row", "Period", "Pipeline", "Weighted", "Best case", "Commit", "Closed won",
              "Quota", "Attainment %", "Open deals", "Won deals", "Currency"]  # fmt: skip


def export_csv(result, aud: Audience) -> StreamingHttpResponse:
    teams = {t.pk: t.name for t in aud.teams}

    def lines():
        for row in result.rows:
            team = teams.get(row.team_id, "") if row.kind != "total" else ""
            for period, f in zip(result.periods, row.cells, strict=True):
                yield [team, row.label, period.label, f.pipeline, f.weighted, f.best_case,
                       f.commit, f.won, f.quota, f.attainment, f.open_deals, f.won_deals,
                       result.currency]  # fmt: skip

    response = StreamingHttpResponse(csv_rows(CSV_HEADER, lines()), content_type="text/csv")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="forecast-{stamp}.csv"'
    return response


@login_required
def forecast_view(request):
    access.check_list(request.user, Opportunity)  # sales roles and administrators
    aud = audience(request.user)
    scope = resolve_scope(request, aud)
    form = ForecastForm(request.GET)
    if not form.is_valid():
        ctx = {"form": form, "aud": aud, "scope": scope, "result": None}
        return render(request, "sales/forecast/forecast.html", ctx, status=400)
    periods = form.periods()
    result = forecast(request.user, aud, scope, periods)
    if request.GET.get("export") == "csv":
        return export_csv(result, aud)
    kind, count = periods[0].kind, len(periods)
    nav = request.GET.copy()
    nav.pop("export", None)
    nav.pop("tab", None)
    tab_query = nav.urlencode()  # the tabs keep the periods shown
    nav.pop("start", None)
    tabs, table = tables(result, request.GET.get("tab"))
    ctx = {
        "form": form,
        "aud": aud,
        "scope": scope,
        "result": result,
        "tabs": tabs,
        "table": table,
        "tab_query": tab_query,
        "chart": result.chart(),
        "query": nav.urlencode(),
        "previous": shift(periods[0].start, kind, -count).strftime("%Y-%m"),
        "next": shift(periods[0].start, kind, count).strftime("%Y-%m"),
        "single": scope.kind in ("me", "rep"),
    }
    return render(request, "sales/forecast/forecast.html", ctx)
