"""The forecast: pipeline, weighted, best case, commit and closed won per rep, team and
period, with quotas and attainment, in the base currency.

The numbers come from ONE query over ``ForecastRollup`` (open and won sums per team, owner,
currency and close month, kept by a trigger on the deals in their own transaction), grouped by
month or ``TruncQuarter``; Python then converts the few groups (reps × periods × currencies,
never deals) with one query for the exchange rates.

What the viewer may see (``Audience``) follows ``SalesRecordPolicy``: a rep only themselves,
a sales manager the sales teams they manage or belong to and their members, an
administrator every sales team. The deals are always read through
``Opportunity.objects.visible_to(viewer)``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncQuarter

from catalog.money import base_currency, in_base, rates
from users.models import Role, Team, TeamMembership, User
from users.roles import SALES_MANAGERS

from ..models import ForecastRollup, Opportunity, Quota
from .periods import MONTH, QUARTER, Period, start_of

CENT = Decimal("0.01")
WON = Q(status=Opportunity.Status.WON)
MEASURES = ("pipeline", "weighted", "best_case", "commit", "won")


# -- who may be seen -----------------------------------------------------------------------
def forecast_teams(user):
    """The sales teams whose forecast (and quotas) ``user`` may see."""
    teams = Team.objects.filter(kind=Team.Kind.SALES)
    if user.role == Role.ADMIN:
        return teams
    if user.role == Role.SALES_MANAGER:
        return teams.filter(pk__in=user.team_ids)
    return teams.none()


@dataclass
class Audience:
    """The teams and people a viewer may pick on the forecast and quota pages (read once and
    shared by the selectors, the filters and the rows)."""

    viewer: User
    teams: list[Team]
    memberships: list[TeamMembership]  # sales reps of those teams, with .user

    @property
    def people(self) -> dict[int, User]:
        found = {m.user_id: m.user for m in self.memberships}
        if self.viewer.role in (Role.SALES_REP, Role.SALES_MANAGER):
            found.setdefault(self.viewer.pk, self.viewer)
        return found

    @property
    def is_manager(self) -> bool:
        return self.viewer.role in SALES_MANAGERS

    def reps_of(self, team_id) -> list[User]:
        return [m.user for m in self.memberships if m.team_id == team_id]

    def team(self, pk) -> Team | None:
        return next((t for t in self.teams if str(t.pk) == str(pk)), None)

    def person(self, pk) -> User | None:
        return next((u for u in self.people.values() if str(u.pk) == str(pk)), None)


def audience(user) -> Audience:
    teams = list(forecast_teams(user))
    memberships = []
    if teams:
        memberships = list(
            TeamMembership.objects.filter(
                team__in=teams, user__is_active=True, user__role=Role.SALES_REP
            )
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "user_id")
        )
    return Audience(user, teams, memberships)


@dataclass(frozen=True)
class Scope:
    """Whose forecast: ``me``/``rep`` (one person), ``team`` (one team) or ``all``."""

    kind: str
    person: User | None = None
    team: Team | None = None

    @property
    def label(self) -> str:
        if self.kind in ("me", "rep"):
            return str(self.person)
        if self.kind == "team":
            return str(self.team)
        return "All my teams"

    @property
    def by_team(self) -> bool:
        return self.kind in ("team", "all")


# -- the numbers ---------------------------------------------------------------------------
@dataclass
class Figures:
    pipeline: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    best_case: Decimal = Decimal(0)
    commit: Decimal = Decimal(0)
    won: Decimal = Decimal(0)
    quota: Decimal | None = None
    open_deals: int = 0
    won_deals: int = 0

    def add(self, other: Figures) -> None:
        for name in MEASURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.quota is not None:
            self.quota = (self.quota or Decimal(0)) + other.quota
        self.open_deals += other.open_deals
        self.won_deals += other.won_deals

    def rounded(self) -> Figures:
        for name in MEASURES:
            setattr(self, name, getattr(self, name).quantize(CENT))
        if self.quota is not None:
            self.quota = self.quota.quantize(CENT)
        return self

    @property
    def attainment(self) -> Decimal | None:
        """Closed won as a percentage of the quota (one decimal), None without a quota."""
        if not self.quota:
            return None
        return (self.won * 100 / self.quota).quantize(Decimal("0.1"))


@dataclass
class Row:
    kind: str  # "rep", "team" (a team's total) or "total"
    label: str
    cells: list[Figures]
    total: Figures = field(default_factory=Figures)
    person: User | None = None
    team_id: int | None = None


@dataclass
class Forecast:
    periods: list[Period]
    currency: str
    rows: list[Row]  # reps, each team followed by its total row; the grand total last
    missing_rates: list[str] = field(default_factory=list)

    @property
    def total(self) -> Row:
        return self.rows[-1]

    def chart(self) -> dict:
        """Closed won, commit and quota per period (the bar chart)."""
        cells = self.total.cells
        num = lambda values: [float(v or 0) for v in values]  # noqa: E731
        return {
            "labels": [p.label for p in self.periods],
            "currency": self.currency,
            "series": [
                {"label": "Closed won", "data": num(c.won for c in cells), "color": "#198754"},
                {"label": "Commit", "data": num(c.commit for c in cells), "color": "#0d6efd"},
                {"label": "Quota", "data": num(c.quota for c in cells), "color": "#adb5bd"},
            ],
        }


def rollup_figures(viewer, scope: Scope, first: datetime.date, end: datetime.date, kind: str):
    """The sums per team, owner, currency and period, from the rollup PostgreSQL keeps beside
    the deals (``sales/models/forecast.py``): a manager of 10 teams sums ~1,600 rollup rows
    for half a year, not ~70,000 deals. Months without an open or won deal are left out."""
    qs = ForecastRollup.objects.visible_to(viewer).filter(
        Q(open_deals__gt=0) | Q(won_deals__gt=0), month__gte=first, month__lt=end
    )
    if scope.kind in ("me", "rep"):
        qs = qs.filter(owner=scope.person)
    elif scope.kind == "team":
        qs = qs.filter(team=scope.team)
    bucket = TruncQuarter("month") if kind == QUARTER else F("month")
    return (
        qs.annotate(bucket=bucket)
        .order_by()
        .values("team_id", "owner_id", "currency", "bucket")
        .annotate(
            **{name: Sum(name) for name in MEASURES},
            open_deals=Sum("open_deals"),
            won_deals=Sum("won_deals"),
        )
    )


def quota_table(user_ids, periods: list[Period], known: dict) -> tuple[dict, set]:
    """{(user id, period start): quota in the base currency} and the currencies without a
    rate. A period's own quota wins; a quarter without one adds up its months' quotas; a
    month without one gets a third of its quarter's quota."""
    if not user_ids or not periods:
        return {}, set()
    rows = Quota.objects.filter(
        user_id__in=user_ids,
        start__gte=start_of(periods[0].start, QUARTER),
        start__lt=periods[-1].end,
    ).values_list("user_id", "period", "start", "amount", "currency")
    rows = list(rows)
    missing = {r[4] for r in rows} - set(known)
    if missing - {base_currency()}:
        known.update(rates(missing))
    by_key, unknown = {}, set()
    for user_id, kind, start, amount, code in rows:
        value = in_base(amount, code, known)
        if value is None:
            unknown.add(code)
            continue
        by_key[(user_id, kind, start)] = value
    table = {}
    for user_id in user_ids:
        for p in periods:
            own = by_key.get((user_id, p.kind, p.start))
            if own is None and p.kind == QUARTER:
                months = [by_key.get((user_id, MONTH, m)) for m in p.months()]
                if any(v is not None for v in months):
                    own = sum((v for v in months if v is not None), Decimal(0))
            elif own is None:
                quarter = by_key.get((user_id, QUARTER, start_of(p.start, QUARTER)))
                own = None if quarter is None else quarter / 3
            if own is not None:
                table[(user_id, p.start)] = own
    return table, unknown


