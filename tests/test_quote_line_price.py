"""A unit price typed on a quote line instead of the price book's (a negotiated price): kept
next to the price-book price, rounded like every amount, counted by the approval rule, refused
when negative or not a number, on the page and through the API alike."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from sales.models import Quote, QuoteLine
from sales.quotes import pdf, services, tokens

from .api_helpers import API, client_for, json_error, send
from .factories import CurrencyFactory, ExchangeRateFactory, ProductFactory, QuoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    return ProductFactory(
        name="Rack server", currency=CurrencyFactory(code="USD"), unit_price=D("80.00")
    )


@pytest.fixture
def quote(org, product):
    """A draft of the rep (limit 10 %): 3 × Rack server at the book's 80.00, 20 % tax."""
    return QuoteFactory(owner=org.rep, team=org.team, lines=[(product, 3, 0)])


def edit_url(quote, line):
    return reverse("sales:quote_line_edit", args=[quote.pk, line.pk])


def line_api(quote, line):
    return f"{API}/quotes/{quote.pk}/lines/{line.pk}/"


def snapshot(quote):
    quote.refresh_from_db()
    lines = list(
        QuoteLine.objects.filter(quote=quote).values_list(
            "quantity", "unit_price", "book_price", "discount_percent", "net_amount"
        )
    )
    return (quote.status, quote.total, quote.max_discount_percent, lines)


def post_line(client, quote, line, **fields):
    data = {"quantity": str(line.quantity), "discount_percent": str(line.discount_percent)}
    data.update(fields)
    return client.post(edit_url(quote, line), data)


# -- the override is kept, with the price book's, and the totals follow ---------------------------


def test_rep_types_a_unit_price_on_the_page(client, org, quote):
    line = quote.lines.get()
    assert (line.unit_price, line.book_price, line.price_overridden) == (D("80"), D("80"), False)
    client.force_login(org.rep)

    response = post_line(client, quote, line, unit_price="66.666", discount_percent="5")

    assert response.status_code == 302
    line.refresh_from_db()
    quote.refresh_from_db()
    # typed 66.666 -> 66.67 (half-up to the cent); the price book's 80.00 is kept
    assert (line.unit_price, line.book_price, line.price_overridden) == (
        D("66.67"),
        D("80.00"),
        True,
    )
    # 3 × 66.67 = 200.01, −5 % = 190.0095 -> 190.01; tax 20 % = 38.002 -> 38.00
    assert (line.net_amount, line.tax_amount) == (D("190.01"), D("38.00"))
    assert (quote.subtotal, quote.tax_total, quote.total) == (D("190.01"), D("38.00"), D("228.01"))
    # against the book: 1 − (66.67 / 80)(0.95) = 20.829375 % -> 20.83 (rounded up)
    assert quote.max_discount_percent == D("20.83")

    page = client.get(quote.get_absolute_url()).content.decode()
    assert 'name="unit_price" value="66.67"' in page
    assert "price book 80.00" in page and "228.01" in page


def test_the_pdf_and_the_customers_page_show_the_price_used(client, org, quote):
    line = quote.lines.get()
    # above the price book's: allowed, and no discount for the approval rule
    services.update_line(line=line, by=org.rep, unit_price="95.50")
    quote.refresh_from_db()
    assert quote.max_discount_percent == D("0.00")
    services.send_quote(quote=quote, by=org.rep)

    public = client.get(tokens.public_path(quote)).content.decode()
    document = pdf.render_html(pdf.document_context(quote))
    for html in (public, document):
        assert "95.50" in html and "286.50" in html  # 3 × 95.50
        assert "80.00" not in html and "price book" not in html
    client.force_login(org.rep)
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "price book 80.00" in page  # our read-only page still tells


def test_empty_price_goes_back_to_the_price_books(client, org, quote):
    line = quote.lines.get()
    services.update_line(line=line, by=org.rep, unit_price="70")
    client.force_login(org.rep)

    assert post_line(client, quote, line, unit_price="").status_code == 302

    line.refresh_from_db()
    assert (line.unit_price, line.book_price, line.price_overridden) == (D("80"), D("80"), False)
    # a post without the field (an older form) leaves the price alone
    services.update_line(line=line, by=org.rep, unit_price="70")
    assert post_line(client, quote, line, quantity="4").status_code == 302
    line.refresh_from_db()
    assert (line.quantity, line.unit_price) == (D("4"), D("70.00"))


