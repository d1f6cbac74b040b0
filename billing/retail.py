"""Purchase history from the UCI "Online Retail" file (``manage.py import_online_retail``).

What it makes of the file:

- one account per CustomerID (external id ``retail:<CustomerID>``, "Retail customer 12345
  (United Kingdom)", country from the customer's first row, segment "Online retail", GBP);
- one invoice per InvoiceNo (external id ``retail:<InvoiceNo>``, its number kept), issued on
  the InvoiceDate, due 30 days later, with its lines (StockCode → sku, Description, Quantity,
  UnitPrice, net = quantity × price rounded half-up to pence; no tax in the file);
- a cancellation (InvoiceNo "C…", negative quantities) → a credit note with its lines. Each
  line is matched to the customer's latest invoice with the same stock code issued before it;
  the note references the invoice most of its amount was matched to; none found (the original
  predates the file): a standalone credit note;
- the history is settled: each invoice gets a payment of what its matched credit notes left
  (total − credits), on its issue date, so it is paid (or cancelled when fully credited).
  A customer's balance is therefore 0, except for standalone credit notes: a credit in the
  customer's favour (negative balance), as the file does not say how they were refunded;
- every document writes its ledger entry through ``billing.ledger`` (the rules of the
  services, in bulk).

Rows are validated first; a row error rejects its whole invoice group (nothing of it is
written) and is reported with its line number. Rows without a CustomerID are skipped and
counted. Running it again adds nothing: groups whose external id exists are left alone.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.services import account_bulk_create, account_save
from core.bulk import insert as bulk_insert

from . import ledger
from .models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, Payment
from .retail_file import FileError, Report, Row, read_groups

CURRENCY = "GBP"
DUE_DAYS = 30
PREFIX = "retail:"
__all__ = ["FileError", "Report", "RetailImport"]


class RetailImport:
    def __init__(self, path, *, by=None):
        self.path = Path(path)
        self.by = by
        self.report = Report()

    def run(self, *, dry_run: bool = False) -> Report:
        groups = read_groups(self.path, self.report)
        if dry_run:
            return self.report
        with transaction.atomic():
            self._write(groups)
        return self.report

    # -- writing ----------------------------------------------------------------------------
    def _write(self, groups: dict[str, list[Row]]) -> None:
        report = self.report
        accounts = self._accounts(groups)  # every customer of the file: created or updated
        ids = [PREFIX + key for key in groups]
        done = set(
            Invoice.objects.filter(external_id__in=ids).values_list("external_id", flat=True)
        )
        done |= set(
            CreditNote.objects.filter(external_id__in=ids).values_list("external_id", flat=True)
        )
        for key in list(groups):
            if PREFIX + key in done:
                report.groups_already_imported += 1
                report.skipped["already imported"] += len(groups.pop(key))
        invoices = self._invoices(groups, accounts)
        notes = self._credit_notes(groups, accounts, invoices)
        payments = self._settle(invoices)
        self._save(invoices, notes, payments)

    def _accounts(self, groups) -> dict[str, Account]:
        """Every customer of the file's valid groups (created, updated or unchanged)."""
        country: dict[str, str] = {}
        for rows in groups.values():
            for row in rows:
                country.setdefault(row.customer, row.country)
        wanted = {
            customer: {
                "name": f"Retail customer {customer} ({c or 'unknown country'})"[:200],
                "billing_country": c,
            }
            for customer, c in country.items()
        }
        existing = {
            a.external_id.removeprefix(PREFIX): a
            for a in Account.objects.filter(external_id__in=[PREFIX + c for c in wanted])
        }
        report = self.report
        for customer, account in existing.items():
            data = wanted[customer]
            if all(getattr(account, k) == v for k, v in data.items()):
                report.accounts_unchanged += 1
            else:
                account_save(account=account, data=data, by=self.by)
                report.accounts_updated += 1
        new = [
            Account(
                external_id=PREFIX + customer,
                kind=Account.Kind.COMPANY,
                currency=CURRENCY,
                segment="Online retail",
                source="Online retail import",
                **data,
            )
            for customer, data in wanted.items()
            if customer not in existing
        ]
        for account in new:  # field checks only: no uniqueness queries (ids are new)
            account.clean_fields(exclude=["tags", "parent", "merged_into", "owner", "team"])
        account_bulk_create(new, by=self.by)
        report.accounts_created += len(new)
        existing.update({a.external_id.removeprefix(PREFIX): a for a in new})
        return existing

    def _invoices(self, groups, accounts) -> dict[str, tuple[Invoice, list[Row]]]:
        invoices = {}
        for key, rows in groups.items():
            if key.startswith("C"):
                continue
            first = min(r.at for r in rows)
            invoice = Invoice(
                number=key,
                account=accounts[rows[0].customer],
                issued_on=first.date(),
                due_on=first.date() + datetime.timedelta(days=DUE_DAYS),
                currency=CURRENCY,
                total=sum(r.net for r in rows),
                external_id=PREFIX + key,
            )
            invoice.issued_at = first
            invoices[key] = (invoice, rows)
        return invoices

    def _originals(self, groups, accounts, invoices):
        """(customer, sku) → [(issued at, invoice)], oldest first: this file's invoices and
        those of earlier imports of the same customers."""
        index = defaultdict(list)
        for invoice, rows in invoices.values():
            for row in rows:
                index[(row.customer, row.sku)].append((invoice.issued_at, invoice))
        cancelling = {rows[0].customer for key, rows in groups.items() if key.startswith("C")}
        earlier = InvoiceLine.objects.filter(
            invoice__account__in=[accounts[c] for c in cancelling],
            invoice__external_id__startswith=PREFIX,
        ).select_related("invoice", "invoice__account")
        for line in earlier:
            customer = line.invoice.account.external_id.removeprefix(PREFIX)
            at = datetime.datetime.combine(line.invoice.issued_on, datetime.time.min)
            index[(customer, line.sku)].append((at, line.invoice))
        for candidates in index.values():
            candidates.sort(key=lambda c: c[0])
        return index

    def _credit_notes(self, groups, accounts, invoices):
        index = self._originals(groups, accounts, invoices)
        new_invoices = {id(inv) for inv, _ in invoices.values()}
        notes = []
        cancellations = sorted(
            ((k, rows) for k, rows in groups.items() if k.startswith("C")),
            key=lambda item: min(r.at for r in item[1]),
        )
        for key, rows in cancellations:
            at = min(r.at for r in rows)
            lines, matched = [], Counter()
            for position, row in enumerate(rows):
                found = [inv for when, inv in index.get((row.customer, row.sku), ()) if when <= at]
                original = found[-1] if found else None
                lines.append(
                    CreditNoteLine(
                        position=position,
                        sku=row.sku,
                        description=row.description,
                        quantity=abs(row.quantity),
                        unit_price=row.unit_price,
                        net_amount=row.net,
                        invoice=original,
                    )
                )
                if original is None:
                    continue
                self.report.cancellation_lines_matched += 1
                matched[id(original)] += row.net
                if id(original) in new_invoices:  # earlier imports are settled already
                    room = original.total - original.credited_amount
                    original.credited_amount += min(row.net, room)
            by_id = {id(ln.invoice): ln.invoice for ln in lines if ln.invoice is not None}
            main = by_id[matched.most_common(1)[0][0]] if matched else None
            note = CreditNote(
                number=key,
                account=accounts[rows[0].customer],
                invoice=main,
                issued_on=at.date(),
                currency=CURRENCY,
                amount=sum(ln.net_amount for ln in lines),
                reason="Cancelled order (imported)",
                external_id=PREFIX + key,
            )
            if note.amount <= 0:
                self.report.errors.append((rows[0].line, key, "the cancellation adds up to zero"))
                self.report.groups_rejected += 1
                self.report.skipped["invoice group rejected (row errors)"] += len(rows)
                continue
            notes.append((note, lines))
        return notes

    def _settle(self, invoices) -> list[Payment]:
        payments = []
        for invoice, _rows in invoices.values():
            paid = invoice.total - invoice.credited_amount
            if paid > 0:
                invoice.paid_amount = paid
                payments.append(
                    Payment(
                        account=invoice.account,
                        invoice=invoice,
                        received_on=invoice.issued_on,
                        currency=CURRENCY,
                        amount=paid,
                        reference="Paid at purchase (imported)",
                    )
                )
            ledger.settle(invoice)
        return payments

    def _save(self, invoices, notes, payments) -> None:
        """COPY every row (``accounts.services``' bulk writer, pks from the sequences);
        foreign keys are set from the parents saved just before."""
        report = self.report
        docs = [inv for inv, _ in invoices.values()]
        now = timezone.now()
        for doc in [*docs, *(n for n, _ in notes), *payments]:
            doc.created_at = doc.updated_at = now  # COPY: no auto_now
        bulk_insert(Invoice, docs)
        invoice_lines = [
            InvoiceLine(
                invoice_id=inv.pk,
                position=i,
                sku=r.sku,
                description=r.description,
                quantity=r.quantity,
                unit_price=r.unit_price,
                net_amount=r.net,
                tax_amount=0,
            )
            for inv, rows in invoices.values()
            for i, r in enumerate(rows)
        ]
        bulk_insert(InvoiceLine, invoice_lines)
        # Re-assigning a saved parent sets its id and keeps it cached (setting ``*_id``
        # directly would drop the cache, and the ledger's labels would query it back).
        for note, _ in notes:
            note.invoice = note.invoice
        bulk_insert(CreditNote, [n for n, _ in notes])
        note_lines = []
        for note, lines in notes:
            for line in lines:
                line.credit_note = note
                line.invoice = line.invoice
                note_lines.append(line)
        bulk_insert(CreditNoteLine, note_lines)
        for payment in payments:
            payment.invoice = payment.invoice
        bulk_insert(Payment, payments)
        entries = [ledger.entry_for_invoice(inv, by=self.by) for inv in docs]
        entries += [ledger.entry_for_payment(p, by=self.by) for p in payments]
        entries += [ledger.entry_for_credit_note(n, by=self.by) for n, _ in notes]
        ledger.post(entries, bulk=bulk_insert)
        report.invoices, report.invoice_lines = len(docs), len(invoice_lines)
        report.payments, report.credit_notes = len(payments), len(notes)
        report.credit_notes_matched = sum(1 for n, _ in notes if n.invoice_id)
        report.credit_note_lines, report.ledger_entries = len(note_lines), len(entries)
