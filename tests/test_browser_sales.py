"""Issue 4's journey in real headless Chromium, with a real Celery worker and SMTP server:

a rep drags a deal across the board, builds a quote with a configured product, asks for a
discount above their limit, a sales manager approves it, the rep sends the quote (the worker
renders the PDF and e-mails the customer), the customer accepts through the link in that
e-mail without logging in, and the deal shows as won with its order.
"""

import io
import re
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from billing.models import Order
from catalog import demo as catalog_demo
from sales.models import Opportunity, Quote

from .factories import PASSWORD, AccountFactory, ContactFactory, OpportunityFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def log_in(page, base, user):
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def drag(page, source, target):
    """A person's drag: press on the card, move over the other column in steps, release."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 3)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 5, start["y"] + start["height"] / 3 + 5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 30, steps=15)
    page.mouse.up()


def mail_to(smtp_server, address, timeout=30.0):
    found = []

    def arrived():
        found[:] = [m for m in smtp_server.messages if address in m["To"]]
        return bool(found)

    assert wait_until(arrived, timeout), [m["To"] for m in smtp_server.messages]
    return found


def test_board_quote_approval_and_customer_acceptance(
    live_server, browser, org, smtp_server, purge_queue, celery_worker_factory
):
    celery_worker_factory()
    catalog_demo.load(users={}, accounts=[], stdout=io.StringIO())
    org.rep.discount_limit = Decimal("10")
    org.rep.save(update_fields=["discount_limit"])
    account = AccountFactory(name="Borealis Freight", owner=org.rep, team=org.team)
    contact = ContactFactory(
        account=account, first_name="Maja", last_name="Lind", email="maja@borealis.example"
    )
    deal = OpportunityFactory(
        name="Borealis workstations",
        account=account,
        contact=contact,
        owner=org.rep,
        team=org.team,
        amount=Decimal("12000.00"),
    )
    assert deal.stage.name == "Prospecting"
    base = live_server.url

    rep_context = browser.new_context(viewport={"width": 1400, "height": 900})
    rep = rep_context.new_page()
    rep.set_default_timeout(15000)
    log_in(rep, base, org.rep)

    # 1. Drag the deal from Prospecting to Qualification on the board.
    rep.goto(base + "/sales/board/")
    card = rep.locator(f"#card-{deal.pk}")
    expect(rep.get_by_test_id("column-prospecting")).to_contain_text("Borealis workstations")
    drag(rep, card, rep.locator('[data-testid="column-qualification"] .board-cards'))
    assert wait_until(lambda: Opportunity.objects.get(pk=deal.pk).stage.name == "Qualification")
    expect(rep.get_by_test_id("column-qualification")).to_contain_text("Borealis workstations")
    deal.refresh_from_db()
    assert list(deal.stage_changes.values_list("to_stage__name", flat=True)) == [
        "Qualification",
        "Prospecting",
    ]

    # 2. A quote from the deal, with a configured workstation.
    rep.goto(base + deal.get_absolute_url())
    rep.get_by_test_id("create-quote").click()
    expect(rep).to_have_url(re.compile(r"/sales/quotes/\d+/$"))
    quote = Quote.objects.get(opportunity=deal)
    rep.get_by_test_id("configure-menu").click()
    rep.get_by_role("link", name=re.compile("GTK 500 Workstation")).click()
    rep.locator('[data-option="size"] [data-value="18"] input').check()
    # the 18″ size requires the cooling pad: the server adds it and says so
    expect(rep.locator('[data-option="addons"] [data-value="cooling"] input')).to_be_checked()
    rep.locator('[data-option="support"] [data-value="premium"] input').check()
    expect(rep.locator('[data-option="support"] [data-value="premium"] input')).to_be_checked()
    rep.get_by_role("button", name="Add to quote").click()
    expect(rep).to_have_url(re.compile(rf"/sales/quotes/{quote.pk}/$"))
    line = quote.lines.get()
    assert "18″" in line.description and "Premium" in line.description
    assert "Cooling pad" in line.description
    # 5,000 + 900 (18″) + 750 (premium) + 45 (cooling), then +8 % for premium support
    assert line.unit_price == Decimal("7230.60")
    expect(rep.locator("#lines")).to_contain_text("Cooling pad")

    # 3. A 15 % discount is above the rep's 10 % limit: it needs a manager.
    rep.get_by_role("button", name=re.compile("Edit discount")).click()
    header = rep.get_by_test_id("header-form")
    expect(rep.locator("#quote-header")).to_have_class(re.compile(r"\bshow\b"))  # opened
    header.get_by_label("Quote discount").fill("15")
    expect(header.get_by_label("Quote discount")).to_have_value("15")
    header.get_by_role("button", name="Save").click()
    expect(rep.locator("main")).to_contain_text("Quote saved", timeout=15000)
    expect(rep.locator("main")).to_contain_text("must approve it before it can be sent")
    expect(rep.get_by_role("button", name="Send to customer")).to_have_count(0)
    rep.get_by_role("button", name="Request approval").click()
    expect(rep.locator("main")).to_contain_text("Waiting for a sales manager")
    quote.refresh_from_db()
    assert quote.status == Quote.Status.PENDING_APPROVAL

    # 4. The manager approves it with a comment.
    manager_context = browser.new_context(viewport={"width": 1400, "height": 900})
    manager = manager_context.new_page()
    manager.set_default_timeout(15000)
    log_in(manager, base, org.sales_manager)
    manager.goto(base + quote.get_absolute_url())
    decision = manager.get_by_test_id("decision")
    decision.get_by_label("Comment").fill("Fine for a fleet order")
    decision.get_by_role("button", name="Approve").click()
    assert wait_until(lambda: Quote.objects.get(pk=quote.pk).status == Quote.Status.APPROVED)
    manager_context.close()

    # 5. The rep sends it: the worker renders the PDF and e-mails the customer the link.
    rep.reload()
    rep.get_by_role("button", name="Send to customer").click()
    message = mail_to(smtp_server, "maja@borealis.example")[0]
    link = re.search(r"https?://\S+/q/\S+", message.get_body(("plain",)).get_content())
    assert link, message.get_body(("plain",)).get_content()
    assert any(part.get_content_type() == "application/pdf" for part in message.iter_attachments())

    # 6. The customer opens the link (no login), types their name and accepts.
    customer_context = browser.new_context(viewport={"width": 1000, "height": 900})
    customer = customer_context.new_page()
    customer.set_default_timeout(15000)
    customer.goto(base + urlsplit(link.group(0).rstrip(".")).path)
    expect(customer.locator("body")).to_contain_text("Cooling pad")
    accept = customer.get_by_test_id("accept-form")
    accept.locator("input[name=name]").fill("Maja Lind")
    accept.get_by_role("button", name="Accept quote").click()
    expect(customer.locator("body")).to_contain_text("accepted")
    customer_context.close()

    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED and quote.accepted_by_name == "Maja Lind"
    assert Order.objects.filter(quote=quote).count() == 1
    deal.refresh_from_db()
    assert deal.status == Opportunity.Status.WON

    # 7. The rep sees the deal as won, with its order.
    rep.goto(base + deal.get_absolute_url())
    expect(rep.locator("main")).to_contain_text("Won")
    rep.goto(base + quote.get_absolute_url())
    expect(rep.locator("main")).to_contain_text(Order.objects.get(quote=quote).number)
    rep_context.close()
