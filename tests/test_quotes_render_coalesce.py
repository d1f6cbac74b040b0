"""A burst of quote edits is rendered once (issue 16, item 8).

Building a 150-line quote through the API queued 151 PDF renders of 2-3.6 s each. Each change
still records its ``quote.render`` event in its own transaction (``core.events``), but the
worker runs it when the edits have settled and skips it while a later change's event waits:
the quote is rendered once, as the burst ends. A download or a send renders at once when the
stored PDF is not current, and the e-mail is still sent once (tests/test_quotes_worker.py).
"""

import logging
import time
from decimal import Decimal as D

import pytest

from core.models import OutboxEvent
from sales.models import QuoteDocument
from sales.quotes import pdf

from .api_helpers import API, client_for, send
from .factories import CurrencyFactory, ProductFactory, QuoteFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LINES = 30


def wait_until(predicate, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Renders(logging.Handler):
    """The renders the PDF module logs, from any thread (the worker's included)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def of(self, quote) -> int:
        prefix = f"Quote {quote.pk} v{quote.version}: PDF rendered"
        return sum(1 for m in self.messages if m.startswith(prefix))


@pytest.fixture
def rendered():
    logger = logging.getLogger("sales.quotes.pdf")
    handler, level = Renders(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_building_a_quote_line_by_line_through_the_api_renders_it_once(
    org, celery_worker_factory, rendered
):
    product = ProductFactory(currency=CurrencyFactory(code="USD"), unit_price=D("49.90"))
    quote = QuoteFactory(owner=org.rep, team=org.team, lines=[])
    celery_worker_factory()
    client = client_for(org.rep)
    url = f"{API}/quotes/{quote.pk}/"

    for i in range(LINES):
        added = send(client, "post", url + "lines/", {"product": product.pk, "quantity": "1"})
        assert added.status_code == 201, added.content
    changed = send(client, "patch", url, {"shipping": "12.50"})
    assert changed.status_code == 200, changed.content

    renders = OutboxEvent.objects.filter(topic="quote.render", payload__quote_id=quote.pk)
    assert renders.count() == LINES + 1  # every change recorded its event, in its transaction
    assert wait_until(lambda: not renders.filter(processed_at__isnull=True).exists())

    quote.refresh_from_db()
    document = QuoteDocument.objects.get(quote=quote)
    assert document.checksum == pdf.checksum(pdf.document_context(pdf.load(quote)))  # current
    assert rendered.of(quote) == 1
    html = pdf.render_html(pdf.document_context(quote))
    assert f"{quote.total:,.2f}" in html and quote.lines.count() == LINES


def test_a_download_during_the_burst_gets_the_quote_as_it_is(org, celery_worker_factory):
    """Nothing waits for the settled render: the page's download renders the current
    content at once, and the worker's render afterwards finds it current."""
    product = ProductFactory(currency=CurrencyFactory(code="USD"), unit_price=D("49.90"))
    quote = QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 2, 0)])
    celery_worker_factory()
    client = client_for(org.rep)
    send(client, "post", f"{API}/quotes/{quote.pk}/lines/", {"product": product.pk,
                                                              "quantity": "5"})  # fmt: skip

    response = client.get(f"/sales/quotes/{quote.pk}/pdf/")

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    rendered_at = QuoteDocument.objects.get(quote=quote).rendered_at
    events = OutboxEvent.objects.filter(topic="quote.render", payload__quote_id=quote.pk)
    assert wait_until(lambda: not events.filter(processed_at__isnull=True).exists())
    assert QuoteDocument.objects.get(quote=quote).rendered_at == rendered_at  # not again
