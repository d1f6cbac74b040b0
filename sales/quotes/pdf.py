"""The quote as a document: the context shared by the page, the public page and the PDF (one
line table, one totals box, from ``totals``), the PDF itself (WeasyPrint) and its stored copy.

``ensure_document(quote)`` renders only when the quote's lines or totals changed since the
stored copy (``checksum``): calling it again, from a retried task or a second worker, costs a
checksum. The worker renders (outbox ``quote.render`` / ``quote.sent``); the download view
falls back to rendering synchronously only when no current copy exists.
"""

from __future__ import annotations

import hashlib
import json
import logging
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from ..models import Quote, QuoteDocument
from . import totals

log = logging.getLogger(__name__)

PDF_TEMPLATE = "sales/quotes/pdf.html"


def seller_name() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or "CRM"


def load(quote_or_id) -> Quote:
    pk = getattr(quote_or_id, "pk", quote_or_id)
    return Quote.objects.select_related("account", "contact", "owner", "opportunity").get(pk=pk)


def document_context(quote: Quote) -> dict:
    """What every rendering of the quote shows: the lines with their amounts and the totals,
    computed by ``totals`` from the lines as stored (the page and the PDF cannot differ)."""
    lines = list(quote.lines.select_related("product").order_by("position", "id"))
    result = totals.for_quote(quote, lines)
    return {
        "quote": quote,
        "rows": list(zip(lines, result.lines, strict=True)),
        "totals": result,
        "rounding_note": totals.rounding_note(result.units),
        "seller": seller_name(),
    }


def checksum(ctx: dict) -> str:
    """Of everything the PDF shows: header, lines, totals, terms."""
    quote = ctx["quote"]
    data = {
        "quote": [
            quote.number,
            quote.version,
            quote.title,
            quote.currency,
            str(quote.valid_until),
            quote.terms,
            str(quote.discount_percent),
            quote.account.name if quote.account_id else "",
            str(quote.contact) if quote.contact_id else "",
            str(quote.owner) if quote.owner_id else "",
            ctx["seller"],
        ],  # fmt: skip
        "lines": [
            [
                line.description,
                line.product.sku if line.product_id else "",
                str(line.quantity),
                str(line.unit_price),
                str(line.discount_percent),
                str(line.tax_rate),
                str(amounts.amount),
                str(amounts.net),
                str(amounts.tax),
            ]  # fmt: skip
            for line, amounts in ctx["rows"]
        ],
        "totals": ctx["totals"].as_dict(),
        "note": ctx["rounding_note"],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def render_html(ctx: dict) -> str:
    return render_to_string(PDF_TEMPLATE, ctx)


def write_pdf(html: str) -> bytes:
    """HTML to PDF bytes with WeasyPrint, no network: every style is in the template."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def warm_up() -> None:
    """Loads WeasyPrint, its fonts and the quote template (a worker process does it once at
    start, so the first quote a customer waits for is not the slow one)."""
    from django.template.loader import get_template

    get_template(PDF_TEMPLATE)
    write_pdf("<p style='font-family: sans-serif'>1 234,56 <b>€</b></p>")


def render_quote_pdf(quote: Quote) -> bytes:
    """The quote's PDF (bytes)."""
    return write_pdf(render_html(document_context(quote)))


def current_document(quote: Quote) -> QuoteDocument | None:
    """The stored PDF if it shows the quote as it is now, else None."""
    document = QuoteDocument.objects.filter(quote=quote).first()
    if document is not None and document.checksum == checksum(document_context(quote)):
        return document
    return None


def ensure_document(quote_or_id) -> QuoteDocument:
    """Render and store the PDF unless the stored one is current (idempotent)."""
    quote = load(quote_or_id)
    ctx = document_context(quote)
    digest = checksum(ctx)
    document = QuoteDocument.objects.filter(quote=quote).only("pk", "checksum").first()
    if document is not None and document.checksum == digest:
        return QuoteDocument.objects.get(pk=document.pk)
    pdf = write_pdf(render_html(ctx))
    with transaction.atomic():
        document, _ = QuoteDocument.objects.update_or_create(
            quote=quote, defaults={"pdf": pdf, "checksum": digest}
        )
    log.info("Quote %s v%s: PDF rendered (%d bytes)", quote.pk, quote.version, len(pdf))
    return document


def filename(quote: Quote) -> str:
    return f"{quote.number}-v{quote.version}.pdf"
