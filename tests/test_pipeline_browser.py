"""The kanban board in a real headless Chromium: drag and drop (SortableJS + htmx) saves the
move through the service, a stale card snaps back with a message, dropping on "lost" asks
for the reason; the opportunity form's account picker (core.forms.RecordPicker)."""

import re
import time

import pytest
from playwright.sync_api import expect

from sales.models import Opportunity
from sales.pipeline import services

from .factories import PASSWORD, AccountFactory, OpportunityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, user, then):
    page.goto(f"{base_url}/login/?next={then}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + then)


def drag(page, card, target):
    """A real mouse drag (SortableJS listens to the browser's drag events)."""
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40)
    page.mouse.down()
    goal = target.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 30, steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 30, steps=15)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 40, steps=5)
    page.mouse.up()


def wait_for(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def column(page, name):
    return page.get_by_test_id(f"column-{name}").locator(".board-cards")


def test_drag_a_deal_across_the_board(live_server, page, org):
    pipeline = services.default_pipeline()
    stage = {s.name: s for s in pipeline.stages.all()}
    deal = OpportunityFactory(name="Drag me", owner=org.rep, team=org.team)
    log_in(page, live_server.url, org.rep, "/sales/board/")
    card = page.locator(f"#card-{deal.pk}")
    expect(column(page, "prospecting").locator(f"#card-{deal.pk}")).to_be_visible()

    # 1. Prospecting → Proposal: saved through the service; header and toast follow.
    drag(page, card, column(page, "proposal"))
    assert wait_for(lambda: Opportunity.objects.get(pk=deal.pk).stage_id == stage["Proposal"].pk)
    expect(column(page, "proposal").locator(f"#card-{deal.pk}")).to_have_attribute(
        "data-version", "2"
    )
    expect(page.locator(f"#board-head-{stage['Proposal'].pk} .badge")).to_have_text("1")
    expect(page.locator("#board-toasts")).to_contain_text("moved to Proposal")

    # 2. Someone else saves the deal: this card is stale, the move is refused, it snaps back.
    services.opportunity_save(opportunity=deal, data={"name": "Drag me"}, by=org.rep_teammate)
    drag(page, page.locator(f"#card-{deal.pk}"), column(page, "negotiation"))
    expect(page.locator("#board-toasts")).to_contain_text("changed by someone else")
    expect(column(page, "proposal").locator(f"#card-{deal.pk}")).to_be_visible()
    assert Opportunity.objects.get(pk=deal.pk).stage_id == stage["Proposal"].pk

    # 3. After a reload the card is current; dropping on "lost" asks why, then closes it.
    page.reload()
    drag(
        page,
        page.locator(f"#card-{deal.pk}"),
        page.get_by_test_id("zone-lost").locator(".board-cards"),
    )
    dialog = page.locator("#close-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Reason").select_option("competitor")
    dialog.get_by_role("button", name="Mark lost").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#card-{deal.pk}")).to_have_count(0)
    deal.refresh_from_db()
    assert deal.status == "lost" and deal.close_reason == "competitor"
    expect(page.locator(f"#board-head-{stage['Lost'].pk} .badge")).to_have_text("1")


def test_cancelled_lost_dialog_puts_the_card_back(live_server, page, org):
    deal = OpportunityFactory(name="Keep me", owner=org.rep, team=org.team)
    log_in(page, live_server.url, org.rep, "/sales/board/")
    drag(
        page,
        page.locator(f"#card-{deal.pk}"),
        page.get_by_test_id("zone-lost").locator(".board-cards"),
    )
    dialog = page.locator("#close-dialog")
    expect(dialog.get_by_role("button", name="Mark lost")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(column(page, "prospecting").locator(f"#card-{deal.pk}")).to_be_visible()
    assert Opportunity.objects.get(pk=deal.pk).status == "open"


def test_account_picker_fills_the_form(live_server, page, org):
    account = AccountFactory(name="Quasar Optics")
    log_in(page, live_server.url, org.rep, "/sales/opportunities/add/")
    page.locator("#id_name").fill("Lenses")
    page.get_by_role("combobox", name="Account").press_sequentially("quasar", delay=30)
    page.get_by_role("option", name=re.compile("Quasar Optics")).click()
    expect(page.locator("select#id_account")).to_have_value(str(account.pk))
    page.locator("#id_amount").fill("1200")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lenses")
    opp = Opportunity.objects.get(name="Lenses")
    assert opp.account == account and opp.probability == 10
