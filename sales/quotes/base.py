"""Building blocks shared by the quote services (``services``, ``workflow``): the error,
the row lock, numbers, input parsing, the timeline entry, the render event and the stored
totals."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import timeline
from accounts.models import TimelineEntry
from catalog import money
from core import events
from core.models import Notification

from ..models import Quote, QuoteLine
from . import totals

EDITABLE = (Quote.Status.DRAFT, Quote.Status.REJECTED, Quote.Status.APPROVED)


class QuoteError(ValidationError):
    """The quote is not in a state that allows this (sent, superseded, …)."""


# -- helpers ----------------------------------------------------------------------------------


def next_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('sales_quote_number_seq')")
        (value,) = cursor.fetchone()
    return f"Q-{value:06d}"


def new_nonce() -> str:
    return secrets.token_hex(16)


def lock(quote) -> Quote:
    """The quote's row, locked for the rest of the transaction (fresh values)."""
    return Quote.objects.select_for_update().get(pk=quote.pk)


def decimal(value, label: str, *, field: str) -> Decimal:
    """A number typed by a person or sent by a client, or a clear error (never a 500)."""
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = (
                Decimal(str(value).strip().replace(",", ".")) if value not in (None, "") else None
            )
        except (InvalidOperation, ValueError):
            result = None
    if result is None or not result.is_finite():
        raise ValidationError({field: f"{label} must be a number."})
    return result


def check_currency(code: str) -> None:
    """A quote in a currency other than the base one needs an exchange rate (reports, the
    forecast and the ledger convert it)."""
    if code != money.base_currency():
        money.rate(code)  # MissingRate: a ValidationError with a clear message


def ensure_editable(quote: Quote) -> None:
    if quote.status in EDITABLE:
        return
    hints = {
        Quote.Status.PENDING_APPROVAL: "It is waiting for a manager's approval: it can be "
        "changed once the approval is decided.",
        Quote.Status.SUPERSEDED: "A newer version exists: change that one.",
        Quote.Status.ACCEPTED: "The customer accepted it.",
    }
    hint = hints.get(quote.status, "Revise it to make a new version you can change.")
    raise QuoteError(
        f"Quote {quote} is {quote.get_status_display().lower()} and cannot be changed. {hint}",
        code="not_editable",
    )


def back_to_draft(quote: Quote) -> list[str]:
    """Changing an approved (or rejected) quote: the approval was for other figures."""
    if quote.status == Quote.Status.DRAFT:
        return []
    quote.status = Quote.Status.DRAFT
    quote.approved_by = None
    quote.approval_decided_at = None
    return ["status", "approved_by", "approval_decided_at"]


def record_timeline(quote: Quote, title: str, *, by=None, summary: str = "") -> None:
    timeline.record(
        subject=quote,
        kind="quote",
        title=title,
        summary=summary,
        account=quote.account_id,
        contact=quote.contact_id,
        actor=by if getattr(by, "is_authenticated", False) else None,
        access_kind=TimelineEntry.Access.SALES,
        owner=quote.owner_id,
        team=quote.team_id,
    )


def forget(quote: Quote) -> None:
    """Before a quote is deleted: its timeline entries go (as a deleted deal's or lead's do)
    and notifications about it keep their text but lose the link to it."""
    TimelineEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(Quote), subject_id=quote.pk
    ).delete()
    Notification.objects.filter(url=quote.get_absolute_url()).update(url="")


# Edits within this many seconds of each other share one PDF render (issue 16: building a
# 150-line quote through the API rendered it 151 times, 2-3.6 s each).
RENDER_SETTLE_SECONDS = 3


def changed(quote: Quote) -> None:
    """The quote's content changed: the worker renders its PDF (``quote.render``) once the
    edits settle. Each change records its event (in the change's transaction); the task runs
    ``RENDER_SETTLE_SECONDS`` later and skips while a later change's event waits, so a burst
    of line edits is rendered once, as it ends. Sending and downloading render at once when
    the stored PDF is not current (``pdf.ensure_document``)."""
    events.record("quote.render", {"quote_id": quote.pk}, delay=RENDER_SETTLE_SECONDS)


def recompute(quote: Quote, lines: list[QuoteLine] | None = None) -> totals.Totals:
    """Store the lines' and the quote's amounts (from ``totals``, the one rule)."""
    if lines is None:
        lines = list(quote.lines.order_by("position", "id"))
    result = totals.for_quote(quote, lines)
    dirty = []
    for line, amounts in zip(lines, result.lines, strict=True):
        if (line.net_amount, line.tax_amount) != (amounts.net, amounts.tax):
            line.net_amount, line.tax_amount = amounts.net, amounts.tax
            dirty.append(line)
    if dirty:
        QuoteLine.objects.bulk_update(dirty, ["net_amount", "tax_amount"])
    quote.subtotal = result.subtotal
    quote.discount_total = result.discount_total
    quote.tax_total = result.tax_total
    quote.total = result.total
    quote.max_discount_percent = result.max_discount_percent
    quote.save(
        update_fields=[
            "subtotal", "discount_total", "tax_total", "total", "max_discount_percent",
            "updated_at",
        ]
    )  # fmt: skip
    return result
