"""The lead pages: the sectioned form (status rules, duplicate warning, assignment on create),
the detail page, list filters and the unassigned queue, CSV export, bulk assignment, the API,
row-level access and query budgets."""

import itertools
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification
from sales.leads import timeline
from sales.leads.forms import LeadForm
from sales.leads.services import lead_save
from sales.models import AssignmentLog, Lead

from .api_helpers import client_for, json_error, send
from .factories import AssignmentRuleFactory, ContactFactory, LeadFactory
from .permission_helpers import form_data

API = "/api/v1"
BUDGETS = json.loads((Path(__file__).parent / "query_counts.json").read_text())


def add(client, user, **changes):
    return client.post("/sales/leads/add/", form_data(LeadForm, user=user, **changes))


# -- the form ------------------------------------------------------------------------------------


def test_form_is_sectioned_and_creates_a_lead_with_history(client, org):
    client.force_login(org.rep)
    page = client.get("/sales/leads/add/").content.decode()
    for section in (
        "Person",
        "Company",
        "Source and interest",
        "Qualification (BANT)",
        "Status",
        "Ownership",
    ):
        assert section in page

    response = add(
        client,
        org.rep,
        first_name="Ann",
        last_name="Lee",
        company="Lee & Co",
        title="CEO",
        employees="250",
        source="Referral",
        budget="5000.00",
        authority="decision_maker",
        owner=org.rep.pk,
        team=org.team.pk,
    )

    lead = Lead.objects.get(last_name="Lee")
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    assert (lead.owner, lead.team, lead.score) == (org.rep, org.team, lead.score)
    assert lead.score == sum(f["points"] for f in lead.score_explanation) > 0
    assert timeline.entries_of(lead).get().title == "Lead Ann Lee (Lee & Co) created (Referral)"
    assert AssignmentLog.objects.get(lead=lead).note == "Owner on entry"


def test_disqualifying_needs_a_reason(client, org, records):
    client.force_login(org.rep)
    url = f"/sales/leads/{records.lead.pk}/edit/"
    data = form_data(LeadForm, user=org.rep, instance=records.lead, status="disqualified")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Say why the lead is disqualified." in response.content.decode()
    assert Lead.objects.get(pk=records.lead.pk).status == "new"

    data.update(disqualified_reason="no_budget", disqualified_note="Next year")
    assert client.post(url, data).status_code == 302
    lead = Lead.objects.get(pk=records.lead.pk)
    assert (lead.status, lead.disqualified_reason) == ("disqualified", "no_budget")
    titles = list(timeline.entries_of(lead).values_list("title", flat=True))
    assert "Status: New → Disqualified (No budget)" in titles


def test_negative_budget_and_bad_currency_are_form_errors(client, org):
    client.force_login(org.rep)
    response = add(client, org.rep, last_name="Neg", budget="-1", budget_currency="E1R")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 0." in page
    assert "three-letter currency code" in page
    assert not Lead.objects.filter(last_name="Neg").exists()


def test_duplicate_warning_and_create_anyway(client, org, records):
    contact = ContactFactory(email="jo@dupe.example", first_name="Jo", last_name="Black")
    LeadFactory(
        first_name="Jo",
        last_name="Black",
        company="Dupe Ltd",
        phone="+39 02 1234 5678",
        owner=org.rep,
        team=org.team,
    )
    hidden = LeadFactory(email="jo@dupe.example", owner=org.other_rep, team=org.other_team)
    client.force_login(org.rep)

    response = add(
        client,
        org.rep,
        first_name="Jo",
        last_name="Black",
        company="Dupe ltd.",
        email="JO@dupe.example",
        phone="0039 02-1234-5678",
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Possible duplicates" in page
    assert contact.get_absolute_url() in page
    assert "Jo Black (Dupe Ltd)" in page
    assert hidden.get_absolute_url() not in page  # another team's lead: only counted
    assert "1 matching lead in a team you do not see" in page
    assert Lead.objects.filter(last_name="Black").count() == 1

    response = add(
        client,
        org.rep,
        first_name="Jo",
        last_name="Black",
        company="Dupe ltd.",
        email="JO@dupe.example",
        create_anyway="on",
    )
    assert response.status_code == 302
    assert Lead.objects.filter(last_name="Black").count() == 2


def test_a_lead_entered_without_owner_goes_through_the_rules(client, org):
    AssignmentRuleFactory(countries=["Spain"], team=org.other_team)
    client.force_login(org.rep)

    response = add(client, org.rep, last_name="Ruiz", country="Spain", owner="", team="")

    lead = Lead.objects.get(last_name="Ruiz")
    assert (lead.team, lead.owner) == (org.other_team, org.other_rep)
    assert response["Location"] == "/sales/leads/"  # not a page the rep may see
    assert "the assignment rules gave it to South" in client.get("/sales/leads/").content.decode()
    assert Notification.objects.filter(user=org.other_rep).exists()


def test_reassigning_by_hand_logs_and_notifies(client, org, records):
    client.force_login(org.sales_manager)
    data = form_data(
        LeadForm, user=org.sales_manager, instance=records.lead, owner=org.rep_teammate.pk
    )
    assert client.post(f"/sales/leads/{records.lead.pk}/edit/", data).status_code == 302
    log = AssignmentLog.objects.get(lead=records.lead)
    assert (log.owner, log.assigned_by, log.note) == (
        org.rep_teammate,
        org.sales_manager,
        "Assigned by hand",
    )
    note = Notification.objects.get(user=org.rep_teammate)
    assert note.url == records.lead.get_absolute_url()
    assert f"Assigned to {org.rep_teammate}" in timeline.entries_of(records.lead).get().title


def test_converted_lead_cannot_be_edited(client, org, records):
    from django.utils import timezone

    Lead.objects.filter(pk=records.lead.pk).update(converted_at=timezone.now(), status="qualified")
    client.force_login(org.rep)
    lead = Lead.objects.get(pk=records.lead.pk)
    data = form_data(LeadForm, user=org.rep, instance=lead, last_name="Changed")
    response = client.post(f"/sales/leads/{lead.pk}/edit/", data)
    assert response.status_code == 400
    assert "converted" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).last_name != "Changed"


