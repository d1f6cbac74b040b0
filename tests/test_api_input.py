"""REST API v1 through HTTP: token auth, row-level access, pagination, filters, errors, schema.

Every client is built with ``raise_request_exception=False`` so a server error shows up as a
500 response (and fails the assertion) instead of an exception inside the test.
"""

import base64
import json
import re
from io import StringIO
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema

from accounts.models import Account
from sales.models import Lead
from service.models import Ticket

from .factories import LeadFactory, TicketFactory, UserFactory

API = "/api/v1"


def client_for(user=None, **headers) -> Client:
    c = Client(raise_request_exception=False, headers=headers or None)
    if user is not None:
        c.force_login(user)
    return c


def token_client(key: str) -> Client:
    return Client(raise_request_exception=False, headers={"authorization": f"Token {key}"})


def send(c: Client, method: str, path: str, body=None, content_type="application/json"):
    """One request; a dict/list body is sent as JSON, a str body as UTF-8, bytes verbatim
    (whatever charset the content type claims)."""
    if method == "get":
        return c.get(path)
    if body is not None and not isinstance(body, str | bytes):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    return c.generic(method.upper(), path, body or b"", content_type=content_type)


def json_error(response, status: int | None = None) -> dict:
    """The response is a 4xx (or ``status``) with a JSON object body."""
    code = response.status_code
    assert code == status if status else 400 <= code < 500, (code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body, dict) and body, body
    return body


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def snapshot(obj) -> dict:
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


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


# -- pagination and filters ---------------------------------------------------------------------


def test_cursor_pagination_walks_every_visible_row_once(org, records):
    for _ in range(5):
        LeadFactory(owner=org.rep, team=org.team)
    LeadFactory(owner=org.other_rep, team=org.other_team)
    expected = set(Lead.objects.visible_to(org.rep).values_list("pk", flat=True))
    assert len(expected) == 7

    c = client_for(org.rep)
    url, seen, pages = f"{API}/leads/?page_size=3", [], 0
    while url:
        response = c.get(url)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        assert len(body["results"]) <= 3
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == expected
    assert seen == sorted(seen, reverse=True)

    # And back: the previous link of the second page is the first page.
    first = c.get(f"{API}/leads/?page_size=3").json()
    second = c.get(first["next"]).json()
    assert first["previous"] is None
    assert [row["id"] for row in c.get(second["previous"]).json()["results"]] == seen[:3]


def test_pagination_keeps_filters_in_the_next_link(org):
    for _ in range(3):
        LeadFactory(owner=org.rep, team=org.team, status="working")
    LeadFactory(owner=org.rep, team=org.team, status="new")
    c = client_for(org.rep)
    first = c.get(f"{API}/leads/?status=working&page_size=2").json()
    assert "status=working" in first["next"]
    second = c.get(first["next"]).json()
    statuses = {row["status"] for row in first["results"] + second["results"]}
    assert statuses == {"working"}
    assert len(first["results"] + second["results"]) == 3
    assert second["next"] is None


