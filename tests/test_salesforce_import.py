"""`manage.py import_salesforce` against the real export in the shared data folder."""

import csv
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import Account, AccountContactRelation, Activity, Contact
from marketing.models import Campaign, CampaignMember
from sales.models import Lead, Opportunity, StageChange

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
        elif row["WhoId"].startswith("00Q"):  # a lead: the task is the lead's
            assert task.related.external_id == "sf:" + row["WhoId"]
            assert isinstance(task.related, Lead)
        elif row["WhoId"]:
            assert row["WhoId"] in task.body  # something else: its id is kept
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


# -- the sales objects: campaigns, leads, opportunities, campaign members ----------------------
STAGES = {"Closed Won": "Won", "Closed Lost": "Lost", "Proposal/Quote": "Proposal",
          "Negotiation": "Negotiation", "Qualification": "Qualification",
          "Discovery": "Prospecting"}  # fmt: skip
CATEGORIES = {"Pipeline": "pipeline", "Best Case": "best_case", "Closed": "closed",
              "Omitted": "omitted", "Commit": "commit"}  # fmt: skip


def test_sales_objects_keep_their_references_and_a_rerun_changes_nothing(org):
    output = run("--user-map", "005Ec000004oBPNIA2=rep1")
    campaigns, leads, deals = rows("Campaign.csv"), rows("Lead.csv"), rows("Opportunity.csv")
    members = rows("CampaignMember.csv")
    assert (len(campaigns), len(leads), len(deals), len(members)) == (8, 60, 50, 68)
    for line in ("Campaign: 8 created", "Lead: 60 created", "Opportunity: 50 created",
                 "CampaignMember: 68 created"):  # fmt: skip
        assert line + ", 0 updated, 0 unchanged, 0 failed" in output, output

    assert Campaign.objects.filter(external_id__startswith="sf:").count() == 8
    for row in campaigns:
        campaign = Campaign.objects.get(external_id="sf:" + row["Id"])
        assert (campaign.name, str(campaign.start_date)) == (row["Name"], row["StartDate"])
        assert campaign.status == row["Status"].lower()

    statuses = {"New": "new", "Working": "working", "Qualified": "qualified"}
    for row in leads:
        lead = Lead.objects.get(external_id="sf:" + row["Id"])
        assert (lead.last_name, lead.email, lead.status) == (
            row["LastName"], row["Email"], statuses[row["Status"]])  # fmt: skip
        assert lead.owner == org.rep  # the mapped Salesforce user
        assert lead.company == "Lead Account"  # Company held the id of that account
        assert not lead.is_converted

    for row in deals:
        deal = Opportunity.objects.get(external_id="sf:" + row["Id"])
        assert deal.account.external_id == "sf:" + row["AccountId"]
        assert deal.stage.name == STAGES[row["StageName"]] and deal.pipeline.is_default
        assert deal.amount == Decimal(row["Amount"]) and str(deal.close_date) == row["CloseDate"]
        assert deal.status == ("won" if row["IsWon"] else "lost" if row["IsClosed"] else "open")
        assert deal.forecast_category == CATEGORIES[row["ForecastCategoryName"]]
        if deal.status == "open":
            assert deal.probability == int(row["Probability"])
        history = list(deal.stage_changes.all())  # the first row of the stage history
        assert [(h.from_stage, h.to_stage, h.amount) for h in history] == [
            (None, deal.stage, deal.amount)]  # fmt: skip

    for row in members:
        key = {"campaign__external_id": "sf:" + row["CampaignId"]}
        if row["LeadId"]:
            key["lead__external_id"] = "sf:" + row["LeadId"]
        else:
            key["contact__external_id"] = "sf:" + row["ContactId"]
        assert CampaignMember.objects.filter(**key, status="sent").count() == 1

    counts = [m.objects.count() for m in (Campaign, CampaignMember, Lead, Opportunity,
                                          StageChange, Activity)]  # fmt: skip
    again = run("--user-map", "005Ec000004oBPNIA2=rep1")
    for line in ("Campaign: 0 created, 0 updated, 8 unchanged",
                 "Lead: 0 created, 0 updated, 60 unchanged",
                 "Opportunity: 0 created, 0 updated, 50 unchanged",
                 "CampaignMember: 0 created, 0 updated, 68 unchanged",
                 "Task: 0 created, 0 updated, 75 unchanged"):  # fmt: skip
        assert line in again, again
    assert counts == [m.objects.count() for m in (Campaign, CampaignMember, Lead, Opportunity,
                                                  StageChange, Activity)]  # fmt: skip


CONVERTED = {
    "Account.csv": "Id,Name\n001A00000000001AAA,Converted Co\n",
    "Contact.csv": "Id,LastName,AccountId\n003A00000000001AAA,Person,001A00000000001AAA\n",
    "Opportunity.csv": (
        "Id,Name,AccountId,StageName,Amount,CloseDate,Probability,IsWon,IsClosed,"
        "ForecastCategoryName\n"
        "006A00000000001AAA,From the lead,001A00000000001AAA,Closed Won,1500,2024-03-01,100,1,1,"
        "Closed\n"
        "006A00000000002AAA,Odd stage,001A00000000001AAA,Contract Signing,700,2024-05-01,90,,,"
        "Commit\n"
    ),
    "Lead.csv": (
        "Id,LastName,Company,Status,IsConverted,ConvertedDate,ConvertedAccountId,"
        "ConvertedContactId,ConvertedOpportunityId\n"
        "00QA00000000001AAA,Person,Converted Co,Closed - Converted,1,2024-02-01,"
        "001A00000000001AAA,003A00000000001AAA,006A00000000001AAA\n"
        "00QA00000000002AAA,Nobody,Gone Inc,Closed - Not Converted,,,,,\n"
    ),
}


