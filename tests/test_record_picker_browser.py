"""The record picker in a real Chromium: type part of an account's name in the contact form,
choose the match with the keyboard (a combobox with a listbox), save, and the contact shows
the account; the deal form's contact picker lists the chosen account's contacts."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Contact
from sales.models import Opportunity

from .factories import AccountFactory, ContactFactory
from .test_pipeline_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pick_an_account_with_the_keyboard_in_the_contact_form(live_server, page, org):
    account = AccountFactory(name="Quasar Optics", billing_city="Turin")
    AccountFactory(name="Pulsar Lenses")
    log_in(page, live_server.url, org.rep, "/contacts/add/")
    page.locator("#id_last_name").fill("Keyboard")

    combobox = page.get_by_role("combobox", name="Account")
    combobox.click()
    expect(page.get_by_text("Type at least 2 characters")).to_be_visible()
    combobox.press_sequentially("quas", delay=50)
    listbox = page.get_by_role("listbox")
    option = listbox.get_by_role("option", name=re.compile("Quasar Optics"))
    expect(option).to_be_visible()
    expect(listbox.get_by_role("option", name=re.compile("Pulsar"))).to_have_count(0)
    expect(option).to_contain_text("Turin")  # the provider's description
    combobox.press("ArrowDown")
    expect(combobox).to_have_attribute("aria-activedescendant", re.compile(".+"))
    combobox.press("Enter")
    expect(page.locator("select#id_account")).to_have_value(str(account.pk))

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Keyboard")
    expect(page.get_by_role("link", name="Quasar Optics").first).to_be_visible()
    assert Contact.objects.get(last_name="Keyboard").account == account


def test_the_deal_forms_contact_picker_lists_the_chosen_accounts_contacts(live_server, page, org):
    account = AccountFactory(name="Quasar Optics")
    ours = ContactFactory(account=account, first_name="Greta", last_name="Zimmer")
    ContactFactory(account=AccountFactory(name="Elsewhere"), first_name="Greta", last_name="Other")
    log_in(page, live_server.url, org.rep, "/sales/opportunities/add/")
    page.locator("#id_name").fill("Lenses")
    page.get_by_role("combobox", name="Account").press_sequentially("quas", delay=30)
    page.get_by_role("option", name=re.compile("Quasar Optics")).click()

    contact = page.get_by_role("combobox", name="Primary contact")
    contact.focus()  # nothing typed: the account's contacts
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option", name=re.compile("Greta Zimmer"))).to_be_visible()
    expect(listbox.get_by_role("option", name=re.compile("Greta Other"))).to_have_count(0)
    contact.press("ArrowDown")
    contact.press("Enter")
    expect(page.locator("select#id_contact")).to_have_value(str(ours.pk))
    page.locator("#id_amount").fill("1200")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lenses")
    assert Opportunity.objects.get(name="Lenses").contact == ours
