"""Who may open and change what, through the web pages.

The matrices below are the access rules of the product spec, one line per page, one column
per role. "ours" records belong to the rep's team (North) / the agent's queue (Tier 1);
"other" records to the other team (South) / queue (Billing); see ``conftest.records``.

A record a role may not read answers 404 (its id leaks nothing); a record it may read but not
change answers 403; a page that is not the role's business at all answers 403. Anonymous
visitors are sent to the login page everywhere.
"""

import csv
import io
from urllib.parse import quote

import pytest
from django.test import Client

from accounts.forms import AccountForm
from accounts.models import Account, Contact
from accounts.views import AccountViews, ContactViews
from sales.forms import LeadForm
from sales.models import Lead
from sales.views import LeadViews
from service.models import Ticket
from service.views import TicketViews
from users.models import Team, User
from users.views import TeamViews, UserViews

from .factories import ContactFactory

LOGIN = "login"  # 302 to /login/?next=…
DONE = "done"  # POST: 302 and the change was applied
SKIP = "skip"  # bulk POST: 302 back to the list, the row was skipped (nothing changed)

ROLES = (
    "anonymous",
    "admin",
    "sales_manager",
    "sales_rep",
    "marketing",
    "support_agent",
    "support_manager",
)

# Ids in the URLs: {account} … {other_ticket} come from `records`; {user} is the rep's user,
# {team} the rep's sales team.
#
# fmt: off
GET_MATRIX = [
    # page                                     anon   admin sa_mgr   rep   mkt  agent su_mgr
    ("/",                                      LOGIN,  302,  302,   302,  302,  302,  302),
    ("/me/",                                   LOGIN,  200,  200,   200,  200,  200,  200),
    ("/me/token/",                             LOGIN,  405,  405,   405,  405,  405,  405),
    # workspaces
    ("/sales/workspace/",                      LOGIN,  200,  200,   200,  403,  403,  403),
    ("/service/workspace/",                    LOGIN,  200,  403,   403,  403,  200,  200),
    ("/marketing/",                            LOGIN,  200,  403,   403,  200,  403,  403),
    ("/dashboard/",                            LOGIN,  200,  200,   403,  403,  403,  200),
    # accounts: everyone reads; owner, team, managers and admins change
    ("/accounts/",                             LOGIN,  200,  200,   200,  200,  200,  200),
    ("/accounts/add/",                         LOGIN,  200,  200,   200,  200,  200,  200),
    ("/accounts/{account}/",                   LOGIN,  200,  200,   200,  200,  200,  200),
    ("/accounts/{other_account}/",             LOGIN,  200,  200,   200,  200,  200,  200),
    ("/accounts/{account}/edit/",              LOGIN,  200,  200,   200,  403,  403,  200),
    ("/accounts/{other_account}/edit/",        LOGIN,  200,  200,   403,  403,  403,  200),
    ("/accounts/{account}/delete/",            LOGIN,  200,  200,   200,  403,  403,  200),
    ("/accounts/{other_account}/delete/",      LOGIN,  200,  200,   403,  403,  403,  200),
    ("/accounts/bulk/edit/",                   LOGIN,  405,  405,   405,  405,  405,  405),
    ("/accounts/bulk/delete/",                 LOGIN,  405,  405,   405,  405,  405,  405),
    # contacts: same rules as accounts
    ("/contacts/",                             LOGIN,  200,  200,   200,  200,  200,  200),
    ("/contacts/add/",                         LOGIN,  200,  200,   200,  200,  200,  200),
    ("/contacts/{contact}/",                   LOGIN,  200,  200,   200,  200,  200,  200),
    ("/contacts/{other_contact}/",             LOGIN,  200,  200,   200,  200,  200,  200),
    ("/contacts/{contact}/edit/",              LOGIN,  200,  200,   200,  403,  403,  200),
    ("/contacts/{other_contact}/edit/",        LOGIN,  200,  200,   403,  403,  403,  200),
    ("/contacts/{contact}/delete/",            LOGIN,  200,  200,   200,  403,  403,  200),
    ("/contacts/{other_contact}/delete/",      LOGIN,  200,  200,   403,  403,  403,  200),
    # leads: rep = own + team queue; manager = their teams; marketing/support: nothing
    ("/sales/leads/",                          LOGIN,  200,  200,   200,  403,  403,  403),
    ("/sales/leads/add/",                      LOGIN,  200,  200,   200,  403,  403,  403),
    ("/sales/leads/{lead}/",                   LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{queue_lead}/",             LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{teammate_lead}/",          LOGIN,  200,  200,   404,  404,  404,  404),
    ("/sales/leads/{other_lead}/",             LOGIN,  200,  404,   404,  404,  404,  404),
    ("/sales/leads/{lead}/edit/",              LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{queue_lead}/edit/",        LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{teammate_lead}/edit/",     LOGIN,  200,  200,   404,  404,  404,  404),
    ("/sales/leads/{other_lead}/edit/",        LOGIN,  200,  404,   404,  404,  404,  404),
    ("/sales/leads/{lead}/delete/",            LOGIN,  200,  200,   200,  404,  404,  404),
    ("/sales/leads/{teammate_lead}/delete/",   LOGIN,  200,  200,   404,  404,  404,  404),
    ("/sales/leads/{other_lead}/delete/",      LOGIN,  200,  404,   404,  404,  404,  404),
    ("/sales/leads/999999/",                   LOGIN,  404,  404,   404,  404,  404,  404),
    ("/sales/leads/bulk/edit/",                LOGIN,  405,  405,   405,  405,  405,  405),
    ("/sales/leads/bulk/delete/",              LOGIN,  405,  405,   405,  405,  405,  405),
    # tickets: agents = their queues; support managers and admins = all
    ("/service/tickets/",                      LOGIN,  200,  403,   403,  403,  200,  200),
    ("/service/tickets/add/",                  LOGIN,  200,  403,   403,  403,  200,  200),
    ("/service/tickets/{ticket}/",             LOGIN,  200,  404,   404,  404,  200,  200),
    ("/service/tickets/{other_ticket}/",       LOGIN,  200,  404,   404,  404,  404,  200),
    ("/service/tickets/{ticket}/edit/",        LOGIN,  200,  404,   404,  404,  200,  200),
    ("/service/tickets/{other_ticket}/edit/",  LOGIN,  200,  404,   404,  404,  404,  200),
    ("/service/tickets/{ticket}/delete/",      LOGIN,  200,  404,   404,  404,  200,  200),
    ("/service/tickets/{other_ticket}/delete/", LOGIN, 200,  404,   404,  404,  404,  200),
    ("/service/tickets/bulk/delete/",          LOGIN,  405,  405,   405,  405,  405,  405),
    # administration: administrators only (users are deactivated, never deleted)
    ("/admin-ui/users/",                       LOGIN,  200,  403,   403,  403,  403,  403),
    ("/admin-ui/users/add/",                   LOGIN,  200,  403,   403,  403,  403,  403),
    ("/admin-ui/users/{user}/",                LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/users/{user}/edit/",           LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/users/{user}/delete/",         LOGIN,  403,  404,   404,  404,  404,  404),
    ("/admin-ui/teams/",                       LOGIN,  200,  403,   403,  403,  403,  403),
    ("/admin-ui/teams/add/",                   LOGIN,  200,  403,   403,  403,  403,  403),
    ("/admin-ui/teams/{team}/",                LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/teams/{team}/edit/",           LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/teams/{team}/delete/",         LOGIN,  200,  404,   404,  404,  404,  404),
    ("/admin-ui/teams/bulk/delete/",           LOGIN,  405,  405,   405,  405,  405,  405),
]

