"""A contact's data: "export all we hold" (JSON) and erasure, for managers and admins only,
both confirmed; erasure leaves no personal value in the contact's rows or its history."""

import json

import pytest
from django.db import connection
from django.urls import reverse

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


# -- what an export holds depends on who runs it (issue 16, item 3) -------------------------------
@pytest.fixture
def their_deal(org, person):
    """Another team's deal and quote with our person as contact, and a call logged on it."""
    from django.contrib.contenttypes.models import ContentType

    from sales.models import Opportunity
    from sales.quotes import services as quotes

    from .factories import CurrencyFactory, OpportunityFactory

    CurrencyFactory(code="USD")
    deal = OpportunityFactory(name="Verdastro secret expansion", owner=org.other_rep,
                              team=org.other_team, account=person.account,
                              contact=person)  # fmt: skip
    quote = quotes.create_quote(opportunity=deal, by=org.other_rep)
    services.activity_save(data={"kind": "call", "subject": "Negotiated the South price",
                                 "contact": person, "assigned_to": org.other_rep,
                                 "related_type": ContentType.objects.get_for_model(Opportunity),
                                 "related_id": deal.pk}, by=org.other_rep)  # fmt: skip
    return {"deal": deal, "quote": quote}


def _export(client, user, person) -> tuple[dict, str]:
    client.force_login(user)
    response = client.post(f"/contacts/{person.pk}/export/", {"confirm": "1"})
    assert response.status_code == 200
    return json.loads(response.content), response.content.decode()


@pytest.mark.parametrize("who", ["sales_manager", "support_manager"])
def test_a_managers_export_leaves_out_what_they_cannot_read(client, org, person, their_deal, who):
    """North's sales manager and the support manager get 404 for South's deal and quote:
    the export does not hand them its name, quote number or the call logged on it."""
    quote = their_deal["quote"]
    client.force_login(getattr(org, who))
    assert client.get(reverse("sales:quote_detail", args=[quote.pk])).status_code == 404

    data, text = _export(client, getattr(org, who), person)

    for secret in ("Verdastro secret expansion", quote.number, "Negotiated the South price"):
        assert secret not in text, secret
    assert data["scope"] != "complete"
    # the person's own data and what the manager may read are all there
    assert data["contact"]["email"] == "gianluca.verdastro@example.com"
    assert [a["subject"] for a in data["activities"]] == ["Called Gianluca Verdastro"]


def test_the_deals_own_manager_and_an_administrator_get_it(client, org, person, their_deal):
    quote = their_deal["quote"]
    _, managers = _export(client, org.other_manager, person)
    assert client.get(reverse("sales:quote_detail", args=[quote.pk])).status_code == 200
    assert quote.number in managers and "Negotiated the South price" in managers

    data, text = _export(client, org.admin, person)
    assert data["scope"] == "complete"
    for secret in ("Verdastro secret expansion", quote.number, "Negotiated the South price"):
        assert secret in text, secret
