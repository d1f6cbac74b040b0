"""Sales figures for the rep's workspace and the manager's dashboard: open deals by stage,
deals closing soon, quota attainment, win rate and sales cycle per team. Each is one
aggregate or one short list over a ``visible_to`` queryset, converted into the base currency
per currency group (never per deal)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast

from catalog.money import base_currency, in_base, rates

from ..models import Opportunity, Stage
from .periods import Period
from .selectors import CENT, WON, Figures, quota_table

OPEN_STATUS = Opportunity.Status.OPEN
WON_STATUS = Opportunity.Status.WON
LOST_STATUS = Opportunity.Status.LOST


@dataclass
class StageRow:
    pipeline: str
    stage: str
    position: tuple
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    share: int = 0  # % of the largest stage's total (the bar's width)


@dataclass
class ByStage:
    rows: list[StageRow] = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    missing_rates: list[str] = field(default_factory=list)
    currency: str = ""

    def chart(self) -> dict:
        several = len({r.pipeline for r in self.rows}) > 1
        return {
            "labels": [f"{r.stage} ({r.pipeline})" if several else r.stage for r in self.rows],
            "currency": self.currency,
            "horizontal": True,
            "series": [
                {"label": "Amount", "data": [float(r.total) for r in self.rows],
                 "color": "#0d6efd"},
                {"label": "Weighted", "data": [float(r.weighted) for r in self.rows],
                 "color": "#6ea8fe"},
            ],
        }  # fmt: skip


def open_by_stage(qs, known: dict | None = None) -> ByStage:
    """Open deals per stage (pipelines in their order): count, amount, weighted amount."""
    money = DecimalField(max_digits=24, decimal_places=2)
    # Grouped by ids only (names would make PostgreSQL sort every open deal by text); the
    # few stages are read after.
    groups = list(
        qs.filter(status=OPEN_STATUS)
        .order_by()
        .values("stage_id", "currency")
        .annotate(
            n=Count("pk"),
            total=Sum("amount"),
            weighted=Sum(F("amount") * F("probability"), output_field=money),
        )
    )
    stages = Stage.objects.select_related("pipeline").in_bulk({g["stage_id"] for g in groups})
    known = known if known is not None else rates({g["currency"] for g in groups})
    result, by_id, missing = ByStage(currency=base_currency()), {}, set()
    for g in groups:
        row = by_id.get(g["stage_id"])
        if row is None:
            stage = stages[g["stage_id"]]
            key = (stage.pipeline.position, stage.pipeline.name, stage.position)
            row = by_id[g["stage_id"]] = StageRow(stage.pipeline.name, stage.name, key)
        row.count += g["n"]
        total = in_base(g["total"], g["currency"], known)
        if total is None:
            missing.add(g["currency"])
            continue
        row.total += total
        row.weighted += in_base(g["weighted"], g["currency"], known) / 100
    result.rows = sorted(by_id.values(), key=lambda r: r.position)
    biggest = max((r.total for r in result.rows), default=Decimal(0))
    for row in result.rows:
        row.total, row.weighted = row.total.quantize(CENT), row.weighted.quantize(CENT)
        row.share = int(row.total * 100 / biggest) if biggest else 0
        result.count += row.count
        result.total += row.total
        result.weighted += row.weighted
    result.missing_rates = sorted(missing)
    return result


def in_base_expression(known: dict):
    """The deal's amount in the base currency, in SQL (for sorting across currencies)."""
    base = base_currency()
    money = DecimalField(max_digits=24, decimal_places=6)
    whens = [When(currency=code, then=F("amount") / Value(rate)) for code, rate in known.items()
             if code != base]  # fmt: skip
    if not whens:
        return Cast("amount", money)
    return Case(*whens, default=Cast("amount", money), output_field=money)


def closing_deals(qs, end: datetime.date, *, limit=10, by_amount=False, known=None):
    """Open deals with a close date before ``end`` (overdue ones included: they need a new
    date or a decision), soonest first, or the biggest first (``by_amount``, in the base
    currency)."""
    rows = qs.filter(status=OPEN_STATUS, close_date__lt=end).select_related(
        "account", "stage", "owner"
    )
    if by_amount:
        rows = rows.alias(base_amount=in_base_expression(known or {})).order_by(
            "-base_amount", "close_date", "pk"
        )
    else:
        rows = rows.order_by("close_date", "-amount", "pk")
    return list(rows[:limit])


def attainment(user, qs, period: Period, known: dict | None = None) -> Figures:
    """The user's closed won in ``period`` against their quota for it (base currency);
    ``known``: the exchange rates, if already read."""
    won = (
        qs.filter(WON, owner=user, close_date__gte=period.start, close_date__lt=period.end)
        .order_by()
        .values("currency")
        .annotate(total=Sum("amount"), n=Count("pk"))
    )
    won = list(won)
    known = dict(known) if known is not None else rates({w["currency"] for w in won})
    figures = Figures()
    for w in won:
        value = in_base(w["total"], w["currency"], known)
        if value is not None:
            figures.won += value
            figures.won_deals += w["n"]
    quotas, _ = quota_table([user.pk], [period], known)
    figures.quota = quotas.get((user.pk, period.start))
    return figures.rounded()


@dataclass
class TeamResult:
    team: str
    office: str
    won: int
    lost: int
    cycle_days: Decimal | None  # average days from creation to won

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> Decimal | None:
        if not self.closed:
            return None
        return (Decimal(self.won * 100) / self.closed).quantize(Decimal("0.1"))


def win_rates(qs, since: datetime.date) -> tuple[list[TeamResult], list[TeamResult]]:
    """Per team and per office (the team's region), deals closed since ``since``: won, lost,
    win rate and the average sales cycle of the won ones. One query grouped by team."""
    cycle = F("close_date") - Cast("created_at", DateField())
    groups = (
        qs.filter(status__in=(WON_STATUS, LOST_STATUS), close_date__gte=since)
        .order_by()
        .values("team__name", "team__region")
        .annotate(
            won=Count("pk", filter=WON),
            lost=Count("pk", filter=Q(status=LOST_STATUS)),
            cycle=Avg(cycle, filter=WON),
        )
        .order_by("team__region", "team__name")
    )
    teams, offices = [], {}
    for g in groups:
        days = _days(g["cycle"])
        row = TeamResult(g["team__name"] or "(no team)", g["team__region"] or "", g["won"],
                         g["lost"], days)  # fmt: skip
        teams.append(row)
        office = offices.setdefault(row.office, [0, 0, Decimal(0)])
        office[0] += row.won
        office[1] += row.lost
        office[2] += (days or 0) * row.won
    by_office = [
        TeamResult("", name or "(no office)", won, lost,
                   (total / won).quantize(Decimal("0.1")) if won else None)
        for name, (won, lost, total) in sorted(offices.items())
    ]  # fmt: skip
    return teams, by_office


def _days(value) -> Decimal | None:
    """An average of date differences: a timedelta (PostgreSQL interval) or a number."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return Decimal(value.total_seconds() / 86400).quantize(Decimal("0.1"))
    return Decimal(value).quantize(Decimal("0.1"))