# POST with a valid form. The target is "<kind>:<record>"; after a refusal (LOGIN, 403, 404,
# SKIP, 405) the record must be exactly as before.
POST_MATRIX = [
    # action  target                        anon   admin  sa_mgr  rep   mkt   agent su_mgr
    # detail pages take no POST, whoever asks and whatever the id (so nothing leaks)
    ("view",   "lead:other_lead",           LOGIN,  405,  405,   405,  405,  405,  405),
    ("view",   "ticket:other_ticket",       LOGIN,  405,  405,   405,  405,  405,  405),
    # add (a valid form; the acting user as owner where the form has one)
    ("add",    "account:new",               LOGIN, DONE,  DONE,  DONE, DONE, DONE, DONE),
    ("add",    "lead:new",                  LOGIN, DONE,  DONE,  DONE,  403,  403,  403),
    ("add",    "ticket:new",                LOGIN, DONE,   403,   403,  403, DONE, DONE),
    ("add",    "user:new",                  LOGIN, DONE,   403,   403,  403,  403,  403),
    ("add",    "team:new",                  LOGIN, DONE,   403,   403,  403,  403,  403),
    # edit
    ("edit",   "account:account",           LOGIN, DONE,  DONE,  DONE,  403,  403, DONE),
    ("edit",   "account:other_account",     LOGIN, DONE,  DONE,   403,  403,  403, DONE),
    ("edit",   "contact:other_contact",     LOGIN, DONE,  DONE,   403,  403,  403, DONE),
    ("edit",   "lead:lead",                 LOGIN, DONE,  DONE,  DONE,  404,  404,  404),
    ("edit",   "lead:teammate_lead",        LOGIN, DONE,  DONE,   404,  404,  404,  404),
    ("edit",   "lead:other_lead",           LOGIN, DONE,   404,   404,  404,  404,  404),
    ("edit",   "ticket:ticket",             LOGIN, DONE,   404,   404,  404, DONE, DONE),
    ("edit",   "ticket:other_ticket",       LOGIN, DONE,   404,   404,  404,  404, DONE),
    ("edit",   "user:user",                 LOGIN, DONE,   404,   404,  404,  404,  404),
    ("edit",   "team:team",                 LOGIN, DONE,   404,   404,  404,  404,  404),
    # delete
    ("delete", "account:other_account",     LOGIN, DONE,  DONE,   403,  403,  403, DONE),
    ("delete", "contact:other_contact",     LOGIN, DONE,  DONE,   403,  403,  403, DONE),
    ("delete", "lead:queue_lead",           LOGIN, DONE,  DONE,  DONE,  404,  404,  404),
    ("delete", "lead:teammate_lead",        LOGIN, DONE,  DONE,   404,  404,  404,  404),
    ("delete", "lead:other_lead",           LOGIN, DONE,   404,   404,  404,  404,  404),
    ("delete", "ticket:ticket",             LOGIN, DONE,   404,   404,  404, DONE, DONE),
    ("delete", "ticket:other_ticket",       LOGIN, DONE,   404,   404,  404,  404, DONE),
    ("delete", "user:user",                 LOGIN,  403,   404,   404,  404,  404,  404),
    ("delete", "team:other_team",           LOGIN, DONE,   404,   404,  404,  404,  404),
    # bulk actions (confirmed) on one record: rows a role may not change are skipped
    ("bulk_edit",   "account:other_account", LOGIN, DONE, DONE,  SKIP, SKIP, SKIP, DONE),
    ("bulk_edit",   "lead:other_lead",      LOGIN, DONE,  SKIP,  SKIP,  403,  403,  403),
    ("bulk_edit",   "lead:teammate_lead",   LOGIN, DONE,  DONE,  SKIP,  403,  403,  403),
    ("bulk_delete", "account:other_account", LOGIN, DONE, DONE,  SKIP, SKIP, SKIP, DONE),
    ("bulk_delete", "contact:other_contact", LOGIN, DONE, DONE,  SKIP, SKIP, SKIP, DONE),
    ("bulk_delete", "lead:other_lead",      LOGIN, DONE,  SKIP,  SKIP,  403,  403,  403),
    ("bulk_delete", "lead:teammate_lead",   LOGIN, DONE,  DONE,  SKIP,  403,  403,  403),
    ("bulk_delete", "ticket:other_ticket",  LOGIN, DONE,  403,   403,  403, SKIP, DONE),
    ("bulk_delete", "team:other_team",      LOGIN, DONE,  403,   403,  403,  403,  403),
]
# fmt: on

