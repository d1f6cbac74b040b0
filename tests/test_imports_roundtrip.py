"""Export → import is a round trip, for every list that has both a CSV export and an import
(accounts and contacts): the file the list page exports goes through the wizard unchanged
and updates the same records — no duplicates, no formula apostrophe stored, nothing lost."""

import pytest
from django.urls import reverse

from accounts.models import Account, Contact
from imports import services
from imports.models import ImportJob

from .factories import AccountFactory, ContactFactory
from .import_helpers import login, upload

pytestmark = pytest.mark.django_db

# Text a spreadsheet would evaluate: the export writes each with a leading apostrophe.
FORMULAS = ("+41 44 123 45 67", "@SUM(1)", "=1+1", "-minus")


def exported(client, list_name: str) -> bytes:
    response = client.get(reverse(f"accounts:{list_name}"), {"export": "csv"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def import_through_the_wizard(client, content: bytes, kind: str) -> ImportJob:
    job = upload(client, content, name=f"{kind}s.csv", kind=kind)
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    form = page.context["form"]
    mapping = {name: form[name].value() or "" for name in form.fields}
    assert mapping["id"] == "ID" and mapping["external_id"] == ""  # our ID, not someone's
    assert client.post(reverse("imports:job_mapping", args=[job.pk]), mapping).status_code == 302
    client.post(reverse("imports:job_dry_run", args=[job.pk]))
    job.refresh_from_db()
    assert job.dry_run_summary["failed"] == 0 and job.dry_run_summary["created"] == 0
    assert job.dry_run_summary["warnings"] == 0
    services.run_import(job.pk)
    job.refresh_from_db()
    return job


def snapshot(model, fields):
    return sorted(model.objects.values_list("pk", *fields))


def test_contacts_export_then_import(client, org):
    account = AccountFactory(name="Rossi SpA", owner=org.rep, team=org.team)
    for n, text in enumerate(FORMULAS):
        ContactFactory(first_name=f"P{n}", last_name=text, title=text, phone=text,
                       email=f"p{n}@example.com", account=account, owner=org.rep,
                       team=org.team)  # fmt: skip
    ContactFactory(first_name="No", last_name="Mail", email="", phone="", account=None,
                   owner=org.rep, team=org.team)  # fmt: skip
    # two contacts share an e-mail: the ID column says which one a row is
    ContactFactory(first_name="Same", last_name="Mail", email="p0@example.com",
                   owner=org.rep, team=org.team)  # fmt: skip
    fields = ("first_name", "last_name", "title", "email", "phone", "account_id")
    before = snapshot(Contact, fields)
    login(client, org.rep)
    content = exported(client, "contact_list")
    assert b"'+41 44" in content and b"'@SUM(1)" in content  # the export stays formula-safe

    job = import_through_the_wizard(client, content, "contact")
    assert (job.created_count, job.updated_count, job.failed_count) == (0, len(before), 0)
    assert snapshot(Contact, fields) == before
    assert not Contact.objects.filter(last_name__startswith="'").exists()


def test_accounts_export_then_import(client, org):
    for n, text in enumerate(FORMULAS):
        AccountFactory(name=f"{text} {n}", phone=text, industry=text, website="",
                       annual_revenue=1000 + n, employees=n, owner=org.rep,
                       team=org.team)  # fmt: skip
    AccountFactory(name="Twin", owner=org.rep, team=org.team)
    AccountFactory(name="Twin", owner=org.rep, team=org.team)  # a name alone cannot say which
    fields = ("name", "phone", "industry", "annual_revenue", "employees", "billing_city")
    before = snapshot(Account, fields)
    login(client, org.rep)
    content = exported(client, "account_list")
    assert b"'+41 44" in content

    job = import_through_the_wizard(client, content, "account")
    assert (job.created_count, job.updated_count, job.failed_count) == (0, len(before), 0)
    assert snapshot(Account, fields) == before
    assert not Account.objects.filter(phone__startswith="'").exists()
