"""Leads in a real Chromium: the web form embedded in another site's iframe, a manager
reordering the assignment rules by drag and drop, the lead page and its conversion."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sales.leads.services import lead_save
from sales.models import AssignmentRule, Lead

from .factories import PASSWORD, AssignmentRuleFactory
from .test_browser import assert_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("LEAD_SCREENSHOTS")  # a folder to keep the screenshots in, if set


def log_in(page, base_url, user):
    page.goto(base_url + "/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def shot(page, tmp_path, name):
    folder = Path(SHOTS) if SHOTS else tmp_path
    assert_screenshot(page, folder / f"{name}.png")


def test_web_form_in_a_third_party_iframe_creates_an_assigned_lead(
    live_server, page, org, tmp_path
):
    AssignmentRuleFactory(name="Italy", countries=["Italy"], team=org.team)
    # another site (a page of its own origin) frames the form
    page.set_content(
        f'<h1>Acme site</h1><iframe id="crm" src="{live_server.url}/forms/lead/?source=Acme%20site"'
        ' style="width:100%;height:900px;border:0"></iframe>'
    )
    form = page.frame_locator("#crm")
    form.get_by_label("First name").fill("Lina")
    form.get_by_label("Last name").fill("Bo Bardi")
    form.get_by_label("Work e-mail").fill("lina@casa.example")
    form.get_by_label("Country").fill("Italy")
    form.get_by_label("Job title").fill("Founder")
    form.get_by_label("How can we help?").fill("A quote for 12 workstations, please.")
    expect(form.get_by_label("Leave this field empty")).not_to_be_in_viewport()
    page.wait_for_timeout(3200)  # people take longer than the time trap's 3 seconds
    form.get_by_role("button", name="Send").click()

    expect(form.get_by_test_id("thanks")).to_be_visible()
    shot(page, tmp_path, "web-form-thanks")
    lead = Lead.objects.get(last_name="Bo Bardi")
    assert (lead.source, lead.country, lead.team) == ("Acme site", "Italy", org.team)
    assert lead.owner in (org.rep, org.rep_teammate)


def test_manager_drags_a_rule_to_the_top(live_server, page, org, tmp_path):
    AssignmentRuleFactory(name="First rule", position=1, team=org.team)
    AssignmentRuleFactory(name="Second rule", position=2, team=org.other_team)
    log_in(page, live_server.url, org.sales_manager)
    page.goto(live_server.url + "/sales/leads/rules/")
    rows = page.locator("#rule-rows tr")
    expect(rows.first).to_contain_text("First rule")

    handle = page.locator("tr", has_text="Second rule").locator(".drag-handle")
    target = page.locator("tr", has_text="First rule")
    with page.expect_response(lambda r: r.url.endswith("/sales/leads/rules/reorder/")) as done:
        handle.drag_to(target, target_position={"x": 20, "y": 3})
    assert done.value.status == 204
    expect(rows.first).to_contain_text("Second rule")  # after the reload, from the database
    assert list(AssignmentRule.objects.order_by("position").values_list("name", flat=True)) == [
        "Second rule",
        "First rule",
    ]
    shot(page, tmp_path, "rules")


def test_rep_qualifies_and_converts_a_lead(live_server, page, org, tmp_path):
    lead = lead_save(
        data={
            "first_name": "Ray", "last_name": "Eames", "company": "Plywood Studio",
            "email": "ray@ply.example", "title": "Head of Design", "employees": 120,
            "owner": org.rep, "team": org.team, "source": "Referral",
        },
        by=org.rep,
    )  # fmt: skip
    log_in(page, live_server.url, org.rep)
    page.goto(live_server.url + lead.get_absolute_url())
    expect(page.get_by_test_id("score")).to_contain_text("Job title “Head of Design” (director)")
    page.get_by_test_id("status-bar").get_by_role("button", name="Qualified", exact=True).click()
    expect(page.get_by_test_id("lead-status")).to_have_text("Qualified")
    shot(page, tmp_path, "lead-detail")

    page.get_by_role("link", name="Convert", exact=True).click()
    page.get_by_label("Amount").fill("4800")
    shot(page, tmp_path, "convert")
    page.get_by_role("button", name="Convert", exact=True).click()

    expect(page.get_by_test_id("converted")).to_contain_text("Plywood Studio")
    shot(page, tmp_path, "lead-converted")
    page.goto(live_server.url + "/sales/leads/")
    expect(page.get_by_role("link", name="Ray Eames")).to_be_visible()
    shot(page, tmp_path, "lead-list")
    page.goto(live_server.url + "/sales/leads/add/")
    shot(page, tmp_path, "lead-form")
    lead.refresh_from_db()
    assert lead.converted_opportunity.amount == 4800
    assert lead.converted_contact.email == "ray@ply.example"
