"""Products in global search (``catalog.search``): by their exact SKU or a (misspelt) name, in
the dropdown, on the results page and in the product list its "see all" opens; seen by the
roles the catalogue's policy lets read it; the search page's query budget holds."""

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.urls import reverse

from catalog.models import Product

from .factories import CurrencyFactory, ProductFactory, UserFactory
from .test_query_budgets import _explain, count_queries, make_search_rows
from .test_search import groups, suggest

pytestmark = pytest.mark.django_db

BUDGETS = json.loads((Path(__file__).parent / "query_counts.json").read_text())


@pytest.fixture
def products(db):
    usd = CurrencyFactory(code="USD")
    return {
        "stand": ProductFactory(sku="LS-100", name="Laptop Stand", currency=usd,
                                family="Accessories", unit_price=D("49.90")),
        "stand_pro": ProductFactory(sku="LS-100-PRO", name="Laptop Stand Pro", currency=usd),
        "keyboard": ProductFactory(sku="KB-7", name="Ergonomic Keyboard", currency=usd),
        "old": ProductFactory(sku="KB-1", name="Ergonomic Keyboard Classic", currency=usd,
                              active=False),
    }  # fmt: skip


def results(client, q):
    response = client.get(reverse("core:search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_sku_finds_the_product_exactly_in_any_case(client, org, products):
    client.force_login(org.rep)
    stand = products["stand"]

    for typed in ("LS-100", "ls-100", " Ls-100 "):
        assert groups(suggest(client, typed)) == {"products": ["Laptop Stand"]}, typed
    html = suggest(client, "LS-100")
    assert f'href="{stand.get_absolute_url()}"' in html
    assert "LS-100 · Accessories · 49.90 USD" in html
    assert groups(results(client, "LS-100-PRO")) == {"products": ["Laptop Stand Pro"]}
    assert "products" not in groups(suggest(client, "LS-10"))  # a SKU is matched whole


def test_a_misspelt_name_finds_the_product(client, org, products):
    client.force_login(org.marketing)  # not a sales role: the catalogue is everyone's

    found = groups(suggest(client, "ergonomik keybord"))

    assert found == {"products": ["Ergonomic Keyboard", "Ergonomic Keyboard Classic"]}
    page = results(client, "ergonomik keybord")
    assert groups(page)["products"][0] == "Ergonomic Keyboard"
    assert "KB-1 · Hardware · 100.00 USD · no longer sold" in page
    assert groups(suggest(client, "laptp"))["products"] == ["Laptop Stand", "Laptop Stand Pro"]


def test_see_all_lists_the_same_products(client, org, products):
    client.force_login(org.rep)
    html = suggest(client, "ergonomik keybord")
    see_all = f"{reverse('catalog:product_list')}?q=ergonomik+keybord"
    assert f'href="{see_all}"' in html

    listed = client.get(reverse("catalog:product_list"), {"q": "ergonomik keybord"})

    page = listed.content.decode()
    for key in ("keyboard", "old"):
        assert products[key].get_absolute_url() in page
    for key in ("stand", "stand_pro"):
        assert products[key].get_absolute_url() not in page
    # the list also keeps the SKU's start
    page = client.get(reverse("catalog:product_list"), {"q": "ls-1"}).content.decode()
    assert products["stand"].get_absolute_url() in page
    assert products["keyboard"].get_absolute_url() not in page


@pytest.mark.parametrize(
    "role", ["admin", "sales_manager", "sales_rep", "marketing", "support_agent", "support_manager"]
)
def test_every_role_reads_the_catalogue(client, org, products, role):
    client.force_login(org.by_role()[role])
    assert groups(suggest(client, "KB-7")) == {"products": ["Ergonomic Keyboard"]}


def test_a_user_without_a_role_gets_no_products(client, org, products):
    nobody = UserFactory(username="norole", role="")
    client.force_login(nobody)

    for html in (suggest(client, "KB-7"), results(client, "laptop stand")):
        assert 'data-kind="products"' not in html
        assert products["keyboard"].get_absolute_url() not in html
        assert products["stand"].get_absolute_url() not in html


def make_products(org, start, count):
    usd = CurrencyFactory(code="USD")
    Product.objects.bulk_create(
        Product(sku=f"BUDGET-{i:03}", name=f"Budget widget {i:03}", currency=usd,
                unit_price=D("10"), family="Budget")
        for i in range(start, start + count)
    )  # fmt: skip


@pytest.mark.parametrize("url_name", ["core:search?q=budget", "core:search_suggest?q=budget"])
def test_search_query_budget_holds_with_products(client, org, url_name):
    name, _, query = url_name.partition("?")
    url = f"{reverse(name)}?{query}"
    client.force_login(org.admin)
    make_search_rows(org, 0, 5)
    make_products(org, 0, 5)
    client.get(url)
    few, few_sql = count_queries(client, url)
    assert 'data-kind="products"' in client.get(url).content.decode()

    make_search_rows(org, 5, 55)
    make_products(org, 5, 55)
    many, many_sql = count_queries(client, url)

    assert few == many, f"{_explain(few_sql)}\n---\n{_explain(many_sql)}"
    assert many <= BUDGETS[url_name], _explain(many_sql)