def test_a_line_priced_before_overrides_were_kept(org, quote):
    line = quote.lines.get()
    QuoteLine.objects.filter(pk=line.pk).update(book_price=None)  # as migrated
    line.refresh_from_db()
    assert not line.price_overridden

    services.update_line(line=line, by=org.rep, unit_price="60")

    line.refresh_from_db()
    assert (line.unit_price, line.book_price) == (D("60.00"), D("80.00"))


def test_the_currency_minor_unit_rounds_the_typed_price(org):
    jpy = CurrencyFactory(code="JPY", minor_units=0)
    ExchangeRateFactory(currency=jpy, rate=D("150"))
    product = ProductFactory(currency=jpy, unit_price=D("12000"), tax_rate=D("10"))
    quote = QuoteFactory(owner=org.rep, team=org.team, currency="JPY", lines=[(product, 1, 0)])
    line = quote.lines.get()

    services.update_line(line=line, by=org.rep, unit_price="11999.5")

    line.refresh_from_db()
    quote.refresh_from_db()
    assert (line.unit_price, line.net_amount, line.tax_amount) == (12000, 12000, 1200)
    assert quote.max_discount_percent == D("0.00")


def test_revising_keeps_the_typed_price_and_the_books(org, quote):
    line = quote.lines.get()
    services.update_line(line=line, by=org.rep, unit_price="100")
    services.send_quote(quote=quote, by=org.rep)

    new = services.revise_quote(quote=quote, by=org.rep)

    copied = new.lines.get()
    assert (copied.unit_price, copied.book_price, copied.price_overridden) == (
        D("100.00"),
        D("80.00"),
        True,
    )


# -- the approval rule measures against the price-book price --------------------------------------


def test_a_lower_price_alone_needs_approval(client, org, quote):
    line = quote.lines.get()
    client.force_login(org.rep)
    post_line(client, quote, line, unit_price="70")  # 12.5 % below the book's 80.00

    quote.refresh_from_db()
    assert quote.max_discount_percent == D("12.50")
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "Request approval" in page and "Send to customer" not in page

    refused = send(client_for(org.rep), "post", f"{API}/quotes/{quote.pk}/send/")
    assert "approval" in str(json_error(refused, 400))
    assert client.post(reverse("sales:quote_send", args=[quote.pk])).status_code == 400

    assert client.post(reverse("sales:quote_request_approval", args=[quote.pk])).status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.PENDING_APPROVAL
    assert quote.approvals.get().discount_percent == D("12.50")
    client.force_login(org.sales_manager)
    client.post(reverse("sales:quote_approve", args=[quote.pk]), {"comment": "ok"})
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED


@pytest.mark.parametrize(
    ("price", "line_discount", "quote_discount", "expected", "approval"),
    [
        ("76", "5", "0", "9.75", False),  # 1 − 0.95 × 0.95
        ("76", "3", "3", "10.62", True),  # 1 − 0.95 × 0.97 × 0.97 = 10.6145 %
        ("96", "15", "0", "0.00", False),  # 1.2 × 0.85 = 1.02: above the book's
        ("96", "20", "10", "13.60", True),  # 1.2 × 0.8 × 0.9 = 0.864
        ("0", "0", "0", "100.00", True),  # given away
    ],  # fmt: skip
)
def test_the_typed_price_counts_with_both_discounts(
    org, quote, price, line_discount, quote_discount, expected, approval
):
    line = quote.lines.get()
    services.update_line(line=line, by=org.rep, unit_price=price, discount_percent=line_discount)
    services.update_quote(quote=quote, data={"discount_percent": quote_discount}, by=org.rep)

    quote.refresh_from_db()
    assert quote.max_discount_percent == D(expected)
    assert services.needs_approval(quote) is approval


def test_changing_the_price_of_an_approved_quote_sends_it_back_to_draft(org, quote):
    line = quote.lines.get()
    services.update_line(line=line, by=org.rep, unit_price="60")
    services.request_approval(quote=quote, by=org.rep)
    services.decide_approval(quote=quote, approve=True, by=org.sales_manager)

    services.update_line(line=line, by=org.rep, unit_price="55")

    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT and services.needs_approval(quote)


