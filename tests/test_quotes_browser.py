"""Quotes in a real headless Chromium: a rep adds a line through the product search (htmx),
asks for approval of a discount above the limit, the manager approves, the rep sends, and the
customer accepts through the public link without logging in."""

import os
import re
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from billing.models import Order
from catalog.models import Product
from sales.models import Quote
from sales.quotes import tokens

from .factories import PASSWORD, CurrencyFactory, ProductFactory, QuoteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, user, next_url):
    page.goto(base_url + next_url)
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + next_url)


def shot(page, name):
    folder = os.environ.get("QUOTE_SCREENSHOTS")  # set it to keep the pictures
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_quote_from_line_to_accepted(live_server, browser, org):
    usd = CurrencyFactory(code="USD")
    for i in range(3):
        ProductFactory(name=f"Filler {i}", currency=usd)
    ProductFactory(name="Quantum router", currency=usd, unit_price=D("1200.00"))
    quote = QuoteFactory(owner=org.rep, team=org.team, lines=[])
    url = quote.get_absolute_url()

    rep = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(rep, live_server.url, org.rep, url)
    rep.get_by_placeholder("Search name or SKU…").fill("quantum")
    select = rep.locator("#add_product")
    expect(select.locator("option")).to_have_count(2)  # "Choose…" and the match
    select.select_option(index=1)
    expect(select).to_have_value(str(Product.objects.get(name="Quantum router").pk))
    rep.locator("#add_quantity").fill("2")
    rep.locator("#add_discount_percent").fill("15")
    rep.get_by_role("button", name="Add line").click()
    lines = rep.get_by_test_id("quote-lines")
    expect(lines).to_contain_text("Quantum router")
    expect(rep.get_by_test_id("quote-totals")).to_contain_text("2,040.00")  # 2400 × 0.85
    expect(rep.get_by_role("button", name="Send to customer")).to_have_count(0)
    shot(rep, "quote-draft")
    rep.get_by_role("button", name="Request approval").click()
    expect(rep.get_by_text("Waiting for a sales manager's approval")).to_be_visible()

    manager = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(manager, live_server.url, org.sales_manager, url)
    manager.get_by_label("Comment").fill("Key account, fine.")
    manager.get_by_role("button", name="Approve").click()
    expect(manager.get_by_text("Discount approved")).to_be_visible()

    rep.reload()
    rep.get_by_role("button", name="Send to customer").click()
    expect(rep.get_by_text("Quote sent")).to_be_visible()
    expect(rep.get_by_test_id("public-link")).to_be_visible()
    expect(rep.get_by_test_id("approvals")).to_contain_text("Key account, fine.")
    shot(rep, "quote-sent")

    customer = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
    customer.goto(live_server.url + tokens.public_path(Quote.objects.get(pk=quote.pk)))
    expect(customer.get_by_role("heading", level=1)).to_contain_text(quote.number)
    expect(customer.get_by_test_id("quote-lines")).to_contain_text("Quantum router")
    shot(customer, "quote-public")
    customer.get_by_label("Your full name").fill("Grace Hopper")
    customer.get_by_role("button", name="Accept quote").click()
    expect(customer.get_by_test_id("accepted")).to_contain_text("Grace Hopper")
    shot(customer, "quote-accepted")

    quote.refresh_from_db()
    assert (quote.status, quote.opportunity.status) == ("accepted", "won")
    assert Order.objects.filter(quote=quote).count() == 1
    for page in (rep, manager, customer):
        page.context.close()
