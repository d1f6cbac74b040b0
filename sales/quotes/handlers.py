"""Outbox handlers of quotes (run by the Celery worker, after the change committed).

``quote.render``: the quote's content changed; render its PDF (skipped when current, and
while a later change's ``quote.render`` waits: a burst of edits renders once).
``quote.sent``: render the PDF and e-mail it to the contact with the public link, once per
version: ``sent_email_at`` is checked under the quote's row lock and set in the outbox's
transaction, so a retried or duplicated task finds it set and sends nothing. (If the worker
dies between the SMTP answer and the commit, the retry re-sends the same message: the fixed
``Message-ID`` lets mail clients fold the copy into one.)
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from core import events
from core.events import handles

from ..models import Quote
from . import pdf, tokens


@handles("quote.render")
def render_document(event):
    quote_id = event.payload["quote_id"]
    if events.later_pending(event, quote_id=quote_id):
        return  # coalesced: the later change's event renders the quote as it is then
    if Quote.objects.filter(pk=quote_id).exists():
        pdf.ensure_document(quote_id)


def message_id(quote: Quote) -> str:
    return f"<quote-{quote.pk}-v{quote.version}@crm>"


def deliver_quote_email(quote_id: int) -> bool:
    """E-mail the sent quote to its contact, unless this version was e-mailed already.
    Call inside a transaction (the outbox's): the row lock and the mark commit together."""
    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("contact", "owner")
        .filter(pk=quote_id, sent_email_at__isnull=True, status=Quote.Status.SENT)
        .first()
    )
    if quote is None or quote.contact_id is None or not quote.contact.email:
        return False
    document = pdf.ensure_document(quote)
    ctx = {
        "quote": quote,
        "link": tokens.public_url(quote),
        "seller": pdf.seller_name(),
    }
    message = EmailMessage(
        subject=f"Quote {quote.number} (version {quote.version}): {quote.title}",
        body=render_to_string("sales/quotes/email.txt", ctx),
        to=[quote.contact.email],
        reply_to=[quote.owner.email] if quote.owner_id and quote.owner.email else None,
        headers={"Message-ID": message_id(quote)},
    )
    message.attach(pdf.filename(quote), bytes(document.pdf), "application/pdf")
    message.send()
    Quote.objects.filter(pk=quote.pk).update(sent_email_at=timezone.now())
    return True


@handles("quote.sent")
def email_quote(event):
    deliver_quote_email(event.payload["quote_id"])