MODELS = {
    "account": Account,
    "contact": Contact,
    "lead": Lead,
    "ticket": Ticket,
    "user": User,
    "team": Team,
}
URL_PREFIX = {
    "account": "/accounts/",
    "contact": "/contacts/",
    "lead": "/sales/leads/",
    "ticket": "/service/tickets/",
    "user": "/admin-ui/users/",
    "team": "/admin-ui/teams/",
}
VIEWS = {
    "account": AccountViews,
    "contact": ContactViews,
    "lead": LeadViews,
    "ticket": TicketViews,
    "user": UserViews,
    "team": TeamViews,
}
# What an "add" fills in besides the form's defaults.
ADD_DATA = {
    "account": {"name": "Added"},
    "lead": {"last_name": "Added"},
    "ticket": {"subject": "Added"},
    "user": {"username": "added", "email": "added@example.com", "role": "sales_rep"},
    "team": {"name": "Added"},
}
# The field an edit changes (and a snapshot compares).
LABEL_FIELD = {
    "account": "name",
    "contact": "last_name",
    "lead": "last_name",
    "ticket": "subject",
    "user": "first_name",
    "team": "name",
}


def _cases(matrix) -> list:
    """One test per (row, role), named like ``sales_rep:/sales/leads/12/``."""
    cases = []
    for row in matrix:
        head, expectations = row[: -len(ROLES)], row[-len(ROLES) :]
        for role, expected in zip(ROLES, expectations, strict=True):
            cases.append(pytest.param(*head, role, expected, id=f"{role}:{' '.join(head)}"))
    return cases


