"""The configurator page (htmx re-evaluation, impossible values disabled with the reason, the
server re-checking what is submitted, adding the configured line to a quote) and
``POST /api/v1/products/{id}/configure/``."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.configurator import evaluate

from .api_helpers import API, client_for
from .factories import ConfigurableProductFactory, CurrencyFactory, OpportunityFactory

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
JSON = "application/json"


@pytest.fixture
def workstation(db):
    CurrencyFactory(code="USD")
    return ConfigurableProductFactory(sku="GTK-500-WS")


def _input(html, option, value):
    """The <input> tag of one value."""
    match = re.search(rf'<input[^>]*id="v-{option}-{value}"[^>]*>', html, re.S)
    assert match, f"no input for {option}={value}"
    return match.group(0)


def test_the_page_starts_with_the_defaults(client, org, workstation):
    client.force_login(org.rep)
    response = client.get(reverse("catalog:configure", args=[workstation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "checked" in _input(html, "size", "14")
    assert "checked" in _input(html, "support", "basic")
    assert 'type="checkbox"' in _input(html, "addons", "dock")
    # Basic support excludes on-site installation: disabled, with the reason shown.
    assert "disabled" in _input(html, "addons", "onsite")
    assert "Support level: Basic excludes Add-ons: On-site installation." in html
    assert "5,000.00 USD" in html
    assert "GTK 500 Workstation — Size: 14″; Support level: Basic" in html
    assert "Add to quote" not in html  # not opened from a quote


def test_every_change_is_re_evaluated_by_htmx(client, org, workstation):
    client.force_login(org.rep)
    url = reverse("catalog:configure", args=[workstation.pk])
    response = client.post(url, {"o-size": "18", "o-support": "premium", "o-addons": ["dock"]},
                           **HTMX)  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="configurator"')  # the partial only
    cooling = _input(html, "addons", "cooling")
    assert "checked" in cooling and "disabled" in cooling  # added by the 18″
    assert "Required by Size: 18″" in html
    assert "disabled" in _input(html, "addons", "battery")
    assert "Size: 18″ excludes Add-ons: Extra battery." in html
    assert "disabled" not in _input(html, "addons", "onsite")  # premium allows it
    # (5000 + 900 + 750 + 250 + 45) × 1.08
    assert "7,500.60 USD" in html
    assert "Add-ons: Docking station, Cooling pad" in html
    assert "This combination is possible." in html


def test_an_impossible_combination_shows_why(client, org, workstation):
    client.force_login(org.sales_manager)
    url = reverse("catalog:configure", args=[workstation.pk])
    html = client.post(url, {"o-size": "14", "o-support": "basic", "o-addons": ["onsite"],
                             "o-bogus": "x"}, **HTMX).content.decode()  # fmt: skip
    assert "Support level: Basic excludes Add-ons: On-site installation." in html
    assert re.search(r'name="action" value="add"\s+disabled', html) is None  # no quote: no button
    html = client.post(url, {"o-size": "huge", "o-support": "basic"}, **HTMX).content.decode()
    assert "“huge” is not a value of Size." in html


@pytest.fixture
def quote(org, workstation):
    from sales.quotes.services import create_quote

    opportunity = OpportunityFactory(owner=org.rep, team=org.team)
    return create_quote(opportunity=opportunity, by=org.rep)


def test_add_to_quote_re_checks_on_the_server(client, org, workstation, quote):
    client.force_login(org.rep)
    url = reverse("catalog:configure", args=[workstation.pk])
    html = client.get(url, {"quote": quote.pk}).content.decode()
    assert "Add to quote" in html and f'name="quote" value="{quote.pk}"' in html

    # Crafted past the disabled inputs: refused, nothing added.
    bad = {"quote": quote.pk, "action": "add", "quantity": "1",
           "o-size": "14", "o-support": "basic", "o-addons": ["onsite"]}  # fmt: skip
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "This combination is not possible; nothing was added." in response.content.decode()
    response = client.post(url, {**bad, "o-support": "premium", "quantity": "-2"})
    assert response.status_code == 400
    assert "The quantity must be more than 0." in response.content.decode()
    assert not quote.lines.exists()

    good = {**bad, "o-support": "premium", "quantity": "2"}
    response = client.post(url, good)
    assert response.status_code == 302
    assert response["Location"] == quote.get_absolute_url()
    line = quote.lines.get()
    expected = evaluate(workstation, {"size": "14", "support": "premium", "addons": ["onsite"]})
    assert line.unit_price == expected.price == D("6879.60")  # (5000+750+500+120) × 1.08
    assert line.description == expected.description
    assert line.quantity == 2
    assert line.configuration == {"size": "14", "support": "premium", "addons": ["onsite"]}


def test_a_quote_of_another_team_is_not_found(client, org, workstation, quote):
    client.force_login(org.other_rep)
    url = reverse("catalog:configure", args=[workstation.pk])
    response = client.post(url, {"quote": quote.pk, "action": "add", "o-size": "14",
                                 "o-support": "basic"})  # fmt: skip
    assert response.status_code == 404
    assert client.get(url, {"quote": quote.pk}).status_code == 404
    assert not quote.lines.exists()


def test_missing_product_and_roles(client, org, workstation):
    client.force_login(org.rep)
    assert client.get(reverse("catalog:configure", args=[999999])).status_code == 404
    client.force_login(org.marketing)
    assert client.get(reverse("catalog:configure", args=[workstation.pk])).status_code == 403


# -- API ------------------------------------------------------------------------------------------
def test_api_configure(org, workstation):
    url = f"{API}/products/{workstation.pk}/configure/"
    rep = client_for(org.rep)
    response = rep.post(url, {"chosen": {"size": "18", "support": "basic"}}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "valid": True,
        "errors": [],
        "price": "5945.00",
        "currency": "USD",
        "description": (
            "GTK 500 Workstation — Size: 18″; Support level: Basic; Add-ons: Cooling pad"
        ),
        "configuration": {"size": "18", "support": "basic", "addons": ["cooling"]},
        "required": ["Add-ons: Cooling pad"],
    }

    response = rep.post(url, {"chosen": {"size": "18", "support": "basic",
                                         "addons": ["battery"]}}, content_type=JSON)  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert body["valid"] is False
    assert body["errors"] == ["Size: 18″ excludes Add-ons: Extra battery."]

    for bad in ({"chosen": ["size"]}, {"chosen": {"size": {"a": 1}}}, {"chosen": "x"}):
        response = rep.post(url, bad, content_type=JSON)
        assert response.status_code == 400, bad
        assert response.json()["errors"]
    response = rep.post(url, {}, content_type=JSON)
    assert response.status_code == 400 and "chosen" in response.json()

    assert client_for(org.marketing).post(url, {"chosen": {}}, content_type=JSON).status_code == 403
    response = rep.post(f"{API}/products/999999/configure/", {"chosen": {}}, content_type=JSON)
    assert response.status_code == 404
