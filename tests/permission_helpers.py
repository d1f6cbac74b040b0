"""Helpers shared by the web-page permission tests (``test_permissions_*``).

The role matrices (``test_permissions_get``, ``test_permissions_post``) have one row per page
or action and one column per role in ``ROLES``; a cell is a status code or one of the markers
below. ``form_data`` builds a valid POST body from the app's own form (``test_customers`` uses
it too).
"""

from urllib.parse import quote

import pytest
from django.test import Client

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


def matrix_cases(matrix) -> list:
    """One test per (row, role), named like ``sales_rep:/sales/leads/12/``."""
    cases = []
    for row in matrix:
        head, expectations = row[: -len(ROLES)], row[-len(ROLES) :]
        for role, expected in zip(ROLES, expectations, strict=True):
            cases.append(pytest.param(*head, role, expected, id=f"{role}:{' '.join(head)}"))
    return cases


def record_ids(org, records) -> dict:
    """The ids in the matrices' URLs: {account} … {other_ticket} come from ``records``;
    {user} is the rep's user, {team} the rep's sales team, {other_team} the other one."""
    ids = {name: getattr(records, name).pk for name in records.__dataclass_fields__}
    ids.update(user=org.rep.pk, team=org.team.pk, other_team=org.other_team.pk)
    return ids


def fetch_target(org, records, name):
    obj = getattr(records, name, None) or {
        "user": org.rep,
        "team": org.team,
        "other_team": org.other_team,
    }.get(name)
    return type(obj).objects.get(pk=obj.pk)


def client_as(client, org, role) -> Client:
    if role != "anonymous":
        client.force_login(org.by_role()[role])
    return client


def assert_login_redirect(response, url):
    assert response.status_code == 302, response
    assert response["Location"] == f"/login/?next={quote(url, safe='/')}", response["Location"]


def snapshot(model, pk):
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


def exists(obj):
    return type(obj).objects.filter(pk=obj.pk).exists()