def _ids(org, records) -> dict:
    ids = {name: getattr(records, name).pk for name in records.__dataclass_fields__}
    ids.update(user=org.rep.pk, team=org.team.pk, other_team=org.other_team.pk)
    return ids


def _target(org, records, name):
    obj = getattr(records, name, None) or {
        "user": org.rep,
        "team": org.team,
        "other_team": org.other_team,
    }.get(name)
    return type(obj).objects.get(pk=obj.pk)


def _client_for(client, org, role) -> Client:
    if role != "anonymous":
        client.force_login(org.by_role()[role])
    return client


def _assert_login_redirect(response, url):
    assert response.status_code == 302, response
    assert response["Location"] == f"/login/?next={quote(url, safe='/')}", response["Location"]


def _snapshot(model, pk):
    """Everything stored about the row, or None when it is gone."""
    return model.objects.filter(pk=pk).values().first()


def form_data(form_class, *, user, instance=None, **changes) -> dict:
    """A POST body as the browser would send it for the record's (or a new record's) form
    as it stands, with ``changes`` applied: built from the app's own form so new fields with
    defaults do not break these tests."""
    form = form_class(instance=instance, user=user)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value == "" or value == [] or value is False:
            continue
        if value is True:
            value = "on"
        elif isinstance(value, list | tuple):
            value = [str(getattr(v, "pk", v)) for v in value]
        else:
            value = str(value)
        data[name] = value
    data.update({k: "" if v is None else v for k, v in changes.items()})
    return data


def _edit_data(kind, obj, org) -> dict:
    """A valid edit form for the record: only its label field changes."""
    return form_data(
        VIEWS[kind].form_class, user=org.admin, instance=obj, **{LABEL_FIELD[kind]: "Changed"}
    )


@pytest.mark.parametrize(("url", "role", "expected"), _cases(GET_MATRIX))
def test_get(client, org, records, url, role, expected):
    url = url.format(**_ids(org, records))
    response = _client_for(client, org, role).get(url)
    if expected == LOGIN:
        _assert_login_redirect(response, url)
    else:
        assert response.status_code == expected, f"{role} GET {url}"


