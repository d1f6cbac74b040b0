"""Issue 17's journey in a real Chromium: a visitor sends the public web form, the assignment
rules give the lead to a rep of the region's team (the lead page says which rule and why), the
rep qualifies and converts it into a deal of 48,000 USD, quotes 7 turbines (95,760 USD with
tax), sends the quote, the customer accepts it through the public link, and the won amount is
the order's total everywhere it is shown: the deal, the order, the account's "Won revenue",
the rep's forecast and the manager's dashboard."""

from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from billing.models import Order
from sales.models import Lead, Quote
from sales.quotes import tokens
from users.models import TeamMembership

from .factories import PASSWORD, AssignmentRuleFactory, CurrencyFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WON = "95,760"  # 7 × 12,000 USD, 5 % off, 20 % tax


def log_in(page, base_url, user):
    page.goto(base_url + "/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)


def test_lead_from_the_web_form_to_an_order_whose_total_is_the_won_amount(
    live_server, browser, org
):
    # The demo's shape: the Central office's rule and a catch-all that only queues.
    org.team.region = "Central"
    org.team.save(update_fields=["region"])
    TeamMembership.objects.filter(team=org.team).update(max_open_leads=30)
    AssignmentRuleFactory(name="Central", position=1, countries=["Central"], team=org.team)
    AssignmentRuleFactory(name="Everything else (queue only)", position=2, team=org.team,
                          round_robin=False)  # fmt: skip
    ProductFactory(name="Wind turbine", currency=CurrencyFactory(code="USD"),
                   unit_price=D("12000.00"), tax_rate=D("20.00"))  # fmt: skip
    new_page = lambda: browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # noqa: E731

    # 1. The visitor's web form, with the region the rules route by.
    visitor = new_page()
    visitor.goto(live_server.url + "/forms/lead/?source=Website")
    visitor.get_by_label("First name").fill("Karin")
    visitor.get_by_label("Last name").fill("Larsen")
    visitor.get_by_label("Work e-mail").fill("karin@fjord-energy.example")
    visitor.get_by_label("Company", exact=True).fill("Fjord Energy")
    visitor.get_by_label("Job title").fill("CEO")
    visitor.get_by_label("Country", exact=True).fill("United States")
    visitor.get_by_label("Region", exact=True).select_option("Central")
    visitor.get_by_label("How can we help?").fill("Seven turbines for the north site.")
    visitor.wait_for_timeout(3200)  # a person takes longer than the 3 s time trap
    visitor.get_by_role("button", name="Send").click()
    expect(visitor.get_by_test_id("thanks")).to_be_visible()

    # 2. Auto-assigned to a rep of Central, and the lead page says why.
    lead = Lead.objects.get(email="karin@fjord-energy.example")
    assert lead.team == org.team and lead.owner in (org.rep, org.rep_teammate)
    rep_user = lead.owner
    rep = new_page()
    log_in(rep, live_server.url, rep_user)
    rep.goto(live_server.url + lead.get_absolute_url())
    expect(rep.get_by_text(
        f"Rule “Central” matched (country or region Central): round-robin in {org.team} "
        f"gave it to {rep_user}"
    )).to_be_visible()  # fmt: skip

    # 3. Qualified and converted into a deal of 48,000 USD.
    rep.get_by_test_id("status-bar").get_by_role("button", name="Qualified", exact=True).click()
    expect(rep.get_by_test_id("lead-status")).to_have_text("Qualified")
    rep.get_by_role("link", name="Convert", exact=True).click()
    rep.get_by_label("Amount").fill("48000")
    rep.get_by_role("button", name="Convert", exact=True).click()
    converted = rep.get_by_test_id("converted")
    expect(converted).to_contain_text("Fjord Energy")
    lead.refresh_from_db()
    deal = lead.converted_opportunity
    assert (deal.amount, deal.currency, deal.owner) == (D("48000.00"), "USD", rep_user)

    # 4. A quote of 7 turbines at 5 % (within the rep's limit), sent to the contact.
    rep.goto(live_server.url + deal.get_absolute_url())
    expect(rep.get_by_text("48,000.00 USD").first).to_be_visible()
    rep.get_by_test_id("create-quote").click()
    rep.get_by_placeholder("Search name or SKU…").fill("turbine")
    product = rep.locator("#add_product")
    expect(product.locator("option")).to_have_count(2)
    product.select_option(index=1)
    rep.locator("#add_quantity").fill("7")
    rep.locator("#add_discount_percent").fill("5")
    rep.get_by_role("button", name="Add line").click()
    expect(rep.get_by_test_id("quote-totals")).to_contain_text(f"{WON}.00")
    rep.get_by_role("button", name="Send to customer").click()
    expect(rep.get_by_test_id("public-link")).to_be_visible()
    quote = Quote.objects.get(opportunity=deal)

    # 5. The customer accepts through the public link, without logging in.
    customer = new_page()
    customer.goto(live_server.url + tokens.public_path(quote))
    customer.get_by_label("Your full name").fill("Karin Larsen")
    customer.get_by_role("button", name="Accept quote").click()
    expect(customer.get_by_test_id("accepted")).to_contain_text("Karin Larsen")

    # 6. The won amount is the order's total wherever it is shown.
    order = Order.objects.get(quote=quote)
    deal.refresh_from_db()
    assert (deal.status, deal.amount, order.total) == ("won", D("95760.00"), D("95760.00"))
    rep.goto(live_server.url + deal.get_absolute_url())
    expect(rep.get_by_text(f"{WON}.00 USD").first).to_be_visible()
    rep.goto(live_server.url + order.get_absolute_url())
    expect(rep.get_by_role("main")).to_contain_text(f"{WON}.00")
    rep.goto(live_server.url + deal.account.get_absolute_url())
    expect(rep.locator('[data-figure="won_revenue"]')).to_have_text(WON)
    rep.goto(live_server.url + "/sales/forecast/?period=month")
    expect(rep.locator('[data-figure="won"]')).to_have_text(WON)

    manager = new_page()
    log_in(manager, live_server.url, org.sales_manager)
    manager.goto(live_server.url + "/sales/forecast/?period=quarter")
    expect(manager.locator('[data-figure="won"]')).to_have_text(WON)
    manager.goto(live_server.url + "/")
    expect(manager.locator('[data-figure="won"]').first).to_have_text(WON)
    for page in (visitor, rep, customer, manager):
        page.context.close()
