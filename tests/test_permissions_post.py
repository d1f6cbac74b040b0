"""Who may change what, through the web pages: the POST matrix (add, edit, delete and bulk
actions on one record, every role) and bulk actions mixing allowed and forbidden rows.

After a refusal (LOGIN, 403, 404, SKIP, 405) the record must be exactly as before. The GET
matrix is in ``test_permissions_get.py``; the shared helpers in ``permission_helpers.py``.
"""

import pytest

from accounts.models import Account, Contact
from accounts.views import AccountViews, ContactViews
from sales.models import Lead
from sales.views import LeadViews
from service.models import Ticket
from service.views import TicketViews
from users.models import Team, User
from users.views import TeamViews, UserViews

from .permission_helpers import (
    DONE,
    LOGIN,
    SKIP,
    assert_login_redirect,
    client_as,
    exists,
    fetch_target,
    form_data,
    matrix_cases,
    snapshot,
)

# fmt: off
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


def _edit_data(kind, obj, org) -> dict:
    """A valid edit form for the record: only its label field changes."""
    return form_data(
        VIEWS[kind].form_class, user=org.admin, instance=obj, **{LABEL_FIELD[kind]: "Changed"}
    )


@pytest.mark.parametrize(("action", "target", "role", "expected"), matrix_cases(POST_MATRIX))
def test_post(client, org, records, action, target, role, expected):
    kind, name = target.split(":")
    model = MODELS[kind]
    client = client_as(client, org, role)  # before the snapshot: logging in sets last_login
    if action == "add":
        obj = None
        url = f"{URL_PREFIX[kind]}add/"
        actor = org.by_role().get(role, org.rep)
        changes = ADD_DATA[kind] | ({"owner": actor.pk} if kind in ("account", "lead") else {})
        data = form_data(VIEWS[kind].form_class, user=actor, **changes)

        def state():
            return model.objects.count()

    else:
        obj = fetch_target(org, records, name)
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
            return snapshot(model, obj.pk)

    before = state()
    response = client.post(url, data)
    after = state()

    if expected == LOGIN:
        assert_login_redirect(response, url)
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


def test_bulk_delete_by_rep_deletes_only_visible_leads(client, org, records):
    client.force_login(org.rep)
    pks = [records.lead.pk, records.queue_lead.pk, records.teammate_lead.pk, records.other_lead.pk]

    response = client.post("/sales/leads/bulk/delete/", {"pk": pks, "confirm": "1"}, follow=True)

    assert response.status_code == 200
    assert not exists(records.lead)
    assert not exists(records.queue_lead)
    assert exists(records.teammate_lead)
    assert exists(records.other_lead)
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
    assert exists(records.lead) and exists(records.other_lead)


def test_bulk_edit_by_rep_skips_teammate_and_other_team_leads(client, org, records):
    client.force_login(org.rep)
    pks = [records.queue_lead.pk, records.teammate_lead.pk, records.other_lead.pk]
    before = {o.pk: snapshot(Lead, o.pk) for o in (records.teammate_lead, records.other_lead)}

    response = client.post(
        "/sales/leads/bulk/edit/", {"pk": pks, "confirm": "1", "owner": org.rep.pk}
    )

    assert response.status_code == 302
    records.queue_lead.refresh_from_db()
    assert records.queue_lead.owner == org.rep
    assert {pk: snapshot(Lead, pk) for pk in before} == before


def test_bulk_edit_by_sales_manager_skips_other_team(client, org, records):
    client.force_login(org.sales_manager)
    pks = [records.lead.pk, records.teammate_lead.pk, records.other_lead.pk]
    other_before = snapshot(Lead, records.other_lead.pk)

    client.post("/sales/leads/bulk/edit/", {"pk": pks, "confirm": "1", "owner": org.rep.pk})

    assert Lead.objects.filter(pk__in=pks[:2], owner=org.rep).count() == 2
    assert snapshot(Lead, records.other_lead.pk) == other_before


def test_bulk_edit_cannot_move_records_to_a_team_outside_ones_own(client, org, records):
    client.force_login(org.rep)
    before = snapshot(Lead, records.lead.pk)

    response = client.post(
        "/sales/leads/bulk/edit/",
        {"pk": [records.lead.pk], "confirm": "1", "team": org.other_team.pk},
    )

    assert response.status_code == 200  # the confirmation again, with the form error
    assert b"Select a valid choice" in response.content
    assert snapshot(Lead, records.lead.pk) == before


def test_bulk_edit_of_accounts_by_rep_skips_other_team(client, org, records):
    client.force_login(org.rep)
    other_before = snapshot(Account, records.other_account.pk)

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
    assert snapshot(Account, records.other_account.pk) == other_before


def test_bulk_delete_by_agent_deletes_only_own_queue(client, org, records):
    client.force_login(org.agent)

    client.post(
        "/service/tickets/bulk/delete/",
        {"pk": [records.ticket.pk, records.other_ticket.pk], "confirm": "1"},
    )

    assert not exists(records.ticket)
    assert exists(records.other_ticket)
