"""Other people's files through the import wizard: Salesforce Data Loader's habits (UTF-32 in
both byte orders, upper-case run-together headers, MM/dd/yyyy dates, a free-text Type), NUL
bytes, tab separators, huge cells, a column mapped twice, our own export's neutralised
formulas, and the warnings a dry run and a re-import give. Data Loader's own sample files are
not available offline: the files here are built the way it writes them."""

import codecs

import pytest
from django.urls import reverse

from accounts.models import Account, Contact
from imports import services
from imports.models import ImportJob

from .factories import ContactFactory
from .import_helpers import login, mapped_job, upload

pytestmark = pytest.mark.django_db

DATA_LOADER_CONTACTS = (
    '"ID","FIRSTNAME","LASTNAME","EMAIL","BIRTHDATE","MAILINGCITY"\r\n'
    '"003A0000001","Ann","Lee","ann@example.com","07/04/1980","Zürich"\r\n'
    '"003A0000002","Bo","Ek","bo@example.com","12/31/1979","Malmö"\r\n'
)


def mapping_of(page) -> dict:
    form = page.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


@pytest.mark.parametrize(
    "raw",
    [
        codecs.BOM_UTF32_LE + DATA_LOADER_CONTACTS.encode("utf-32-le"),
        codecs.BOM_UTF32_BE + DATA_LOADER_CONTACTS.encode("utf-32-be"),
        DATA_LOADER_CONTACTS.encode("utf-32-le"),  # no byte order mark
        DATA_LOADER_CONTACTS.encode("utf-32-be"),
        DATA_LOADER_CONTACTS.encode("utf-16-le"),
    ],
    ids=["utf-32-le-bom", "utf-32-be-bom", "utf-32-le", "utf-32-be", "utf-16-le"],
)
def test_utf32_in_both_byte_orders(client, org, raw):
    login(client, org.rep)
    job = upload(client, raw)
    assert job.headers == ["ID", "FIRSTNAME", "LASTNAME", "EMAIL", "BIRTHDATE", "MAILINGCITY"]
    assert job.total_rows == 2 and "utf-" in job.encoding
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    assert page.status_code == 200
    mapping = mapping_of(page)
    assert mapping["mailing_city"] == "MAILINGCITY" and mapping["birthday"] == "BIRTHDATE"
    assert client.post(reverse("imports:job_mapping", args=[job.pk]), mapping).status_code == 302
    services.run_import(job.pk)
    assert Contact.objects.get(email="bo@example.com").mailing_city == "Malmö"


def test_nul_bytes_are_dropped_not_a_500(client, org):
    login(client, org.rep)
    job = upload(client, b"Last\x00 name,E-mail\nDo\x00e,doe@example.com\n")
    assert job.headers == ["Last name", "E-mail"]
    assert client.get(reverse("imports:job_mapping", args=[job.pk])).status_code == 200
    services.run_import(mapped_job(org.rep, bytes(job.data)).pk)
    assert Contact.objects.get(email="doe@example.com").last_name == "Doe"


def test_rows_but_only_a_header_is_said_so(client, org):
    login(client, org.rep)
    response = client.post(
        reverse("imports:index"),
        {"kind": "contact", "file": _file(codecs.BOM_UTF32_BE + "Name\r\n".encode("utf-32-be"))},
    )
    assert response.status_code == 200
    assert "column names but no rows" in str(response.context["form"].errors)


