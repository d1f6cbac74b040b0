"""Issue 17, item 2: the assignment rules run for a new lead whatever brought it in (the public
web form, the API, an import, the lead form), the log's note says which rule matched, on what,
and why the lead went where it went; a record given an owner and no team follows its owner
into their team (so the rep's own manager sees it)."""

import time
from io import StringIO

import pytest
from django.core.management import call_command

from sales.leads.forms import LeadForm
from sales.leads.public import form_token
from sales.models import AssignmentLog, AssignmentRule, Lead, Opportunity
from users.models import TeamMembership

from .api_helpers import client_for, send
from .factories import AssignmentRuleFactory, TeamFactory, UserFactory
from .permission_helpers import form_data
from .test_leads_public_form import public_client

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def central(org):
    """The demo's rules: a region's leads go round-robin to its office; the rest waits in
    Central's queue. Central's two reps hold 4 of the 30 leads each may hold."""
    reps = [UserFactory(username=f"central{i}", role="sales_rep") for i in range(2)]
    team = TeamFactory(name="Central", region="Central", manager=org.sales_manager, members=reps)
    TeamMembership.objects.filter(team=team).update(max_open_leads=30)
    AssignmentRuleFactory(name="Central", position=1, countries=["Central"], team=team)
    AssignmentRuleFactory(name="Everything else (queue only)", position=2, team=team,
                          round_robin=False)  # fmt: skip
    team.reps = reps
    return team


def note_of(lead) -> str:
    return AssignmentLog.objects.filter(lead=lead).latest("pk").note


def from_web_form(**fields) -> Lead:
    data = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@engines.example",
            "country": "United States", "token": form_token(issued_at=time.time() - 30),
            **fields}  # fmt: skip
    response = public_client().post("/forms/lead/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Lead.objects.get(email="ada@engines.example")


def test_the_web_form_offers_the_regions_and_its_lead_is_assigned(central):
    page = public_client().get("/forms/lead/").content.decode()
    assert 'name="region"' in page and '<option value="Central">Central</option>' in page

    lead = from_web_form(region="Central")

    assert lead.team == central and lead.owner in central.reps
    assert note_of(lead) == (
        f"Rule “Central” matched (country or region Central): round-robin in Central gave "
        f"it to {lead.owner}"
    )


def test_the_note_says_why_a_lead_waits_in_a_queue(central):
    lead = from_web_form()  # no region: only the catch-all rule matches

    assert (lead.team, lead.owner) == (central, None)
    assert note_of(lead) == (
        "Rule “Everything else (queue only)” matched (it has no conditions: every lead "
        "matches): the rule leaves its leads in Central's queue (no round-robin)"
    )


def test_the_note_says_what_no_rule_matched(central):
    AssignmentRule.objects.filter(name="Everything else (queue only)").delete()

    lead = from_web_form(region="", source="Spring fair")

    assert (lead.team, lead.owner) == (None, None)
    assert note_of(lead) == (
        "No rule matched (country United States, source Spring fair): it waits unassigned"
    )


def test_the_note_says_when_every_rep_is_full(central):
    TeamMembership.objects.filter(team=central).update(max_open_leads=0)

    lead = from_web_form(region="Central")

    assert (lead.team, lead.owner) == (central, None)
    assert note_of(lead) == (
        "Rule “Central” matched (country or region Central): every rep of Central is at "
        "capacity (0 open leads of 0 they may hold); it waits in Central's queue"
    )


def test_the_lead_form_without_an_owner_runs_the_rules(client, org, central):
    client.force_login(org.sales_manager)
    data = form_data(LeadForm, user=org.sales_manager, last_name="Manual", region="Central",
                     status="new", owner="", team="")  # fmt: skip
    assert client.post("/sales/leads/add/", data).status_code == 302

    lead = Lead.objects.get(last_name="Manual")
    assert lead.team == central and lead.owner in central.reps
    assert note_of(lead).startswith("Rule “Central” matched (country or region Central)")


def test_the_api_runs_the_rules_for_a_lead_sent_without_owner(org, central):
    response = send(client_for(org.sales_manager), "post", f"{API}/leads/",
                    {"last_name": "Api", "region": "Central", "owner": None})  # fmt: skip
    assert response.status_code == 201, response.content

    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.team == central and lead.owner in central.reps
    assert note_of(lead).startswith("Rule “Central” matched")


def test_a_reps_api_lead_follows_the_rep_into_their_team(org, central):
    response = send(client_for(org.rep), "post", f"{API}/leads/", {"last_name": "Mine"})
    assert response.status_code == 201, response.content

    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.owner, lead.team) == (org.rep, org.team)
    assert client_for(org.sales_manager).get(f"{API}/leads/{lead.pk}/").status_code == 200
    assert client_for(org.other_manager).get(f"{API}/leads/{lead.pk}/").status_code == 404


def test_a_reps_api_deal_and_account_follow_the_rep_into_their_team(org):
    account = send(client_for(org.rep), "post", f"{API}/accounts/", {"name": "Own Co"})
    assert account.status_code == 201, account.content
    assert account.json()["team"] == org.team.pk
    deal = send(client_for(org.rep), "post", f"{API}/opportunities/",
                {"name": "Own deal", "account": account.json()["id"], "amount": "10",
                 "close_date": "2030-01-31"})  # fmt: skip
    assert deal.status_code == 201, deal.content
    assert Opportunity.objects.get(pk=deal.json()["id"]).team == org.team


def test_an_import_runs_the_rules(tmp_path, org, central):
    (tmp_path / "Account.csv").write_text("Id,Name\n")
    (tmp_path / "Lead.csv").write_text(
        "Id,LastName,Company,State,Status\n00QA00000000009AAA,Imported,Acme,Central,Open\n"
    )
    call_command("import_salesforce", str(tmp_path), stdout=StringIO())

    lead = Lead.objects.get(external_id="sf:00QA00000000009AAA")
    assert lead.team == central and lead.owner in central.reps
    assert note_of(lead).startswith("Rule “Central” matched (country or region Central)")
