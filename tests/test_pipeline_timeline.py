"""Opportunities on the 360° view and in search: timeline entries only for those who may see
the deal, the "Open pipeline" / "Won revenue" figures, the account page's panel and the
search box."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import ExchangeRate
from sales.pipeline import services

from .factories import CurrencyFactory, OpportunityFactory

ROLES = ["admin", "sales_manager", "sales_rep", "marketing", "support_agent", "support_manager"]


@pytest.fixture
def deals(org, records):
    ours = OpportunityFactory(name="Turbine retrofit", owner=org.rep, team=org.team,
                              account=records.account, amount=Decimal("1000"))  # fmt: skip
    won = OpportunityFactory(name="Spare parts", owner=org.rep, team=org.team,
                             account=records.account, amount=Decimal("300"))  # fmt: skip
    services.opportunity_close(opportunity=won, won=True, by=org.rep)
    theirs = OpportunityFactory(name="Turbine service", owner=org.other_rep,
                                team=org.other_team, account=records.account,
                                amount=Decimal("5000"))  # fmt: skip
    return ours, won, theirs


def account_page(client, user, account):
    client.force_login(user)
    response = client.get(account.get_absolute_url())
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("role", ROLES)
def test_timeline_entries_only_for_those_who_may_see_the_deal(client, org, records, deals, role):
    response = account_page(client, org.by_role()[role], records.account)
    titles = [e.title for e in response.context["entries"]]
    ours = any("Turbine retrofit" in t for t in titles)
    won = any(t.startswith("Won: Spare parts") for t in titles)
    theirs = any("Turbine service" in t for t in titles)
    expected = {
        "admin": (True, True, True),
        "sales_manager": (True, True, False),
        "sales_rep": (True, True, False),
    }.get(role, (False, False, False))
    assert (ours, won, theirs) == expected


@pytest.mark.parametrize("role", ROLES)
def test_open_pipeline_and_won_revenue_figures(client, org, records, deals, role):
    response = account_page(client, org.by_role()[role], records.account)
    figures = {f["key"]: f["value"] for f in response.context["figures"]}
    expected = {
        "admin": (Decimal("6000"), Decimal("300")),
        "sales_manager": (Decimal("1000"), Decimal("300")),
        "sales_rep": (Decimal("1000"), Decimal("300")),
    }.get(role, (None, None))
    assert (figures["open_pipeline"], figures["won_revenue"]) == expected


def test_figures_convert_into_the_base_currency(client, org, records):
    eur = CurrencyFactory(code="EUR")
    ExchangeRate.objects.create(currency=eur, rate=Decimal("0.8"), valid_from="2000-01-01")
    OpportunityFactory(owner=org.rep, account=records.account, amount=Decimal("80"),
                       currency="EUR")  # fmt: skip
    OpportunityFactory(owner=org.rep, account=records.account, amount=Decimal("50"))
    response = account_page(client, org.rep, records.account)
    figures = {f["key"]: f["value"] for f in response.context["figures"]}
    assert figures["open_pipeline"] == Decimal("150.00")


@pytest.mark.parametrize("role", ROLES)
def test_account_panel_lists_visible_open_deals(client, org, records, deals, role):
    html = account_page(client, org.by_role()[role], records.account).content.decode()
    if role in ("marketing", "support_agent", "support_manager"):
        assert 'data-testid="account-opportunities"' not in html
        return
    panel = html[html.index('data-testid="account-opportunities"') :][:4000]
    assert "Turbine retrofit" in panel
    assert "Spare parts" not in panel  # won: not open
    assert ("Turbine service" in panel) == (role == "admin")


@pytest.mark.parametrize(
    ("role", "found"),
    [("admin", {"Turbine retrofit", "Turbine service"}), ("sales_rep", {"Turbine retrofit"}),
     ("sales_manager", {"Turbine retrofit"}), ("marketing", set()), ("support_agent", set())],
)  # fmt: skip
def test_search_box_finds_deals_by_name(client, org, deals, role, found):
    client.force_login(org.by_role()[role])
    response = client.get(reverse("core:search_suggest"), {"q": "turbine"})
    groups = {g.key: g for g in response.context["groups"]}
    hits = {h.title for h in groups["opportunities"].hits} if "opportunities" in groups else set()
    assert hits == found
