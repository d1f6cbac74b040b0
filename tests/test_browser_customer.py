"""Issue 3's journey in real headless Chromium: a rep creates an account, adds a contact, logs
a call from the contact page, sees it on the account's 360° timeline, and finds the contact
through the search box in the navigation bar."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account, Activity, Contact

from .factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_account_contact_call_timeline_search(live_server, page, org, tmp_path):
    base = live_server.url
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(org.rep.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/sales/workspace/")

    # 1. Create an account through the form.
    page.goto(base + "/accounts/add/")
    page.locator("#id_name").fill("Zephyr Shipyards")
    page.locator("#id_industry").fill("Shipbuilding")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zephyr Shipyards")
    account = Account.objects.get(name="Zephyr Shipyards")
    assert account.owner == org.rep and account.team == org.team

    # 2. Add a contact from the account page (the account is prefilled).
    page.get_by_role("link", name="Add contact").click()
    expect(page.locator("#id_account")).to_have_value(str(account.pk))
    page.locator("#id_first_name").fill("Ingrid")
    page.locator("#id_last_name").fill("Halvorsen")
    page.locator("#id_email").fill("ingrid.halvorsen@zephyr.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingrid Halvorsen")
    contact = Contact.objects.get(last_name="Halvorsen")
    assert contact.account == account

    # 3. Log a call on the contact page (htmx quick-log card).
    card = page.locator("#log-activity")
    card.get_by_label("Call").check()
    card.get_by_label("Subject").fill("Discussed the hull order")
    card.get_by_role("button", name="Log it").click()
    expect(page.locator("#log-activity")).to_contain_text("Logged")
    call = Activity.objects.get(subject="Discussed the hull order")
    assert call.kind == "call" and call.contact == contact and call.account == account
    # The contact's own timeline refreshed without a reload.
    expect(page.locator("#timeline-items")).to_contain_text("Discussed the hull order")

    # 4. The account's 360° timeline shows the contact's call.
    page.goto(base + f"/accounts/{account.pk}/")
    timeline = page.locator("#timeline-items")
    expect(timeline).to_contain_text("Discussed the hull order")
    expect(timeline).to_contain_text("Ingrid Halvorsen")
    page.screenshot(path=str(tmp_path / "account-360.png"), full_page=True)

    # 5. Find the contact through the search box, typo and all.
    search = page.get_by_role("navigation", name="Main").get_by_label("Search")
    search.fill("Halvorsn")
    panel = page.get_by_test_id("search-panel")
    expect(panel).to_contain_text("Ingrid Halvorsen")
    panel.get_by_role("link", name=re.compile("Ingrid Halvorsen")).first.click()
    expect(page).to_have_url(base + f"/contacts/{contact.pk}/")