# -- the detail page and quick status ------------------------------------------------------------


def test_detail_shows_score_explanation_and_assignment_history(client, org):
    AssignmentRuleFactory(name="Everything", team=org.team)
    lead = lead_save(data={"last_name": "Page", "title": "CEO", "employees": 1200}, by=None)
    client.force_login(org.sales_manager)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "Job title “CEO” (executive)" in page and "+15" in page
    assert f"Score {lead.score}" in page
    assert (
        "Rule “Everything” matched (it has no conditions: every lead matches): round-robin in North"
        in page
    )
    assert "Lead Page created" in page


def test_quick_status_buttons(client, org, records):
    client.force_login(org.rep)
    url = reverse("sales:lead_status", args=[records.lead.pk])
    assert client.post(url, {"status": "qualified"}).status_code == 302
    assert Lead.objects.get(pk=records.lead.pk).status == "qualified"
    response = client.post(url, {"status": "disqualified"}, follow=True)
    assert "Say why" in response.content.decode()
    assert Lead.objects.get(pk=records.lead.pk).status == "qualified"
    client.post(url, {"status": "disqualified", "disqualified_reason": "competitor"})
    assert Lead.objects.get(pk=records.lead.pk).disqualified_reason == "competitor"
    assert client.get(url).status_code == 405


# -- the list ------------------------------------------------------------------------------------


def test_list_filters_and_queue(client, org):
    hot = LeadFactory(last_name="Hot", owner=org.rep, team=org.team)
    cold = LeadFactory(last_name="Cold", owner=org.rep, team=org.team)
    queued = LeadFactory(last_name="Queued", owner=None, team=org.team)
    Lead.objects.filter(pk=hot.pk).update(score=80)
    Lead.objects.filter(pk=cold.pk).update(score=10)
    client.force_login(org.rep)

    def names(query):
        page = client.get(f"/sales/leads/?{query}").content.decode()
        return {n for n in ("Hot", "Cold", "Queued") if f">{n}<" in page or f" {n}<" in page}

    assert names("score_min=50") == {"Hot"}
    assert names("score_max=50") == {"Cold", "Queued"}
    assert names("unassigned=true") == {"Queued"}
    assert names(f"owner={org.rep.pk}") == {"Hot", "Cold"}
    assert "Unassigned queue" in client.get("/sales/leads/").content.decode()
    bad = client.get("/sales/leads/?score_min=1000&score_max=abc")
    assert bad.status_code == 200 and "Some filters are not valid" in bad.content.decode()
    assert queued.pk


