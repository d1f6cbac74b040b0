"""REST API v1 through HTTP, who may do what: token auth, roles, row-level visibility,
403 versus 404, ownership and team rules on writes, CSRF for session writes.

Shared helpers are in ``tests/api_helpers.py``; malformed input, pagination, filters and the
schema are in ``test_api_input.py``.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Account
from sales.models import Lead
from service.models import Ticket

from .api_helpers import API, client_for, ids, json_error, send, snapshot, token_client
from .factories import TicketFactory, UserFactory

# -- authentication ----------------------------------------------------------------------------


def test_token_from_management_command(org):
    out = StringIO()
    call_command("drf_create_token", org.rep.username, stdout=out)
    key = re.search(r"Generated token (\w+) for user", out.getvalue()).group(1)

    response = token_client(key).get(f"{API}/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "rep1"
    assert body["role"] == "sales_rep"
    assert body["teams"] == [org.team.pk]


def _token_from_profile(c: Client) -> str:
    page = c.get("/me/").content.decode()
    match = re.search(r'value="(\w+)" aria-label="API token"', page)
    assert match, "the profile page shows the token"
    return match.group(1)


def test_token_from_profile_page_and_replacement(org):
    browser = client_for(org.agent)
    assert browser.post("/me/token/").status_code == 302
    first = _token_from_profile(browser)

    response = token_client(first).get(f"{API}/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "agent1"

    assert browser.post("/me/token/").status_code == 302
    second = _token_from_profile(browser)
    assert second != first
    assert token_client(second).get(f"{API}/me/").status_code == 200
    json_error(token_client(first).get(f"{API}/me/"), 401)


def test_token_acts_with_its_users_row_level_access(org, records):
    out = StringIO()
    call_command("drf_create_token", org.other_rep.username, stdout=out)
    key = re.search(r"Generated token (\w+)", out.getvalue()).group(1)
    c = token_client(key)

    assert ids(c.get(f"{API}/leads/")) == {records.other_lead.pk}
    json_error(c.get(f"{API}/leads/{records.lead.pk}/"), 404)


@pytest.mark.parametrize("path", ["/me/", "/leads/", "/accounts/", "/tickets/", "/contacts/"])
def test_unauthenticated_gets_401_json(db, path):
    response = client_for().get(f"{API}{path}")
    json_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize(
    "header",
    [
        "Token nosuchtoken0000000000000000000000000000",
        "Token",
        "Token a b",
        "Token abc\x00def",
        "Token " + "f" * 5000,
        "Bearer abc",
        "Token \u00e9\u00e8",
    ],
)
def test_bad_token_headers_are_401_or_403_json(org, header):
    c = Client(raise_request_exception=False, headers={"authorization": header})
    response = c.get(f"{API}/me/")
    assert response.status_code in (401, 403)
    json_error(response)


def test_unauthenticated_write_is_rejected_and_changes_nothing(org, records):
    c = client_for()
    before = snapshot(records.lead)
    json_error(send(c, "patch", f"{API}/leads/{records.lead.pk}/", {"status": "working"}), 401)
    json_error(send(c, "post", f"{API}/leads/", {"last_name": "Anon"}), 401)
    assert snapshot(records.lead) == before
    assert not Lead.objects.filter(last_name="Anon").exists()


def test_user_without_role_is_forbidden(org, records):
    nobody = UserFactory(username="norole", role="")
    c = client_for(nobody)
    for path in ("/me/", "/leads/", "/accounts/", f"/accounts/{records.account.pk}/"):
        body = json_error(c.get(f"{API}{path}"), 403)
        assert "role" in body["detail"]
    json_error(send(c, "post", f"{API}/accounts/", {"name": "Sneaky"}), 403)
    assert not Account.objects.filter(name="Sneaky").exists()


def test_inactive_users_token_no_longer_works(org):
    out = StringIO()
    call_command("drf_create_token", org.rep.username, stdout=out)
    key = re.search(r"Generated token (\w+)", out.getvalue()).group(1)
    org.rep.is_active = False
    org.rep.save(update_fields=["is_active"])
    json_error(token_client(key).get(f"{API}/me/"), 401)


# -- row-level access ---------------------------------------------------------------------------


def test_rep_lists_own_and_team_queue_leads_only(org, records):
    assert ids(client_for(org.rep).get(f"{API}/leads/")) == {records.lead.pk, records.queue_lead.pk}


def test_sales_manager_lists_the_team_leads(org, records):
    expected = {records.lead.pk, records.queue_lead.pk, records.teammate_lead.pk}
    assert ids(client_for(org.sales_manager).get(f"{API}/leads/")) == expected


def test_roles_outside_sales_list_no_leads(org, records):
    for user in (org.marketing, org.agent, org.support_manager):
        assert ids(client_for(user).get(f"{API}/leads/")) == set()


def test_admin_lists_every_lead(org, records):
    leads = {records.lead, records.queue_lead, records.teammate_lead, records.other_lead}
    assert ids(client_for(org.admin).get(f"{API}/leads/")) == {lead.pk for lead in leads}


def test_agent_lists_own_queue_tickets_only(org, records):
    assert ids(client_for(org.agent).get(f"{API}/tickets/")) == {records.ticket.pk}
    both = {records.ticket.pk, records.other_ticket.pk}
    assert ids(client_for(org.support_manager).get(f"{API}/tickets/")) == both
    assert ids(client_for(org.rep).get(f"{API}/tickets/")) == set()


def test_customer_records_are_readable_by_every_role(org, records):
    c = client_for(org.agent)
    assert ids(c.get(f"{API}/accounts/")) == {records.account.pk, records.other_account.pk}
    assert ids(c.get(f"{API}/contacts/")) == {records.contact.pk, records.other_contact.pk}


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
@pytest.mark.parametrize(
    ("role", "kind", "record"),
    [
        ("rep", "leads", "other_lead"),
        ("rep", "leads", "teammate_lead"),
        ("other_rep", "leads", "queue_lead"),
        ("marketing", "leads", "lead"),
        ("agent", "tickets", "other_ticket"),
        ("rep", "tickets", "ticket"),
    ],
)
def test_unreadable_records_answer_404_and_stay_unchanged(org, records, method, role, kind, record):
    obj = getattr(records, record)
    before = snapshot(obj)
    body = {"status": "working" if kind == "leads" else "open"}
    if method == "put":
        body |= {"last_name": "Taken"} if kind == "leads" else {"subject": "Taken"}

    response = send(client_for(getattr(org, role)), method, f"{API}/{kind}/{obj.pk}/", body)

    json_error(response, 404)
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert snapshot(obj) == before


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_account_write_by_non_owner_outside_team_is_403(org, records, method):
    before = snapshot(records.other_account)
    path = f"{API}/accounts/{records.other_account.pk}/"
    c = client_for(org.rep)

    assert c.get(path).status_code == 200  # readable: one customer database
    json_error(send(c, method, path, {"name": "Renamed by rep1"}), 403)

    assert snapshot(records.other_account) == before


def test_account_write_by_owner_and_teammate_and_manager(org, records):
    path = f"{API}/accounts/{records.account.pk}/"
    for user, name in ((org.rep, "By owner"), (org.rep_teammate, "By teammate")):
        response = send(client_for(user), "patch", path, {"name": name})
        assert response.status_code == 200, response.content
        assert response.json()["name"] == name
        records.account.refresh_from_db()
        assert records.account.name == name
    response = send(client_for(org.other_manager), "patch", path, {"name": "By a manager"})
    assert response.status_code == 200
    records.account.refresh_from_db()
    assert records.account.name == "By a manager"


def test_rep_updates_and_deletes_own_lead(org, records):
    c = client_for(org.rep)
    path = f"{API}/leads/{records.lead.pk}/"
    response = send(c, "patch", path, {"status": "qualified"})
    assert response.status_code == 200
    assert response.json()["status"] == "qualified"
    records.lead.refresh_from_db()
    assert records.lead.status == "qualified"

    assert c.delete(path).status_code == 204
    assert not Lead.objects.filter(pk=records.lead.pk).exists()
    json_error(c.get(path), 404)


def test_create_lead_in_a_team_the_rep_is_not_in_is_400(org, records):
    c = client_for(org.rep)
    body = json_error(
        send(c, "post", f"{API}/leads/", {"last_name": "Poach", "team": org.other_team.pk}), 400
    )
    assert "team" in body
    assert not Lead.objects.filter(last_name="Poach").exists()


def test_create_lead_in_own_team(org):
    response = send(
        client_for(org.rep), "post", f"{API}/leads/", {"last_name": "Fresh", "team": org.team.pk}
    )
    assert response.status_code == 201, response.content
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.last_name, lead.owner, lead.team) == ("Fresh", org.rep, org.team)


def test_moving_own_lead_to_another_team_is_400(org, records):
    before = snapshot(records.lead)
    path = f"{API}/leads/{records.lead.pk}/"
    json_error(send(client_for(org.rep), "patch", path, {"team": org.other_team.pk}), 400)
    assert snapshot(records.lead) == before


def test_create_ticket_in_another_queue_is_400(org):
    c = client_for(org.agent)
    response = send(c, "post", f"{API}/tickets/", {"subject": "X", "queue": org.other_queue.pk})
    assert "queue" in json_error(response, 400)
    assert not Ticket.objects.filter(subject="X").exists()


def test_agent_edits_a_ticket_assigned_to_them_in_another_queue(org):
    """The ticket stays in its queue: a full PUT repeats the queue the agent is not a member of."""
    ticket = TicketFactory(queue=org.other_queue, assignee=org.agent, subject="Escalated")
    path = f"{API}/tickets/{ticket.pk}/"
    c = client_for(org.agent)
    data = c.get(path).json()
    data["status"] = "open"
    response = send(c, "put", path, data)
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert (ticket.status, ticket.queue) == ("open", org.other_queue)


def test_marketing_cannot_create_leads(org):
    json_error(send(client_for(org.marketing), "post", f"{API}/leads/", {"last_name": "M"}), 403)
    assert not Lead.objects.filter(last_name="M").exists()


def test_owner_must_be_an_active_user_with_a_role(org, records):
    nobody = UserFactory(username="norole2", role="")
    path = f"{API}/accounts/{records.account.pk}/"
    before = snapshot(records.account)
    response = send(client_for(org.rep), "patch", path, {"owner": nobody.pk})
    assert "owner" in json_error(response, 400)
    assert snapshot(records.account) == before


def test_owner_given_on_create_is_kept_and_defaults_to_the_user(org):
    c = client_for(org.sales_manager)
    response = send(
        c,
        "post",
        f"{API}/leads/",
        {"last_name": "ForRep", "owner": org.rep.pk, "team": org.team.pk},
    )
    assert response.status_code == 201, response.content
    assert Lead.objects.get(pk=response.json()["id"]).owner == org.rep
    response = send(c, "post", f"{API}/leads/", {"last_name": "Mine"})
    assert Lead.objects.get(pk=response.json()["id"]).owner == org.sales_manager


# -- session writes ----------------------------------------------------------------------------


def test_session_writes_need_the_csrf_token(org, records):
    c = Client(enforce_csrf_checks=True, raise_request_exception=False)
    c.force_login(org.rep)
    before = snapshot(records.lead)
    json_error(send(c, "patch", f"{API}/leads/{records.lead.pk}/", {"status": "working"}), 403)
    assert snapshot(records.lead) == before
