"""Every write to orders, invoices, payments and credit notes goes through here (pages, API,
an accepted quote, the demo). Each invoice, payment and credit note writes its one ledger
entry (``billing.ledger``) in the same transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone

from accounts import timeline
from accounts.models import TimelineEntry
from catalog import money
from catalog.money import quantize

from . import ledger
from .models import CreditNote, Invoice, InvoiceLine, Order, OrderLine, Payment
from .numbers import next_number
from .validation import clean_amount, clean_currency, clean_date

MAX_DUE_DAYS = 365


def order_from_quote(*, quote, by) -> Order:
    """The order of an accepted quote: created once, returned as is on every later call
    (a double click on "accept", a retried task). The quote row is locked while deciding, so
    two concurrent calls cannot both create one."""
    from sales.models import Quote

    with transaction.atomic():
        locked = Quote.objects.select_for_update().select_related("opportunity").get(pk=quote.pk)
        existing = Order.objects.filter(quote=locked).first()
        if existing:
            return existing
        account_id = locked.account_id or locked.opportunity.account_id
        if not account_id:
            raise ValidationError(
                "The quote has no account (neither on the quote nor on its opportunity): "
                "an order needs a customer account.",
                code="no_account",
            )
        order = Order.objects.create(
            number=next_number("order"),
            account_id=account_id,
            opportunity_id=locked.opportunity_id,
            quote=locked,
            ordered_on=timezone.localdate(),
            currency=locked.currency,
            total=locked.total,
            owner_id=locked.owner_id,
            team_id=locked.team_id,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                position=position,
                product_id=line.product_id,
                sku=line.product.sku if line.product_id else "",
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net_amount=line.net_amount,
                tax_amount=line.tax_amount,
            )
            for position, line in enumerate(
                locked.lines.select_related("product").order_by("position", "id")
            )
        )
        timeline.record(
            subject=order,
            kind="order",
            title=f"Order {order.number} placed: {money.display(order.total, order.currency)}",
            summary=f"From quote {locked.number} v{locked.version}",
            account=account_id,
            actor=by if getattr(by, "is_authenticated", False) else None,
            access_kind=TimelineEntry.Access.SALES,
            owner=order.owner_id,
            team=order.team_id,
        )
    return order


def _actor(by):
    return by if getattr(by, "is_authenticated", False) else None


def _record(document, *, title: str, account_id: int, by, on, owner=None, team=None) -> None:
    """Billing documents on the account's timeline, on their own date, visible to whoever
    sees the account's sales records (the order's owner and team, else the account's)."""
    timeline.record(
        subject=document,
        kind="billing",
        title=title,
        account=account_id,
        actor=_actor(by),
        occurred_at=_moment(on),
        access_kind=TimelineEntry.Access.SALES,
        owner=owner,
        team=team,
    )


def _moment(day: datetime.date) -> datetime.datetime:
    """Now for a document of today; the start of the office day for one dated earlier."""
    if day >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def _due_on(issued_on: datetime.date, due_in_days) -> datetime.date:
    try:
        days = int(due_in_days)
    except (TypeError, ValueError):
        raise ValidationError({"due_in_days": "Enter a number of days."}) from None
    if not 0 <= days <= MAX_DUE_DAYS:
        raise ValidationError({"due_in_days": f"Payment terms are 0 to {MAX_DUE_DAYS} days."})
    return issued_on + datetime.timedelta(days=days)


def _create_invoice(
    *, account, currency, lines, issued_on, due_on, by, order=None, external_id=""
) -> Invoice:
    total = sum((ln.net_amount + ln.tax_amount for ln in lines), Decimal(0))
    if total <= 0:
        raise ValidationError("An invoice must add up to more than zero.", code="empty_invoice")
    invoice = Invoice.objects.create(
        number=next_number("invoice"),
        account=account,
        order=order,
        issued_on=issued_on,
        due_on=due_on,
        currency=currency,
        total=total,
        external_id=external_id,
    )
    for position, line in enumerate(lines):
        line.invoice, line.position = invoice, position
    InvoiceLine.objects.bulk_create(lines)
    ledger.post([ledger.entry_for_invoice(invoice, by=_actor(by))])
    _record(
        invoice,
        title=f"Invoice {invoice.number} issued: {money.display(total, currency)}, "
        f"due {formats.date_format(due_on)}",
        on=issued_on,
        account_id=account.pk,
        by=by,
        owner=order.owner_id if order else account.owner_id,
        team=order.team_id if order else account.team_id,
    )
    return invoice


def invoice_from_order(order, by, due_in_days=30, issued_on=None) -> Invoice:
    """Invoice an open order in full (once: a second call is refused)."""
    issued_on = clean_date(issued_on or timezone.localdate(), field="issued_on")
    due_on = _due_on(issued_on, due_in_days)
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("account").get(pk=order.pk)
        if order.status == Order.Status.CANCELLED:
            raise ValidationError("A cancelled order cannot be invoiced.", code="cancelled")
        if order.invoices.exclude(status=Invoice.Status.CANCELLED).exists():
            raise ValidationError(f"Order {order.number} is already invoiced.", code="invoiced")
        lines = [
            InvoiceLine(
                product_id=ln.product_id,
                sku=ln.sku,
                description=ln.description,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                net_amount=ln.net_amount,
                tax_amount=ln.tax_amount,
            )
            for ln in order.lines.all()
        ]
        if not lines:
            lines = [
                InvoiceLine(
                    description=f"Order {order.number}",
                    quantity=1,
                    unit_price=order.total,
                    net_amount=order.total,
                )
            ]
        return _create_invoice(
            account=order.account,
            currency=order.currency,
            lines=lines,
            issued_on=issued_on,
            due_on=due_on,
            by=by,
            order=order,
        )