@pytest.mark.parametrize(("action", "target", "role", "expected"), _cases(POST_MATRIX))
def test_post(client, org, records, action, target, role, expected):
    kind, name = target.split(":")
    model = MODELS[kind]
    client = _client_for(client, org, role)  # before the snapshot: logging in sets last_login
    if action == "add":
        obj = None
        url = f"{URL_PREFIX[kind]}add/"
        actor = org.by_role().get(role, org.rep)
        changes = ADD_DATA[kind] | ({"owner": actor.pk} if kind in ("account", "lead") else {})
        data = form_data(VIEWS[kind].form_class, user=actor, **changes)

        def state():
            return model.objects.count()

    else:
        obj = _target(org, records, name)
        if action.startswith("bulk_"):
            url = f"{URL_PREFIX[kind]}bulk/{action.removeprefix('bulk_')}/"
            data = {"pk": [obj.pk], "confirm": "1"}
            if action == "bulk_edit":
                new_owner = org.sales_manager if obj.owner_id != org.sales_manager.pk else org.admin
                data["owner"] = new_owner.pk
        elif action == "view":
            url = f"{URL_PREFIX[kind]}{obj.pk}/"
            data = {}
        else:
            url = f"{URL_PREFIX[kind]}{obj.pk}/{action}/"
            data = _edit_data(kind, obj, org) if action == "edit" else {}

        def state():
            return _snapshot(model, obj.pk)

    before = state()
    response = client.post(url, data)
    after = state()

    if expected == LOGIN:
        _assert_login_redirect(response, url)
    elif expected == DONE:
        assert response.status_code == 302, f"{role} POST {url}: {response.status_code}"
        assert after != before, f"{role} POST {url} changed nothing"
        if action == "add":
            assert after == before + 1
        elif action in ("delete", "bulk_delete"):
            assert after is None
        elif action == "edit":
            assert after[LABEL_FIELD[kind]] == "Changed"
        return
    elif expected == SKIP:
        assert response.status_code == 302, f"{role} POST {url}: {response.status_code}"
        assert response["Location"] == URL_PREFIX[kind]
    else:
        assert response.status_code == expected, f"{role} POST {url}"
    assert after == before, f"{role} POST {url} changed the record"


# -- bulk actions mixing allowed and forbidden rows --------------------------------------------


def _exists(obj):
    return type(obj).objects.filter(pk=obj.pk).exists()


def test_bulk_delete_by_rep_deletes_only_visible_leads(client, org, records):
    client.force_login(org.rep)
    pks = [records.lead.pk, records.queue_lead.pk, records.teammate_lead.pk, records.other_lead.pk]

    response = client.post("/sales/leads/bulk/delete/", {"pk": pks, "confirm": "1"}, follow=True)

    assert response.status_code == 200
    assert not _exists(records.lead)
    assert not _exists(records.queue_lead)
    assert _exists(records.teammate_lead)
    assert _exists(records.other_lead)
    assert b"Deleted 2 leads" in response.content
    assert b"2 selected record(s) you may not change were skipped" in response.content


def test_bulk_confirmation_lists_only_changeable_rows(client, org, records):
    client.force_login(org.rep)
    pks = [records.lead.pk, records.other_lead.pk, 987654]

    response = client.post("/sales/leads/bulk/delete/", {"pk": pks})

    assert response.status_code == 200
    page = response.content.decode()
    assert f'name="pk" value="{records.lead.pk}"' in page
    assert f'name="pk" value="{records.other_lead.pk}"' not in page
    assert records.other_lead.last_name not in page
    # unknown and invisible ids are counted alike: the count says nothing about what exists
    assert "2 selected record(s) you may not change will be skipped" in page
    assert _exists(records.lead) and _exists(records.other_lead)


def test_bulk_edit_by_rep_skips_teammate_and_other_team_leads(client, org, records):
    client.force_login(org.rep)
    pks = [records.queue_lead.pk, records.teammate_lead.pk, records.other_lead.pk]
    before = {o.pk: _snapshot(Lead, o.pk) for o in (records.teammate_lead, records.other_lead)}

    response = client.post(
        "/sales/leads/bulk/edit/", {"pk": pks, "confirm": "1", "owner": org.rep.pk}
    )

    assert response.status_code == 302
    records.queue_lead.refresh_from_db()
    assert records.queue_lead.owner == org.rep
    assert {pk: _snapshot(Lead, pk) for pk in before} == before


def test_bulk_edit_by_sales_manager_skips_other_team(client, org, records):
    client.force_login(org.sales_manager)
    pks = [records.lead.pk, records.teammate_lead.pk, records.other_lead.pk]
    other_before = _snapshot(Lead, records.other_lead.pk)

    client.post("/sales/leads/bulk/edit/", {"pk": pks, "confirm": "1", "owner": org.rep.pk})

    assert Lead.objects.filter(pk__in=pks[:2], owner=org.rep).count() == 2
    assert _snapshot(Lead, records.other_lead.pk) == other_before


def test_bulk_edit_cannot_move_records_to_a_team_outside_ones_own(client, org, records):
    client.force_login(org.rep)
    before = _snapshot(Lead, records.lead.pk)

    response = client.post(
        "/sales/leads/bulk/edit/",
        {"pk": [records.lead.pk], "confirm": "1", "team": org.other_team.pk},
    )

    assert response.status_code == 200  # the confirmation again, with the form error
    assert b"Select a valid choice" in response.content
    assert _snapshot(Lead, records.lead.pk) == before


