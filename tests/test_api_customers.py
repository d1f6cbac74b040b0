"""The API writes through the same services as the pages: history, timeline and the
object-level rules come with every write."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Activity, Contact, TimelineEntry

from .factories import AccountFactory


@pytest.fixture
def api(org):
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


def test_contact_created_by_api_has_history_and_timeline(api, org, records):
    response = api(org.rep).post(
        "/api/v1/contacts/",
        {"first_name": "Ada", "last_name": "Lovelace", "account": records.account.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.owner == org.rep
    assert contact.team == records.account.team  # inherited from the account by the service
    assert contact.history.first().history_user == org.rep
    assert TimelineEntry.objects.filter(contact=contact, kind="change").exists()


def test_activity_api_lands_on_the_account_timeline(api, org, records):
    response = api(org.rep).post(
        "/api/v1/activities/",
        {
            "kind": "call",
            "subject": "Called about renewal",
            "account": records.account.pk,
            "starts_at": "2026-11-20T10:00:00Z",
            "done": True,
        },  # fmt: skip
        format="json",
    )
    assert response.status_code == 201, response.content
    activity = Activity.objects.get(pk=response.json()["id"])
    assert activity.assigned_to == org.rep and activity.done_at is not None
    entry = TimelineEntry.objects.get(account=records.account, kind="call")
    assert entry.title == "Call: Called about renewal"


def test_activity_api_invalid_input_is_400_and_saves_nothing(api, org):
    client = api(org.rep)
    for body in ({"kind": "dance", "subject": "x"}, {"kind": "call"}, {"subject": "x" * 300}):
        response = client.post("/api/v1/activities/", body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert not Activity.objects.exists()


def test_other_teams_activity_readable_but_not_changeable(api, org):
    account = AccountFactory(owner=org.other_rep, team=org.other_team)
    activity = Activity.objects.create(
        kind="note", subject="Their note", account=account, assigned_to=org.other_rep,
        team=org.other_team,
    )  # fmt: skip
    client = api(org.rep)
    assert client.get(f"/api/v1/activities/{activity.pk}/").status_code == 200
    response = client.patch(f"/api/v1/activities/{activity.pk}/", {"subject": "Mine now"})
    assert response.status_code == 403
    assert client.delete(f"/api/v1/activities/{activity.pk}/").status_code == 403
    activity.refresh_from_db()
    assert activity.subject == "Their note"
