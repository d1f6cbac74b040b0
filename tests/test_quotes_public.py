"""The customer's signed link ``/q/<token>/``: reading without a login, accepting (one order,
the deal won, even on a double click), declining, and every way a link can be wrong: tampered,
pointing at another quote, expired, superseded, revoked."""

import base64
import datetime
import json
import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import Order
from core.models import Notification
from sales.models import Quote
from sales.quotes import services, tasks, tokens

from .factories import CurrencyFactory, ProductFactory, QuoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    return ProductFactory(
        name="Cloud plan", currency=CurrencyFactory(code="USD"), unit_price=D("250.00")
    )


@pytest.fixture
def sent(org, product):
    quote = QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 4, D("5"))])
    return services.send_quote(quote=quote, by=org.rep)


def link(quote):
    return tokens.public_path(quote)


def state(quote):
    quote.refresh_from_db()
    return (quote.status, quote.opportunity.status, Order.objects.filter(quote=quote).count())


def test_customer_reads_the_quote_without_logging_in(client, sent):
    response = client.get(link(sent))

    assert response.status_code == 200
    page = response.content.decode()
    assert sent.number in page and "Cloud plan" in page and "950.00" in page
    assert "Accept quote" in page and "Decline quote" in page
    assert 'name="robots" content="noindex, nofollow"' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "navbar" not in page and "Log out" not in page  # no app shell
    assert "Amounts are rounded half-up to the cent per line" in page


def test_accept_marks_the_deal_won_and_creates_one_order(client, org, sent):
    url = link(sent)

    response = client.post(url, {"action": "accept", "name": "Ada Lovelace"})

    assert response.status_code == 302 and response["Location"] == url
    sent.refresh_from_db()
    assert (sent.status, sent.accepted_by_name) == ("accepted", "Ada Lovelace")
    assert sent.opportunity.status == "won"
    order = Order.objects.get(quote=sent)
    assert (order.total, order.currency, order.account_id) == (sent.total, "USD", sent.account_id)
    assert order.lines.count() == 1
    assert Notification.objects.filter(user=org.rep, subject__contains="accepted").exists()
    page = client.get(url).content.decode()
    assert "You accepted this quote" in page and "Accept quote" not in page

    # a second click: the accepted page again, no second order
    again = client.post(url, {"action": "accept", "name": "Ada Lovelace"})
    assert again.status_code == 302
    assert Order.objects.filter(quote=sent).count() == 1