def test_csv_export(client, org, records):
    Lead.objects.filter(pk=records.lead.pk).update(company="=HYPERLINK()", score=42)
    client.force_login(org.rep)
    response = client.get("/sales/leads/?export=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("ID,Salutation,First name,Last name,Title,Company")
    assert "'=HYPERLINK()" in text and ",42," in text
    assert records.other_lead.email not in text


def test_bulk_assign_from_the_queue(client, org, records):
    client.force_login(org.sales_manager)
    response = client.post(
        reverse("sales:lead_bulk_edit"),
        {
            "pk": [records.queue_lead.pk, records.lead.pk],
            "confirm": "1",
            "owner": org.rep_teammate.pk,
            "status": "working",
        },
    )
    assert response.status_code == 302
    for lead in (records.queue_lead, records.lead):
        lead.refresh_from_db()
        assert (lead.owner, lead.status) == (org.rep_teammate, "working")
        assert AssignmentLog.objects.get(lead=lead).assigned_by == org.sales_manager
        assert "(bulk edit)" in timeline.entries_of(lead).get().title
    assert Notification.objects.get(user=org.rep_teammate).subject == "2 leads assigned to you"


# -- the API -------------------------------------------------------------------------------------


def test_api_create_goes_through_lead_save(org):
    AssignmentRuleFactory(team=org.team)
    c = client_for(org.sales_manager)
    response = send(c, "post", f"{API}/leads/", {"last_name": "Api", "title": "CEO", "owner": None})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["owner"] in (org.rep.pk, org.rep_teammate.pk)  # the rules assigned it
    assert data["score"] == 15 and data["score_explanation"][0]["points"] == 15
    assert timeline.entries_of(Lead.objects.get(pk=data["id"])).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": "X", "status": "disqualified"}, "disqualified_reason"),
        ({"last_name": "X", "budget": "-3"}, "budget"),
        ({"last_name": "X", "budget": "lots"}, "budget"),
        ({"last_name": "X", "employees": -1}, "employees"),
        ({"last_name": "X", "interest": [999999]}, "interest"),
        ({"last_name": "X", "score": 100, "status": "bogus"}, "status"),
        ({"first_name": "No last name"}, "last_name"),
    ],
)
def test_api_validation_errors_are_json(org, body, field):
    response = send(client_for(org.rep), "post", f"{API}/leads/", body)
    assert field in json_error(response, 400)
    assert not Lead.objects.exists()


def test_api_score_is_read_only_and_converted_is_frozen(org, records):
    c = client_for(org.rep)
    path = f"{API}/leads/{records.lead.pk}/"
    assert send(c, "patch", path, {"score": 99}).json()["score"] == 0
    from django.utils import timezone

    Lead.objects.filter(pk=records.lead.pk).update(converted_at=timezone.now())
    json_error(send(c, "patch", path, {"last_name": "Late"}), 400)


# -- access --------------------------------------------------------------------------------------


def test_other_teams_rep_gets_404_everywhere(client, org, records):
    lead = records.lead
    client.force_login(org.other_rep)
    for url in (
        f"/sales/leads/{lead.pk}/",
        f"/sales/leads/{lead.pk}/edit/",
        f"/sales/leads/{lead.pk}/delete/",
        reverse("sales:lead_convert", args=[lead.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for name in ("lead_status", "lead_activity", "lead_convert"):
        url = reverse(f"sales:{name}", args=[lead.pk])
        assert (
            client.post(url, {"status": "working", "kind": "call", "subject": "x"}).status_code
            == 404
        )
    json_error(client_for(org.other_rep).get(f"{API}/leads/{lead.pk}/"), 404)
    json_error(
        send(client_for(org.other_rep), "patch", f"{API}/leads/{lead.pk}/", {"status": "working"}),
        404,
    )
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_marketing_and_support_get_403_on_the_list(client, org):
    for user in (org.marketing, org.agent, org.support_manager):
        client.force_login(user)
        assert client.get("/sales/leads/").status_code == 403
        assert client.get("/sales/leads/?export=csv").status_code == 403


# -- query budgets (see test_query_budgets.py) ---------------------------------------------------


def _make(org, start, count):
    owners = itertools.cycle([org.rep, org.rep_teammate, None])
    Lead.objects.bulk_create(
        Lead(
            last_name=f"Budget{i:03}",
            company=f"Co {i}",
            owner=next(owners),
            team=org.team,
            score=i % 100,
            score_explanation=[{"factor": "x", "points": i % 100, "kind": "fit"}],
        )
        for i in range(start, start + count)
    )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["sales:lead_list", "sales:lead_rules"])
def test_list_pages_query_count_is_constant(client, org, url_name):
    client.force_login(org.sales_manager)
    url = reverse(url_name)
    _make(org, 0, 5)
    AssignmentRuleFactory(team=org.team)
    client.get(url)
    few = _count(client, url)
    _make(org, 5, 25)
    AssignmentRuleFactory(team=org.team)
    AssignmentRuleFactory(team=org.other_team)
    many = _count(client, url)
    assert few == many <= BUDGETS[url_name]


def test_detail_query_count_is_constant(client, org):
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Activity

    AssignmentRuleFactory(name="All", team=org.team)
    lead = lead_save(data={"last_name": "Busy", "title": "CEO"}, by=None)
    client.force_login(org.sales_manager)
    url = lead.get_absolute_url()
    client.get(url)
    few = _count(client, url)
    lead_type = ContentType.objects.get_for_model(Lead)
    for i in range(25):
        Activity.objects.create(
            kind="call",
            subject=f"C{i}",
            related_type=lead_type,
            related_id=lead.pk,
            assigned_to=org.rep,
        )
        lead_save(lead=lead, data={"phone": f"+39 {i:06}"}, by=org.sales_manager)
        lead_save(
            lead=lead, data={"owner": [org.rep, org.rep_teammate][i % 2]}, by=org.sales_manager
        )
    many = _count(client, url)
    assert few == many <= BUDGETS["sales:lead_detail"]
