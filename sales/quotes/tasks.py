"""Celery tasks of quotes (autodiscovered as ``sales.quotes.tasks`` through ``sales.tasks``)."""

from celery import shared_task


@shared_task(acks_late=True)
def expire_quotes() -> int:
    """Beat, hourly: sent/approved quotes past their validity become expired (idempotent)."""
    from .workflow import expire_quotes as expire

    return expire()


@shared_task(acks_late=True)
def render_quote_document(quote_id: int) -> bool:
    """Render (or find current) the PDF of one quote version; safe to run any number of times."""
    from ..models import Quote
    from .pdf import ensure_document

    if not Quote.objects.filter(pk=quote_id).exists():
        return False
    ensure_document(quote_id)
    return True
