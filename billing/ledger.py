"""The ledger's rules, written once and used by the services and the bulk import.

An invoice is a debit (the customer owes it); a payment and a credit note are credits. Each
document has exactly one entry, booked on its date, in its currency. The builders return
unsaved entries: the services save one in their transaction, the import bulk-creates many.
``settle`` decides an invoice's status from what was paid and credited against it.
"""

from __future__ import annotations

from .models import CreditNote, Invoice, LedgerEntry, Payment


def entry_for_invoice(invoice: Invoice, *, by=None) -> LedgerEntry:
    return LedgerEntry(
        account_id=invoice.account_id,
        booked_on=invoice.issued_on,
        kind=LedgerEntry.Kind.INVOICE,
        currency=invoice.currency,
        debit=invoice.total,
        invoice=invoice,
        description=f"Invoice {invoice.number}",
        created_by=by,
    )


def entry_for_payment(payment: Payment, *, by=None) -> LedgerEntry:
    label = f"Payment for {payment.invoice.number}" if payment.invoice_id else "Payment"
    if payment.reference:
        label = f"{label} ({payment.reference})"
    return LedgerEntry(
        account_id=payment.account_id,
        booked_on=payment.received_on,
        kind=LedgerEntry.Kind.PAYMENT,
        currency=payment.currency,
        credit=payment.amount,
        invoice_id=payment.invoice_id,
        payment=payment,
        description=label[:255],
        created_by=by,
    )


def entry_for_credit_note(note: CreditNote, *, by=None) -> LedgerEntry:
    label = f"Credit note {note.number}"
    if note.invoice_id:
        label = f"{label} on {note.invoice.number}"
    if note.reason:
        label = f"{label}: {note.reason}"
    return LedgerEntry(
        account_id=note.account_id,
        booked_on=note.issued_on,
        kind=LedgerEntry.Kind.CREDIT_NOTE,
        currency=note.currency,
        credit=note.amount,
        invoice_id=note.invoice_id,
        credit_note=note,
        description=label[:255],
        created_by=by,
    )


def post(entries: list[LedgerEntry], *, bulk=None) -> None:
    """Save entries in the caller's transaction: one from a service, thousands from the
    import (``bulk``: a writer such as COPY, given the model and the instances)."""
    if bulk is not None:
        bulk(LedgerEntry, entries)
        return
    for entry in entries:
        entry.save(force_insert=True)


def settle(invoice: Invoice) -> None:
    """The invoice's status from what has been paid and credited against it: open while
    something is owed; paid when settled; cancelled when credited in full without payment."""
    if invoice.status == Invoice.Status.CANCELLED:
        return
    if invoice.outstanding > 0:
        invoice.status = Invoice.Status.OPEN
    elif invoice.paid_amount == 0 and invoice.credited_amount >= invoice.total:
        invoice.status = Invoice.Status.CANCELLED
    else:
        invoice.status = Invoice.Status.PAID
