"""Two versions of a quote side by side: which lines were added, removed or changed, and how
the totals moved. Lines are matched by product and configuration (then description), in
order, so a repeated product pairs with its counterpart rather than with the first one."""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import pdf

COMPARED = ("description", "quantity", "unit_price", "discount_percent", "tax_rate")
TOTALS = (("subtotal", "Subtotal"), ("discount_total", "Quote discount"),
          ("tax_total", "Tax"), ("shipping", "Shipping"), ("total", "Total"))  # fmt: skip


@dataclass
class Row:
    kind: str  # "added" | "removed" | "changed" | "same"
    old: object  # (line, amounts) or None
    new: object
    changed: tuple[str, ...] = ()


def _key(line) -> tuple:
    if line.product_id:
        return ("p", line.product_id, json.dumps(line.configuration or {}, sort_keys=True))
    return ("d", line.description)


def compare(old_quote, new_quote) -> dict:
    old, new = pdf.document_context(old_quote), pdf.document_context(new_quote)
    pool: dict[tuple, list] = {}
    for row in old["rows"]:
        pool.setdefault(_key(row[0]), []).append(row)
    rows = []
    for row in new["rows"]:
        candidates = pool.get(_key(row[0]))
        if not candidates:
            rows.append(Row("added", None, row))
            continue
        before = candidates.pop(0)
        diff = tuple(f for f in COMPARED if getattr(before[0], f) != getattr(row[0], f))
        rows.append(Row("changed" if diff else "same", before, row, diff))
    removed = [r for rows_ in pool.values() for r in rows_]
    removed.sort(key=lambda r: (r[0].position, r[0].pk))
    rows += [Row("removed", r, None) for r in removed]
    totals = [
        (label, getattr(old["totals"], name), getattr(new["totals"], name))
        for name, label in TOTALS
    ]
    header = [
        (label, old_value, new_value)
        for label, old_value, new_value in (
            ("Quote discount %", old_quote.discount_percent, new_quote.discount_percent),
            ("Valid until", old_quote.valid_until, new_quote.valid_until),
            ("Terms", old_quote.terms, new_quote.terms),
            ("Contact", old_quote.contact, new_quote.contact),
        )
        if old_value != new_value
    ]
    counts = {
        kind: sum(1 for r in rows if r.kind == kind) for kind in ("added", "removed", "changed")
    }
    return {"rows": rows, "totals": totals, "header": header, "counts": counts}
