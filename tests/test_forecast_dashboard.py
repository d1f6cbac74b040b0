"""The sales part of the manager's dashboard: pipeline by stage, this quarter against quota
per team, win rate and sales cycle per team and office, top deals closing this month — of
the manager's teams only; a constant number of queries."""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sales.forecast.periods import MONTH, QUARTER, current
from sales.models import Opportunity

from .factories import ExchangeRateFactory, OpportunityFactory, QuotaFactory, stage_named

pytestmark = pytest.mark.django_db

BUDGETS = json.loads((Path(__file__).parent / "query_counts.json").read_text())
SALES = reverse("analytics:sales")


def deal(owner, team, stage, amount, close, currency="USD", name=None, cycle_days=None,
         reason="price"):  # fmt: skip
    opp = OpportunityFactory(name=name or f"{stage} {amount}", owner=owner, team=team,
                             stage=stage_named(stage), amount=Decimal(amount),
                             currency=currency, close_date=close,
                             close_reason=reason if stage == "Lost" else "")  # fmt: skip
    if cycle_days is not None:
        created = timezone.make_aware(
            datetime.datetime.combine(
                close - datetime.timedelta(days=cycle_days), datetime.time(12)
            )
        )
        Opportunity.objects.filter(pk=opp.pk).update(created_at=created)
    return opp


@pytest.fixture
def sales(org):
    ExchangeRateFactory(rate=Decimal("0.5"))
    org.team.region = "Central"
    org.team.save()
    org.other_team.region = "West"
    org.other_team.save()
    today = timezone.localdate()
    month = current(MONTH)
    in_month = max(today, month.start)
    deal(org.rep, org.team, "Prospecting", "8000", in_month, name="Big USD")
    deal(org.rep_teammate, org.team, "Proposal", "5000", in_month, currency="EUR",
         name="Bigger EUR")  # 10,000 USD  # fmt: skip
    deal(org.rep, org.team, "Negotiation", "100", month.end + datetime.timedelta(days=100))
    deal(org.rep, org.team, "Won", "3000", today, cycle_days=30)
    deal(org.rep, org.team, "Won", "1000", today - datetime.timedelta(days=200), cycle_days=50)
    deal(org.rep, org.team, "Lost", "500", today - datetime.timedelta(days=10))
    deal(org.rep, org.team, "Won", "1", today - datetime.timedelta(days=400))  # too old
    deal(org.other_rep, org.other_team, "Negotiation", "99999", in_month, name="South deal")
    deal(org.other_rep, org.other_team, "Won", "12345", today)
    QuotaFactory(user=org.rep, start=current(QUARTER).start, amount=Decimal("6000"))
    return org


def test_sales_manager_sees_their_teams_figures(client, sales):
    client.force_login(sales.sales_manager)
    response = client.get(SALES)
    assert response.status_code == 200
    page = response.content.decode()

    by_stage = page[page.index('id="pipeline-by-stage"') : page.index('id="forecast-by-team"')]
    assert re.search(
        r'data-stage="Prospecting">.*?<td class="text-end">1</td><td class="text-end">8,000<',
        by_stage,
    )  # noqa: E501
    assert re.search(
        r'data-stage="Proposal">.*?<td class="text-end">1</td><td class="text-end">10,000<',
        by_stage,
    )  # noqa: E501
    assert 'id="stage-chart"' in page

    team = page[page.index('data-label="North total"') :].split("</tr>")[0]
    assert 'data-col="won">3,000<' in team and 'data-col="quota">6,000<' in team
    assert 'data-col="attainment">50.0 %<' in team

    north = page[page.index('data-team="North"') :].split("</tr>")[0]
    assert "<td>Central</td>" in north
    assert 'data-col="win_rate">66.7 %<' in north  # 2 won, 1 lost in the last 12 months
    assert 'data-col="cycle">40.0 days<' in north  # (30 + 50) / 2

    top = page[page.index('id="top-deals"') :]
    assert top.index("Bigger EUR") < top.index("Big USD")  # 10,000 USD before 8,000 USD
    assert "South" not in page and "99,999" not in page and "12,345" not in page


def test_admin_sees_every_team_and_office(client, sales):
    client.force_login(sales.admin)
    page = client.get(SALES).content.decode()
    assert 'data-team="South"' in page and 'data-office="West"' in page
    assert page.index("South deal") < page.index("Bigger EUR")  # the biggest first


def test_dashboard_page_loads_the_sales_part_for_sales_managers_only(client, org):
    client.force_login(org.sales_manager)
    assert f'hx-get="{SALES}"' in client.get(reverse("analytics:dashboard")).content.decode()
    client.force_login(org.support_manager)
    page = client.get(reverse("analytics:dashboard"))
    assert page.status_code == 200 and SALES not in page.content.decode()
    assert "Open tickets by queue" in page.content.decode()


@pytest.mark.parametrize("who", ["support_manager", "rep", "marketing", "agent"])
def test_sales_figures_are_for_sales_managers_and_admins(client, org, who):
    client.force_login(getattr(org, who))
    assert client.get(SALES).status_code == 403


def test_sales_figures_query_count_does_not_grow(client, org):
    ExchangeRateFactory()
    today = timezone.localdate()
    stages = ["Prospecting", "Proposal", "Negotiation", "Won", "Lost"]

    def make(start, n):
        for i in range(start, start + n):
            close = today - datetime.timedelta(days=i % 3)
            owner = (org.rep, org.rep_teammate)[i % 2]
            deal(owner, org.team, stages[i % 5], str(10 + i), close, currency=("USD", "EUR")[i % 2])

    client.force_login(org.sales_manager)
    make(0, 5)
    client.get(SALES)
    with CaptureQueriesContext(connection) as few:
        client.get(SALES)
    make(5, 25)
    with CaptureQueriesContext(connection) as many:
        assert client.get(SALES).status_code == 200
    assert len(few) == len(many) <= BUDGETS["analytics:sales"], [
        q["sql"][:200] for q in many.captured_queries
    ]
