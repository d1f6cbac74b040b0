"""The forecast, the quota grid and the rep's "My deals" in a real Chromium: the chart is
drawn, the period switch reloads the figures, a quota typed in the grid is saved."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sales.forecast.periods import MONTH, QUARTER, current
from sales.models import Quota

from .factories import OpportunityFactory, stage_named
from .test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_forecast_chart_period_switch_and_quota_grid(live_server, page, org):
    OpportunityFactory(owner=org.rep, team=org.team, stage=stage_named("Won"),
                       amount=Decimal("2500"), close_date=timezone.localdate())  # fmt: skip
    log_in(page, live_server.url, org.sales_manager.username)
    page.goto(live_server.url + "/sales/forecast/")

    expect(page.get_by_test_id("forecast-scope")).to_have_text("All my teams")
    expect(page.locator('[data-figure="won"]')).to_have_text("2,500")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('forecast-chart-canvas'))"
    )
    page.get_by_text("Month", exact=True).click()  # the period switch (htmx)
    expect(page).to_have_url(re.compile(r"period=month"))
    expect(page.get_by_role("tab", name=current(MONTH).label, exact=True)).to_be_visible()
    expect(page.get_by_role("tab", name="Total, 6 months", exact=True)).to_be_visible()
    page.wait_for_function("() => Chart.getChart(document.getElementById('forecast-chart-canvas'))")

    page.goto(live_server.url + "/sales/quotas/")
    cell = page.get_by_label(f"Quota from {current(QUARTER).start:%Y-%m-%d}").first
    cell.fill("30000")
    cell.press("Tab")  # change → saved by htmx
    expect(page.locator("input.is-valid")).to_have_count(1)
    assert Quota.objects.get().amount == Decimal("30000")
    cell = page.get_by_label(f"Quota from {current(QUARTER).start:%Y-%m-%d}").first
    cell.fill("-1")
    cell.press("Tab")
    expect(page.get_by_text("A quota cannot be negative.")).to_be_visible()
    assert Quota.objects.get().amount == Decimal("30000")


def test_rep_workspace_loads_my_deals(live_server, page, org):
    OpportunityFactory(name="Closing soon", owner=org.rep, team=org.team,
                       stage=stage_named("Proposal"), amount=Decimal("1200"),
                       close_date=timezone.localdate())  # fmt: skip
    log_in(page, live_server.url, org.rep.username)
    expect(page).to_have_url(live_server.url + "/sales/workspace/")
    deals = page.locator("#closing-deals")
    expect(deals.get_by_role("link", name="Closing soon")).to_be_visible()
    expect(page.locator('[data-stage="Proposal"]')).to_be_visible()