def _file(content: bytes, name="f.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_same_column_for_two_fields_is_a_form_error(client, org):
    login(client, org.rep)
    job = upload(client, b"Name,Parent\nChild Co,Mother Co\n", kind="account")
    mapping = mapping_of(client.get(reverse("imports:job_mapping", args=[job.pk])))
    assert mapping["parent"] == "Parent"
    mapping["parent_external_id"] = "Parent"
    response = client.post(reverse("imports:job_mapping", args=[job.pk]), mapping)
    assert response.status_code == 200
    assert response.context["form"].errors["parent_external_id"] == [
        "“Parent” already fills Parent account (name)."
    ]
    job.refresh_from_db()
    assert job.mapping == {}


# -- dates -----------------------------------------------------------------------------------
def test_month_first_dates_are_detected_from_every_row_and_shown(client, org):
    login(client, org.rep)
    job = upload(client, DATA_LOADER_CONTACTS.encode())
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    assert "month/day/year" in page.context["detected_date_order"]
    response = client.post(reverse("imports:job_mapping", args=[job.pk]), mapping_of(page))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.date_order == "mdy"
    preview = client.get(reverse("imports:job_preview", args=[job.pk]))
    assert b"month/day/year" in preview.content and b"1980-07-04" in preview.content
    services.run_import(job.pk)
    assert str(Contact.objects.get(email="ann@example.com").birthday) == "1980-07-04"


def test_a_day_first_file_is_read_day_first(org, client):
    login(client, org.rep)
    job = upload(client, b"Last name,Birthday\nA,07/04/1980\nB,25/12/1970\n")
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    client.post(reverse("imports:job_mapping", args=[job.pk]), mapping_of(page))
    job.refresh_from_db()
    assert job.date_order == "dmy"
    services.run_import(job.pk)
    assert str(Contact.objects.get(last_name="A").birthday) == "1980-04-07"


@pytest.mark.parametrize(
    "rows, imported, rejected",
    [
        ("A,07/04/1980\nB,03/02/1970\n", {"A": "1980-07-04", "B": "1970-03-02"}, []),
        ("A,25/12/1980\nB,12/25/1970\n", {"B": "1970-12-25"}, [(2, "birthday")]),
    ],
    ids=["ambiguous", "mixed"],
)
def test_ambiguous_dates_are_refused_until_the_order_is_chosen(
    client, org, rows, imported, rejected
):
    login(client, org.rep)
    job = upload(client, ("Last name,Birthday\n" + rows).encode())
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    assert page.context["dates_ambiguous"]
    mapping = mapping_of(page)
    response = client.post(reverse("imports:job_mapping", args=[job.pk]), mapping)
    assert response.status_code == 200 and "date_order" in response.context["form"].errors
    job.refresh_from_db()
    assert job.mapping == {}  # no preview, dry run or import before the order is chosen
    assert client.get(reverse("imports:job_preview", args=[job.pk])).status_code == 302
    mapping["date_order"] = "mdy"
    assert client.post(reverse("imports:job_mapping", args=[job.pk]), mapping).status_code == 302
    services.run_import(job.pk)
    assert {c.last_name: str(c.birthday) for c in Contact.objects.all()} == imported
    assert list(job.row_errors.values_list("row", "field")) == rejected


# -- guessing --------------------------------------------------------------------------------
def test_salesforce_account_headers_are_guessed_and_type_is_not_the_kind(client, org):
    lines = ["ID,NAME,TYPE,BILLINGCITY,ANNUALREVENUE,NUMBEROFEMPLOYEES,Account_Source"]
    types = ("Customer - Direct", "Partner", "Prospect", "Customer - Channel")
    lines += [
        f"001A{n:011d},Firm {n},{types[n % 4]},Basel,{n * 1000}.50,{n},Web" for n in range(100)
    ]
    login(client, org.rep)
    job = upload(client, "\r\n".join(lines).encode(), kind="account")
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    mapping = {k: v for k, v in mapping_of(page).items() if v}
    assert mapping == {
        "external_id": "ID",
        "name": "NAME",
        "segment": "TYPE",
        "billing_city": "BILLINGCITY",
        "annual_revenue": "ANNUALREVENUE",
        "employees": "NUMBEROFEMPLOYEES",
        "source": "Account_Source",
    }
    client.post(reverse("imports:job_mapping", args=[job.pk]), mapping)
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.failed_count) == (100, 0)
    firm = Account.objects.get(external_id="001A00000000007")
    assert (firm.segment, firm.kind, firm.employees) == ("Customer - Channel", "company", 7)


def test_a_type_column_of_kinds_is_the_kind(client, org):
    login(client, org.rep)
    job = upload(client, b"Name,Type\nSmiths,Household\nAcme,company\n", kind="account")
    mapping = mapping_of(client.get(reverse("imports:job_mapping", args=[job.pk])))
    assert mapping["kind"] == "Type" and not mapping["segment"]


