"""The catalogue's REST API: everyone with a role reads products, price books (with their
prices) and currencies; sales managers and administrators write; bad input is a 4xx JSON."""

import datetime
from decimal import Decimal

import pytest

from catalog.models import Currency, ExchangeRate, PriceBook, Product

from .api_helpers import API, client_for, ids, json_error, send
from .factories import ConfigurableProductFactory, CurrencyFactory, PriceBookFactory, ProductFactory

D = Decimal
JSON = "application/json"


@pytest.fixture
def catalog(org):
    usd = CurrencyFactory(code="USD")
    eur = CurrencyFactory(code="EUR")
    ExchangeRate.objects.create(currency=eur, rate=D("0.9"), valid_from=datetime.date(2020, 1, 1))
    product = ProductFactory(sku="GTX-PRO", name="GTX Pro", family="GTX", unit_price=D("4821"))
    other = ProductFactory(sku="MG-SPECIAL", name="MG Special", family="MG", active=False)
    book = PriceBookFactory(name="Europe (EUR)", currency=eur, kind="regional")
    book.entries.create(product=product, unit_price=D("4400"))
    return {"usd": usd, "eur": eur, "product": product, "other": other, "book": book}


@pytest.mark.parametrize("role", ["sales_rep", "marketing", "support_agent"])
def test_every_role_reads_the_catalogue(org, catalog, role):
    c = client_for(org.by_role()[role])
    assert ids(c.get(f"{API}/products/")) == {catalog["product"].pk, catalog["other"].pk}
    assert ids(c.get(f"{API}/products/?family=GTX")) == {catalog["product"].pk}
    assert ids(c.get(f"{API}/products/?active=false")) == {catalog["other"].pk}
    book = c.get(f"{API}/price-books/{catalog['book'].pk}/").json()
    assert book["currency"] == "EUR"
    assert book["entries"] == [{
        "id": catalog["book"].entries.get().pk, "price_book": catalog["book"].pk,
        "product": catalog["product"].pk, "sku": "GTX-PRO", "product_name": "GTX Pro",
        "unit_price": "4400.00",
    }]  # fmt: skip
    rows = c.get(f"{API}/currencies/").json()["results"]
    assert {r["code"]: r["rate"] for r in rows} == {"USD": "1", "EUR": "0.90000000"}


def test_products_carry_their_options(org, catalog):
    product = ConfigurableProductFactory(sku="WS-API")
    body = client_for(org.rep).get(f"{API}/products/{product.pk}/").json()
    assert [o["code"] for o in body["options"]] == ["size", "support", "addons"]
    assert body["options"][0]["values"][1] == {
        "code": "16", "label": "16″", "price": "400.00", "is_default": False,
    }  # fmt: skip


def test_only_managers_write(org, catalog):
    data = {"sku": "NEW-1", "name": "New", "unit_price": "10", "currency": "USD"}
    pk = catalog["product"].pk
    for role in ("sales_rep", "marketing", "support_manager"):
        c = client_for(org.by_role()[role])
        json_error(send(c, "post", f"{API}/products/", data), 403)
        json_error(send(c, "patch", f"{API}/products/{pk}/", {"unit_price": "1"}), 403)
        json_error(send(c, "delete", f"{API}/products/{pk}/"), 403)
        json_error(send(c, "post", f"{API}/currencies/", {"code": "CHF", "name": "Franc"}), 403)
    assert not Product.objects.filter(sku="NEW-1").exists()
    assert Product.objects.get(pk=pk).unit_price == D("4821")

    manager = client_for(org.sales_manager)
    response = send(manager, "post", f"{API}/products/", {**data, "sku": "new-1"})
    assert response.status_code == 201, response.content
    assert response.json()["sku"] == "NEW-1"
    response = send(manager, "patch", f"{API}/products/{pk}/", {"unit_price": "4999.50"})
    assert response.status_code == 200
    assert Product.objects.get(pk=pk).unit_price == D("4999.50")