@pytest.mark.parametrize("page_size", ["0", "-3", "abc", "1e3", "9" * 40, ""])
def test_odd_page_sizes_fall_back_to_a_valid_page(org, records, page_size):
    response = client_for(org.admin).get(f"{API}/leads/?page_size={page_size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 4


def test_filter_by_status(org, records):
    Lead.objects.filter(pk=records.queue_lead.pk).update(status="working")
    c = client_for(org.rep)
    assert ids(c.get(f"{API}/leads/?status=new")) == {records.lead.pk}
    assert ids(c.get(f"{API}/leads/?status=working")) == {records.queue_lead.pk}
    assert ids(c.get(f"{API}/leads/?unassigned=true")) == {records.queue_lead.pk}
    assert ids(c.get(f"{API}/leads/?team={org.team.pk}")) == {
        records.lead.pk,
        records.queue_lead.pk,
    }
    # Filtering never widens access: the other team's id gives an empty page.
    assert ids(c.get(f"{API}/leads/?team={org.other_team.pk}")) == set()


def test_filters_on_tickets_and_accounts(org, records):
    Ticket.objects.filter(pk=records.ticket.pk).update(priority="urgent")
    manager = client_for(org.support_manager)
    assert ids(manager.get(f"{API}/tickets/?priority=urgent")) == {records.ticket.pk}
    assert ids(manager.get(f"{API}/tickets/?queue={org.other_queue.pk}")) == {
        records.other_ticket.pk
    }
    name = records.other_account.name
    assert ids(manager.get(f"{API}/accounts/?{urlencode({'q': name})}")) == {
        records.other_account.pk
    }


def test_invalid_filter_value_is_400_json_naming_the_filter(org, records):
    body = json_error(client_for(org.rep).get(f"{API}/leads/?status=bogus"), 400)
    assert "status" in body


# -- malformed input ----------------------------------------------------------------------------


def _cursor(**params) -> str:
    return base64.b64encode(urlencode(params).encode()).decode()


BAD_QUERIES = [
    "leads/?status=bogus",
    "leads/?team=abc",
    "leads/?team=999999",
    "leads/?team=99999999999999999999999999",
    "leads/?team=-1",
    "leads/?team=1.5",
    "leads/?owner=abc",
    "leads/?owner=1e5",
    "leads/?q=%00",
    "leads/?source=%00",
    "leads/?stauts=new",
    "leads/?nonsense=1",
    "tickets/?priority=meh",
    "tickets/?channel=pigeon",
    "tickets/?queue=abc",
    "tickets/?assignee=abc",
    "tickets/?assignee=99999999999999999999999",
    "contacts/?account=abc",
    "contacts/?account=1.5",
    "contacts/?account=99999999999999999999999",
    "contacts/?account=nan",
    "contacts/?account=inf",
    "accounts/?team=%00",
    "leads/?cursor=garbage",
    "leads/?cursor=%00",
    "leads/?cursor=" + _cursor(p="abc"),
    "leads/?cursor=" + _cursor(p="9" * 40),
    "leads/?cursor=" + _cursor(p="-9" + "9" * 40, r="1"),
    "leads/?cursor=" + _cursor(p="1\x00"),
    "leads/?cursor=" + _cursor(o="9" * 40, p="1"),
    "leads/?cursor=" + _cursor(o="-1"),
    "leads/?cursor=" + _cursor(r="maybe"),
    "leads/?format=xml",
    "leads/abc/",
    "leads/99999999999999999999999/",
    "leads/-1/",
    "leads/0/",
    "leads/%00/",
    "leads/%ff/",
    "leads/?team%5B%5D=1",
    "leads/1e3/",
    "leads/1.json5/",
    "tickets/abc/",
    "accounts/abc/",
    "contacts/%20/",
    "nosuchthing/",
    "leads/1/nosuchthing/",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_malformed_get_is_4xx_json(org, records, query):
    json_error(client_for(org.rep).get(f"{API}/{query}"))


NON_INTEGER_PATH_IDS = ["abc", "1e3", "%00", "99999999999999999999999", "-1"]


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("pk", NON_INTEGER_PATH_IDS)
def test_non_integer_or_unknown_path_ids_are_404_json(org, records, method, pk):
    json_error(send(client_for(org.admin), method, f"{API}/leads/{pk}/", {"status": "new"}), 404)


BAD_LEAD_BODIES = [
    ("{not json", "application/json"),
    ('{"last_name": "X",}', "application/json"),
    ("", "application/json"),
    ("[]", "application/json"),
    ('"just a string"', "application/json"),
    ("null", "application/json"),
    ("12", "application/json"),
    ("[" * 100_000 + "]" * 100_000, "application/json"),
    ('{"last_name": ' + "9" * 5000 + "}", "application/json"),
    (b'{"last_name": "\xff\xfe"}', "application/json"),
    ('{"last_name": "X"}', "application/json; charset=utf-16"),
    ("last_name=X", "text/plain"),
    ("<lead><last_name>X</last_name></lead>", "application/xml"),
    ('{"last_name": "X"}', "application/x-yaml"),
    ("last_name=X&team=abc", "application/x-www-form-urlencoded"),
    ("last_name=X&status=bogus", "application/x-www-form-urlencoded"),
    ("garbage", "multipart/form-data; boundary=xyz"),
    ('{"last_name": "X"}', ""),
    ('{"last_name": NaN}', "application/json"),
    ('{"last_name": "X", "team": Infinity}', "application/json"),
    ('{"last_name": "X", "team": 1e400}', "application/json"),
    ('{"last_name": ' + "[" * 500 + "]" * 500 + "}", "application/json"),
    ('{"last_name": "X"}', "multipart/form-data"),
    ({"last_name": "X", "status": "bogus"}, "application/json"),
    ({"last_name": "X", "status": None}, "application/json"),
    ({"last_name": "X", "status": ["new"]}, "application/json"),
    ({"last_name": "X", "team": "abc"}, "application/json"),
    ({"last_name": "X", "team": 999_999}, "application/json"),
    ({"last_name": "X", "team": 10**30}, "application/json"),
    ({"last_name": "X", "team": -(10**30)}, "application/json"),
    ({"last_name": "X", "team": 1.5}, "application/json"),
    ({"last_name": "X", "team": 1e308}, "application/json"),
    ({"last_name": "X", "team": [1]}, "application/json"),
    ({"last_name": "X", "team": {"id": 1}}, "application/json"),
    ({"last_name": "X", "team": True}, "application/json"),
    ({"last_name": "X", "team": "1\x00"}, "application/json"),
    ({"last_name": "X", "owner": "me"}, "application/json"),
    ({"last_name": "X", "owner": 10**30}, "application/json"),
    ({"last_name": ["X"]}, "application/json"),
    ({"last_name": {"a": 1}}, "application/json"),
    ({"last_name": "X" * 1000}, "application/json"),
    ({"last_name": "X\x00Y"}, "application/json"),
    ({"last_name": ""}, "application/json"),
    ({"last_name": "X", "email": "not-an-email"}, "application/json"),
    ({"last_name": "X", "first_name": "Y" * 101}, "application/json"),
]


@pytest.mark.parametrize(("body", "content_type"), BAD_LEAD_BODIES)
def test_malformed_create_is_4xx_json_and_creates_nothing(org, records, body, content_type):
    before = Lead.objects.count()
    json_error(send(client_for(org.rep), "post", f"{API}/leads/", body, content_type))
    assert Lead.objects.count() == before


@pytest.mark.parametrize(("body", "content_type"), BAD_LEAD_BODIES)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_malformed_update_is_4xx_json_and_changes_nothing(org, records, method, body, content_type):
    if method == "patch" and body in ("", "garbage"):
        pytest.skip("no fields at all: a PATCH that changes nothing (see the tolerated cases)")
    before = snapshot(records.lead)
    path = f"{API}/leads/{records.lead.pk}/"
    json_error(send(client_for(org.rep), method, path, body, content_type))
    assert snapshot(records.lead) == before


@pytest.mark.parametrize(
    ("method", "body", "content_type"),
    [
        ("post", '{"last_name": "X"}', "application/json; charset=bogus"),
        ("post", {"last_name": "X", "id": "abc", "created_at": "yesterday"}, "application/json"),
        ("post", {"last_name": "X", "unknown_field": 1}, "application/json"),
        ("patch", "", "application/json"),
        ("patch", "garbage", "multipart/form-data; boundary=xyz"),
        ("patch", {}, "application/json"),
    ],
)
def test_odd_but_harmless_writes_are_not_server_errors(org, records, method, body, content_type):
    """Unknown charsets fall back to UTF-8, read-only and unknown fields are ignored, an empty
    PATCH changes nothing: all answered in JSON, none of them a 500."""
    path = f"{API}/leads/" if method == "post" else f"{API}/leads/{records.lead.pk}/"
    before = snapshot(records.lead)
    response = send(client_for(org.rep), method, path, body, content_type)
    assert response.status_code in (200, 201), response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    if method == "patch":
        after = snapshot(records.lead)
        assert {k: v for k, v in after.items() if k != "updated_at"} == {
            k: v for k, v in before.items() if k != "updated_at"
        }
    else:
        assert response.json()["last_name"] == "X"
        assert isinstance(response.json()["id"], int)


@pytest.mark.parametrize(
    "query", ["leads/?status=", "leads/?q=", "leads/?team=", "leads/?format=json"]
)
def test_empty_filters_mean_any(org, records, query):
    assert ids(client_for(org.rep).get(f"{API}/{query}")) == {
        records.lead.pk,
        records.queue_lead.pk,
    }


BAD_ACCOUNT_BODIES = [
    {"name": "X", "employees": "many"},
    {"name": "X", "employees": -1},
    {"name": "X", "employees": 10**20},
    {"name": "X", "employees": 2**31},
    {"name": "X", "employees": 1.5},
    {"name": "X", "annual_revenue": "lots"},
    {"name": "X", "annual_revenue": "NaN"},
    {"name": "X", "annual_revenue": "Infinity"},
    {"name": "X", "annual_revenue": "-inf"},
    {"name": "X", "annual_revenue": "1e400"},
    {"name": "X", "annual_revenue": 1e308},
    {"name": "X", "annual_revenue": "9" * 30},
    {"name": "X", "annual_revenue": "1.234"},
    {"name": "X", "website": "not a url"},
    {"name": "X", "currency": "EURO"},
    {"name": "X", "team": "North"},
]


@pytest.mark.parametrize("body", BAD_ACCOUNT_BODIES)
def test_malformed_account_values_are_400_json(org, records, body):
    before = Account.objects.count()
    json_error(send(client_for(org.rep), "post", f"{API}/accounts/", body), 400)
    json_error(
        send(client_for(org.rep), "patch", f"{API}/accounts/{records.account.pk}/", body), 400
    )
    assert Account.objects.count() == before


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "X", "employees": 1e400}',
        '{"name": "X", "employees": NaN}',
        '{"name": "X", "annual_revenue": 1e400}',
        '{"name": "X", "annual_revenue": -Infinity}',
    ],
)
def test_non_finite_json_numbers_are_400_json(org, raw):
    before = Account.objects.count()
    json_error(send(client_for(org.rep), "post", f"{API}/accounts/", raw), 400)
    assert Account.objects.count() == before


