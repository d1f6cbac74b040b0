"""Reading the ledger: entries with their running balance, and balances per currency.

The running balance is computed by PostgreSQL, not in Python: a window sum over the
account's entries of one currency in booking order, ``SUM(debit - credit) OVER (PARTITION BY
currency ORDER BY booked_on, id)``, on the ``ledger_idx`` index. Currencies are never added
together.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    Max,
    Min,
    OuterRef,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog import money

from .filters import overdue_q
from .models import Invoice, LedgerEntry, Order

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(Decimal(0), output_field=MONEY)
ZERO_D = Decimal("0.00")


def with_running_balance(entries):
    """``entries`` (one account's, unsliced, unfiltered by date) with ``balance``: the
    account's balance in the entry's currency just after it was booked."""
    return entries.annotate(
        balance=Window(
            Sum(F("debit") - F("credit"), output_field=MONEY),
            partition_by=[F("currency")],
            order_by=[F("booked_on").asc(), F("id").asc()],
        )
    )


@dataclass
class LedgerPage:
    entries: list
    number: int
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1


def ledger_page(account, *, currency: str = "", page: int = 1, per_page: int = 50) -> LedgerPage:
    """Newest entries first, ``per_page`` at a time; no COUNT (a huge ledger costs one query
    per page). Filtering by currency keeps the balances right: a partition is all of one
    currency."""
    qs = LedgerEntry.objects.filter(account=account)
    if currency:
        qs = qs.filter(currency=currency)
    qs = with_running_balance(qs).select_related(
        "invoice", "payment", "credit_note", "credit_note__invoice"
    )
    start = (page - 1) * per_page
    rows = list(qs.order_by("-booked_on", "-id")[start : start + per_page + 1])
    return LedgerPage(entries=rows[:per_page], number=page, has_next=len(rows) > per_page)


@dataclass
class CurrencySummary:
    currency: str
    debit: Decimal
    credit: Decimal
    overdue_amount: Decimal
    overdue_count: int
    oldest_due_on: object

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit

    @property
    def days_overdue(self) -> int:
        if not self.oldest_due_on:
            return 0
        return (timezone.localdate() - self.oldest_due_on).days


def summary(account_ids, user=None) -> list[CurrencySummary]:
    """Balance and overdue invoices per currency of the accounts together. With ``user``,
    only what the user may read counts (``visible_to``)."""
    totals: dict[str, CurrencySummary] = {}
    for row in _per_account(account_ids, user):
        t = totals.setdefault(
            row["currency"], CurrencySummary(row["currency"], ZERO_D, ZERO_D, ZERO_D, 0, None)
        )
        t.debit += row["debit_sum"]
        t.credit += row["credit_sum"]
        t.overdue_amount += row["overdue_amount"]
        t.overdue_count += row["overdue_count"]
        if row["oldest_due_on"] and (not t.oldest_due_on or row["oldest_due_on"] < t.oldest_due_on):
            t.oldest_due_on = row["oldest_due_on"]
    return [totals[code] for code in sorted(totals)]


def _per_account(account_ids, user) -> list[dict]:
    """One query: per account and currency, debits, credits and overdue invoices. With a
    ``user`` the rows are kept on the user object for the request, so the account page's key
    figure (the account and its sub-accounts) and its ledger panel (the account) share them."""
    wanted = set(account_ids)
    memo = getattr(user, "_billing_rows", None)
    if memo and wanted <= memo[0]:
        return [r for r in memo[1] if r["account_id"] in wanted]
    entries = LedgerEntry.objects.filter(account_id__in=wanted)
    invoices = Invoice.objects.all()
    if user is not None:
        entries, invoices = entries.visible_to(user), invoices.visible_to(user)
    overdue = (
        invoices.filter(
            overdue_q(), account_id=OuterRef("account_id"), currency=OuterRef("currency")
        )
        .order_by()
        .values("account_id", "currency")
    )

    def of_overdue(expression):
        return Subquery(overdue.annotate(v=expression).values("v")[:1])

    rows = list(
        entries.order_by()
        .values("account_id", "currency")
        .annotate(
            debit_sum=Sum("debit"),
            credit_sum=Sum("credit"),
            overdue_amount=Coalesce(
                of_overdue(Sum(F("total") - F("paid_amount") - F("credited_amount"))), ZERO
            ),
            overdue_count=Coalesce(of_overdue(Count("pk")), 0),
            oldest_due_on=of_overdue(Min("due_on")),
        )
    )
    if user is not None:
        user._billing_rows = (wanted, rows)
    return rows


def format_balances(rows: list[CurrencySummary]) -> str | None:
    """ "1,234.50 EUR · 80.00 USD" (non-zero balances), "0" when settled, None when empty."""
    if not rows:
        return None
    parts = [money.display(r.balance, r.currency) for r in rows if r.balance]
    return " · ".join(parts) or "0"


def account_currencies(account) -> list[str]:
    """The currencies the account's ledger and orders are in, the most recently used first;
    the account's own ``currency`` only when it has no document yet (it may be a default nobody
    chose: the documents say what the customer really pays in). One query per table."""
    last_used = {}
    for queryset, day in ((LedgerEntry.objects, "booked_on"), (Order.objects, "ordered_on")):
        rows = queryset.filter(account=account).values("currency").annotate(last=Max(day))
        for row in rows.order_by():
            code, last = row["currency"], row["last"]
            if code and (code not in last_used or last > last_used[code]):
                last_used[code] = last
    used = sorted(last_used, key=lambda code: last_used[code], reverse=True)
    return used or [account.currency]