def test_bad_input_is_a_json_4xx(org, catalog):
    manager = client_for(org.sales_manager)
    base = {"sku": "X-1", "name": "X", "unit_price": "10", "currency": "USD"}
    for change, field in [
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"tax_rate": "101"}, "tax_rate"),
        ({"currency": "XXX"}, "currency"),
        ({"sku": "gtx-pro"}, "sku"),
    ]:
        body = json_error(send(manager, "post", f"{API}/products/", {**base, **change}), 400)
        assert field in body, (change, body)
    assert not Product.objects.filter(sku="X-1").exists()

    entry = catalog["book"].entries.get()
    body = json_error(
        send(manager, "patch", f"{API}/price-book-entries/{entry.pk}/", {"unit_price": "-5"}), 400
    )
    assert "unit_price" in body
    body = json_error(send(manager, "post", f"{API}/price-book-entries/", {
        "price_book": catalog["book"].pk, "product": catalog["product"].pk, "unit_price": "1"}),
        400)  # fmt: skip
    assert body  # already in the book
    json_error(client_for(org.rep).get(f"{API}/products/?familly=GTX"), 400)


def test_price_book_entries_and_default_book(org, catalog):
    manager = client_for(org.sales_manager)
    response = send(manager, "post", f"{API}/price-book-entries/", {
        "price_book": catalog["book"].pk, "product": catalog["other"].pk,
        "unit_price": "49.995"})  # fmt: skip
    assert response.status_code == 400  # three decimals
    response = send(manager, "post", f"{API}/price-book-entries/", {
        "price_book": catalog["book"].pk, "product": catalog["other"].pk,
        "unit_price": "49.99"})  # fmt: skip
    assert response.status_code == 201
    rows = manager.get(f"{API}/price-book-entries/?price_book={catalog['book'].pk}").json()
    assert len(rows["results"]) == 2

    first = PriceBookFactory(name="Standard", currency=catalog["usd"], is_default=True)
    response = send(
        manager,
        "post",
        f"{API}/price-books/",
        {"name": "Partner", "kind": "partner", "currency": "USD", "is_default": True},
    )
    assert response.status_code == 201, response.content
    first.refresh_from_db()
    assert not first.is_default and PriceBook.objects.get(name="Partner").is_default


def test_currencies_in_use_are_not_deleted(org, catalog):
    admin = client_for(org.admin)
    body = json_error(send(admin, "delete", f"{API}/currencies/EUR/"), 400)
    assert body == {"detail": [
        "EUR cannot be deleted: it is used by price books. Mark it inactive instead, so it is "
        "no longer offered."]}  # fmt: skip
    response = send(admin, "post", f"{API}/currencies/", {"code": "chf", "name": "Swiss franc"})
    assert response.status_code == 201, response.content
    assert response.json()["rate"] is None  # no rate yet
    assert send(admin, "delete", f"{API}/currencies/CHF/").status_code == 204
    assert not Currency.objects.filter(code="CHF").exists()
    json_error(admin.get(f"{API}/currencies/CH%00/"))
    json_error(admin.get(f"{API}/currencies/XYZ/"), 404)


def test_configure_prices_in_a_book(org, catalog):
    product = ConfigurableProductFactory(sku="WS-EUR")
    url = f"{API}/products/{product.pk}/configure/"
    response = send(
        client_for(org.rep),
        "post",
        url,
        {"chosen": {"size": "16", "support": "basic"}, "price_book": catalog["book"].pk},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    # No entry in the EUR book: (5000 + 400) USD at 0.9 = 4,860.00 EUR (base and values
    # converted one by one)
    assert body["currency"] == "EUR" and body["price"] == "4860.00"
    gbp_book = PriceBookFactory(currency=CurrencyFactory(code="GBP"))
    body = json_error(
        send(
            client_for(org.rep),
            "post",
            url,
            {"chosen": {"size": "16", "support": "basic"}, "price_book": gbp_book.pk},
        ),
        400,
    )
    assert "There is no exchange rate for GBP" in str(body)