@pytest.mark.django_db(transaction=True)
def test_double_click_on_accept_at_the_same_time_makes_one_order(org, product):
    quote = QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 1, 0)])
    services.send_quote(quote=quote, by=org.rep)
    url = link(quote)
    start = threading.Barrier(2)
    codes = []

    def click():
        try:
            start.wait()
            codes.append(Client().post(url, {"action": "accept", "name": "Bob"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert codes == [302, 302]
    assert state(quote) == ("accepted", "won", 1)


def test_accept_needs_a_name(client, sent):
    before = state(sent)
    response = client.post(link(sent), {"action": "accept", "name": "   "})
    assert response.status_code == 400
    assert "Type your name to accept the quote." in response.content.decode()
    assert state(sent) == before


def test_decline_with_a_reason(client, org, sent):
    url = link(sent)
    response = client.post(url, {"action": "decline", "reason": "Too expensive"})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert (sent.status, sent.decline_reason) == ("declined", "Too expensive")
    assert Notification.objects.filter(user=org.rep, subject__contains="declined").exists()
    assert "You declined this quote" in client.get(url).content.decode()

    # accepting a declined quote is refused, nothing changes
    refused = client.post(url, {"action": "accept", "name": "Changed my mind"})
    assert refused.status_code == 400 and "This quote is declined." in refused.content.decode()
    assert state(sent) == ("declined", "open", 0)


def _tamper(token: str, **changes) -> str:
    """Change the signed payload but keep the old signature (what an attacker can do)."""
    payload, rest = token.split(":", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + ":" + rest


def test_tampered_tokens_are_404_and_change_nothing(client, org, sent, product):
    other = QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 9, 0)])
    services.send_quote(quote=other, by=org.rep)
    token = tokens.make_token(sent)
    assert json.loads(base64.urlsafe_b64decode(token.split(":")[0] + "==")) == {
        "q": sent.pk,
        "v": 1,
        "n": sent.token_nonce,
    }
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    bad = [
        flipped,
        token[:-5],
        token + "x",
        "not-a-token",
        _tamper(token, q=other.pk),  # someone else's quote id, old signature
        _tamper(token, v=2),
        "x" * 500,
    ]
    for value in bad:
        for method in ("get", "post"):
            response = getattr(client, method)(
                reverse("public_quote", args=[value]), {"action": "accept", "name": "Eve"}
            )
            assert response.status_code == 404, value
            assert "This quote link is not valid" in response.content.decode()
        assert client.get(reverse("public_quote_pdf", args=[value])).status_code == 404
    assert state(sent) == ("sent", "open", 0) and state(other) == ("sent", "open", 0)


def test_a_link_shows_its_own_quote_only(client, org, sent, product):
    other = QuoteFactory(owner=org.other_rep, team=org.other_team, lines=[(product, 7, 0)])
    other.lines.update(description="Secret other line")
    services.recompute(other)
    services.send_quote(quote=other, by=org.other_rep)

    mine = client.get(link(sent)).content.decode()
    theirs = client.get(link(other)).content.decode()

    assert sent.number in mine and other.number not in mine
    assert "Secret other line" not in mine
    assert other.number in theirs and "Secret other line" in theirs


def test_expired_quote_shows_a_clear_page_and_nothing_changes(client, org, sent):
    Quote.objects.filter(pk=sent.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    url = link(sent)

    for response in (client.get(url), client.post(url, {"action": "accept", "name": "Late"})):
        assert response.status_code == 410
        page = response.content.decode()
        assert "This quote has expired" in page
        assert org.rep.email in page  # who to contact
    assert state(sent) == ("sent", "open", 0)

    assert tasks.expire_quotes() == 1
    response = client.post(url, {"action": "accept", "name": "Late"})
    assert response.status_code == 410 and "This quote has expired" in response.content.decode()
    assert state(sent) == ("expired", "open", 0)


def test_superseded_version_says_a_newer_one_exists(client, org, sent):
    old_url = link(sent)
    new = services.revise_quote(quote=sent, by=org.rep)

    response = client.get(old_url)
    assert response.status_code == 410
    assert "A newer version of this quote exists" in response.content.decode()
    refused = client.post(old_url, {"action": "accept", "name": "Ann"})
    assert refused.status_code == 410
    assert state(sent) == ("superseded", "open", 0)

    services.send_quote(quote=new, by=org.rep)
    page = client.get(old_url).content.decode()
    assert link(new) in page  # "open the current version"


def test_unsent_or_revoked_links_are_404(client, org, product, sent):
    draft = QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 1, 0)])
    assert client.get(link(draft)).status_code == 404
    url = link(sent)
    Quote.objects.filter(pk=sent.pk).update(token_nonce="revoked000")
    assert client.get(url).status_code == 404


def test_public_pdf_download(client, sent):
    response = client.get(reverse("public_quote_pdf", args=[tokens.make_token(sent)]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"{sent.number}-v1.pdf" in response["Content-Disposition"]


def test_accept_needs_the_csrf_token(sent):
    csrf_client = Client(enforce_csrf_checks=True)
    url = link(sent)
    assert csrf_client.post(url, {"action": "accept", "name": "Mallory"}).status_code == 403
    page = csrf_client.get(url)
    token = page.cookies["csrftoken"].value
    response = csrf_client.post(
        url, {"action": "accept", "name": "Alice", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert state(sent) == ("accepted", "won", 1)
