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

# The forecast chart is drawn, with data, on the canvas that is in the page, at its box's size
# (not the 300 × 150 of an empty canvas) and with pixels painted.
CHART_DRAWN = """() => {
  const canvas = document.querySelector('canvas[data-chart="forecast-chart"]');
  const chart = canvas && window.Chart && Chart.getChart(canvas);
  if (!chart || !canvas.isConnected || chart.canvas !== canvas) return false;
  if (!chart.data.datasets.some((d) => d.data.some((v) => v > 0))) return false;
  const box = canvas.parentElement.getBoundingClientRect();
  const drawn = canvas.getBoundingClientRect();
  const off = Math.max(Math.abs(drawn.width - box.width), Math.abs(drawn.height - box.height));
  if (off > 2) return false;
  if (canvas.width < box.width || canvas.height < box.height) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) return true;
  return false;
}"""


def chart_has_data(page):
    page.wait_for_function(CHART_DRAWN, timeout=5000)


def test_manager_forecast_chart_period_switch_and_quota_grid(live_server, page, org):
    OpportunityFactory(owner=org.rep, team=org.team, stage=stage_named("Won"),
                       amount=Decimal("2500"), close_date=timezone.localdate())  # fmt: skip
    log_in(page, live_server.url, org.sales_manager.username)
    page.goto(live_server.url + "/sales/forecast/")

    expect(page.get_by_test_id("forecast-scope")).to_have_text("All my teams")
    expect(page.locator('[data-figure="won"]')).to_have_text("2,500")
    chart_has_data(page)
    page.get_by_text("Month", exact=True).click()  # the period switch (htmx)
    expect(page).to_have_url(re.compile(r"period=month"))
    expect(page.get_by_role("tab", name=current(MONTH).label, exact=True)).to_be_visible()
    # The range tab is named by what it is: no other tab's name contains the month's.
    expect(page.get_by_role("tab", name=re.compile(r"^Total, \d+ months$"))).to_be_visible()
    expect(page.get_by_role("tab", name=current(MONTH).label)).to_have_count(1)
    chart_has_data(page)

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


@pytest.mark.parametrize("role", ["sales_manager", "sales_rep"])
def test_the_chart_has_data_after_every_period_switch(live_server, page, org, role):
    """Issue 17, item 3: the chart went blank after Month or Quarter (and stayed blank for a
    rep after switching back)."""
    OpportunityFactory(owner=org.rep, team=org.team, stage=stage_named("Won"),
                       amount=Decimal("2500"), close_date=timezone.localdate())  # fmt: skip
    OpportunityFactory(owner=org.rep, team=org.team, stage=stage_named("Negotiation"),
                       amount=Decimal("4000"), close_date=timezone.localdate())  # fmt: skip
    log_in(page, live_server.url, getattr(org, {"sales_rep": "rep"}.get(role, role)).username)
    page.goto(live_server.url + "/sales/forecast/")
    chart_has_data(page)
    for period in ("Month", "Quarter", "Month", "Quarter"):
        page.get_by_text(period, exact=True).click()
        expect(page).to_have_url(re.compile(f"period={period.lower()}"))
        expect(page.locator("#period-" + period.lower())).to_be_checked()
        chart_has_data(page)
    # the tabs (the range's included) leave the chart drawn too
    page.get_by_role("tab", name=re.compile(r"^Total, \d+ (months|quarters)$")).click()
    expect(page).to_have_url(re.compile(r"tab=range"))
    chart_has_data(page)


def test_rep_workspace_loads_my_deals(live_server, page, org):
    OpportunityFactory(name="Closing soon", owner=org.rep, team=org.team,
                       stage=stage_named("Proposal"), amount=Decimal("1200"),
                       close_date=timezone.localdate())  # fmt: skip
    log_in(page, live_server.url, org.rep.username)
    expect(page).to_have_url(live_server.url + "/sales/workspace/")
    deals = page.locator("#closing-deals")
    expect(deals.get_by_role("link", name="Closing soon")).to_be_visible()
    expect(page.locator('[data-stage="Proposal"]')).to_be_visible()
