"""The app in a real headless Chromium against a live server: log in, the workspace and its
navigation, the user menu, log out, and the collapsed navigation bar on a phone."""

import re

import pytest
from playwright.sync_api import expect

from .factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def log_in(page, base_url, username):
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def assert_screenshot(page, path):
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000  # a rendered page, not a blank image


def test_rep_logs_in_sees_sales_workspace_and_logs_out(live_server, page, org, tmp_path):
    log_in(page, live_server.url, org.rep.username)

    expect(page).to_have_url(live_server.url + "/sales/workspace/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Good day, {org.rep.first_name}")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Leads", exact=True)).to_be_hidden()
    nav.get_by_test_id("sales-menu").click()  # the sales pages sit in one dropdown
    expect(nav.get_by_role("link", name="Leads", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Pipeline", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Accounts", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Users", exact=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="Teams", exact=True)).to_have_count(0)
    assert_screenshot(page, tmp_path / "workspace.png")

    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    page.get_by_test_id("user-menu").click()
    expect(log_out).to_be_visible()
    log_out.click()

    expect(page).to_have_url(live_server.url + "/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)

    page.goto(live_server.url + "/sales/workspace/")  # the session is really gone
    expect(page).to_have_url(re.compile(r"/login/\?next=/sales/workspace/$"))


def test_navigation_collapses_on_a_phone(live_server, browser, org, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        log_in(page, live_server.url, org.rep.username)
        expect(page).to_have_url(live_server.url + "/sales/workspace/")

        nav = page.get_by_role("navigation", name="Main")
        toggler = nav.get_by_role("button", name="Menu")
        leads = nav.get_by_role("link", name="Leads", exact=True)
        expect(toggler).to_be_visible()
        expect(toggler).to_have_attribute("aria-expanded", "false")
        expect(leads).to_be_hidden()

        toggler.click()
        expect(toggler).to_have_attribute("aria-expanded", "true")
        nav.get_by_test_id("sales-menu").click()
        expect(leads).to_be_visible()
        expect(nav.get_by_test_id("user-menu")).to_be_visible()
        assert_screenshot(page, tmp_path / "phone-menu.png")

        leads.click()
        expect(page).to_have_url(re.compile(r"/sales/leads/"))
    finally:
        context.close()


ROLES = ["admin", "sales_manager", "sales_rep", "support_manager", "support_agent", "marketing"]


@pytest.mark.parametrize("width", [1200, 1280, 1366, 1400])
@pytest.mark.parametrize("role", ROLES)
def test_top_bar_fits_the_window_for_every_role(live_server, browser, org, tmp_path, role, width):
    """At 1,200/1,280/1,366/1,400 px every role's bar is no wider than the window and the user
    menu (with Log out) is on screen, not cut off: the administrator's (8 entries) and a support
    manager's (6) collapse behind the menu button below 1,400 px, the others below 1,200 px."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        log_in(page, live_server.url, org.by_role()[role].username)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_visible()
        sizes = page.evaluate(
            "() => ({bar: document.querySelector('nav.navbar').scrollWidth,"
            " page: document.documentElement.scrollWidth, window: window.innerWidth})"
        )
        assert sizes["bar"] <= sizes["window"], sizes
        assert sizes["page"] <= sizes["window"], sizes
        user_menu = nav.get_by_test_id("user-menu")
        collapsed = nav.get_by_role("button", name="Menu").is_visible()
        assert collapsed == (role in ("admin", "support_manager") and width < 1400)
        if collapsed:
            nav.get_by_role("button", name="Menu").click()
            # Bootstrap's collapse animates ("collapsing") before it is "show": a click on the
            # user menu during the animation would be lost.
            expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
        expect(user_menu).to_be_visible()
        box = user_menu.bounding_box()
        assert box["x"] + box["width"] <= width, box
        user_menu.click()
        log_out = page.get_by_role("button", name="Log out")
        expect(log_out).to_be_visible()
        box = log_out.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert_screenshot(page, tmp_path / f"{role}-{width}.png")
    finally:
        context.close()
