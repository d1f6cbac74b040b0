"""A contact's data: "export all we hold" (JSON) and erasure, for managers and admins only,
both confirmed; erasure leaves no personal value in the contact's rows or its history."""

import json

import pytest
from django.db import connection

from accounts import services
from accounts.models import Activity, Contact, ContactPoint, TimelineEntry

from .factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(org, records):
    contact = ContactFactory(first_name="Gianluca", last_name="Verdastro", account=records.account,
                             email="gianluca.verdastro@example.com", phone="+39 347 555 0101",
                             mailing_street="Via Garibaldi 17", owner=org.rep,
                             team=org.team)  # fmt: skip
    services.contact_save(contact=contact, data={"title": "Head of Verdastro family office"},
                          by=org.rep)  # fmt: skip
    ContactPoint.objects.create(contact=contact, kind="email", value="gv@private.example")
    services.consent_set(contact=contact, channel="email", status="opted_in", method="form",
                         note="Gianluca signed at the fair", by=org.rep)  # fmt: skip
    services.activity_save(data={"kind": "call", "subject": "Called Gianluca Verdastro",
                                 "body": "Reach him at +39 347 555 0101", "done": True,
                                 "contact": contact}, by=org.rep)  # fmt: skip
    contact.tags.add("golf")
    return contact


PERSONAL = ("Gianluca", "Verdastro", "gianluca.verdastro@example.com", "347 555 0101",
            "Via Garibaldi", "gv@private.example")  # fmt: skip


@pytest.mark.parametrize("role", ["sales_rep", "marketing", "support_agent"])
def test_only_managers_export_or_erase(client, org, person, role):
    client.force_login(org.by_role()[role])
    for action in ("export", "erase"):
        assert client.get(f"/contacts/{person.pk}/{action}/").status_code == 403
        assert client.post(f"/contacts/{person.pk}/{action}/",
                           {"confirm": "1"}).status_code == 403  # fmt: skip
    person.refresh_from_db()
    assert person.erased_at is None
    page = client.get(f"/contacts/{person.pk}/").content.decode()
    assert f"/contacts/{person.pk}/erase/" not in page


def test_export_is_confirmed_and_holds_everything(client, org, person):
    client.force_login(org.sales_manager)
    confirm = client.get(f"/contacts/{person.pk}/export/")
    assert confirm.status_code == 200 and "Download JSON" in confirm.content.decode()

    response = client.post(f"/contacts/{person.pk}/export/", {"confirm": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["contact"]["email"] == "gianluca.verdastro@example.com"
    assert data["contact"]["tags"] == ["golf"]
    assert [p["value"] for p in data["contact_points"]] == ["gv@private.example"]
    assert data["consents"][0]["status"] == "opted_in"
    assert data["consent_history"]
    assert data["activities"][0]["subject"] == "Called Gianluca Verdastro"
    assert any("Verdastro" in e["title"] for e in data["timeline"])
    assert len(data["history"]) == 2 and data["history"][-1]["history_user"] == org.rep.username
    assert TimelineEntry.objects.filter(contact=person, title="Personal data exported").exists()


def _rows_mentioning(value):
    """Every text column of the contact's tables and their histories that holds the value."""
    tables = ["accounts_contact", "accounts_historicalcontact", "accounts_contactpoint",
              "accounts_consent", "accounts_historicalconsent", "accounts_timelineentry",
              "accounts_activity", "accounts_historicalactivity"]  # fmt: skip
    hits = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} t WHERE t::text ILIKE %s", [f"%{value}%"])
            hits += [(table, row) for row in cursor.fetchall()]
    return hits


def test_erase_leaves_no_personal_data(client, org, person, records):
    activity = Activity.objects.get(contact=person)
    client.force_login(org.admin)
    assert client.get(f"/contacts/{person.pk}/erase/").status_code == 200  # the confirmation
    assert Contact.objects.get(pk=person.pk).erased_at is None

    response = client.post(f"/contacts/{person.pk}/erase/", {"confirm": "1"})

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.erased_at is not None
    assert person.account_id == records.account.pk  # the links for accounting stay
    assert Activity.objects.filter(pk=activity.pk, contact=person).exists()
    assert not ContactPoint.objects.filter(contact=person).exists()
    assert not person.tags.exists()
    for value in PERSONAL:
        assert _rows_mentioning(value) == [], value
    assert person.history.count() >= 3  # who changed what, when: kept, without the values
    page = client.get(f"/contacts/{person.pk}/").content.decode()
    assert "erased" in page
    # a second erasure is a no-op
    assert client.post(f"/contacts/{person.pk}/erase/", {"confirm": "1"}).status_code == 302


def test_erase_without_confirmation_changes_nothing(client, org, person):
    client.force_login(org.sales_manager)
    assert client.post(f"/contacts/{person.pk}/erase/", {}).status_code == 200
    person.refresh_from_db()
    assert person.erased_at is None and person.email


def test_nothing_personal_is_recorded_after_erasure(client, org, person):
    from accounts import privacy

    privacy.erase_contact(person, by=org.admin)
    consents_before = list(person.consents.values_list("channel", "status", "recorded_at"))
    client.force_login(org.admin)
    client.post(f"/contacts/{person.pk}/consent/",
                {"channel": "email", "status": "opted_in", "method": "phone"})  # fmt: skip
    client.post(f"/contacts/{person.pk}/points/", {"kind": "email", "value": "new@example.com"})
    person.refresh_from_db()
    assert list(person.consents.values_list("channel", "status", "recorded_at")) == consents_before
    assert not ContactPoint.objects.filter(contact=person).exists()
    with pytest.raises(services.ValidationError):
        services.consent_set(contact=person, channel="sms", status="opted_in", method="form",
                             by=org.admin)  # fmt: skip