BAD_TICKET_BODIES = [
    {"subject": "X", "priority": "meh"},
    {"subject": "X", "channel": "pigeon"},
    {"subject": "X", "status": "done"},
    {"subject": "X", "account": "abc"},
    {"subject": "X", "account": 10**30},
    {"subject": "X", "contact": 999_999},
    {"subject": "X", "assignee": "abc"},
    {"subject": "X", "queue": "Tier 1"},
    {"subject": ""},
]


def test_ticket_queue_and_assignee_follow_the_ticket_form(org, records):
    """Queues are support teams, assignees support staff (as the form's choices)."""
    c = client_for(org.support_manager)
    for body in (
        {"subject": "Sales queue", "queue": org.team.pk},
        {"subject": "Rep assignee", "assignee": org.rep.pk},
    ):
        json_error(send(c, "post", f"{API}/tickets/", body), 400)
    response = send(
        c,
        "post",
        f"{API}/tickets/",
        {"subject": "OK", "queue": org.queue.pk, "assignee": org.agent.pk},
    )
    assert response.status_code == 201, response.content
    assert not Ticket.objects.filter(subject__in=["Sales queue", "Rep assignee"]).exists()


@pytest.mark.parametrize("body", BAD_TICKET_BODIES)
def test_malformed_ticket_values_are_400_json(org, records, body):
    before = Ticket.objects.count()
    json_error(send(client_for(org.agent), "post", f"{API}/tickets/", body), 400)
    assert Ticket.objects.count() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "leads/"),
        ("patch", "leads/"),
        ("delete", "leads/"),
        ("post", "leads/{lead}/"),
        ("post", "me/"),
        ("delete", "me/"),
        ("trace", "leads/"),
    ],
)
def test_wrong_methods_are_405_json(org, records, method, path):
    path = f"{API}/" + path.format(lead=records.lead.pk)
    c = client_for(org.rep)
    response = c.generic(method.upper(), path, "{}", content_type="application/json")
    json_error(response, 405)


