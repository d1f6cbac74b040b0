"""The pipeline's demo data (sales/pipeline/demo.py, part of `manage.py load_demo`): the 8,800
Maven deals of ../shared/data/maven_crm_sales as opportunities, quick and idempotent."""

import csv
import io
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Activity, TimelineEntry
from core.management.commands.load_demo import Command, username_for
from sales.models import Opportunity, StageChange
from sales.pipeline import demo
from users.models import TeamMembership

pytestmark = pytest.mark.django_db(transaction=False)

MAVEN = settings.SHARED_DATA_DIR / "maven_crm_sales" / "sales_pipeline.csv"


def counts():
    return (
        Opportunity.objects.count(),
        StageChange.objects.count(),
        TimelineEntry.objects.count(),
        Activity.objects.count(),
        Opportunity.products.through.objects.count(),
    )


@pytest.fixture
def people_and_accounts():
    command = Command(stdout=io.StringIO())
    users = command.load_people()
    accounts = command.load_accounts(users)
    return users, accounts


def test_maven_deals_become_opportunities_once(people_and_accounts):
    users, accounts = people_and_accounts
    with MAVEN.open(encoding="utf-8-sig") as fh:
        rows = {r["opportunity_id"]: r for r in csv.DictReader(fh)}

    started = time.monotonic()
    demo.load(users=users, accounts=accounts, stdout=io.StringIO())
    elapsed = time.monotonic() - started
    assert elapsed < 15, f"the Maven deals took {elapsed:.1f}s"

    first = counts()
    opps = Opportunity.objects.filter(external_id__startswith="maven:")
    assert opps.count() == len(rows) == 8800
    assert Counter(opps.values_list("status", flat=True)) == {
        "won": 4238, "lost": 2473, "open": 2089
    }  # fmt: skip
    open_by_stage = Counter(opps.filter(status="open").values_list("stage__name", flat=True))
    assert open_by_stage["Prospecting"] == 500
    # the 1,589 open "Engaging" deals are spread over the middle stages
    middle = {k: v for k, v in open_by_stage.items() if k != "Prospecting"}
    assert set(middle) == {"Qualification", "Proposal", "Negotiation"}
    assert sum(middle.values()) == 1589 and min(middle.values()) > 300
    assert opps.filter(account__isnull=True).count() == 1425

    # One deal in detail: owner, team, product ("GTXPro" is the catalog's "GTX Pro"), amount.
    opp = opps.select_related("owner").get(external_id="maven:Z063OYW0")
    row = rows["Z063OYW0"]
    assert opp.owner.username == username_for(row["sales_agent"])
    assert opp.team_id in set(
        TeamMembership.objects.filter(user=opp.owner).values_list("team_id", flat=True)
    )
    assert [p.name for p in opp.products.all()] == ["GTX Pro"]
    assert opp.amount == Decimal(row["close_value"]) and opp.status == "won"
    history = opp.stage_changes.order_by("changed_at").values_list("to_stage__name", flat=True)
    assert list(history) == ["Prospecting", "Proposal", "Won"]
    from catalog.models import Product

    assert not Product.objects.filter(name="GTXPro").exists()
    assert Opportunity.products.through.objects.filter(opportunity__in=opps).count() == 8800

    # Dates look current: the latest close is this week, open deals mostly ahead.
    today = timezone.localdate()
    latest = max(opps.exclude(status="open").values_list("close_date", flat=True))
    assert today - timedelta(days=7) < latest <= today
    open_dates = list(opps.filter(status="open").values_list("close_date", flat=True))
    assert sum(d >= today for d in open_dates) > 0.9 * len(open_dates)
    assert any(d < today for d in open_dates)  # a few overdue: the stale flag shows
    created = opps.order_by("created_at").first().created_at
    assert created.date() < today - timedelta(days=300)  # history, not "created today"

    # Lost deals carry a (generated, said so) reason; some open deals a logged activity.
    assert not opps.filter(status="lost", close_reason="").exists()
    touched = opps.filter(status="open", last_activity_at__isnull=False)
    assert 0 < touched.count() < 2089
    assert Activity.objects.filter(external_id__startswith="demo:opportunity:").count() == (
        touched.exclude(owner__isnull=True).count()
    )

    demo.load(users=users, accounts=accounts, stdout=io.StringIO())
    assert counts() == first


def test_board_and_list_of_the_demo_for_a_manager(client, people_and_accounts):
    users, accounts = people_and_accounts
    demo.load(users=users, accounts=accounts, stdout=io.StringIO())
    manager = users["dustin.brinkmann"]
    client.force_login(manager)
    board = client.get("/sales/board/")
    assert board.status_code == 200
    assert "Prospecting" in board.content.decode()
    assert client.get("/sales/opportunities/?status=open&sort=-amount").status_code == 200