def _layout(scope: Scope, aud: Audience, cells: dict) -> list[tuple[Team | None, list]]:
    """[(team, owner ids)]: the reps of each team shown (with or without deals), then the
    other owners of its deals ("(unassigned)" for the team queue); teams outside the
    viewer's list (their own deals elsewhere) and deals without a team come last."""
    if scope.kind in ("me", "rep"):
        return [(None, [scope.person.pk])]
    teams = [scope.team] if scope.kind == "team" else aud.teams
    layout = []
    for team in teams:
        members = [u.pk for u in aud.reps_of(team.pk)]
        owners = [o for (t, o) in cells if t == team.pk and o not in members]
        layout.append((team, members + owners))
    shown = {t.pk for t in teams}
    others = sorted({t for (t, _) in cells if t not in shown}, key=lambda t: (t is None, t))
    if others:
        extra = {t.pk: t for t in Team.objects.filter(pk__in=[t for t in others if t])}
        for t in others:
            layout.append((extra.get(t), [o for (tk, o) in cells if tk == t]))
    return layout


def forecast(
    viewer, aud: Audience, scope: Scope, periods: list[Period], known: dict | None = None
) -> Forecast:
    """The forecast of ``scope`` over ``periods`` (``known``: rates already read)."""
    first, end = periods[0].start, periods[-1].end
    groups = list(rollup_figures(viewer, scope, first, end, periods[0].kind))
    known = dict(known) if known is not None else rates({g["currency"] for g in groups})
    missing = set()

    # (team key, owner id) -> period start -> Figures
    cells: dict = defaultdict(lambda: defaultdict(Figures))
    for g in groups:
        converted = {name: in_base(g[name], g["currency"], known) for name in MEASURES}
        if any(v is None for v in converted.values()):
            missing.add(g["currency"])
            continue
        converted["weighted"] /= 100
        figures = Figures(**converted, open_deals=g["open_deals"], won_deals=g["won_deals"])
        team_key = g["team_id"] if scope.by_team else None
        cells[(team_key, g["owner_id"])][g["bucket"]].add(figures)

    layout = _layout(scope, aud, cells)
    people = dict(aud.people)
    unknown_people = {o for _, owners in layout for o in owners if o and o not in people}
    if unknown_people:
        people.update(User.objects.in_bulk(unknown_people))
    quota_users = sorted({o for _, owners in layout for o in owners if o})
    quotas, no_rate = quota_table(quota_users, periods, known)
    missing |= no_rate

    rows, grand = [], Row("total", "Total", [Figures() for _ in periods])
    counted_quota = set()
    for team, owners in layout:
        team_id = team.pk if team else None
        team_row = Row("team", f"{team or '(no team)'} total", [Figures() for _ in periods],
                       team_id=team_id)  # fmt: skip
        for owner_id in owners:
            person = people.get(owner_id)
            row = Row("rep", str(person) if person else "(unassigned)", [], person=person,
                      team_id=team_id)  # fmt: skip
            for i, p in enumerate(periods):
                f = Figures()
                f.add(cells.get((team_id if scope.by_team else None, owner_id), {}).get(
                    p.start, Figures()))  # fmt: skip
                f.quota = quotas.get((owner_id, p.start))
                row.cells.append(f)
                team_row.cells[i].add(f)
                grand_f = Figures(**{n: getattr(f, n) for n in MEASURES},
                                  open_deals=f.open_deals, won_deals=f.won_deals)  # fmt: skip
                if owner_id not in counted_quota:  # a rep in two teams counts once
                    grand_f.quota = f.quota
                grand.cells[i].add(grand_f)
            counted_quota.add(owner_id)
            rows.append(row)
        if scope.by_team:
            rows.append(team_row)
    rows.append(grand)
    for row in rows:
        for f in row.cells:
            row.total.add(f)
        for f in (*row.cells, row.total):
            f.rounded()
    return Forecast(periods, base_currency(), rows, sorted(missing))
