"""REST API v1 through HTTP, what it accepts: pagination, filters, the malformed input
battery (queries, path ids, bodies, content types, methods), error format, schema and docs.

Shared helpers are in ``tests/api_helpers.py``; authentication and row-level access are in
``test_api_access.py``.
"""

import base64
import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import yaml
from drf_spectacular.validation import validate_schema

from accounts.models import Account
from sales.models import Lead
from service.models import Ticket

from .api_helpers import API, client_for, ids, json_error, send, snapshot
from .factories import LeadFactory

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


@pytest.mark.parametrize("page_size", ["0", "-3", "abc", "1e3", ""])
def test_odd_page_sizes_are_refused(org, records, page_size):
    """The schema says page_size is a whole number from 1: anything else is a 400 naming it
    (it used to fall back to the default page quietly)."""
    response = client_for(org.admin).get(f"{API}/leads/?page_size={page_size}")
    assert "page_size" in json_error(response, 400)


def test_a_page_size_above_the_maximum_is_cut_to_it(org, records):
    response = client_for(org.admin).get(f"{API}/leads/?page_size={'9' * 40}")
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
