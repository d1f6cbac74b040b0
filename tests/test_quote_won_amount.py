"""Issue 17, item 1: accepting a quote makes its total the deal's won amount, in the deal's
currency and in the same transaction as the order, so the deal, the account's "Won revenue",
the forecast (its rollup) and the order all show one figure."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.models import Order
from catalog.models import ExchangeRate
from sales.models import ForecastRollup, StageChange
from sales.pipeline import services as pipeline
from sales.quotes import services, tokens

from .factories import CurrencyFactory, ExchangeRateFactory, ProductFactory, QuoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    return ProductFactory(
        name="Turbine", currency=CurrencyFactory(code="USD"), unit_price=D("12000.00")
    )


@pytest.fixture
def sent(org, product):
    """A deal of 48,000 USD whose quote (7 turbines at 12,000, 5 % off, 20 % tax) differs."""
    quote = QuoteFactory(
        owner=org.rep, team=org.team, amount=D("48000.00"), lines=[(product, 7, D("5"))]
    )
    return services.send_quote(quote=quote, by=org.rep)


def accept(client, quote):
    response = client.post(tokens.public_path(quote), {"action": "accept", "name": "Ada"})
    assert response.status_code == 302
    quote.refresh_from_db()
    return Order.objects.get(quote=quote)


def won_in_forecast(client, user) -> D:
    """Closed won of the "Total" rows of the forecast's CSV (each month of its range)."""
    client.force_login(user)
    response = client.get(reverse("sales:forecast"), {"period": "month", "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(text))
    return sum(D(r["Closed won"].replace(",", "")) for r in rows if r["Row"] == "Total")


def test_the_won_amount_is_the_accepted_quotes_total(client, org, sent):
    assert sent.total != D("48000.00")

    order = accept(client, sent)

    deal = sent.opportunity
    deal.refresh_from_db()
    assert order.total == sent.total == D("95760.00")  # 7 × 12,000 × 0.95 × 1.2
    assert (deal.status, deal.amount, deal.currency) == ("won", order.total, "USD")
    # the stage history records the deal at its won amount
    assert StageChange.objects.filter(opportunity=deal).latest("pk").amount == order.total
    # the forecast rollup (maintained by PostgreSQL in the same transaction) and the page
    assert sum(r.won for r in ForecastRollup.objects.filter(owner=org.rep)) == order.total
    assert won_in_forecast(client, org.sales_manager) == order.total
    # the account's "Won revenue" figure
    client.force_login(org.rep)
    page = client.get(deal.account.get_absolute_url())
    figures = {f["key"]: f["value"] for f in page.context["figures"]}
    assert figures["won_revenue"] == order.total


def test_a_quote_in_another_currency_is_converted_into_the_deals(client, org, sent):
    """The deal moved to EUR after its USD quote was sent: the won amount is the quote's total
    in EUR at today's rate (1 USD = 0.5 EUR here)."""
    ExchangeRateFactory(currency=CurrencyFactory(code="EUR"), rate=D("0.5"))
    deal = pipeline.opportunity_save(opportunity=sent.opportunity, data={"currency": "EUR"},
                                     by=org.rep)  # fmt: skip

    order = accept(client, sent)

    deal.refresh_from_db()
    assert (order.total, order.currency) == (D("95760.00"), "USD")
    assert (deal.status, deal.amount, deal.currency) == ("won", D("47880.00"), "EUR")


def test_nothing_is_won_when_the_amount_cannot_be_converted(client, org, sent):
    """No rate for the deal's currency any more: the customer is told, and the quote, the deal
    and the orders stay as they were (one transaction)."""
    ExchangeRateFactory(currency=CurrencyFactory(code="EUR"), rate=D("0.5"))
    deal = pipeline.opportunity_save(opportunity=sent.opportunity, data={"currency": "EUR"},
                                     by=org.rep)  # fmt: skip
    ExchangeRate.objects.filter(currency="EUR").delete()

    response = client.post(tokens.public_path(sent), {"action": "accept", "name": "Ada"})

    assert response.status_code == 400
    assert "There is no exchange rate for EUR" in response.content.decode()
    sent.refresh_from_db()
    deal.refresh_from_db()
    assert (sent.status, deal.status, deal.amount) == ("sent", "open", D("48000.00"))
    assert not Order.objects.filter(quote=sent).exists()