def invoice_create(
    *, account, currency, lines: list[dict], by, issued_on=None, due_in_days=30, external_id=""
) -> Invoice:
    """A manual invoice. ``lines``: dicts of description, quantity, unit_price and an optional
    tax_rate (%); each line is rounded half-up to the currency's minor unit."""
    currency = clean_currency(currency)
    issued_on = clean_date(issued_on or timezone.localdate(), field="issued_on")
    due_on = _due_on(issued_on, due_in_days)
    if not lines:
        raise ValidationError({"lines": "Add at least one line."})
    built = []
    for i, data in enumerate(lines, start=1):
        if not isinstance(data, dict):
            raise ValidationError({"lines": f"Line {i}: expected an object."})
        description = str(data.get("description") or "").strip()
        if not description:
            raise ValidationError({"lines": f"Line {i}: a description is required."})
        quantity = clean_amount(data.get("quantity", 1), field="lines")
        unit_price = clean_amount(data.get("unit_price"), field="lines", allow_zero=True)
        tax_rate = clean_amount(data.get("tax_rate", 0), field="lines", allow_zero=True)
        if tax_rate > 100:
            raise ValidationError({"lines": f"Line {i}: a tax rate is at most 100 %."})
        net = quantize(quantity * unit_price, currency)
        built.append(
            InvoiceLine(
                sku=str(data.get("sku") or "")[:40],
                description=description,
                quantity=quantity,
                unit_price=unit_price,
                net_amount=net,
                tax_amount=quantize(net * tax_rate / 100, currency),
            )
        )
    with transaction.atomic():
        return _create_invoice(
            account=account,
            currency=currency,
            lines=built,
            issued_on=issued_on,
            due_on=due_on,
            by=by,
            external_id=external_id,
        )


def _locked_invoice(invoice, account, currency) -> Invoice:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.account_id != account.pk:
        raise ValidationError({"invoice": "The invoice belongs to another account."})
    if locked.currency != currency:
        raise ValidationError(
            {"currency": f"Invoice {locked.number} is in {locked.currency}, not {currency}."}
        )
    if locked.status != Invoice.Status.OPEN:
        raise ValidationError(
            {"invoice": f"Invoice {locked.number} is {locked.get_status_display().lower()}."}
        )
    return locked


def _settle_against(invoice, *, account, currency, amount, field: str, rest: str) -> Invoice:
    """Counts ``amount`` (a payment or a credit) against what the invoice still owes, under
    the invoice's row lock: never more than it owes (``rest`` says what to do with the rest);
    the invoice's status follows (``ledger.settle``)."""
    invoice = _locked_invoice(invoice, account, currency)
    if amount > invoice.outstanding:
        raise ValidationError(
            {
                "amount": f"Invoice {invoice.number} still owes only "
                f"{money.display(invoice.outstanding, invoice.currency)}: {rest}"
            }
        )
    setattr(invoice, field, getattr(invoice, field) + amount)
    ledger.settle(invoice)
    invoice.save(update_fields=[field, "status", "updated_at"])
    return invoice


def payment_record(
    *,
    account,
    amount,
    currency=None,
    received_on=None,
    invoice=None,
    by,
    method="",
    reference="",
) -> Payment:
    """Money received. Against an invoice: at most what it still owes (a partial payment
    leaves it open; the last one marks it paid). Without an invoice: a credit on account."""
    amount = clean_amount(amount)
    currency = clean_currency(currency or (invoice.currency if invoice else ""))
    received_on = clean_date(
        received_on or timezone.localdate(), field="received_on", not_after=timezone.localdate()
    )
    with transaction.atomic():
        if invoice is not None:
            invoice = _settle_against(
                invoice, account=account, currency=currency, amount=amount,
                field="paid_amount", rest="record the rest on account.",
            )  # fmt: skip
        payment = Payment.objects.create(
            account=account,
            invoice=invoice,
            received_on=received_on,
            currency=currency,
            amount=amount,
            method=str(method)[:40],
            reference=str(reference)[:100],
        )
        ledger.post([ledger.entry_for_payment(payment, by=_actor(by))])
        what = f" for {invoice.number}" if invoice else " on account"
        _record(
            payment,
            title=f"Payment of {amount:,.2f} {currency} received{what}",
            on=received_on,
            account_id=account.pk,
            by=by,
            owner=account.owner_id,
            team=account.team_id,
        )
    return payment


def credit_note_create(
    *, account, amount, reason="", invoice=None, currency=None, by, issued_on=None, external_id=""
) -> CreditNote:
    """A credit to the customer. Against an invoice: at most what it still owes (it reduces
    that debt); without one: a credit on account."""
    amount = clean_amount(amount)
    currency = clean_currency(currency or (invoice.currency if invoice else ""))
    issued_on = clean_date(
        issued_on or timezone.localdate(), field="issued_on", not_after=timezone.localdate()
    )
    with transaction.atomic():
        if invoice is not None:
            invoice = _settle_against(
                invoice, account=account, currency=currency, amount=amount,
                field="credited_amount", rest="credit the rest on account.",
            )  # fmt: skip
        note = CreditNote.objects.create(
            number=next_number("credit_note"),
            account=account,
            invoice=invoice,
            issued_on=issued_on,
            currency=currency,
            amount=amount,
            reason=str(reason)[:255],
            external_id=external_id,
        )
        ledger.post([ledger.entry_for_credit_note(note, by=_actor(by))])
        _record(
            note,
            title=f"Credit note {note.number}: {amount:,.2f} {currency}",
            on=issued_on,
            account_id=account.pk,
            by=by,
            owner=account.owner_id,
            team=account.team_id,
        )
    return note