def test_converted_leads_link_to_what_they_became(org, tmp_path):
    for name, text in CONVERTED.items():
        (tmp_path / name).write_text(text)
    out = StringIO()
    call_command("import_salesforce", str(tmp_path), stdout=out)
    lead = Lead.objects.get(external_id="sf:00QA00000000001AAA")
    assert lead.is_converted and lead.status == "qualified"
    assert lead.converted_account.external_id == "sf:001A00000000001AAA"
    assert lead.converted_contact.external_id == "sf:003A00000000001AAA"
    assert lead.converted_opportunity.external_id == "sf:006A00000000001AAA"
    assert str(lead.converted_at.date()) == "2024-02-01"
    assert lead.converted_opportunity.lead == lead
    lost = Lead.objects.get(external_id="sf:00QA00000000002AAA")
    assert (lost.status, lost.disqualified_reason) == ("disqualified", "other")

    # a stage name the default pipeline does not know: created in the "Salesforce" pipeline
    odd = Opportunity.objects.get(external_id="sf:006A00000000002AAA")
    facts = (
        odd.pipeline.name,
        odd.stage.name,
        odd.stage.kind,
        odd.probability,
        odd.forecast_category,
    )
    assert facts == ("Salesforce", "Contract Signing", "open", 90, "commit")
    assert "created in “Salesforce”" in out.getvalue()

    again = StringIO()
    call_command("import_salesforce", str(tmp_path), stdout=again)
    assert "Lead: 0 created, 0 updated, 2 unchanged, 0 failed" in again.getvalue()
    assert "Opportunity: 0 created, 0 updated, 2 unchanged, 0 failed" in again.getvalue()
    assert Lead.objects.get(pk=lead.pk).converted_opportunity_id == lead.converted_opportunity_id


# -- Data Loader files, other orgs' folders ---------------------------------------------------
def test_data_loader_upper_case_headers(org, tmp_path):
    (tmp_path / "Account.csv").write_text(
        '"ID","NAME","TYPE","BILLINGCITY","ANNUALREVENUE","NUMBEROFEMPLOYEES","BRANCH__C"\n'
        '"001A00000000001AAA","Acme","Customer - Direct","Basel","1500000","42","North"\n'
    )
    (tmp_path / "Contact.csv").write_text(
        '"ID","FIRSTNAME","LASTNAME","ACCOUNTID","EMAIL","MAILINGCITY"\n'
        '"003A00000000001AAA","Ann","Lee","001A00000000001AAA","ann@example.com","Bern"\n'
    )
    out = StringIO()
    call_command("import_salesforce", str(tmp_path), stdout=out)
    acme = Account.objects.get(external_id="sf:001A00000000001AAA")
    assert (acme.name, acme.segment, acme.billing_city, acme.annual_revenue, acme.employees) == (
        "Acme", "Customer - Direct", "Basel", Decimal("1500000"), 42)  # fmt: skip
    ann = Contact.objects.get(external_id="sf:003A00000000001AAA")
    assert (ann.first_name, ann.email, ann.mailing_city, ann.account) == (
        "Ann", "ann@example.com", "Bern", acme)  # fmt: skip
    assert "BRANCH__C (1)" in out.getvalue()  # custom fields are found in any case too


@pytest.mark.parametrize(
    "name, header, missing",
    [
        ("Account.csv", "Name,BillingCity", "Id"),
        ("AccountContactRelation.csv", "Id,AccountId,Roles", "ContactId"),
    ],
)
def test_a_missing_required_column_is_named(org, tmp_path, name, header, missing):
    from django.core.management.base import CommandError

    (tmp_path / "Account.csv").write_text("Id,Name\n001A00000000001AAA,Acme\n")
    (tmp_path / name).write_text(header + "\n" + ",".join(["x"] * header.count(",")) + ",y\n")
    with pytest.raises(CommandError, match=f"^{name} has no {missing} column"):
        call_command("import_salesforce", str(tmp_path), stdout=StringIO())
    assert not Account.objects.exists()  # checked before anything is imported


def test_summary_names_absent_files_and_skipped_objects(org, tmp_path):
    (tmp_path / "Account.csv").write_text("Id,Name\n001A00000000001AAA,Acme\n")
    (tmp_path / "Contact.csv").write_text("Id,LastName\n003A00000000001AAA,Lee\n")
    cases = "".join(f"500A{n:014d},{n},New\n" for n in range(40))
    (tmp_path / "Case.csv").write_text("Id,CaseNumber,Status\n" + cases)
    out = StringIO()
    call_command("import_salesforce", str(tmp_path), stdout=out)
    output = out.getvalue()
    assert (
        "Files not in the folder (nothing imported from them): AccountContactRelation.csv, "
        "Campaign.csv, Lead.csv, Opportunity.csv, CampaignMember.csv, Task.csv" in output
    )
    assert "Skipped (objects this command does not import): Case.csv (40 rows)" in output

    shared = run()  # the shared export: every file there, and two objects not imported
    assert "Files not in the folder" not in shared
    assert "Case.csv (40 rows)" in shared and "Branch__c.csv (5 rows)" in shared
