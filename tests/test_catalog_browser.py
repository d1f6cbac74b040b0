"""The configurator in a real Chromium: every click is re-evaluated on the server (htmx),
impossible values are disabled with the reason, required ones are added, the price follows."""

import pytest
from playwright.sync_api import expect

from .factories import ConfigurableProductFactory, CurrencyFactory
from .test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_configures_a_workstation(live_server, page, org):
    CurrencyFactory(code="USD")
    product = ConfigurableProductFactory(sku="GTK-500-WS")
    log_in(page, live_server.url, org.rep.username)
    page.goto(f"{live_server.url}/catalog/products/{product.pk}/configure/")

    price = page.get_by_test_id("price")
    expect(price).to_have_text("5,000.00 USD")
    onsite = page.get_by_label("On-site installation", exact=True)
    expect(onsite).to_be_disabled()  # Basic support excludes it
    expect(page.get_by_text("Support level: Basic excludes Add-ons: On-site installation."))

    page.get_by_label("18″", exact=True).check()
    cooling = page.get_by_label("Cooling pad", exact=True)
    expect(cooling).to_be_checked()
    expect(cooling).to_be_disabled()
    expect(page.get_by_text("Required by Size: 18″")).to_be_visible()
    expect(page.get_by_label("Extra battery", exact=True)).to_be_disabled()
    expect(price).to_have_text("5,945.00 USD")

    page.get_by_label("Premium", exact=True).check()
    expect(onsite).to_be_enabled()
    onsite.check()
    # (5000 + 900 + 750 + 45 + 500) + 120, then +8 %
    expect(price).to_have_text("7,900.20 USD")
    expect(page.get_by_test_id("description")).to_have_text(
        "GTK 500 Workstation — Size: 18″; Support level: Premium; "
        "Add-ons: Cooling pad, On-site installation"
    )
    # Premium cannot go back to Basic while on-site installation is chosen.
    expect(page.get_by_label("Basic", exact=True)).to_be_disabled()
