"""Quotas: sales managers and administrators set them per rep and period (a grid with
inline editing, and a form for any period); reps read their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from catalog import money
from core import access
from users.models import User

from ..models import Opportunity, Quota
from .forms import ForecastForm, QuotaCellForm, QuotaForm
from .periods import DEFAULT_COUNT, Period, shift
from .selectors import Audience, audience

GRID_COUNT = {"quarter": 4, "month": 6}


@dataclass
class GridRow:
    person: User
    team: object
    cells: list  # [(period, Quota | None)]


def editable_people(aud: Audience):
    """The reps whose quotas the viewer may set: managers their teams' reps, administrators
    every rep of a sales team. Nobody else sets quotas."""
    if not aud.is_manager:
        return User.objects.none()
    return User.objects.filter(pk__in={m.user_id for m in aud.memberships})


def _viewer(request) -> Audience:
    access.check_list(request.user, Opportunity)  # sales roles and administrators
    return audience(request.user)


def grid(aud: Audience, periods: list[Period]) -> list[GridRow]:
    if aud.is_manager:
        teams = {t.pk: t for t in aud.teams}
        layout = [(m.user, teams[m.team_id]) for m in aud.memberships]
        layout.sort(key=lambda pair: (pair[1].name, str(pair[0])))
    else:
        layout = [(aud.viewer, None)]
    quotas = {
        (q.user_id, q.start): q
        for q in Quota.objects.filter(
            user_id__in={p.pk for p, _ in layout},
            period=periods[0].kind,
            start__in=[p.start for p in periods],
        )
    }
    return [
        GridRow(person, team, [(p, quotas.get((person.pk, p.start))) for p in periods])
        for person, team in layout
    ]


@login_required
def quota_list(request):
    aud = _viewer(request)
    data = request.GET.copy()
    kind = data.get("period") if data.get("period") in GRID_COUNT else "quarter"
    data.setdefault("count", str(GRID_COUNT.get(kind, DEFAULT_COUNT[kind])))
    form = ForecastForm(data)
    status = 200
    if not form.is_valid():
        form, status = ForecastForm({"period": kind, "count": GRID_COUNT[kind]}), 400
        form.is_valid()
    periods = form.periods()
    count = len(periods)
    ctx = {
        "form": form,
        "aud": aud,
        "periods": periods,
        "rows": grid(aud, periods),
        "can_edit": aud.is_manager,
        "base_currency": money.base_currency(),
        "add_form": QuotaForm(people=editable_people(aud)) if aud.is_manager else None,
        "previous": shift(periods[0].start, kind, -count).strftime("%Y-%m"),
        "next": shift(periods[0].start, kind, count).strftime("%Y-%m"),
    }
    return render(request, "sales/forecast/quotas.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def quota_add(request):
    aud = _viewer(request)
    if not aud.is_manager:
        raise PermissionDenied
    people = editable_people(aud)
    form = QuotaForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                quota = form.save()
        except IntegrityError:  # the same quota saved at the same moment by someone else
            form.add_error(None, QuotaForm.Meta.error_messages["__all__"]["unique_together"])
        else:
            messages.success(request, f"Quota saved: {quota}.")
            url = reverse("sales:quota_list")
            return HttpResponseRedirect(f"{url}?period={quota.period}&start={quota.start:%Y-%m}")
    status = 400 if form.errors else 200
    return render(request, "sales/forecast/quota_form.html", {"form": form}, status=status)


@login_required
@require_POST
def quota_set(request):
    """One grid cell (htmx): set the rep's quota for the period, or remove it if empty."""
    aud = _viewer(request)
    if not aud.is_manager:
        raise PermissionDenied
    form = QuotaCellForm(request.POST)
    person_id = request.POST.get("user", "")
    if not person_id.isdigit() or not editable_people(aud).filter(pk=person_id).exists():
        raise Http404
    quota, saved = None, False
    if form.is_valid():
        d = form.cleaned_data
        key = {"user_id": d["user"], "period": d["period"], "start": d["start"]}
        with transaction.atomic():
            if d["amount"] is None:
                Quota.objects.filter(**key).delete()
            else:
                quota, _ = Quota.objects.update_or_create(
                    **key,
                    defaults={"amount": d["amount"]},
                    create_defaults={"amount": d["amount"], "currency": money.base_currency()},
                )
        saved = True
    ctx = {
        "person_id": person_id,
        "period": request.POST.get("period", ""),
        "start": request.POST.get("start", ""),
        "quota": quota,
        "value": request.POST.get("amount", "") if form.errors else None,
        "errors": [e for errors in form.errors.values() for e in errors],
        "saved": saved,
        "can_edit": True,
        "base_currency": money.base_currency(),
    }
    status = 400 if form.errors else 200
    return render(request, "sales/forecast/_quota_cell.html", ctx, status=status)
