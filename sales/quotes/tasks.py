"""Celery tasks of quotes (autodiscovered as ``sales.quotes.tasks`` through ``sales.tasks``)."""

import logging

from celery import shared_task
from celery.signals import worker_process_init

log = logging.getLogger(__name__)


@worker_process_init.connect
def warm_up_pdf(**kwargs):
    """Each worker process loads WeasyPrint and its fonts before its first task (about a
    second the first quote PDF would otherwise wait for)."""
    from .pdf import warm_up

    try:
        warm_up()
    except Exception:  # a broken PDF stack must not keep the worker from its other tasks
        log.exception("WeasyPrint could not be loaded; quote PDFs will fail")


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
