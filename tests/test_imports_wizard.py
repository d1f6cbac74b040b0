"""CSV / Excel import, one file at a time: encodings, delimiters, the upload and mapping
wizard, dry run, bad rows rejected whole with per-row errors, Excel files, permissions.

The Celery job, resuming after a crash and the chunked (set-based) path of large files are in
``test_imports_worker.py``; shared helpers in ``import_helpers.py``.
"""

import codecs
import io

import pytest
from django.urls import reverse

from accounts.models import Consent, Contact
from imports import services
from imports.models import ImportJob, ImportMapping, ImportRowError
from imports.parsing import decode, inspect, sniff_delimiter

from .factories import UserFactory
from .import_helpers import login, mapped_job, upload

pytestmark = pytest.mark.django_db

CONTACTS = (
    "First name;Last name;E-mail;Company;Employees;Email opt-in\r\n"
    "José;Müller;jose@example.com;Ærø Café;12;yes\r\n"
    "Anna;;anna@example.com;Acme;3;no\r\n"
    "Ben;Bad;not-an-email;Acme;4;yes\r\n"
    "Zoë;Ørsted;zoe@example.com;Acme;5;no\r\n"
)


@pytest.mark.parametrize(
    "raw, encoding",
    [
        (codecs.BOM_UTF8 + "Name\r\nJosé Müller\r\n".encode(), "utf-8-sig"),
        ("Name\r\nJosé Müller\r\n".encode(), "utf-8"),
        (codecs.BOM_UTF16_LE + "Name\r\nJosé Müller\r\n".encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + "Name\r\nJosé Müller\r\n".encode("utf-16-be"), "utf-16"),
        ("Name\r\nJosé Müller, Renée Ångström, François Lefèvre\r\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings(raw, encoding):
    text, detected = decode(raw)
    assert detected == encoding
    assert "José Müller" in text


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(delimiter):
    text = delimiter.join(["First name", "Last name", "Company"]) + "\n"
    text += delimiter.join(["Ann", "Lee", '"Smith, Jones & Co"']) + "\n"
    assert sniff_delimiter(text) == delimiter
    facts = inspect("x.csv", text.encode())
    assert facts["headers"] == ["First name", "Last name", "Company"]
    assert facts["total_rows"] == 1


def test_upload_mapping_is_guessed_and_remembered(client, org):
    login(client, org.rep)
    job = upload(client, CONTACTS.encode("cp1252"))
    assert job.encoding == "cp1252" and job.delimiter == ";" and job.total_rows == 4
    page = client.get(reverse("imports:job_mapping", args=[job.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    assert form["last_name"].value() == "Last name"
    assert form["consent_email"].value() == "Email opt-in"
    mapping = {k: form[k].value() or "" for k in form.fields}
    response = client.post(reverse("imports:job_mapping", args=[job.pk]), mapping)
    assert response.status_code == 302
    assert ImportMapping.objects.filter(user=org.rep, kind="contact").count() == 1
    # a second file with the same headers gets the remembered mapping
    mapping["department"] = "Employees"
    client.post(reverse("imports:job_mapping", args=[job.pk]), mapping)
    job2 = upload(client, CONTACTS.encode("utf-8"))
    page = client.get(reverse("imports:job_mapping", args=[job2.pk]))
    assert page.context["origin"] == "remembered"
    assert page.context["form"]["department"].value() == "Employees"
    assert client.get(reverse("imports:job_preview", args=[job.pk])).status_code == 200


def test_dry_run_reports_every_bad_row_and_saves_nothing(org):
    job = mapped_job(org.rep, CONTACTS.encode("utf-16"))
    before = Contact.objects.count()
    summary = services.dry_run(job.pk)
    assert Contact.objects.count() == before
    assert summary["failed"] == 2 and summary["created"] == 2
    errors = {(e.row, e.field) for e in job.row_errors.filter(is_warning=False)}
    assert errors == {(3, "last_name"), (4, "email")}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED


def test_the_job_page_counts_the_dry_runs_rows(client, org):
    """Issue 17, item 7: after a dry run the page said "0 of 4 rows" over an empty bar."""
    job = mapped_job(org.rep, CONTACTS.encode())
    services.dry_run(job.pk)
    login(client, org.rep)

    for name in ("imports:job_detail", "imports:job_progress"):
        page = client.get(reverse(name, args=[job.pk])).content.decode()
        assert '<span data-testid="rows-done">4 of 4 rows checked</span>' in page
        assert 'aria-valuenow="100"' in page and 'style="width: 100%"' in page


def test_import_saves_good_rows_rejects_bad_ones_whole(org):
    content = CONTACTS + "Carl;Num;carl@example.com;Acme;lots;yes\r\n"
    mapping = {"first_name": "First name", "last_name": "Last name", "email": "E-mail",
               "account": "Company", "consent_email": "Email opt-in"}  # fmt: skip
    job = mapped_job(org.rep, content.encode(), mapping=mapping)
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.failed_count, job.status) == (3, 2, "done")
    jose = Contact.objects.get(email="jose@example.com")
    assert (jose.first_name, jose.last_name, jose.account.name) == ("José", "Müller", "Ærø Café")
    assert jose.owner == org.rep and jose.history.count() == 1
    consent = jose.consents.get()
    assert (consent.status, consent.method) == (Consent.Status.OPTED_IN, Consent.Method.IMPORT)
    assert not Contact.objects.filter(email__in=["anna@example.com", "not-an-email"]).exists()
    # a second run of the task changes nothing (cursor), a new job updates by e-mail
    services.run_import(job.pk)
    assert Contact.objects.filter(email="jose@example.com").count() == 1
    job2 = mapped_job(org.rep, content.encode(), mapping=mapping)
    services.run_import(job2.pk)
    job2.refresh_from_db()
    assert (job2.created_count, job2.updated_count) == (0, 3)
    assert Contact.objects.filter(email="jose@example.com").count() == 1


def test_bad_number_is_reported_per_row(org):
    content = 'Name,Employees,Revenue\nGood Co,10,"1.234,50"\nBad Co,many,10\nNeg Co,3,-5\n'
    job = mapped_job(org.rep, content.encode(), name="a.csv", kind="account")
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.failed_count) == (1, 2)
    rows = {(e.row, e.field) for e in job.row_errors.filter(is_warning=False)}
    assert rows == {(3, "employees"), (4, "annual_revenue")}


def test_excel_import(org):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["External ID", "Last name", "First name", "Birthday", "Email"])
    import datetime as dt

    ws.append(["X-1", "Rossi", "Maria", dt.datetime(1980, 5, 17), "maria@example.com"])
    ws.append([2, "Bianchi", None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    job = mapped_job(org.rep, buf.getvalue(), name="c.xlsx")
    assert job.file_format == "xlsx" and job.total_rows == 2
    services.run_import(job.pk)
    maria = Contact.objects.get(external_id="X-1")
    assert maria.birthday == dt.date(1980, 5, 17)
    assert Contact.objects.filter(external_id="2", last_name="Bianchi").exists()


def test_permissions(client, org):
    job = mapped_job(org.rep, b"Last name\nA\n")
    login(client, org.other_rep)
    for name in ("job_detail", "job_mapping", "job_preview", "job_progress"):
        assert client.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("imports:job_start", args=[job.pk])).status_code == 404
    login(client, org.admin)
    assert client.get(reverse("imports:job_detail", args=[job.pk])).status_code == 200
    nobody = UserFactory(username="norole", role="")
    login(client, nobody)
    assert client.get(reverse("imports:index")).status_code == 403
    assert client.get(reverse("imports:job_detail", args=[job.pk])).status_code == 403
    assert client.get(reverse("imports:vcard_import")).status_code == 403
    client.logout()
    assert client.get(reverse("imports:index")).status_code == 302


def test_cannot_update_a_contact_one_may_not_change(org, records):
    content = f"Last name,Email\nChanged,{records.other_contact.email}\n"
    job = mapped_job(org.rep, content.encode())
    services.run_import(job.pk)
    job.refresh_from_db()
    assert job.failed_count == 1
    assert ImportRowError.objects.filter(job=job, message__contains="may not change").exists()
