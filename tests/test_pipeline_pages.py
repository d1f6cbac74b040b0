"""Opportunity pages: the form (optimistic lock with two people, probability, amounts,
pickers), the list (filters, export, bulk edit, query budget), the detail page (stage
history, activities, won/lost) and who may open what."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity
from sales.models import Competitor, Opportunity, StageChange
from sales.pipeline import services

from .factories import AccountFactory, ContactFactory, OpportunityFactory, make_opportunities

BUDGET = json.loads((__import__("pathlib").Path(__file__).parent / "query_counts.json").read_text())


def stage(name):
    return services.default_pipeline().stages.get(name=name)


def form_data(opp=None, **values) -> dict:
    """A valid POST of the opportunity form (the edit form of ``opp``, or a new one)."""
    data = {
        "name": "Big deal",
        "stage": stage("Prospecting").pk,
        "amount": "1000.00",
        "currency": "USD",
        "close_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "probability": "",
    }
    if opp is not None:
        data.update(
            name=opp.name,
            stage=opp.stage_id,
            amount=str(opp.amount),
            currency=opp.currency,
            close_date=opp.close_date.isoformat(),
            account=opp.account_id or "",
            owner=opp.owner_id or "",
            team=opp.team_id or "",
            version=opp.version,
        )
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def deal(org, records):
    return OpportunityFactory(owner=org.rep, team=org.team, account=records.account)


# -- create / edit ------------------------------------------------------------------------------


def test_create_with_the_stage_default_probability(client, org, records):
    client.force_login(org.rep)
    page = client.get(reverse("sales:opportunity_add") + f"?account={records.account.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    # the record picker holds the account, named, and no other option
    picker = html.split('name="account"')[1].split("</select>")[0]
    account = records.account
    assert f'<option value="{account.pk}" selected>{account.name}</option>' in picker
    assert picker.count("<option") == 2  # and the empty choice

    data = form_data(account=records.account.pk, owner=org.rep.pk, team=org.team.pk,
                     new_competitors="Initech, Globex")  # fmt: skip
    response = client.post(reverse("sales:opportunity_add"), data)

    assert response.status_code == 302
    opp = Opportunity.objects.get(name="Big deal")
    assert response["Location"] == opp.get_absolute_url()
    assert opp.probability == 10 and not opp.probability_overridden
    assert opp.account == records.account and opp.owner == org.rep
    assert set(opp.competitors.values_list("name", flat=True)) == {"Initech", "Globex"}
    assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_probability_typed_overrides_the_stage(client, org, deal):
    client.force_login(org.rep)
    url = reverse("sales:opportunity_edit", args=[deal.pk])
    edit = client.get(url).content.decode()
    assert 'name="version" value="1"' in edit

    client.post(url, form_data(deal, probability="25"))
    deal.refresh_from_db()
    assert deal.probability == 25 and deal.probability_overridden

    client.post(url, form_data(deal, probability=""))
    deal.refresh_from_db()
    assert deal.probability == 10 and not deal.probability_overridden


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "An amount cannot be negative."), ("abc", "Enter a number."), ("1e400", "digits")],
)
def test_bad_amounts_are_form_errors(client, org, deal, amount, message):
    client.force_login(org.rep)
    response = client.post(
        reverse("sales:opportunity_edit", args=[deal.pk]), form_data(deal, amount=amount)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    deal.refresh_from_db()
    assert deal.amount == Decimal("1000.00") and deal.version == 1


def test_lost_stage_in_the_form_needs_a_reason(client, org, deal):
    client.force_login(org.rep)
    url = reverse("sales:opportunity_edit", args=[deal.pk])
    response = client.post(url, form_data(deal, stage=stage("Lost").pk))
    assert response.status_code == 400
    assert "Say why the deal was lost" in response.content.decode()
    ok = client.post(url, form_data(deal, stage=stage("Lost").pk, close_reason="timing"))
    assert ok.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "lost"


def test_two_people_saving_the_same_deal_the_second_is_told(org, deal):
    """Both open the form (version 1); the first saves; the second's save is refused with a
    clear message and nothing of it is written (no lost update)."""
    url = reverse("sales:opportunity_edit", args=[deal.pk])
    first, second = Client(), Client()
    first.force_login(org.rep)
    second.force_login(org.sales_manager)
    assert 'name="version" value="1"' in first.get(url).content.decode()
    assert 'name="version" value="1"' in second.get(url).content.decode()

    saved = first.post(url, form_data(deal, amount="1500.00", next_step="Call the CFO"))
    assert saved.status_code == 302

    refused = second.post(url, form_data(deal, amount="900.00", stage=stage("Proposal").pk))

    assert refused.status_code == 409
    html = refused.content.decode()
    assert "changed by someone else" in html and "Reload the current version" in html
    deal.refresh_from_db()
    assert deal.amount == Decimal("1500.00") and deal.next_step == "Call the CFO"
    assert deal.stage == stage("Prospecting") and deal.version == 2
    assert StageChange.objects.filter(opportunity=deal).count() == 1

    # Reloading gives the new version, and then the save goes through.
    assert 'name="version" value="2"' in second.get(url).content.decode()
    again = second.post(url, form_data(deal, amount="900.00"))
    assert again.status_code == 302
    deal.refresh_from_db()
    assert deal.amount == Decimal("900.00") and deal.version == 3


def test_edit_without_version_is_a_form_error(client, org, deal):
    client.force_login(org.rep)
    data = form_data(deal)
    del data["version"]
    response = client.post(reverse("sales:opportunity_edit", args=[deal.pk]), data)
    assert response.status_code == 400


def test_contact_must_belong_to_the_account(client, org, deal, records):
    client.force_login(org.rep)
    stranger = ContactFactory(account=AccountFactory())
    response = client.post(
        reverse("sales:opportunity_edit", args=[deal.pk]), form_data(deal, contact=stranger.pk)
    )
    assert response.status_code == 400
    assert "is not a contact of" in response.content.decode()


def test_account_and_contact_pickers_search_a_few_rows(client, org, records):
    """The deal form's pickers are the record pickers (core:search_pick); the contact's is
    narrowed by the chosen account: its contacts before anything is typed."""
    zebra = AccountFactory(name="Zebra Logistics")
    contact = ContactFactory(account=records.account, first_name="Greta", last_name="Zimmer")
    ContactFactory(account=zebra, first_name="Greta", last_name="Zimmerman")
    client.force_login(org.rep)
    html = client.get(reverse("sales:opportunity_add")).content.decode()
    assert 'data-record-picker="contacts"' in html and 'data-picker-narrow="account"' in html

    def picked(kind, **params):
        url = reverse("core:search_pick", args=[kind])
        return [row["value"] for row in client.get(url, params).json()["results"]]

    assert picked("accounts", q="zebra") == [zebra.pk]
    assert picked("contacts", q="zim", account=records.account.pk) == [contact.pk]
    assert picked("contacts", q="", account=records.account.pk) == [
        c.pk for c in records.account.contacts.order_by("last_name", "first_name", "pk")
    ]


# -- list ----------------------------------------------------------------------------------------


def rows_of(response) -> set[str]:
    assert response.status_code == 200
    return {row.record.name for row in response.context["table"].page.object_list}


def test_list_filters(client, org):
    today = timezone.localdate()
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    a = OpportunityFactory(name="Alpha", owner=org.rep, amount=Decimal("50"), close_date=today)
    b = OpportunityFactory(name="Beta", owner=org.rep_teammate, team=org.team,
                           amount=Decimal("5000"), close_date=next_month)  # fmt: skip
    c = OpportunityFactory(name="Gamma", owner=org.rep, amount=Decimal("700"))
    services.opportunity_move(opportunity=b, stage=stage("Proposal"), by=org.admin)
    services.opportunity_close(opportunity=c, won=True, by=org.rep)
    OpportunityFactory(name="Theirs", owner=org.other_rep, team=org.other_team)
    Opportunity.objects.filter(pk=a.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=60),
        stage_changed_at=timezone.now() - datetime.timedelta(days=60),
    )
    url = reverse("sales:opportunity_list")
    client.force_login(org.sales_manager)

    assert rows_of(client.get(url)) == {"Alpha", "Beta", "Gamma"}
    assert rows_of(client.get(url, {"status": "won"})) == {"Gamma"}
    assert rows_of(client.get(url, {"stage": stage("Proposal").pk})) == {"Beta"}
    assert rows_of(client.get(url, {"owner": org.rep.pk})) == {"Alpha", "Gamma"}
    assert rows_of(client.get(url, {"close_month": f"{next_month:%Y-%m}"})) == {"Beta"}
    assert rows_of(client.get(url, {"amount_min": "100", "amount_max": "1000"})) == {"Gamma"}
    assert rows_of(client.get(url, {"stale": "inactive"})) == {"Alpha"}
    assert rows_of(client.get(url, {"q": "alpha"})) == {"Alpha"}
    assert rows_of(client.get(url, {"mine": "on"})) == set()
    client.force_login(org.rep)
    assert rows_of(client.get(url, {"mine": "on"})) == {"Alpha", "Gamma"}
    bad = client.get(url, {"amount_min": "lots"})
    assert bad.status_code == 200 and "Some filters are not valid" in bad.content.decode()


def test_list_is_sorted_in_sql_and_shows_stale_flags(client, org):
    OpportunityFactory(name="Small", owner=org.rep, amount=Decimal("10"),
                       close_date=timezone.localdate() - datetime.timedelta(days=1))  # fmt: skip
    OpportunityFactory(name="Large", owner=org.rep, amount=Decimal("999"))
    client.force_login(org.rep)
    response = client.get(reverse("sales:opportunity_list"), {"sort": "-amount"})
    names = [row.record.name for row in response.context["table"].page.object_list]
    assert names == ["Large", "Small"]
    assert "Close date passed" in response.content.decode()


def test_csv_export_lists_visible_deals(client, org, deal):
    OpportunityFactory(name="Theirs", owner=org.other_rep, team=org.other_team)
    client.force_login(org.rep)
    response = client.get(reverse("sales:opportunity_list"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["Name"] for r in rows] == [deal.name]
    assert rows[0]["Stage name"] == "Prospecting" and rows[0]["Amount"] == "1000.00"


def test_bulk_edit_close_date_and_owner_through_the_service(client, org, deal):
    other = OpportunityFactory(owner=org.rep, team=org.team)
    client.force_login(org.rep)
    new_date = timezone.localdate() + datetime.timedelta(days=90)
    response = client.post(
        reverse("sales:opportunity_bulk_edit"),
        {"pk": [deal.pk, other.pk], "confirm": "1", "close_date": new_date.isoformat(),
         "owner": org.rep_teammate.pk},
    )  # fmt: skip
    assert response.status_code == 302
    for opp in (deal, other):
        opp.refresh_from_db()
        assert opp.close_date == new_date and opp.owner == org.rep_teammate and opp.version == 2


def _make_list_rows(org, start, count):
    accounts = [AccountFactory() for _ in range(3)]
    people = [org.rep, org.rep_teammate, org.sales_manager, None]
    make_opportunities(
        count, start=start, team=org.team,
        owner=lambda i: people[i % len(people)], account=lambda i: accounts[i % 3],
    )  # fmt: skip


@pytest.mark.parametrize(
    "url_name", ["sales:opportunity_list", "sales:board_default", "sales:pipeline_list"]
)
def test_query_count_does_not_grow_with_rows(client, org, url_name):
    """In the style of test_query_budgets: 5 rows, then 30; the same count, within budget."""
    client.force_login(org.sales_manager)
    url = reverse(url_name)

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries), [q["sql"][:200] for q in ctx.captured_queries]

    _make_list_rows(org, 0, 5)
    few, _ = count()
    _make_list_rows(org, 5, 25)
    many, sql = count()
    assert few == many, "\n".join(sql)
    assert many <= BUDGET[url_name], "\n".join(sql)


# -- detail -------------------------------------------------------------------------------------


def test_detail_shows_history_products_activities_and_close_buttons(client, org, deal):
    from .factories import ProductFactory

    product = ProductFactory(name="Widget Pro")
    services.opportunity_save(opportunity=deal, data={"products": [product]}, by=org.rep)
    services.opportunity_move(opportunity=deal, stage=stage("Proposal"), by=org.rep_teammate)
    client.force_login(org.rep)

    html = client.get(deal.get_absolute_url()).content.decode()

    assert "Widget Pro" in html
    assert 'data-testid="stage-history"' in html
    history = html[html.index('data-testid="stage-history"') :]
    assert "Prospecting" in history and "Proposal" in history and "50 %" in history
    assert str(org.rep_teammate) in history
    assert 'data-testid="mark-won"' in html and 'data-testid="mark-lost"' in html
    assert 'aria-current="step"' in html


def test_log_an_activity_on_the_deal(client, org, deal):
    client.force_login(org.rep)
    url = reverse("sales:opportunity_log_activity", args=[deal.pk])

    bad = client.post(
        url, {"kind": "meeting", "subject": "No time"}, headers={"HX-Request": "true"}
    )
    assert bad.status_code == 400 and "A meeting needs a date and time." in bad.content.decode()

    response = client.post(
        url, {"kind": "call", "subject": "Pricing call", "done": "on"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    activity = Activity.objects.get(subject="Pricing call")
    assert activity.related == deal and activity.account == deal.account
    deal.refresh_from_db()
    assert deal.last_activity_at is not None
    assert "Pricing call" in response.content.decode()
    assert "Pricing call" in client.get(deal.get_absolute_url()).content.decode()


def test_close_page_and_dialog_post(client, org, deal):
    client.force_login(org.rep)
    url = reverse("sales:opportunity_close", args=[deal.pk])
    assert client.get(url, {"won": "0"}).status_code == 200

    missing = client.post(url, {"won": "0", "version": 1})
    assert missing.status_code == 400 and "Say why the deal was lost" in missing.content.decode()

    done = client.post(url, {"won": "1", "version": 1, "close_note": "Signed"})
    assert done.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "won" and deal.close_note == "Signed"

    stale = client.post(url, {"won": "0", "version": 1, "close_reason": "price"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.content.decode()


def test_a_rep_of_another_team_gets_404_everywhere(client, org, deal):
    client.force_login(org.other_rep)
    for name in ("opportunity_detail", "opportunity_edit", "opportunity_delete",
                 "opportunity_close"):  # fmt: skip
        assert client.get(reverse(f"sales:{name}", args=[deal.pk])).status_code == 404, name
    for name in ("opportunity_edit", "opportunity_close", "opportunity_log_activity",
                 "opportunity_move"):  # fmt: skip
        response = client.post(reverse(f"sales:{name}", args=[deal.pk]), {"won": "1"})
        assert response.status_code == 404, name
    deal.refresh_from_db()
    assert deal.version == 1


@pytest.mark.parametrize(
    ("role", "list_status", "detail_status"),
    [
        ("admin", 200, 200),
        ("sales_manager", 200, 200),
        ("sales_rep", 200, 200),
        ("marketing", 403, 404),
        ("support_agent", 403, 404),
        ("support_manager", 403, 404),
    ],
)
def test_who_may_open_the_pages(client, org, deal, role, list_status, detail_status):
    client.force_login(org.by_role()[role])
    assert client.get(reverse("sales:opportunity_list")).status_code == list_status
    assert client.get(reverse("sales:opportunity_add")).status_code == list_status
    assert client.get(deal.get_absolute_url()).status_code == detail_status


def test_delete_a_deal(client, org, deal):
    client.force_login(org.rep)
    response = client.post(reverse("sales:opportunity_delete", args=[deal.pk]))
    assert response.status_code == 302
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_user_text_is_escaped(client, org, records):
    opp = OpportunityFactory(owner=org.rep, name="<script>alert(1)</script>")
    Competitor.objects.create(name="<b>Evil</b>")
    client.force_login(org.rep)
    for url in (opp.get_absolute_url(), reverse("sales:board_default"),
                reverse("sales:opportunity_list")):  # fmt: skip
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
