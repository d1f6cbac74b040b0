"""Catalogue pages through the client: products (list, filters, CSV, form), price books and
their price table, currencies and rates; who may do what; the query budget of the list."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.forms import ProductForm
from catalog.models import (
    Currency,
    ExchangeRate,
    OptionValue,
    PriceBook,
    PriceBookEntry,
    Product,
)

from .factories import (
    ConfigurableProductFactory,
    CurrencyFactory,
    OpportunityFactory,
    PriceBookFactory,
    ProductFactory,
)
from .permission_helpers import form_data
from .test_query_budgets import BUDGETS, count_queries

D = Decimal


@pytest.fixture
def catalog(org):
    usd = CurrencyFactory(code="USD", name="US dollar")
    eur = CurrencyFactory(code="EUR", name="Euro")
    ExchangeRate.objects.create(currency=eur, rate=D("0.9"), valid_from=datetime.date(2020, 1, 1))
    pro = ProductFactory(sku="GTX-PRO", name="GTX Pro", family="GTX", unit_price=D("4821"))
    basic = ProductFactory(sku="GTX-BASIC", name="GTX Basic", family="GTX", unit_price=D("550"))
    mg = ProductFactory(sku="MG-SPECIAL", name="MG Special", family="MG", unit_price=D("55"),
                        active=False)  # fmt: skip
    return {"usd": usd, "eur": eur, "pro": pro, "basic": basic, "mg": mg}


# -- products -------------------------------------------------------------------------------------
def test_product_list_filters_search_sort_and_export(client, org, catalog):
    client.force_login(org.rep)
    url = reverse("catalog:product_list")
    page = client.get(url).content.decode()
    assert "GTX Pro" in page and "MG Special" in page
    assert "4,821.00 USD" in page

    page = client.get(url, {"family": "mg"}).content.decode()
    assert "MG Special" in page and "GTX Pro" not in page
    page = client.get(url, {"active": "true"}).content.decode()
    assert "MG Special" not in page and "GTX Basic" in page
    page = client.get(url, {"q": "bas"}).content.decode()  # part of the name
    assert "GTX Basic" in page and "GTX Pro" not in page
    page = client.get(url, {"q": "MG-SP"}).content.decode()  # the SKU's start
    assert "MG Special" in page and "GTX Basic" not in page

    page = client.get(url, {"sort": "-unit_price"}).content.decode()
    assert page.index("GTX Pro") < page.index("GTX Basic") < page.index("MG Special")

    response = client.get(url, {"export": "csv", "family": "GTX"})
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert len(lines) == 3 and "GTX-PRO" in body and "MG-SPECIAL" not in body


def test_product_detail_shows_prices_and_configuration(client, org, catalog):
    product = ConfigurableProductFactory(sku="WS-1")
    book = PriceBookFactory(name="Partner (USD)", currency=catalog["usd"])
    book.entries.create(product=product, unit_price=D("4250"))
    client.force_login(org.rep)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Partner (USD)" in page and "4,250.00 USD" in page
    assert "Support level" in page and "Cooling pad" in page
    assert "then the price changes by <strong>8.00 %</strong>" in page
    assert reverse("catalog:configure", args=[product.pk]) in page
    assert "Edit options" not in page  # a rep does not keep the catalogue


def test_manager_creates_a_product_and_bad_prices_are_form_errors(client, org, catalog):
    client.force_login(org.sales_manager)
    url = reverse("catalog:product_add")
    data = {"sku": "gtk-500", "name": "GTK 500", "family": "GTK", "unit_price": "26768",
            "currency": "USD", "tax_rate": "20", "active": "on"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    product = Product.objects.get(sku="GTK-500")  # SKUs are kept upper-case
    assert product.unit_price == D("26768.00")

    for field, value, message in [
        ("unit_price", "-1", "Ensure this value is greater than or equal to 0."),
        ("unit_price", "abc", "Enter a number."),
        ("tax_rate", "120", "Ensure this value is less than or equal to 100."),
        ("sku", "GTX-pro", "Another product already has this SKU."),
    ]:
        response = client.post(url, {**data, "sku": "NEW-1", field: value})
        assert response.status_code == 400, field
        assert message in response.content.decode()
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_rep_reads_but_cannot_change_products(client, org, catalog):
    product = catalog["pro"]
    client.force_login(org.rep)
    assert client.get(product.get_absolute_url()).status_code == 200
    assert client.get(reverse("catalog:product_add")).status_code == 403
    assert client.get(reverse("catalog:product_edit", args=[product.pk])).status_code == 403
    edit = form_data(ProductForm, user=org.rep, instance=product, unit_price="1")
    assert client.post(reverse("catalog:product_edit", args=[product.pk]), edit).status_code == 403
    assert client.post(reverse("catalog:product_delete", args=[product.pk])).status_code == 403
    response = client.post(reverse("catalog:product_bulk_delete"),
                           {"pk": [product.pk], "confirm": "1"})  # fmt: skip
    assert response.status_code == 302
    assert Product.objects.filter(pk=product.pk, unit_price=D("4821")).exists()
    for name in ("product_options", "product_rules"):
        assert client.get(reverse(f"catalog:{name}", args=[product.pk])).status_code == 403


@pytest.mark.parametrize("role", ["marketing", "support_agent", "support_manager"])
def test_other_roles_read_the_catalogue(client, org, catalog, role):
    client.force_login(org.by_role()[role])
    assert client.get(reverse("catalog:product_list")).status_code == 200
    assert client.get(catalog["pro"].get_absolute_url()).status_code == 200
    assert client.get(reverse("catalog:pricebook_list")).status_code == 200
    assert client.get(reverse("catalog:currency_list")).status_code == 200
    assert client.get(reverse("catalog:product_edit", args=[catalog["pro"].pk])).status_code == 403
    # … but the configurator is the sales team's
    assert client.get(reverse("catalog:configure", args=[catalog["pro"].pk])).status_code == 403


def test_anonymous_is_sent_to_log_in(client, catalog):
    url = reverse("catalog:product_list")
    assert client.get(url)["Location"].startswith("/login/")


# -- options, values and rules --------------------------------------------------------------------
def test_manager_edits_options_values_and_rules(client, org, catalog):
    product = ConfigurableProductFactory(sku="WS-2")
    client.force_login(org.sales_manager)
    url = reverse("catalog:product_rules", args=[product.pk])
    page = client.get(url).content.decode()
    assert "Size: 18″" in page

    values = {
        (v.option.code, v.code): v
        for v in OptionValue.objects.filter(option__product=product).select_related("option")
    }
    rules = list(product.rules.order_by("id"))
    data = {"rules-TOTAL_FORMS": str(len(rules) + 1), "rules-INITIAL_FORMS": str(len(rules)),
            "rules-MIN_NUM_FORMS": "0", "rules-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, rule in enumerate(rules):
        data.update({f"rules-{i}-id": rule.pk, f"rules-{i}-when": rule.when_id,
                     f"rules-{i}-effect": rule.effect, f"rules-{i}-target": rule.target_id or "",
                     f"rules-{i}-amount": rule.amount or ""})  # fmt: skip
    new = len(rules)
    # A requires rule without a target, and a value requiring another of its own pick-one option
    data.update({f"rules-{new}-when": values["size", "14"].pk, f"rules-{new}-effect": "requires"})
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Choose the value this rule requires or excludes." in response.content.decode()
    data[f"rules-{new}-target"] = values["size", "16"].pk
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Size takes one value" in response.content.decode()
    # A valid one: business support adds 99.50
    data.update({f"rules-{new}-when": values["support", "business"].pk,
                 f"rules-{new}-effect": "price_amount", f"rules-{new}-target": "",
                 f"rules-{new}-amount": "99.50"})  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert product.rules.filter(effect="price_amount", amount=D("99.50")).exists()

    # values: a negative price is refused
    size = values["size", "14"].option
    url = reverse("catalog:option_values", args=[size.pk])
    assert client.get(url).status_code == 200
    vals = list(size.values.order_by("position"))
    data = {"values-TOTAL_FORMS": str(len(vals)), "values-INITIAL_FORMS": str(len(vals)),
            "values-MIN_NUM_FORMS": "0", "values-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, v in enumerate(vals):
        data.update({f"values-{i}-id": v.pk, f"values-{i}-code": v.code,
                     f"values-{i}-label": v.label, f"values-{i}-price": v.price,
                     f"values-{i}-position": v.position})  # fmt: skip
    data["values-1-price"] = "-5"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "A value&#x27;s price cannot be negative." in response.content.decode()
    data["values-1-price"] = "450"
    assert client.post(url, data).status_code == 302
    assert size.values.get(code="16").price == D("450")

    url = reverse("catalog:product_options", args=[product.pk])
    assert "3 values" in client.get(url).content.decode()


# -- price books ----------------------------------------------------------------------------------
def test_price_book_table_edits_adds_and_refuses_negative_prices(client, org, catalog):
    book = PriceBookFactory(name="Europe (EUR)", currency=catalog["eur"], kind="regional")
    entry = book.entries.create(product=catalog["pro"], unit_price=D("4400"))
    client.force_login(org.sales_manager)
    page = client.get(book.get_absolute_url()).content.decode()
    assert "GTX Pro" in page and "4,821.00 USD" in page and 'value="4400.00"' in page

    # add a product: no price -> the list price converted (550 USD = 495 EUR)
    url = reverse("catalog:pricebook_entry_add", args=[book.pk])
    assert client.post(url, {"product": catalog["basic"].pk}).status_code == 302
    assert book.entries.get(product=catalog["basic"]).unit_price == D("495.00")
    response = client.post(url, {"product": catalog["mg"].pk, "unit_price": "-3"})
    assert response.status_code == 400  # (and MG Special is inactive: not offered either)
    assert not book.entries.filter(product=catalog["mg"]).exists()

    # the price table: one bad price saves nothing
    entries = list(book.entries.order_by("product__name"))
    url = reverse("catalog:pricebook_entries", args=[book.pk])
    data = {"entries-TOTAL_FORMS": "2", "entries-INITIAL_FORMS": "2",
            "entries-MIN_NUM_FORMS": "0", "entries-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, e in enumerate(entries):
        data.update({f"entries-{i}-id": e.pk, f"entries-{i}-unit_price": "500.005"})
    data["entries-1-unit_price"] = "-10"
    response = client.post(url, data)
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.unit_price == D("4400")
    data["entries-1-unit_price"] = "4300"
    data["entries-0-unit_price"] = "480"
    data["entries-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert list(book.entries.values_list("product__sku", "unit_price")) == [
        ("GTX-PRO", D("4300.00"))
    ]

    # a rep reads the book but cannot change it
    client.force_login(org.rep)
    assert client.get(book.get_absolute_url()).status_code == 200
    assert client.post(url, data).status_code == 403
    assert client.post(reverse("catalog:pricebook_fill", args=[book.pk])).status_code == 403


def test_one_default_price_book_and_filling_a_book(client, org, catalog):
    first = PriceBookFactory(name="Standard", currency=catalog["usd"], is_default=True)
    client.force_login(org.admin)
    response = client.post(reverse("catalog:pricebook_add"), {
        "name": "Partner", "kind": "partner", "currency": "USD", "is_default": "on",
        "active": "on"})  # fmt: skip
    assert response.status_code == 302
    first.refresh_from_db()
    assert not first.is_default
    partner = PriceBook.objects.get(name="Partner")
    assert partner.is_default
    client.post(reverse("catalog:pricebook_fill", args=[partner.pk]))
    assert partner.entries.count() == 2  # the two active products


# -- currencies and rates -------------------------------------------------------------------------
def test_currencies_rates_and_deleting_one_in_use(client, org, catalog):
    client.force_login(org.sales_manager)
    page = client.get(reverse("catalog:currency_list")).content.decode()
    assert "1 (base)" in page and "0.9" in page

    response = client.post(
        reverse("catalog:currency_add"),
        {"code": "gbp", "name": "Pound", "minor_units": "2", "active": "on"},
    )
    assert response.status_code == 302
    gbp = Currency.objects.get(code="GBP")
    add = reverse("catalog:rate_add", args=["GBP"])
    for rate in ("0", "-1", "abc"):
        response = client.post(add, {"rate": rate, "valid_from": "2024-01-01"})
        assert response.status_code == 400, rate
    assert not gbp.rates.exists()
    assert client.post(add, {"rate": "0.79", "valid_from": "2024-01-01"}).status_code == 302
    response = client.post(add, {"rate": "0.8", "valid_from": "2024-01-01"})
    assert "There is a rate for this day already" in response.content.decode()
    assert client.post(add, {"rate": "0.81", "valid_from": "2024-06-01"}).status_code == 302
    page = client.get(gbp.get_absolute_url()).content.decode()
    assert page.index("2024-06-01") < page.index("2024-01-01")  # newest first
    assert "current" in page
    response = client.post(reverse("catalog:rate_add", args=["USD"]),
                           {"rate": "1.1", "valid_from": "2024-01-01"})  # fmt: skip
    assert "USD is the base currency" in response.content.decode()

    # an unused currency goes; one in use stays, saying where it is used
    assert client.post(reverse("catalog:currency_delete", args=["GBP"])).status_code == 302
    assert not Currency.objects.filter(code="GBP").exists()
    PriceBookFactory(currency=catalog["eur"])
    response = client.post(reverse("catalog:currency_delete", args=["EUR"]), follow=True)
    assert "EUR cannot be deleted: it is used by price books." in response.content.decode()
    assert Currency.objects.filter(code="EUR").exists()
    jpy = CurrencyFactory(code="JPY", minor_units=0)
    ExchangeRate.objects.create(currency=jpy, rate=D("150"), valid_from=datetime.date(2020, 1, 1))
    OpportunityFactory(owner=org.rep, team=org.team, currency="JPY")
    response = client.post(reverse("catalog:currency_delete", args=["JPY"]), follow=True)
    assert "used by opportunities" in response.content.decode()
    assert Currency.objects.filter(pk=jpy.pk).exists()

    client.force_login(org.rep)
    assert client.get(reverse("catalog:currency_detail", args=["EUR"])).status_code == 200
    assert client.post(reverse("catalog:rate_add", args=["EUR"]),
                       {"rate": "1", "valid_from": "2025-01-01"}).status_code == 403  # fmt: skip
    assert client.post(reverse("catalog:currency_delete", args=["EUR"])).status_code == 403


# -- every page renders ---------------------------------------------------------------------------
def test_every_catalogue_page_renders_for_a_manager_and_a_rep(client, org, catalog):
    product = ConfigurableProductFactory(sku="WS-ALL")
    book = PriceBookFactory(currency=catalog["eur"])
    book.entries.create(product=product, unit_price=D("4000"))
    rate = catalog["eur"].rates.get()
    option = product.options.first()
    pages = {
        reverse("catalog:product_list"): (200, 200),
        reverse("catalog:product_add"): (200, 403),
        reverse("catalog:product_detail", args=[product.pk]): (200, 200),
        reverse("catalog:product_edit", args=[product.pk]): (200, 403),
        reverse("catalog:product_delete", args=[product.pk]): (200, 403),
        reverse("catalog:product_options", args=[product.pk]): (200, 403),
        reverse("catalog:product_rules", args=[product.pk]): (200, 403),
        reverse("catalog:option_values", args=[option.pk]): (200, 403),
        reverse("catalog:configure", args=[product.pk]): (200, 200),
        reverse("catalog:pricebook_list"): (200, 200),
        reverse("catalog:pricebook_add"): (200, 403),
        reverse("catalog:pricebook_detail", args=[book.pk]): (200, 200),
        reverse("catalog:pricebook_edit", args=[book.pk]): (200, 403),
        reverse("catalog:currency_list"): (200, 200),
        reverse("catalog:currency_add"): (200, 403),
        reverse("catalog:currency_detail", args=["EUR"]): (200, 200),
        reverse("catalog:currency_detail", args=["USD"]): (200, 200),
        reverse("catalog:currency_edit", args=["EUR"]): (200, 403),
        reverse("catalog:rate_add", args=["EUR"]): (200, 403),
        reverse("catalog:rate_edit", args=[rate.pk]): (200, 403),
        "/catalog/currencies/XYZ/": (404, 404),
        "/catalog/products/999999/configure/": (404, 404),
        "/catalog/options/999999/values/": (404, 404),
    }
    for user, column in ((org.sales_manager, 0), (org.rep, 1)):
        client.force_login(user)
        for url, expected in pages.items():
            assert client.get(url).status_code == expected[column], (user.role, url)
    client.force_login(org.sales_manager)
    page = client.get(reverse("catalog:product_list")).content.decode()
    assert "Add product" in page


# -- demo data ----------------------------------------------------------------------------------
def test_demo_catalogue_is_idempotent(db):
    from io import StringIO

    from catalog import demo
    from catalog.configurator import evaluate

    for _ in range(2):
        demo.load(users={}, accounts=[], stdout=StringIO())
    assert Product.objects.count() == 8
    assert Product.objects.get(sku="GTX-PLUS-PRO").unit_price == D("5482")
    assert Product.objects.get(sku="GTK-500").family == "GTK"
    assert set(Currency.objects.values_list("code", flat=True)) == {"USD", "EUR", "GBP", "JPY"}
    assert ExchangeRate.objects.count() == 9
    assert PriceBook.objects.get(is_default=True).name == "Standard (USD)"
    partner = PriceBook.objects.get(name="Partner (USD)")
    assert partner.entries.get(product__sku="GTX-PRO").unit_price == D("4097.85")  # −15 %
    assert PriceBook.objects.get(name="Europe (EUR)").entries.count() == 8
    ws = Product.objects.get(sku="GTK-500-WS")
    assert ws.is_configurable and ws.rules.count() == 5
    assert evaluate(ws, {"size": "18", "support": "basic"}).valid


# -- query budget ---------------------------------------------------------------------------------
def _make_products(org, start, count):
    currencies = [CurrencyFactory(code="USD"), CurrencyFactory(code="EUR")]
    Product.objects.bulk_create(
        Product(
            sku=f"BUDGET-{i:03}",
            name=f"Budget product {i:03}",
            family=f"F{i % 4}",
            unit_price=D(i),
            currency=currencies[i % 2],
        )  # fmt: skip
        for i in range(start, start + count)
    )


def _make_entries(org, start, count):
    book = PriceBook.objects.get_or_create(name="Budget book", defaults={"currency_id": "USD"})[0]
    _make_products(org, start, count)
    PriceBookEntry.objects.bulk_create(
        PriceBookEntry(price_book=book, product=p, unit_price=D(5))
        for p in Product.objects.filter(sku__startswith="BUDGET-").exclude(prices__price_book=book)
    )
    return book


@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "marketing"])
def test_product_list_query_count_does_not_grow(client, org, role):
    client.force_login(org.by_role()[role])
    url = reverse("catalog:product_list")
    _make_products(org, 0, 5)
    client.get(url)
    few, few_sql = count_queries(client, url)
    _make_products(org, 5, 25)
    many, _ = count_queries(client, url)
    assert few == many, few_sql
    assert many <= BUDGETS["catalog:product_list"]
    exported = [count_queries(client, url + "?export=csv")[0] for _ in range(2)]
    assert exported[0] == exported[1]


def test_price_book_page_query_count_does_not_grow(client, org):
    client.force_login(org.sales_manager)
    book = _make_entries(org, 0, 5)
    url = book.get_absolute_url()
    client.get(url)
    few, few_sql = count_queries(client, url)
    _make_entries(org, 5, 25)
    many, many_sql = count_queries(client, url)
    assert few == many, "\n".join(many_sql)
