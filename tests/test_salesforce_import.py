"""`manage.py import_salesforce` against the real export in the shared data folder."""

import csv
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import Account, AccountContactRelation, Activity, Contact

pytestmark = pytest.mark.django_db


def folder():
    return settings.SHARED_DATA_DIR / "salesforce_export"


def rows(name):
    with open(folder() / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def run(*args):
    out = StringIO()
    call_command("import_salesforce", str(folder()), *args, stdout=out)
    return out.getvalue()


def test_import_keeps_every_reference_and_second_run_updates(org):
    output = run("--user-map", "005Ec000004oBPNIA2=rep1")
    accounts, contacts = rows("Account.csv"), rows("Contact.csv")
    relations, tasks = rows("AccountContactRelation.csv"), rows("Task.csv")
    assert "Account: 22 created" in output and "Contact: 102 created" in output
    assert Account.objects.filter(external_id__startswith="sf:").count() == len(accounts)
    assert Contact.objects.filter(external_id__startswith="sf:").count() == len(contacts)
    for row in contacts:
        contact = Contact.objects.get(external_id="sf:" + row["Id"])
        expected = "sf:" + row["AccountId"] if row["AccountId"] else None
        assert (contact.account.external_id if contact.account else None) == expected
    assert AccountContactRelation.objects.filter(external_id__startswith="sf:").count() == len(
        relations
    )  # noqa: E501
    for row in relations:
        rel = AccountContactRelation.objects.get(external_id="sf:" + row["Id"])
        assert rel.account.external_id == "sf:" + row["AccountId"]
        assert rel.contact.external_id == "sf:" + row["ContactId"]
    assert Activity.objects.filter(external_id__startswith="sf:").count() == len(tasks)
    for row in tasks:
        task = Activity.objects.get(external_id="sf:" + row["Id"])
        if row["WhoId"].startswith("003"):
            assert task.contact.external_id == "sf:" + row["WhoId"]
        elif row["WhoId"]:
            assert row["WhoId"] in task.body  # a lead: its id is kept
        if row["WhatId"]:
            assert task.account.external_id == "sf:" + row["WhatId"]
    # owners: the mapped Salesforce user becomes the owner, an unknown one leaves it empty
    owner_ids = {r["OwnerId"] for r in accounts}
    assert Account.objects.filter(owner=org.rep).exists()
    assert "005Ec000004o8yHIAQ" in owner_ids
    assert Account.objects.get(external_id="sf:001Ec00000FzlUdIAJ").owner is None
    site = Account.objects.get(external_id="sf:001Ec00000GGw3hIAD")
    assert site.billing_city == "Katherinemouth" and site.website.startswith("https://www.")
    assert "Custom fields ignored" in output
    counts = (Account.objects.count(), Contact.objects.count(), Activity.objects.count(),
              AccountContactRelation.objects.count())  # fmt: skip
    history = Contact.history.count()

    output2 = run("--user-map", "005Ec000004oBPNIA2=rep1")
    assert "Account: 0 created, 0 updated, 22 unchanged" in output2
    assert "Contact: 0 created, 0 updated, 102 unchanged" in output2
    assert counts == (Account.objects.count(), Contact.objects.count(), Activity.objects.count(),
                      AccountContactRelation.objects.count())  # fmt: skip
    assert Contact.history.count() == history


def test_parent_that_comes_later_in_the_file(org, tmp_path):
    header = "Id,Name,ParentId,OwnerId\n"
    (tmp_path / "Account.csv").write_bytes(
        ("\ufeff" + header + "001A00000000001AAA,Child,001A00000000002AAA,\n"
         "001A00000000002AAA,Parent,,\n").encode()
    )  # fmt: skip
    call_command("import_salesforce", str(tmp_path), stdout=StringIO())
    child = Account.objects.get(external_id="sf:001A00000000001AAA")
    assert child.parent.name == "Parent"


def test_opt_outs_become_consent(org, tmp_path):
    (tmp_path / "Account.csv").write_text("Id,Name\n")
    (tmp_path / "Contact.csv").write_text(
        "Id,LastName,Email,HasOptedOutOfEmail,DoNotCall\n003A00000000001AAA,Out,o@example.com,1,true\n"  # noqa: E501
    )
    call_command("import_salesforce", str(tmp_path), stdout=StringIO())
    contact = Contact.objects.get(external_id="sf:003A00000000001AAA")
    assert {(c.channel, c.status, c.method) for c in contact.consents.all()} == {
        ("email", "opted_out", "import"), ("phone", "opted_out", "import"),
    }  # fmt: skip
