"""Demo data for `make run` (called by core's load_demo, idempotent): a quarterly quota for
every demo rep for the previous, the current and the next quarter.

A rep's quota is what they won per quarter on average in the Maven data set (their won deals
as opportunities when the pipeline's demo loaded them, else straight from the CSV), plus a
10 % stretch, rounded up to the next 5,000 — so attainment lands around 100 % for an average
quarter. Existing quotas are left as they are (a manager may have changed them)."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Min, Sum

from catalog.money import base_currency
from users.models import Role

from ..models import Opportunity, Quota
from .periods import QUARTER, current, shift

STRETCH = Decimal("1.10")
STEP = 5000
FLOOR = Decimal(10000)  # reps with (almost) no history still get a target


def _quarters(first: tuple[int, int], last: tuple[int, int]) -> int:
    """How many calendar quarters (year, month) ``first`` … ``last`` touch."""
    (y1, m1), (y2, m2) = first, last
    return max(1, (y2 - y1) * 4 + (m2 - 1) // 3 - (m1 - 1) // 3 + 1)


def _from_opportunities(reps) -> dict[int, Decimal]:
    rows = (
        Opportunity.objects.filter(owner__in=reps, status=Opportunity.Status.WON)
        .order_by()
        .values("owner_id")
        .annotate(total=Sum("amount"), first=Min("close_date"), last=Max("close_date"))
    )
    rows = list(rows)
    if not rows:
        return {}
    first = min(r["first"] for r in rows)
    last = max(r["last"] for r in rows)
    quarters = _quarters((first.year, first.month), (last.year, last.month))
    return {r["owner_id"]: r["total"] / quarters for r in rows}


def _from_maven(reps) -> dict[int, Decimal]:
    from core.management.commands.load_demo import username_for

    path = Path(settings.SHARED_DATA_DIR) / "maven_crm_sales" / "sales_pipeline.csv"
    if not path.exists():
        return {}
    by_name = {u.username: u.pk for u in reps}
    totals, dates = defaultdict(Decimal), []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["deal_stage"] != "Won" or not row["close_value"] or not row["close_date"]:
                continue
            pk = by_name.get(username_for(row["sales_agent"]))
            dates.append((int(row["close_date"][:4]), int(row["close_date"][5:7])))
            if pk:
                totals[pk] += Decimal(row["close_value"])
    if not dates:
        return {}
    quarters = _quarters(min(dates), max(dates))
    return {pk: total / quarters for pk, total in totals.items()}


def quota_amount(per_quarter: Decimal | None) -> Decimal:
    target = max((per_quarter or 0) * STRETCH, FLOOR)
    return Decimal(math.ceil(target / STEP) * STEP)


def load(*, users, accounts, stdout):
    reps = [u for u in users.values() if u.role == Role.SALES_REP]
    if not reps:
        return
    per_quarter = _from_opportunities(reps) or _from_maven(reps)
    this = current(QUARTER).start
    starts = [shift(this, QUARTER, n) for n in (-1, 0, 1)]
    have = set(
        Quota.objects.filter(user__in=reps, period=QUARTER, start__in=starts).values_list(
            "user_id", "start"
        )
    )
    currency = base_currency()
    new = [
        Quota(user=rep, period=QUARTER, start=start, currency=currency,
              amount=quota_amount(per_quarter.get(rep.pk)))
        for rep in reps
        for start in starts
        if (rep.pk, start) not in have
    ]  # fmt: skip
    Quota.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        stdout.write(f"Quotas: {len(new)} quarterly quotas for {len(reps)} reps.")
