"""Opportunities on the customer's 360° view: timeline entries (created, stage moves, won or
lost), the "Open pipeline" and "Won revenue" key figures and the account page's panel.

Every entry carries the deal's access facts (``access_kind=SALES``, owner, team), so only
those who may see the deal see its entries; when the deal changes hands or account, its
entries follow."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum

from accounts import timeline
from accounts.models import TimelineEntry

from ..models import Opportunity, Stage

KIND = "opportunity"
TRACKED = ("account_id", "contact_id", "owner_id", "team_id")
PANEL_ROWS = 6


def money_text(amount, currency) -> str:
    from catalog import money

    return money.display(amount, currency)


def snapshot(opp: Opportunity) -> dict:
    return {name: getattr(opp, name) for name in TRACKED}


def _entries(opp):
    return TimelineEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(Opportunity), subject_id=opp.pk
    )


def record_opportunity(opp: Opportunity, *, before: dict, before_stage_id, by) -> None:
    """One entry when the deal is created, moves stage, is won or lost."""
    if before and any(before[name] != getattr(opp, name) for name in TRACKED):
        _entries(opp).update(
            account_id=opp.account_id,
            contact_id=opp.contact_id,
            owner_id=opp.owner_id,
            team_id=opp.team_id,
        )
    stage = opp.stage
    value = money_text(opp.amount, opp.currency)
    if not before:
        title = f"Opportunity created: {opp.name} ({stage.name}, {value})"
    elif before_stage_id == stage.pk:
        return
    elif stage.kind == Stage.Kind.WON:
        title = f"Won: {opp.name} ({value})"
    elif stage.kind == Stage.Kind.LOST:
        title = f"Lost: {opp.name} ({opp.get_close_reason_display()})"
    else:
        old = Stage.objects.filter(pk=before_stage_id).values_list("name", flat=True).first()
        title = f"{opp.name}: {old or '—'} → {stage.name} ({value})"
    summary = opp.close_note if stage.is_closed else opp.next_step
    timeline.record(
        subject=opp,
        kind=KIND,
        title=title,
        summary=summary,
        account=opp.account_id,
        contact=opp.contact_id,
        actor=by,
        access_kind=TimelineEntry.Access.SALES,
        owner=opp.owner_id,
        team=opp.team_id,
    )


def forget(opp: Opportunity) -> None:
    _entries(opp).delete()


# -- key figures --------------------------------------------------------------------------------


def _in_base(groups, known) -> Decimal | None:
    """Sum of (currency, amount) groups in the base currency; groups without a rate are left
    out (a currency cannot be saved on a deal without one)."""
    from catalog import money

    total = Decimal(0)
    for code, amount in groups:
        value = money.in_base(amount, code, known)
        if value is not None:
            total += money.quantize(value, money.base_currency())
    return total


def _sales_figures(account_ids, user) -> dict | None:
    """Open and won amounts of the accounts' deals the user may see, in one aggregate (per
    status and currency), kept on the user object for the figure computed next."""
    if not Opportunity.access.can_list(user):
        return None
    key = tuple(account_ids)
    memo = getattr(user, "_sales_figures", None)
    if memo and memo[0] == key:
        return memo[1]
    rows = (
        Opportunity.objects.visible_to(user)
        .filter(account_id__in=account_ids, status__in=[Stage.Kind.OPEN, Stage.Kind.WON])
        .values("status", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_status: dict[str, list] = {Stage.Kind.OPEN: [], Stage.Kind.WON: []}
    for row in rows:
        by_status[row["status"]].append((row["currency"], row["total"]))
    from catalog import money

    known = money.rates({code for groups in by_status.values() for code, _ in groups})
    values = {status: _in_base(groups, known) for status, groups in by_status.items()}
    user._sales_figures = (key, values)
    return values


def open_pipeline(account_ids, user):
    """Sum of the open deals' amounts (base currency); None for roles without sales records."""
    values = _sales_figures(account_ids, user)
    return None if values is None else values[Stage.Kind.OPEN]


def won_revenue(account_ids, user):
    values = _sales_figures(account_ids, user)
    return None if values is None else values[Stage.Kind.WON]


# -- the account page's panel ---------------------------------------------------------------


def account_panel(account, user) -> dict | None:
    """The account's open deals (soonest close first), for those who may see sales records."""
    if not Opportunity.access.can_list(user):
        return None
    rows = list(
        Opportunity.objects.visible_to(user)
        .filter(account=account, status=Stage.Kind.OPEN)
        .select_related("stage", "owner")
        .order_by("close_date", "pk")[: PANEL_ROWS + 1]
    )
    return {
        "opportunities": rows[:PANEL_ROWS],
        "opportunities_more": len(rows) > PANEL_ROWS,
        "can_add_opportunity": Opportunity.access.can_add(user),
    }
