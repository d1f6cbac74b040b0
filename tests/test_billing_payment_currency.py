"""Issue 17, item 6: the payment form defaulted to EUR (the account's unset default) on an
account whose documents are all in USD, and a 50,000 EUR payment made a stray −50,000 EUR
balance. It now defaults to the invoice's currency, else the one the account's documents are
in, and asks for a confirmation before recording money in a currency the account never used."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment

from .api_helpers import client_for
from .factories import CurrencyFactory, OrderFactory, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def usd_account(org, records):
    """An account left at the default currency field (EUR) whose business is in USD."""
    CurrencyFactory(code="EUR")
    CurrencyFactory(code="USD")
    account = records.account
    assert account.currency == "EUR"
    OrderFactory(account=account, owner=org.rep, team=org.team, currency="USD")
    make_invoice(account, "98676.00", currency="USD")
    return account


def today() -> str:
    return timezone.localdate().isoformat()


def selected_currency(page: str) -> str:
    select = re.search(r'<select name="currency".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="(\w+)" selected>', select).group(1)


@pytest.mark.parametrize("action", ["billing:payment_add", "billing:credit_note_add"])
def test_the_form_defaults_to_the_currency_the_account_uses(org, usd_account, action):
    manager = client_for(org.sales_manager)
    page = manager.get(reverse(action, args=[usd_account.pk])).content.decode()
    assert selected_currency(page) == "USD"


def test_the_form_defaults_to_the_chosen_invoices_currency(org, usd_account):
    eur = make_invoice(usd_account, "10.00", currency="EUR")
    url = reverse("billing:payment_add", args=[usd_account.pk]) + f"?invoice={eur.pk}"
    page = client_for(org.sales_manager).get(url).content.decode()
    assert selected_currency(page) == "EUR"


def test_a_currency_the_account_never_used_needs_a_confirmation(org, usd_account):
    manager = client_for(org.sales_manager)
    url = reverse("billing:payment_add", args=[usd_account.pk])
    data = {"amount": "50000.00", "currency": "EUR", "received_on": today()}

    refused = manager.post(url, data)

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "This account has never used EUR (its documents are in USD)." in page
    assert 'name="confirm_currency"' in page and "Yes, record it in EUR" in page
    assert not Payment.objects.exists()

    confirmed = manager.post(url, {**data, "confirm_currency": "on"})

    assert confirmed.status_code == 302
    assert Payment.objects.get().currency == "EUR"


def test_the_usual_currency_needs_no_confirmation(org, usd_account):
    manager = client_for(org.sales_manager)
    url = reverse("billing:payment_add", args=[usd_account.pk])
    page = manager.get(url).content.decode()
    assert 'name="confirm_currency"' not in page

    response = manager.post(url, {"amount": "100.00", "currency": "USD",
                                  "received_on": today()})  # fmt: skip

    assert response.status_code == 302
    assert Payment.objects.get().currency == "USD"
