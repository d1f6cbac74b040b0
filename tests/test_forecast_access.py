"""Who sees whose forecast and who sets quotas: a rep only themselves, a sales manager their
teams (another team's rep or team answers 404), administrators all; marketing and support
are refused. Quota input is validated on the page, nothing half-saved."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sales.forecast.periods import QUARTER, current, shift
from sales.models import Opportunity, Quota

from .factories import OpportunityFactory, QuotaFactory, UserFactory
from .permission_helpers import assert_login_redirect

pytestmark = pytest.mark.django_db

BUDGETS = json.loads((Path(__file__).parent / "query_counts.json").read_text())
FORECAST = "/sales/forecast/"
Q0 = current(QUARTER).start  # at import, for parameters whose outcome does not hang on the day


@pytest.fixture(autouse=True)
def _this_quarter():
    """Q0 is read again when each test starts (the clock may have been moved since import)."""
    global Q0
    Q0 = current(QUARTER).start


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


# -- the forecast ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "params", "expected"),
    [
        ("rep", {}, 200),
        ("rep", {"rep": "{rep}"}, 200),  # themselves
        ("rep", {"rep": "{rep_teammate}"}, 404),  # a teammate: reps see only themselves
        ("rep", {"rep": "{other_rep}"}, 404),
        ("rep", {"team": "{team}"}, 404),
        ("rep", {"rep": "abc"}, 404),
        ("sales_manager", {"rep": "{rep}"}, 200),
        ("sales_manager", {"team": "{team}"}, 200),
        ("sales_manager", {"rep": "{other_rep}"}, 404),  # South's rep
        ("sales_manager", {"team": "{other_team}"}, 404),
        ("sales_manager", {"team": "999999"}, 404),
        ("admin", {"rep": "{other_rep}"}, 200),
        ("admin", {"team": "{other_team}"}, 200),
        ("marketing", {}, 403),
        ("agent", {}, 403),
        ("support_manager", {}, 403),
    ],
)
def test_forecast_access(client, org, who, params, expected):
    ids = {name: getattr(org, name).pk for name in
           ("rep", "rep_teammate", "other_rep", "team", "other_team")}  # fmt: skip
    params = {k: v.format(**ids) for k, v in params.items()}
    response = get(client, getattr(org, who), FORECAST, **params)
    assert response.status_code == expected
    export = get(client, getattr(org, who), FORECAST, export="csv", **params)
    assert export.status_code == expected


def test_anonymous_goes_to_login(client):
    assert_login_redirect(client.get(FORECAST), FORECAST)


def test_rep_sees_only_own_deals_not_the_team_queue(client, org):
    close = timezone.localdate()
    OpportunityFactory(owner=org.rep, team=org.team, amount=Decimal("100"), close_date=close)
    queue = OpportunityFactory(owner=org.sales_manager, team=org.team, amount=Decimal("20"),
                               close_date=close)  # fmt: skip
    Opportunity.objects.filter(pk=queue.pk).update(owner=None)  # the team's unassigned queue
    OpportunityFactory(owner=org.rep_teammate, team=org.team, amount=Decimal("3"),
                       close_date=close)  # fmt: skip
    OpportunityFactory(owner=org.other_rep, team=org.other_team, amount=Decimal("4"),
                       close_date=close)  # fmt: skip
    page = get(client, org.rep, FORECAST).content.decode()
    assert 'data-figure="pipeline">100<' in page
    assert str(org.rep_teammate) not in page and str(org.other_rep) not in page
    assert 'name="rep"' not in page  # no rep or team picker for a rep

    manager = get(client, org.sales_manager, FORECAST).content.decode()
    assert 'data-figure="pipeline">123<' in manager  # North: mine, queue, teammate
    assert "(unassigned)" in manager and str(org.other_rep) not in manager
    assert f'<option value="{org.other_rep.pk}"' not in manager


def test_forecast_query_count_does_not_grow_with_deals(client, org):
    client.force_login(org.sales_manager)
    url = reverse("sales:forecast") + "?count=4"

    def make(n):
        for i in range(n):
            OpportunityFactory(owner=(org.rep, org.rep_teammate)[i % 2], team=org.team,
                               currency=("USD", "EUR")[i % 2],
                               close_date=shift(Q0, QUARTER, i % 4))  # fmt: skip

    from .factories import ExchangeRateFactory

    ExchangeRateFactory()
    make(3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many) <= BUDGETS["sales:forecast"]


# -- quotas ------------------------------------------------------------------------------------
def quota_post(client, who, **data):
    client.force_login(who)
    return client.post(reverse("sales:quota_add"), data)


def valid(org, **extra):
    return {"user": org.rep.pk, "period": "quarter", "start": Q0.isoformat(), "amount": "50000",
            "currency": "USD", **extra}  # fmt: skip


def test_manager_adds_a_quota(client, org):
    response = quota_post(client, org.sales_manager, **valid(org))
    assert response.status_code == 302
    quota = Quota.objects.get()
    assert (quota.user, quota.period, quota.start, quota.amount) == (
        org.rep, "quarter", Q0, Decimal("50000"))  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": (Q0 + datetime.timedelta(days=1)).isoformat()}, "starts on the first day"),
        ({"period": "quarter", "start": shift(Q0, "month", 1).isoformat()}, "1 Jan, 1 Apr"),
        ({"amount": "-1"}, "A quota cannot be negative."),
        ({"amount": "lots"}, "Enter the amount as a number"),
        ({"amount": ""}, "This field is required."),
        ({"currency": "XYZ"}, "Select a valid choice"),
        ({"period": "week"}, "Select a valid choice"),
        ({"user": "{other_rep}"}, "Select a valid choice"),  # South's rep: not the manager's
    ],
)
def test_bad_quota_input_is_a_form_error_and_saves_nothing(client, org, change, message):
    change = {k: v.format(other_rep=org.other_rep.pk) for k, v in change.items()}
    response = quota_post(client, org.sales_manager, **valid(org, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Quota.objects.exists()


def test_a_second_quota_for_the_same_period_is_refused_clearly(client, org):
    QuotaFactory(user=org.rep, start=Q0, amount=Decimal("1"))
    response = quota_post(client, org.sales_manager, **valid(org))
    assert response.status_code == 400
    assert "already has a quota for that period" in response.content.decode()
    assert Quota.objects.get().amount == Decimal("1")


def test_month_quota_on_a_mid_quarter_month_is_fine(client, org):
    second_month = shift(Q0, "month", 1).isoformat()
    response = quota_post(
        client, org.sales_manager, **valid(org, period="month", start=second_month)
    )
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["rep", "marketing", "agent"])
def test_only_managers_add_quotas(client, org, who):
    assert quota_post(client, getattr(org, who), **valid(org)).status_code == 403
    client.force_login(getattr(org, who))
    cell = {"user": org.rep.pk, "period": "quarter", "start": Q0.isoformat(), "amount": "5"}
    assert client.post(reverse("sales:quota_set"), cell).status_code == 403
    assert not Quota.objects.exists()


def test_grid_cell_sets_changes_and_removes(client, org):
    client.force_login(org.sales_manager)
    url = reverse("sales:quota_set")
    cell = {"user": org.rep.pk, "period": "quarter", "start": Q0.isoformat()}
    response = client.post(url, {**cell, "amount": "12000"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "is-valid" in response.content.decode()
    assert Quota.objects.get().amount == Decimal("12000")
    client.post(url, {**cell, "amount": "15000.50"})
    assert Quota.objects.get().amount == Decimal("15000.50")

    bad = client.post(url, {**cell, "amount": "-5"})
    assert bad.status_code == 400 and "cannot be negative" in bad.content.decode()
    assert 'value="-5"' in bad.content.decode()  # what was typed stays, marked invalid
    assert Quota.objects.get().amount == Decimal("15000.50")
    odd = client.post(url, {**cell, "start": (Q0 + datetime.timedelta(days=3)).isoformat(),
                            "amount": "1"})  # fmt: skip
    assert odd.status_code == 400 and Quota.objects.count() == 1

    client.post(url, {**cell, "amount": ""})
    assert not Quota.objects.exists()


def test_grid_cell_for_another_teams_rep_is_404(client, org):
    client.force_login(org.sales_manager)
    cell = {"user": org.other_rep.pk, "period": "quarter", "start": Q0.isoformat(), "amount": "1"}
    assert client.post(reverse("sales:quota_set"), cell).status_code == 404
    assert not Quota.objects.exists()


def test_quota_posts_need_csrf(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.sales_manager)
    cell = {"user": org.rep.pk, "period": "quarter", "start": Q0.isoformat(), "amount": "1"}
    assert client.post(reverse("sales:quota_set"), cell).status_code == 403
    assert client.post(reverse("sales:quota_add"), valid(org)).status_code == 403
    assert not Quota.objects.exists()


def test_grid_shows_the_managers_reps_and_reps_read_their_own(client, org):
    QuotaFactory(user=org.rep, start=Q0, amount=Decimal("42000"))
    QuotaFactory(user=org.other_rep, start=Q0, amount=Decimal("77000"))
    manager = get(client, org.sales_manager, reverse("sales:quota_list")).content.decode()
    assert str(org.rep) in manager and str(org.rep_teammate) in manager
    assert str(org.other_rep) not in manager and "77000" not in manager
    assert 'value="42000"' in manager and "hx-post" in manager

    rep = get(client, org.rep, reverse("sales:quota_list")).content.decode()
    assert "42,000 USD" in rep and "hx-post" not in rep and str(org.rep_teammate) not in rep
    assert get(client, org.marketing, reverse("sales:quota_list")).status_code == 403


def test_quota_list_by_month(client, org):
    QuotaFactory(user=org.rep, period="month", start=Q0, amount=Decimal("1234"))
    page = get(client, org.sales_manager, reverse("sales:quota_list"), period="month",
               start=f"{Q0:%Y-%m}")  # fmt: skip
    assert page.status_code == 200
    assert 'value="1234"' in page.content.decode()
    assert Q0.strftime("%b %Y") in page.content.decode()


def test_quota_list_query_count_does_not_grow(client, org):
    client.force_login(org.sales_manager)
    url = reverse("sales:quota_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    from users.models import TeamMembership

    for i in range(15):
        rep = UserFactory(username=f"grid{i}", role="sales_rep")
        TeamMembership.objects.create(team=org.team, user=rep)
        QuotaFactory(user=rep, start=Q0)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many) <= BUDGETS["sales:quota_list"]
