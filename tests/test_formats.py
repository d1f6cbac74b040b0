"""One date, time and money format per language (issue 17, item 7): pages, e-mails, timeline
titles and notifications all go through Django's locale formats (crm_site/formats/en) and
catalog.money.display, so English reads "4 Dec 2026, 22:11" and "98,676.00 USD" everywhere and
another language gets its own separators and month names from the same helpers."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import formats, translation

from accounts.models import TimelineEntry
from catalog import money

from .factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    ProductFactory,
    QuoteFactory,
    make_invoice,
)

pytestmark = pytest.mark.django_db

ROME = zoneinfo.ZoneInfo("Europe/Rome")
WHEN = datetime.datetime(2026, 12, 4, 22, 11, 36, 591066, tzinfo=ROME)
DAY = datetime.date(2026, 12, 4)
ENGLISH_DATE = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")


def test_one_english_format_for_dates_times_and_money():
    assert formats.date_format(DAY) == "4 Dec 2026"
    assert formats.date_format(WHEN, "DATETIME_FORMAT") == "4 Dec 2026, 22:11"
    assert formats.date_format(WHEN, "SHORT_DATETIME_FORMAT") == "4 Dec 2026, 22:11"
    assert formats.time_format(WHEN) == "22:11"
    assert money.display(Decimal("98676"), "USD") == "98,676.00 USD"
    assert money.display_amount(Decimal("98676"), "USD") == "98,676.00"
    assert money.display(Decimal("149350.4"), "JPY") == "149,350 JPY"


def test_the_helpers_follow_the_active_language():
    with translation.override("it"):
        assert money.display(Decimal("98676"), "USD") == "98.676,00 USD"
        italian = formats.date_format(WHEN, "DATETIME_FORMAT")
        assert "dicembre" in italian.lower() and "2026" in italian and "22:11" in italian
    with translation.override("de"):
        assert money.display(Decimal("98676"), "EUR") == "98.676,00 EUR"
    assert money.display(Decimal("98676"), "USD") == "98,676.00 USD"  # back to English


def test_pages_show_the_one_format(client, org):
    deal = OpportunityFactory(
        owner=org.rep, team=org.team, account=AccountFactory(owner=org.rep, team=org.team),
        amount=Decimal("98676.00"), currency="USD", close_date=DAY,
    )  # fmt: skip
    client.force_login(org.rep)
    html = client.get(deal.get_absolute_url()).content.decode()
    assert "98,676.00 USD" in html and "4 Dec 2026" in html
    assert "98676.00" not in html.replace('value="98676.00"', "")
    assert "Dec. 4" not in html and "12/04/2026" not in html


def test_timeline_titles_and_notifications_use_the_one_format(org):
    account = AccountFactory(owner=org.rep, team=org.team)
    invoice = make_invoice(account, "98676.00", currency="USD", by=org.sales_manager)
    title = TimelineEntry.objects.filter(kind="billing").latest("pk").title
    assert title.startswith(f"Invoice {invoice.number} issued: 98,676.00 USD, due ")
    assert ENGLISH_DATE.search(title), title
    assert "+00:00" not in title


def test_the_quote_email_uses_the_one_format(org):
    product = ProductFactory(unit_price=Decimal("82230.00"), tax_rate=Decimal("20.00"))
    account = AccountFactory(owner=org.rep, team=org.team)
    quote = QuoteFactory(
        owner=org.rep, team=org.team, account=account, currency="USD",
        contact=ContactFactory(account=account, owner=org.rep, team=org.team),
        lines=[(product, 1, None)],
    )  # fmt: skip
    quote.valid_until = DAY
    ctx = {"quote": quote, "link": "/q/x", "seller": "S"}
    body = render_to_string("sales/quotes/email.txt", ctx)
    assert quote.total == Decimal("98676.00")
    assert ": 98,676.00 USD, valid until 4 Dec 2026." in body
