"""Reading the UCI "Online Retail" CSV for ``billing.retail``: each row checked, rows grouped
by invoice number, a group with any bad row rejected whole (reported by line number)."""

from __future__ import annotations

import csv
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")
CENT = Decimal("0.01")


class FileError(Exception):
    """The file cannot be read as an Online Retail export at all."""


@dataclass
class Row:
    line: int  # line number in the file (the header is line 1)
    invoice_no: str
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    at: datetime.datetime
    customer: str
    country: str

    @property
    def net(self) -> Decimal:
        return (abs(self.quantity) * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Report:
    rows: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0
    accounts_unchanged: int = 0
    invoices: int = 0
    invoice_lines: int = 0
    payments: int = 0
    credit_notes: int = 0
    credit_notes_matched: int = 0
    credit_note_lines: int = 0
    cancellation_lines_matched: int = 0
    ledger_entries: int = 0
    groups_already_imported: int = 0
    groups_rejected: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> rows
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # line, InvoiceNo, message


def _parse_row(line: int, raw: dict) -> tuple[Row | None, list[str]]:
    errors = []
    invoice_no = (raw.get("InvoiceNo") or "").strip()
    customer = (raw.get("CustomerID") or "").strip()
    if customer.endswith(".0"):
        customer = customer[:-2]
    if not invoice_no:
        errors.append("InvoiceNo is empty")
    elif not invoice_no.removeprefix("C").isalnum() or len(invoice_no) > 20:
        errors.append(f"InvoiceNo {invoice_no!r} is not an invoice number")
    if not customer.isdigit():
        errors.append(f"CustomerID {customer!r} is not a number")

    def number(name):
        value = (raw.get(name) or "").strip()
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            parsed = None
        if parsed is None or not parsed.is_finite() or abs(parsed) >= Decimal("1e9"):
            errors.append(f"{name} {value!r} is not a number")
            return None
        return parsed

    quantity, unit_price = number("Quantity"), number("UnitPrice")
    if unit_price is not None and unit_price < 0:
        errors.append(f"UnitPrice {unit_price} is negative")
    if quantity is not None:
        cancelled = invoice_no.startswith("C")
        if quantity == 0:
            errors.append("Quantity is zero")
        elif cancelled and quantity > 0:
            errors.append(f"Quantity {quantity} is positive on a cancellation")
        elif not cancelled and quantity < 0:
            errors.append(f"Quantity {quantity} is negative on an invoice (not a C… number)")
        elif quantity != quantity.quantize(CENT):
            errors.append(f"Quantity {quantity} has more than two decimals")
    at = None
    text = (raw.get("InvoiceDate") or "").strip()
    for fmt in DATE_FORMATS:
        try:
            at = datetime.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if at is None:
        errors.append(f"InvoiceDate {text!r} is not a date (YYYY-MM-DD HH:MM or M/D/YYYY H:MM)")
    if errors:
        return None, errors
    return Row(
        line=line,
        invoice_no=invoice_no,
        sku=(raw.get("StockCode") or "").strip()[:40],
        description=(raw.get("Description") or "").strip(),
        quantity=quantity,
        unit_price=unit_price.quantize(CENT, rounding=ROUND_HALF_UP),
        at=at,
        customer=customer,
        country=(raw.get("Country") or "").strip()[:100],
    ), []


def read_groups(path: Path, report: Report) -> dict[str, list[Row]]:
    """The file's valid invoice groups (InvoiceNo → rows); errors and skips on ``report``."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        raise FileError(f"{path}: {exc.strerror}") from exc
    groups: dict[str, list[Row]] = defaultdict(list)
    rejected: dict[str, int] = Counter()
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise FileError(f"{path}: missing column(s) {', '.join(missing)}")
        for line, raw in enumerate(reader, start=2):
            report.rows += 1
            if not (raw.get("CustomerID") or "").strip():
                report.skipped["no CustomerID"] += 1
                continue
            row, errors = _parse_row(line, raw)
            key = (raw.get("InvoiceNo") or "").strip()
            if errors:
                report.errors.extend((line, key, e) for e in errors)
                rejected[key] += 1
            else:
                groups[key].append(row)
    for key, rows in list(groups.items()):
        customers = {r.customer for r in rows}
        if len(customers) > 1:
            report.errors.append((rows[0].line, key, "rows name different customers"))
            rejected[key] += 1
        elif not key.startswith("C") and sum(r.net for r in rows) <= 0:
            report.errors.append((rows[0].line, key, "the invoice adds up to zero"))
            rejected[key] += 1
    for key, bad in rejected.items():
        report.groups_rejected += 1
        report.skipped["invoice group rejected (row errors)"] += bad + len(groups.pop(key, ()))
    return groups