def test_bulk_edit_of_accounts_by_rep_skips_other_team(client, org, records):
    client.force_login(org.rep)
    other_before = _snapshot(Account, records.other_account.pk)

    client.post(
        "/accounts/bulk/edit/",
        {
            "pk": [records.account.pk, records.other_account.pk],
            "confirm": "1",
            "owner": org.rep_teammate.pk,
        },
    )

    records.account.refresh_from_db()
    assert records.account.owner == org.rep_teammate
    assert _snapshot(Account, records.other_account.pk) == other_before


def test_bulk_delete_by_agent_deletes_only_own_queue(client, org, records):
    client.force_login(org.agent)

    client.post(
        "/service/tickets/bulk/delete/",
        {"pk": [records.ticket.pk, records.other_ticket.pk], "confirm": "1"},
    )

    assert not _exists(records.ticket)
    assert _exists(records.other_ticket)


# -- object-level rules beyond the role matrix --------------------------------------------------


def test_rep_cannot_take_over_another_teams_account(client, org, records):
    """A non-owner outside the account's team posts an edit that makes them the owner."""
    client.force_login(org.rep)
    account = records.other_account
    before = _snapshot(Account, account.pk)

    data = form_data(AccountForm, user=org.rep, instance=account, name="Mine now", owner=org.rep.pk)

    response = client.post(f"/accounts/{account.pk}/edit/", data)

    assert response.status_code == 403
    assert _snapshot(Account, account.pk) == before


def test_teammate_may_edit_an_account_of_their_team(client, org, records):
    client.force_login(org.rep_teammate)
    account = records.account  # owned by rep, team North

    data = form_data(AccountForm, user=org.rep_teammate, instance=account, name="Renamed")

    response = client.post(f"/accounts/{account.pk}/edit/", data)

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "Renamed"


def test_rep_cannot_create_a_lead_in_another_team(client, org):
    client.force_login(org.rep)

    data = form_data(LeadForm, user=org.rep, last_name="Sneaky", team=org.other_team.pk)

    response = client.post("/sales/leads/add/", data)

    assert response.status_code == 400
    assert not Lead.objects.filter(last_name="Sneaky").exists()


def test_rep_cannot_move_own_lead_to_another_team(client, org, records):
    client.force_login(org.rep)
    before = _snapshot(Lead, records.lead.pk)

    data = form_data(
        LeadForm, user=org.rep, instance=records.lead, last_name="Moved", team=org.other_team.pk
    )

    response = client.post(f"/sales/leads/{records.lead.pk}/edit/", data)

    assert response.status_code == 400
    assert _snapshot(Lead, records.lead.pk) == before


def test_agent_sees_a_ticket_of_another_queue_assigned_to_them(client, org, records):
    Ticket.objects.filter(pk=records.other_ticket.pk).update(assignee=org.agent)
    client.force_login(org.agent)

    assert client.get(f"/service/tickets/{records.other_ticket.pk}/").status_code == 200
    assert client.get(f"/service/tickets/{records.other_ticket.pk}/edit/").status_code == 200


def test_lists_show_only_visible_rows(client, org, records):
    client.force_login(org.rep)
    page = client.get("/sales/leads/?per_page=100").content.decode()
    assert f"/sales/leads/{records.lead.pk}/" in page
    assert f"/sales/leads/{records.queue_lead.pk}/" in page
    assert f"/sales/leads/{records.teammate_lead.pk}/" not in page
    assert f"/sales/leads/{records.other_lead.pk}/" not in page

    client.force_login(org.agent)
    page = client.get("/service/tickets/").content.decode()
    assert f"/service/tickets/{records.ticket.pk}/" in page
    assert f"/service/tickets/{records.other_ticket.pk}/" not in page


def test_detail_page_offers_only_allowed_actions(client, org, records):
    client.force_login(org.rep)
    own = client.get(f"/accounts/{records.account.pk}/").content.decode()
    other = client.get(f"/accounts/{records.other_account.pk}/").content.decode()

    assert f"/accounts/{records.account.pk}/edit/" in own
    assert f"/accounts/{records.account.pk}/delete/" in own
    assert f"/accounts/{records.other_account.pk}/edit/" not in other
    assert f"/accounts/{records.other_account.pk}/delete/" not in other