# -- bad input and states: a clear message, nothing saved -----------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "A price cannot be negative."),
        ("-0.01", "A price cannot be negative."),
        ("abc", "The unit price must be a number."),
        ("12,5,0", "The unit price must be a number."),
        ("NaN", "The unit price must be a number."),
        ("Infinity", "The unit price must be a number."),
        ("1e40", "The unit price is too large."),
    ],
)
def test_bad_price_on_the_page_is_a_400_with_the_reason(client, org, quote, typed, message):
    line = quote.lines.get()
    before = snapshot(quote)
    client.force_login(org.rep)

    response = post_line(client, quote, line, unit_price=typed)

    assert response.status_code == 400, typed
    assert message in response.content.decode()
    assert snapshot(quote) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"unit_price": "-5"}, "A price cannot be negative."),
        ({"unit_price": -1}, "A price cannot be negative."),
        ({"unit_price": "abc"}, None),
        ({"unit_price": "NaN"}, None),
        ({"unit_price": "1e40"}, "The unit price is too large."),
        ({"unit_price": []}, None),
        ({"unit_price": {"amount": 5}}, None),
        ({"unit_price": "70", "quantity": "0"}, None),  # one bad field: nothing saved
    ],
)
def test_bad_price_through_the_api_is_a_400(org, quote, body, message):
    line = quote.lines.get()
    before = snapshot(quote)

    response = send(client_for(org.rep), "patch", line_api(quote, line), body)

    errors = json_error(response, 400)
    field = "quantity" if "quantity" in body else "unit_price"
    assert field in errors, errors
    if message:
        assert message in str(errors[field])
    assert snapshot(quote) == before


def test_api_sets_and_clears_the_price(org, quote, product):
    line = quote.lines.get()
    c = client_for(org.rep)

    changed = send(c, "patch", line_api(quote, line), {"unit_price": "72.5", "discount_percent": 0})

    assert changed.status_code == 200, changed.content
    body = changed.json()
    row = body["lines"][0]
    assert (row["unit_price"], row["book_price"], row["price_overridden"]) == (
        "72.50",
        "80.00",
        True,
    )
    assert (row["amount"], body["subtotal"], body["total"]) == ("217.50", "217.50", "261.00")
    assert body["max_discount_percent"] == "9.38"  # 1 − 72.5/80 = 9.375 % -> 9.38

    cleared = send(c, "patch", line_api(quote, line), {"unit_price": None}).json()
    assert cleared["lines"][0]["unit_price"] == "80.00"
    assert cleared["lines"][0]["price_overridden"] is False

    added = send(
        c,
        "post",
        f"{API}/quotes/{quote.pk}/lines/",
        {"product": product.pk, "quantity": "1", "unit_price": "64"},
    )
    assert added.status_code == 201, added.content
    new_line = added.json()["lines"][1]
    assert (new_line["unit_price"], new_line["book_price"]) == ("64.00", "80.00")
    assert added.json()["max_discount_percent"] == "20.00"
    bad = send(
        c,
        "post",
        f"{API}/quotes/{quote.pk}/lines/",
        {"product": product.pk, "quantity": "1", "unit_price": "-64"},
    )
    assert "unit_price" in json_error(bad, 400)
    assert quote.lines.count() == 2


def test_only_an_editable_quote_takes_a_price(client, org, quote):
    line = quote.lines.get()
    services.send_quote(quote=quote, by=org.rep)
    before = snapshot(quote)
    client.force_login(org.rep)

    page = post_line(client, quote, line, unit_price="50")
    api = send(client_for(org.rep), "patch", line_api(quote, line), {"unit_price": "50"})

    assert page.status_code == 400 and "cannot be changed" in page.content.decode()
    assert "cannot be changed" in str(json_error(api, 400))
    assert snapshot(quote) == before


def test_another_teams_rep_gets_404_and_nothing_changes(client, org, quote):
    line = quote.lines.get()
    before = snapshot(quote)
    for user in (org.other_rep, org.other_manager, org.rep_teammate):
        client.force_login(user)
        assert post_line(client, quote, line, unit_price="1").status_code == 404, user
        api = send(client_for(user), "patch", line_api(quote, line), {"unit_price": "1"})
        assert api.status_code == 404, user
    assert snapshot(quote) == before
