"""Quote arithmetic (``sales.quotes.totals``): the rounding table, the totals of a quote, and
that the stored totals, the page and the PDF's HTML show the same figures.

Rule: per line, gross = quantity × unit price; amount = round(gross × (1 − line discount));
net = round(amount × (1 − quote discount)); tax = round(net × tax rate); round = half-up to the
currency's minor unit; the quote's figures are sums of the rounded lines.
"""

from decimal import Decimal as D

import pytest

from sales.quotes import pdf, services, totals

from .factories import CurrencyFactory, ProductFactory, QuoteFactory

# quantity, unit price, line disc %, quote disc %, tax %, minor units -> amount, net, tax
ROUNDING_TABLE = [
    # plain
    ("1", "10.00", "0", "0", "20", 2, "10.00", "10.00", "2.00"),
    # half a cent, exactly: half-up (banker's rounding would give 0.00 / 1.00)
    ("0.5", "0.01", "0", "0", "0", 2, "0.01", "0.01", "0.00"),
    ("1", "2.01", "50", "0", "0", 2, "1.01", "1.01", "0.00"),
    ("1", "1.00", "0.5", "0", "0", 2, "1.00", "1.00", "0.00"),
    # tax of half a cent
    ("1", "0.10", "0", "0", "5", 2, "0.10", "0.10", "0.01"),
    ("1", "1.10", "0", "0", "22.5", 2, "1.10", "1.10", "0.25"),
    # quote discount producing half a cent
    ("1", "0.10", "0", "5", "0", 2, "0.10", "0.10", "0.00"),
    ("1", "33.33", "0", "10", "19", 2, "33.33", "30.00", "5.70"),
    # both discounts, rounded after each step
    ("7", "12.34", "15", "10", "7", 2, "73.42", "66.08", "4.63"),
    # quantity 0.5
    ("0.5", "19.99", "0", "0", "20", 2, "10.00", "10.00", "2.00"),
    ("0.5", "0.05", "10", "0", "0", 2, "0.02", "0.02", "0.00"),
    # 100 % discount
    ("3", "49.99", "100", "0", "20", 2, "0.00", "0.00", "0.00"),
    ("3", "49.99", "0", "100", "20", 2, "149.97", "0.00", "0.00"),
    # JPY: no minor unit, half a yen goes up
    ("0.5", "1001", "0", "0", "0", 0, "501", "501", "0"),
    ("1", "999", "0", "0", "10", 0, "999", "999", "100"),
    ("1", "1005", "0.5", "0", "0", 0, "1000", "1000", "0"),
    # large quantity, odd discount
    ("1000", "1.23", "33.33", "0", "0", 2, "820.04", "820.04", "0.00"),
]


@pytest.mark.parametrize(
    ("quantity", "price", "line_disc", "quote_disc", "tax", "units", "amount", "net", "tax_amt"),
    ROUNDING_TABLE,
)
def test_rounding_table(quantity, price, line_disc, quote_disc, tax, units, amount, net, tax_amt):
    result = totals.line_amounts(
        quantity=D(quantity),
        unit_price=D(price),
        discount_percent=D(line_disc),
        tax_rate=D(tax),
        quote_discount=D(quote_disc),
        units=units,
    )
    assert (result.amount, result.net, result.tax) == (D(amount), D(net), D(tax_amt))
    assert str(result.amount) == amount  # the minor unit's exponent: 2 decimals, 0 for JPY
    assert result.quote_discount == result.amount - result.net


def test_quote_totals_are_sums_of_rounded_lines():
    lines = [
        {"quantity": D("2"), "unit_price": D("10.00"), "discount_percent": 0, "tax_rate": 20},
        {"quantity": D("1"), "unit_price": D("2.01"), "discount_percent": 50, "tax_rate": 0},
    ]
    result = totals.compute(lines, discount_percent=D("10"), shipping=D("5.5"))
    assert [(a.amount, a.net, a.tax) for a in result.lines] == [
        (D("20.00"), D("18.00"), D("3.60")),
        (D("1.01"), D("0.91"), D("0.00")),
    ]
    assert result.subtotal == D("21.01")
    assert result.discount_total == D("2.10")
    assert result.net_total == D("18.91")
    assert result.tax_total == D("3.60")
    assert result.shipping == D("5.50")
    assert result.total == D("28.01")
    assert result.max_discount_percent == D("55.00")  # 1 - 0.5 × 0.9


@pytest.mark.parametrize(
    ("line", "quote", "expected"),
    [
        ("0", "0", "0.00"),
        ("10", "0", "10.00"),
        ("10", "10", "19.00"),
        ("0", "15", "15.00"),
        ("33.33", "0.01", "33.34"),
        ("100", "50", "100.00"),
    ],  # fmt: skip
)
def test_effective_discount_counts_both_discounts_rounded_up(line, quote, expected):
    assert totals.effective_discount(D(line), D(quote)) == D(expected)


def test_no_lines_means_zero_and_the_quote_discount_alone():
    result = totals.compute([], discount_percent=D("12"), shipping=D("0"))
    assert result.total == D("0.00")
    assert result.max_discount_percent == D("12.00")


def test_rounding_rule_is_stated():
    assert "half-up" in totals.__doc__ and "per line" in totals.__doc__
    assert totals.rounding_note(2) == "Amounts are rounded half-up to the cent per line."
    assert "0 decimals" in totals.rounding_note(0)


@pytest.mark.django_db
def test_stored_totals_page_and_pdf_html_agree(client, org):
    usd = CurrencyFactory(code="USD")
    a = ProductFactory(currency=usd, unit_price=D("19.99"), tax_rate=D("20"), name="Widget A")
    b = ProductFactory(currency=usd, unit_price=D("2.01"), tax_rate=D("0"), name="Gadget B")
    quote = QuoteFactory(
        owner=org.rep,
        team=org.team,
        lines=[(a, D("0.5"), 0), (b, 1, D("5"))],
        discount_percent=D("3"),
    )
    services.update_quote(quote=quote, data={"shipping": "4.995"}, by=org.rep)
    quote.refresh_from_db()
    ctx = pdf.document_context(quote)
    computed = ctx["totals"]
    # stored = computed (the same function), line by line and in total
    assert (quote.subtotal, quote.discount_total, quote.tax_total, quote.total) == (
        computed.subtotal,
        computed.discount_total,
        computed.tax_total,
        computed.total,
    )
    stored_lines = [(line.net_amount, line.tax_amount) for line, _ in ctx["rows"]]
    assert stored_lines == [(a.net, a.tax) for a in computed.lines]
    # 0.5 × 19.99 = 9.995 -> 10.00 -> ×0.97 = 9.70, tax 1.94; 2.01 ×0.95 = 1.9095 -> 1.91
    # -> ×0.97 = 1.8527 -> 1.85; shipping 4.995 -> 5.00
    assert quote.subtotal == D("11.91")
    assert quote.total == D("9.70") + D("1.94") + D("1.85") + D("5.00")
    assert quote.shipping == D("5.00")

    client.force_login(org.rep)
    page = client.get(quote.get_absolute_url()).content.decode()
    html = pdf.render_html(ctx)
    for text in ("Widget A", "Gadget B", "18.49", "11.91", "Amounts are rounded half-up"):
        assert text in page, text
        assert text in html, text
