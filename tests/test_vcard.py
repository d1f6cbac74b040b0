"""vCard import (every file of the shared folder) and export → re-import round trip."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Contact
from imports.vcard import import_vcards

from .factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def vcard_files():
    return sorted((settings.SHARED_DATA_DIR / "vcards").glob("*.vcf"))


def test_every_file_imports_without_error(org):
    assert len(vcard_files()) == 18
    total = 0
    for path in vcard_files():
        result = import_vcards(path.read_bytes(), user=org.rep, source=path.name)
        assert result.cards >= 1, path.name
        assert not result.errors, (path.name, result.errors)
        total += result.cards
    assert total == 26
    greg = Contact.objects.get(email="gdartmouth@hotmail.com")
    assert (greg.first_name, greg.last_name, greg.account.name) == (
        "Greg",
        "Dartmouth",
        "TheCompany",
    )  # noqa: E501
    dummy = Contact.objects.get(external_id="vcard:8b574c60-fd7f-4e99-b584-c5db131ae687")
    assert dummy.mailing_city == "Bad Homburg"
    outlook = Contact.objects.get(email="mike.angstadt@gmail.com")  # quoted-printable note
    assert "I assume it encodes this text inside a NOTE" in outlook.description
    assert Contact.objects.filter(last_name__contains="Ñ").exists()  # UTF-8 QP from Android


def test_import_twice_does_not_duplicate(org):
    path = settings.SHARED_DATA_DIR / "vcards" / "rfc2426-example.vcf"
    import_vcards(path.read_bytes(), user=org.rep)
    count = Contact.objects.count()
    second = import_vcards(path.read_bytes(), user=org.rep)
    assert Contact.objects.count() == count and len(second.updated) == 2


def test_round_trip_updates_the_same_contact(client, org):
    account = AccountFactory(name="Rossi SpA", owner=org.rep, team=org.team)
    contact = ContactFactory(first_name="Lucía", last_name="D'Angelo, Jr", account=account,
                             owner=org.rep, team=org.team, title="CFO", phone="+39 02 1234",
                             mailing_city="Milano", external_id="sf:003X")  # fmt: skip
    client.force_login(org.marketing)  # may read
    response = client.get(reverse("imports:vcard_export", args=[contact.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/vcard")
    body = response.content
    assert b"VERSION:3.0" in body
    before = Contact.objects.count()
    contact.title = "Changed"
    contact.save()
    result = import_vcards(body, user=org.rep)
    assert not result.errors and result.updated == [contact]
    contact.refresh_from_db()
    assert Contact.objects.count() == before
    assert (contact.title, contact.first_name, contact.last_name) == (
        "CFO",
        "Lucía",
        "D'Angelo, Jr",
    )  # noqa: E501
    assert contact.account == account and contact.mailing_city == "Milano"


def test_export_permissions_and_upload_page(client, org, records):
    url = reverse("imports:vcard_export", args=[records.other_contact.pk])
    assert client.get(url).status_code == 302  # login first
    client.force_login(org.rep)
    assert client.get(url).status_code == 200  # everyone with a role reads contacts
    assert client.get(reverse("imports:vcard_export", args=[999999])).status_code == 404
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = settings.SHARED_DATA_DIR / "vcards" / "gmail-list.vcf"
    response = client.post(reverse("imports:vcard_import"),
                           {"file": SimpleUploadedFile("g.vcf", path.read_bytes())})  # fmt: skip
    assert response.status_code == 200
    assert b"3 cards read: 3 created" in response.content


def _snapshot(contact: Contact) -> dict:
    contact.refresh_from_db()
    fields = ("first_name", "last_name", "salutation", "title", "department", "email", "phone",
              "mobile", "mailing_street", "mailing_city", "mailing_postcode", "mailing_region",
              "mailing_country", "birthday", "description")  # fmt: skip
    return {
        **{f: getattr(contact, f) for f in fields},
        "account": contact.account.name if contact.account_id else None,
        "points": sorted(contact.points.values_list("kind", "value", "label")),
    }


@pytest.mark.parametrize("path", vcard_files(), ids=lambda p: p.name)
def test_export_then_import_is_a_round_trip_for_every_shared_card(client, org, path):
    """Each card of the file: imported, exported through the page, imported again — over the
    same contact and, after it is deleted, as a new one — gives the same contact: the same
    phone and mobile, every other number with its label (work stays work)."""
    first = import_vcards(path.read_bytes(), user=org.rep, source=path.name)
    assert not first.errors
    client.force_login(org.rep)
    for contact in {c.pk: c for c in first.created + first.updated}.values():
        before = _snapshot(contact)
        body = client.get(reverse("imports:vcard_export", args=[contact.pk])).content
        again = import_vcards(body, user=org.rep)
        assert not again.errors and again.updated == [contact], (path.name, again.errors)
        assert _snapshot(contact) == before, path.name
        contact.delete()
        fresh = import_vcards(body, user=org.rep)
        assert not fresh.errors and len(fresh.created) == 1, (path.name, fresh.errors)
        assert _snapshot(fresh.created[0]) == before, path.name


def test_work_phone_stays_the_phone_home_stays_home(org):
    path = settings.SHARED_DATA_DIR / "vcards" / "John_Doe_IPHONE.vcf"
    contact = import_vcards(path.read_bytes(), user=org.rep).created[0]
    assert (contact.phone, contact.mobile) == ("905-777-1234", "905-555-1234")
    points = dict(contact.points.filter(kind="phone").values_list("value", "label"))
    assert points["905-666-1234"] == "home" and points["905-999-1234"] == "work,fax"


def test_the_contact_page_has_a_vcard_button(client, org):
    """Issue 17, item 7: the export existed but no page linked to it."""
    contact = ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                             owner=org.rep, team=org.team)  # fmt: skip
    client.force_login(org.marketing)  # everyone who reads the contact may take their card
    page = client.get(contact.get_absolute_url()).content.decode()
    url = reverse("imports:vcard_export", args=[contact.pk])
    assert f'href="{url}" download>' in page and "vCard</a>" in page

    card = client.get(url)
    assert card["Content-Type"].startswith("text/vcard")
    assert "FN:Ada Lovelace" in card.content.decode()

    account = client.get(AccountFactory().get_absolute_url()).content.decode()
    assert "vCard</a>" not in account