def test_options_describes_the_endpoint_without_leaking_unreadable_rows(org, records):
    c = client_for(org.rep)
    listing = c.options(f"{API}/leads/")
    assert listing.status_code == 200
    assert "POST" in listing.json()["actions"]
    hidden = c.options(f"{API}/leads/{records.other_lead.pk}/")
    assert hidden.status_code == 200
    assert "actions" not in hidden.json()
    assert records.other_lead.last_name not in hidden.content.decode()


def test_errors_are_json_even_when_a_browser_asks_for_html(org, records):
    c = client_for(org.rep, accept="text/html,application/xhtml+xml,*/*;q=0.8")
    json_error(c.get(f"{API}/leads/{records.other_lead.pk}/"), 404)
    json_error(c.get(f"{API}/leads/?status=bogus"), 400)
    json_error(c.get(f"{API}/nosuchthing/"), 404)
    ok = c.get(f"{API}/leads/")
    assert ok.status_code == 200
    assert ok["Content-Type"].startswith("application/json")


def test_session_writes_need_the_csrf_token(org, records):
    c = Client(enforce_csrf_checks=True, raise_request_exception=False)
    c.force_login(org.rep)
    before = snapshot(records.lead)
    json_error(send(c, "patch", f"{API}/leads/{records.lead.pk}/", {"status": "working"}), 403)
    assert snapshot(records.lead) == before


# -- schema and docs ----------------------------------------------------------------------------


def test_schema_is_valid_openapi(org):
    response = client_for(org.rep).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    for path in ("leads", "accounts", "contacts", "tickets"):
        assert f"/api/v1/{path}/" in schema["paths"]
        assert f"/api/v1/{path}/{{id}}/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]

    as_json = client_for(org.rep).get("/api/schema/?format=json")
    assert as_json.status_code == 200
    assert json.loads(as_json.content)["paths"].keys() == schema["paths"].keys()


def test_docs_page_uses_only_local_assets(org):
    c = client_for(org.rep)
    response = c.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "SwaggerUIBundle" in html
    assert "/api/schema/" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert c.get(asset).status_code == 200, asset
    assert not re.search(r"https?://", html.replace("document.baseURI", ""))


def test_next_link_is_a_same_site_url(org, records):
    body = client_for(org.admin).get(f"{API}/leads/?page_size=1").json()
    next_url = urlsplit(body["next"])
    assert next_url.path == f"{API}/leads/"
    assert parse_qs(next_url.query)["page_size"] == ["1"]