# -- limits ----------------------------------------------------------------------------------
def test_a_cell_over_128_kib_is_read_and_the_right_row_named(org):
    long_text = "x" * (200 * 1024)
    content = (
        "Last name,Description,Job title\n"
        "One,short,CEO\n"
        f'Two,"{long_text}",CFO\n'
        f'Three,short,"{long_text}"\n'
    )
    job = mapped_job(org.rep, content.encode())
    assert job.total_rows == 3
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.failed_count) == (2, 1)
    assert Contact.objects.get(last_name="Two").description == long_text
    problem = job.row_errors.get()
    assert (problem.row, problem.field) == (4, "title")
    assert "longer than 100 characters" in problem.message


def test_a_row_the_reader_gives_up_on_is_named_by_its_number():
    """The reader's own limit (now the size of an upload) stands for any row it cannot read:
    the message names that row, not the one before."""
    import csv

    from imports.parsing import MAX_CELL_CHARS, FileError, read_table

    assert csv.field_size_limit() >= MAX_CELL_CHARS
    content = "Last name\nA\nB\n" + '"' + "y" * 2000 + '"\nD\n'
    csv.field_size_limit(1000)
    try:
        _headers, rows = read_table(content.encode(), file_format="csv", delimiter=",")
        with pytest.raises(FileError, match="^Row 4 cannot be read"):
            list(rows)
    finally:
        csv.field_size_limit(MAX_CELL_CHARS)


# -- what the user is told -------------------------------------------------------------------
def test_a_tab_separated_file_is_described_as_such(client, org):
    login(client, org.rep)
    job = upload(client, b"First name\tLast name\nAnn\tLee\n")
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    assert "separated by tabs" in page.context["file_description"]
    assert b"separated by tabs" in page.content


def test_dry_run_duplicate_warnings_name_file_rows_not_rolled_back_ids(client, org):
    content = (
        "Last name,Email,Phone\n"
        "Alpha,alpha@example.com,+41 44 000 00 01\n"
        "Beta,beta@example.com,+41 44 000 00 01\n"
    )
    job = mapped_job(org.rep, content.encode())
    login(client, org.rep)
    client.post(reverse("imports:job_dry_run", args=[job.pk]))
    warning = job.row_errors.get(is_warning=True)
    assert warning.row == 3
    assert warning.message == "possible duplicate of “Alpha” (row 2 of this file)"
    assert not Contact.objects.filter(last_name__in=["Alpha", "Beta"]).exists()


def test_contacts_without_email_or_id_warn_that_they_duplicate(org):
    existing = ContactFactory(first_name="Ann", last_name="Lee", email="", phone="",
                              owner=org.rep, team=org.team)  # fmt: skip
    job = mapped_job(org.rep, b"First name,Last name\nAnn,Lee\nNew,Person\n")
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.duplicate_count) == (2, 1)
    warning = job.row_errors.get(is_warning=True)
    assert warning.row == 2 and f"“Ann Lee” (#{existing.pk})" in warning.message
    assert "no e-mail or id" in warning.message


def test_the_exports_formula_apostrophe_is_stripped_exactly(org):
    content = (
        "Last name,Phone,Job title,Department,Description\n"
        "'=Eq,'+41 44 123 45 67,'@SUM(1),'-minus,'quoted\n"
    )
    job = mapped_job(org.rep, content.encode())
    services.run_import(job.pk)
    contact = Contact.objects.get()
    assert (contact.last_name, contact.phone, contact.title, contact.department) == (
        "=Eq", "+41 44 123 45 67", "@SUM(1)", "-minus")  # fmt: skip
    assert contact.description == "'quoted"  # not one we put there
    assert ImportJob.objects.get(pk=job.pk).failed_count == 0


def test_an_id_this_crm_does_not_have_rejects_the_row(org):
    content = (
        "ID,Last name,Owner username,Team name\n"  # the columns of our own export
        "99999999999999999999,Huge,,\n"
        "2147483000,Gone,,\n"
    )
    job = mapped_job(org.rep, content.encode())
    assert job.mapping["id"] == "ID"
    services.run_import(job.pk)
    assert sorted(job.row_errors.values_list("row", "field", "message")) == [
        (2, "id", "“99999999999999999999” is too large"),
        (3, "id", "no contact with ID 2147483000 in this CRM"),
    ]
    assert not Contact.objects.exists()