def test_htmx_table_refresh_is_refused_like_the_page(client, org, records):
    client.force_login(org.marketing)
    headers = {"HX-Request": "true", "HX-Target": "record-table"}

    assert client.get("/sales/leads/", headers=headers).status_code == 403
    assert client.get("/admin-ui/users/", headers=headers).status_code == 403


def test_inactive_user_is_logged_out(client, org):
    client.force_login(org.rep)
    User.objects.filter(pk=org.rep.pk).update(is_active=False)

    response = client.get("/accounts/")

    _assert_login_redirect(response, "/accounts/")


def test_return_url_to_another_site_is_ignored(client, org, records):
    client.force_login(org.rep)
    lead = records.lead

    data = form_data(LeadForm, user=org.rep, instance=lead, last_name="Safe")

    response = client.post(
        f"/sales/leads/{lead.pk}/edit/", data | {"return_url": "https://evil.example.com/"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/sales/leads/{lead.pk}/"


# -- CSRF and escaping -------------------------------------------------------------------------


def test_csrf_is_enforced(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.rep)
    data = form_data(AccountForm, user=org.rep, name="No token", owner=org.rep.pk, team=org.team.pk)

    response = client.post("/accounts/add/", data)

    assert response.status_code == 403
    assert not Account.objects.filter(name="No token").exists()

    # The same form with the token from the page goes through.
    client.get("/accounts/add/")
    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/add/", data | {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Account.objects.filter(name="No token").exists()


def test_user_text_is_escaped(client, org):
    raw = "<script>alert(1)</script>"
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    client.force_login(org.rep)

    data = form_data(AccountForm, user=org.rep, name=raw, owner=org.rep.pk, team=org.team.pk)

    response = client.post("/accounts/add/", data, follow=True)  # detail + "Created …"
    account = Account.objects.get(name=raw)
    ContactFactory(last_name=raw, account=account, owner=org.rep, team=org.team)

    pages = {
        "created": response.content.decode(),
        "detail": client.get(f"/accounts/{account.pk}/").content.decode(),
        "list": client.get("/accounts/").content.decode(),
        "search": client.get("/accounts/", {"q": raw}).content.decode(),
        "contacts": client.get("/contacts/").content.decode(),
        "edit": client.get(f"/accounts/{account.pk}/edit/").content.decode(),
    }
    for name, page in pages.items():
        assert raw not in page, name
        assert escaped in page, name


# -- CSV export ---------------------------------------------------------------------------------


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_export_contains_only_visible_rows(client, org, records):
    client.force_login(org.rep)

    rows = _csv(client.get("/sales/leads/", {"export": "csv"}))

    assert {int(r["ID"]) for r in rows} == {records.lead.pk, records.queue_lead.pk}


def test_export_follows_the_filters(client, org, records):
    client.force_login(org.rep)

    rows = _csv(client.get("/sales/leads/", {"export": "csv", "unassigned": "true"}))

    assert [int(r["ID"]) for r in rows] == [records.queue_lead.pk]


def test_export_is_refused_to_roles_without_the_list(client, org, records):
    client.force_login(org.marketing)
    assert client.get("/sales/leads/", {"export": "csv"}).status_code == 403
    client.force_login(org.rep)
    assert client.get("/admin-ui/users/", {"export": "csv"}).status_code == 403


def test_export_neutralises_formulas(client, org, records):
    contact = ContactFactory(
        first_name="+SUM(1,2)",
        last_name='=HYPERLINK("http://x")',
        title="-1",
        phone="@cmd",
        account=records.account,
        owner=org.rep,
        team=org.team,
    )
    client.force_login(org.rep)

    rows = _csv(client.get("/contacts/", {"export": "csv"}))

    row = next(r for r in rows if int(r["ID"]) == contact.pk)
    assert row["Last name"] == '\'=HYPERLINK("http://x")'
    assert row["First name"] == "'+SUM(1,2)"
    assert row["Title"] == "'-1"
    assert row["Phone"] == "'@cmd"
    assert row["Account name"] == records.account.name  # plain text untouched
