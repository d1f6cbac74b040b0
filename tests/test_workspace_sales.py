"""The rep's workspace: "My deals" (open deals by stage, deals closing this month with their
flags, this quarter's quota attainment) next to leads to call and My day; only the rep's own
deals; a constant number of queries."""

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
DEALS = reverse("sales:forecast_workspace_deals")


def deal(owner, stage, amount, close, currency="USD", **extra):
    if stage == "Lost":
        extra.setdefault("close_reason", "price")
    return OpportunityFactory(name=extra.pop("name", None) or f"{stage} {amount}", owner=owner,
                              team=extra.pop("team", None), stage=stage_named(stage),
                              amount=Decimal(amount), currency=currency, close_date=close,
                              **extra)  # fmt: skip


def test_workspace_page_loads_my_deals_and_my_day(client, org):
    client.force_login(org.rep)
    page = client.get(reverse("sales:workspace")).content.decode()
    assert f'hx-get="{DEALS}"' in page
    assert "fragment=card" in page  # My day: open activities assigned to me (accounts)
    assert "Leads to call" in page


def test_my_deals(client, org):
    today = timezone.localdate()
    month, quarter = current(MONTH), current(QUARTER)
    ExchangeRateFactory(rate=Decimal("0.5"))
    deal(org.rep, "Prospecting", "1000", month.end - datetime.timedelta(days=1))
    deal(org.rep, "Prospecting", "500", month.end + datetime.timedelta(days=40), currency="EUR")
    deal(org.rep, "Negotiation", "4000", month.end + datetime.timedelta(days=5))
    deal(org.rep, "Proposal", "700", today - datetime.timedelta(days=45),
                   name="Late one")  # fmt: skip
    idle = deal(org.rep, "Proposal", "300", month.end - datetime.timedelta(days=1), name="Idle")
    long_ago = timezone.now() - datetime.timedelta(days=90)
    Opportunity.objects.filter(pk=idle.pk).update(created_at=long_ago, stage_changed_at=long_ago)
    deal(org.rep, "Won", "3000", today)
    deal(org.rep, "Won", "250", today, currency="EUR")  # 500 USD
    deal(org.rep, "Lost", "999", today)
    deal(org.rep_teammate, "Prospecting", "77777", today, name="Teammate's")
    deal(org.other_rep, "Prospecting", "88888", today, name="South's")
    QuotaFactory(user=org.rep, start=quarter.start, amount=Decimal("7000"))

    client.force_login(org.rep)
    response = client.get(DEALS)
    assert response.status_code == 200
    page = response.content.decode()

    stages = dict(re.findall(r'data-stage="([^"]+)">.*?data-col="count">(\d+)<', page, re.S))
    assert stages == {"Prospecting": "2", "Proposal": "2", "Negotiation": "1"}
    totals = dict(re.findall(r'data-stage="([^"]+)">.*?data-col="total">([^<]+)<', page, re.S))
    assert totals == {"Prospecting": "2,000", "Proposal": "1,000", "Negotiation": "4,000"}
    assert "5 deals · 7,000 USD" in page

    closing = page[page.index('id="closing-deals"') :]
    assert "Prospecting 1000" in closing and "Late one" in closing and "Idle" in closing
    assert "Negotiation 4000" not in closing  # next month
    assert "Teammate's" not in page and "South's" not in page and "77,777" not in page
    late_row = closing[closing.index("Late one") :].split("</tr>")[0]
    assert 'data-flag="overdue"' in late_row
    idle_row = closing[closing.index("Idle") :].split("</tr>")[0]
    assert 'data-flag="inactive"' in idle_row and "No activity for 90 days" in idle_row

    assert 'data-figure="won">3,500 <' in page  # 3000 USD + 250 EUR
    assert 'data-figure="quota">7,000<' in page
    assert "50.0 % of the quota · 2 deals won" in page


def test_no_deals_and_no_quota(client, org):
    client.force_login(org.rep)
    page = client.get(DEALS).content.decode()
    assert "No open deals." in page and "Nothing closing this month." in page
    assert "not set" in page


@pytest.mark.parametrize("who", ["marketing", "agent", "support_manager"])
def test_other_roles_get_403(client, org, who):
    client.force_login(getattr(org, who))
    assert client.get(DEALS).status_code == 403


def test_my_deals_query_count_does_not_grow(client, org):
    ExchangeRateFactory()
    today = timezone.localdate()
    client.force_login(org.rep)
    stages = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Won", "Lost"]

    def make(start, n):
        for i in range(start, start + n):
            deal(org.rep, stages[i % 6], str(100 + i), today + datetime.timedelta(days=i % 20 - 5),
                 currency=("USD", "EUR")[i % 2], team=org.team)  # fmt: skip

    make(0, 6)
    client.get(DEALS)
    with CaptureQueriesContext(connection) as few:
        client.get(DEALS)
    make(6, 30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(DEALS).status_code == 200
    assert len(few) == len(many) <= BUDGETS["sales:forecast_workspace_deals"], [
        q["sql"][:200] for q in many.captured_queries
    ]
