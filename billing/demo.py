"""Demo data for `make run` (called by core's load_demo, idempotent and quick).

Three accounts of the demo rep get a small ledger through the services (so every document
has its ledger entry and timeline entry): one paid in full, one with an overdue invoice and a
partial payment, one in two currencies with a credit note. Orders of accepted demo quotes are
invoiced. Natural keys: ``external_id`` ``demo:<account id>:<n>``.

The online_retail purchase history is not part of the demo (it adds 1,204 accounts and takes
a while): load it with ``manage.py import_online_retail``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import Invoice, Order

DEMO_REP = "anna.snelling"
LIMIT_ORDERS = 5


def _line(description, quantity, price, tax="20"):
    return {"description": description, "quantity": Decimal(quantity),
            "unit_price": Decimal(price), "tax_rate": Decimal(tax)}  # fmt: skip


def _plans():
    """Per demo account: (n, currency, issued days ago, payment terms, lines, payments as
    [(days ago, amount or "all")], credit note as (days ago, amount, reason) or None)."""
    paid = [
        (
            1,
            "USD",
            120,
            30,
            [_line("GTX Plus Basic, 10 seats", 10, "1096.00")],
            [(95, "all")],
            None,
        ),
        (2, "USD", 60, 30, [_line("Annual support", 1, "2400.00")], [(40, "all")], None),
    ]
    overdue = [
        (
            1,
            "USD",
            75,
            30,
            [_line("MG Special, 4 units", 4, "55.00"), _line("On-site installation", 1, "900.00")],
            [(30, "500.00")],
            None,
        ),
        (2, "USD", 10, 30, [_line("GTX Pro, 2 units", 2, "4821.00")], [], None),
    ]
    two_currencies = [
        (
            1,
            "EUR",
            50,
            14,
            [_line("GTK 500 Workstation", 1, "4500.00", "22")],
            [(20, "2000.00")],
            (15, "300.00", "Delivery was two weeks late"),
        ),
        (2, "USD", 20, 30, [_line("Training day", 2, "750.00")], [(5, "all")], None),
    ]
    return [overdue, two_currencies, paid]  # the first goes to the demo rep


def load(*, users, accounts, stdout):
    by = users.get(DEMO_REP) or next(iter(users.values()), None)
    rep = users.get(DEMO_REP)
    # the demo rep's accounts first (her ledger panels are not empty), then any others
    chosen = sorted(accounts, key=lambda a: (not rep or a.owner_id != rep.pk, a.pk))[:3]
    today = timezone.localdate()
    made = 0
    for account, plan in zip(chosen, _plans(), strict=False):
        if Invoice.objects.filter(external_id__startswith=f"demo:{account.pk}:").exists():
            continue
        for n, currency, ago, terms, lines, payments, credit in plan:
            invoice = services.invoice_create(
                account=account, currency=currency, lines=lines, by=by,
                issued_on=today - datetime.timedelta(days=ago), due_in_days=terms,
                external_id=f"demo:{account.pk}:{n}",
            )  # fmt: skip
            made += 1
            if credit:
                days, amount, reason = credit
                services.credit_note_create(
                    account=account, invoice=invoice, amount=Decimal(amount), reason=reason,
                    by=by, issued_on=today - datetime.timedelta(days=days),
                    external_id=f"demo:{account.pk}:{n}:credit",
                )  # fmt: skip
                invoice.refresh_from_db()
            for days, amount in payments:
                invoice.refresh_from_db()
                services.payment_record(
                    account=account, invoice=invoice, by=by, method="bank transfer",
                    amount=invoice.outstanding if amount == "all" else Decimal(amount),
                    received_on=today - datetime.timedelta(days=days),
                )  # fmt: skip
    invoiced = _invoice_accepted_orders(by)
    stdout.write(f"Billing: {made} demo invoices, {invoiced} orders invoiced.")


def _invoice_accepted_orders(by) -> int:
    """Orders of accepted demo quotes (on the Maven deals) get their invoice (once: an order
    is invoiced once); users' own orders are theirs to invoice."""
    orders = Order.objects.filter(
        status=Order.Status.OPEN, invoices=None, opportunity__external_id__startswith="maven:"
    ).select_related("account")[:LIMIT_ORDERS]
    for order in orders:
        services.invoice_from_order(order, by, issued_on=order.ordered_on)
    return len(orders)
