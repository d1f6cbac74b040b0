"""Money: rounding to a currency's minor unit, conversion through the base currency, missing
rates; and what a product costs in a price book (``catalog.pricing.price_for``)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog import money
from catalog.models import ExchangeRate
from catalog.pricing import price_for

from .factories import CurrencyFactory, PriceBookFactory, ProductFactory

D = Decimal

# amount, currency, decimals of that currency, expected
ROUNDING = [
    ("2.345", "USD", 2, "2.35"),  # half-up: .5 goes away from zero
    ("2.344", "USD", 2, "2.34"),
    ("2.3450000", "EUR", 2, "2.35"),
    ("-2.345", "USD", 2, "-2.35"),  # … for negative amounts too (not towards +inf)
    ("-2.344", "USD", 2, "-2.34"),
    ("0.005", "EUR", 2, "0.01"),
    ("0.004999", "EUR", 2, "0.00"),
    ("1234567.895", "EUR", 2, "1234567.90"),
    ("2.5", "USD", 2, "2.50"),
    ("12.5", "JPY", 0, "13"),  # no minor unit
    ("12.4", "JPY", 0, "12"),
    ("-12.5", "JPY", 0, "-13"),
    ("13.5", "JPY", 0, "14"),  # not banker's rounding (which gives 14 here, 12 for 12.5)
    ("1.2345", "BHD", 3, "1.235"),  # three decimals
    ("1.2344", "KWD", 3, "1.234"),
    ("-0.0005", "KWD", 3, "-0.001"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "code", "units", "expected"), ROUNDING)
def test_rounding_table(amount, code, units, expected):
    CurrencyFactory(code=code, minor_units=units)
    result = money.quantize(D(amount), code)
    assert result == D(expected)
    assert str(result) == expected  # the exponent too: 2.50, not 2.5
    assert money.quantize(D(amount), units=units) == D(expected)


@pytest.mark.django_db
def test_rounding_without_a_currency_row_follows_iso_4217():
    assert money.quantize(D("12.5"), "JPY") == D("13")
    assert money.quantize(D("1.2345"), "KWD") == D("1.235")
    assert money.quantize(D("2.345"), "XYZ") == D("2.35")  # unknown: two decimals


def test_a_float_is_rounded_as_written():
    # Decimal(2.345) is 2.34499999…; the amount as typed is what is rounded.
    assert money.quantize(2.345, units=2) == D("2.35")


@pytest.mark.django_db
def test_display():
    CurrencyFactory(code="JPY", minor_units=0)
    assert money.display(D("5945"), "USD") == "5,945.00 USD"
    assert money.display(D("149350.4"), "JPY") == "149,350 JPY"


@pytest.fixture
def rates(db, settings):
    settings.CRM_BASE_CURRENCY = "USD"
    today = timezone.localdate()
    CurrencyFactory(code="USD")
    eur = CurrencyFactory(code="EUR")
    CurrencyFactory(code="JPY", minor_units=0)
    ExchangeRate.objects.create(currency=eur, rate=D("0.9"), valid_from=today.replace(day=1))
    ExchangeRate.objects.create(
        currency=eur, rate=D("0.8"), valid_from=today - datetime.timedelta(days=400)
    )
    ExchangeRate.objects.create(
        currency_id="JPY", rate=D("150"), valid_from=today - datetime.timedelta(days=10)
    )
    return today


def test_conversion_goes_through_the_base_currency(rates):
    assert money.convert(D("100"), "USD", "EUR") == D("90.00")
    assert money.convert(D("90"), "EUR", "USD") == D("100.00")
    # EUR -> JPY: 100 EUR = 111.11… USD = 16,666.67 JPY -> rounded once, to the yen.
    assert money.convert(D("100"), "EUR", "JPY") == D("16667")
    assert money.convert(D("1"), "JPY", "EUR") == D("0.01")  # 0.006 rounds up
    assert money.convert(D("12.345"), "EUR", "EUR") == D("12.345")  # same currency: as is


def test_the_rate_of_a_day_is_the_latest_from_before_it(rates):
    today = rates
    old_day = today - datetime.timedelta(days=200)
    assert money.rate("EUR") == D("0.9")
    assert money.rate("EUR", old_day) == D("0.8")
    assert money.convert(D("100"), "USD", "EUR", old_day) == D("80.00")
    # A rate entered for the future does not apply today.
    ExchangeRate.objects.create(
        currency_id="EUR", rate=D("2"), valid_from=today + datetime.timedelta(days=5)
    )
    assert money.rate("EUR") == D("0.9")


def test_a_missing_rate_is_a_clear_error(rates):
    CurrencyFactory(code="GBP")
    with pytest.raises(money.MissingRate) as exc:
        money.convert(D("10"), "USD", "GBP")
    assert exc.value.messages == [
        "There is no exchange rate for GBP. Add one on the Currencies page."
    ]
    long_ago = datetime.date(2000, 1, 1)
    with pytest.raises(money.MissingRate, match="no exchange rate for EUR on 2000-01-01"):
        money.convert(D("10"), "EUR", "USD", long_ago)


def test_price_for_uses_the_entry_then_the_converted_list_price(rates):
    product = ProductFactory(unit_price=D("100.00"))  # USD
    usd_book = PriceBookFactory(currency=CurrencyFactory(code="USD"))
    eur_book = PriceBookFactory(currency=CurrencyFactory(code="EUR"))
    gbp_book = PriceBookFactory(currency=CurrencyFactory(code="GBP"))

    assert price_for(product) == (D("100.00"), "USD")
    assert price_for(product, usd_book) == (D("100.00"), "USD")
    assert price_for(product, eur_book) == (D("90.00"), "EUR")
    eur_book.entries.create(product=product, unit_price=D("85.50"))
    assert price_for(product, eur_book) == (D("85.50"), "EUR")
    # In another currency (a quote's): the book's price converted.
    assert price_for(product, eur_book, currency="JPY") == (D("14250"), "JPY")
    with pytest.raises(money.MissingRate):
        price_for(product, gbp_book)
