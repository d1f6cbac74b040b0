"""CSV import as a background job: the real Celery worker, resuming after the worker dies,
and the chunked (set-based) path of large files (bad rows rejected whole, history, timeline,
consents, duplicates, database refusals redone row by row, permission rules, tags).

File parsing, the wizard and row-level errors are in ``test_imports_wizard.py``; shared
helpers in ``import_helpers.py``.
"""

import time

import pytest
from django.urls import reverse

from accounts.models import Consent, Contact
from imports import services
from imports.models import ImportJob

from .import_helpers import login, mapped_job, upload

pytestmark = pytest.mark.django_db


def test_resume_after_interruption(org, monkeypatch):
    rows = "".join(f"P{i};Person{i};p{i}@example.com\n" for i in range(120))
    job = mapped_job(org.rep, ("First name;Last name;Email\n" + rows).encode())
    # The worker dies in the second chunk (rows 52-…): the first chunk (50 rows) is committed.
    real = services.bulk.import_contacts
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(services.bulk, "import_contacts", flaky)
    with pytest.raises(RuntimeError):
        services.run_import(job.pk)
    job.refresh_from_db()
    assert job.processed_rows == 50 and job.row_cursor == 51  # one whole batch committed
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.processed_rows, job.created_count, job.status) == (120, 120, "done")
    assert (
        Contact.objects.filter(
            email__endswith="@example.com", last_name__startswith="Person"
        ).count()
        == 120
    )  # noqa: E501


@pytest.mark.django_db(transaction=True)
def test_celery_import_with_real_worker(client, org, celery_worker_factory, purge_queue):
    celery_worker_factory()
    login(client, org.rep)
    content = "Last name,First name,Email\nRiva,Ada,ada@example.com\nSole,Bo,bo@example.com\n"
    job = upload(client, content.encode())
    form = client.get(reverse("imports:job_mapping", args=[job.pk])).context["form"]
    client.post(
        reverse("imports:job_mapping", args=[job.pk]),
        {k: form[k].value() or "" for k in form.fields},
    )  # noqa: E501
    response = client.post(reverse("imports:job_start", args=[job.pk]))
    assert response.status_code == 302
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert job.status == "done", job.error
    assert job.created_count == 2
    progress = client.get(reverse("imports:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b'data-status="done"' in progress.content and b"100%" in progress.content
    assert b"hx-trigger" not in progress.content  # polling stops
    # the task delivered again does not duplicate
    from imports.tasks import run_import_job

    ImportJob.objects.filter(pk=job.pk).update(status="running")
    run_import_job.delay(job.pk)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == "done":
            break
        time.sleep(0.2)
    assert Contact.objects.filter(email__in=["ada@example.com", "bo@example.com"]).count() == 2
    assert job.created_count == 2


# -- the chunked (set-based) path ------------------------------------------------------------
BIG_HEADER = "External ID;First name;Last name;E-mail;Phone;Company;Email opt-in;Tags\n"


def _big_file(n=2500, bad_every=97):
    """n rows; every ``bad_every``-th row is bad (no last name, or a bad e-mail); none if 0."""
    lines, bad = [BIG_HEADER], set()
    for i in range(n):
        number = i + 2  # the header is row 1
        last, email = f"Big{i}", f"big{i}@example.com"
        if bad_every and i % bad_every == 5:
            if i % 2:
                last = ""
            else:
                email = "nope"
            bad.add(number)
        company = f"Company {i % 7}"
        consent = ("yes", "no", "")[i % 3]
        lines.append(f"B-{i};F{i};{last};{email};+41 {i:07d};{company};{consent};\n")
    return "".join(lines).encode(), bad


def test_chunked_import_rejects_bad_rows_and_saves_good_ones_whole(org):
    from accounts.models import Account, TimelineEntry

    content, bad = _big_file()
    job = mapped_job(org.rep, content)
    before_accounts = Account.objects.count()
    services.run_import(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.processed_rows, job.failed_count) == (2500, len(bad))
    assert job.created_count == 2500 - len(bad) and job.updated_count == 0
    assert job.row_cursor == 2501
    rejected = set(job.row_errors.filter(is_warning=False).values_list("row", flat=True))
    assert rejected == bad
    # nothing half-saved: no contact, history, timeline entry or consent for rejected rows
    ext_bad = [f"B-{n - 2}" for n in bad]
    assert not Contact.objects.filter(external_id__in=ext_bad).exists()
    assert not Contact.history.filter(external_id__in=ext_bad).exists()
    contacts = Contact.objects.filter(external_id__startswith="B-")
    assert contacts.count() == 2500 - len(bad)
    # history with the importing user and one timeline entry per created contact
    history = Contact.history.filter(external_id__startswith="B-")
    assert history.count() == contacts.count()
    assert set(history.values_list("history_user", "history_type").distinct()) == {
        (org.rep.pk, "+")
    }
    added = TimelineEntry.objects.filter(contact__in=contacts, kind="change", actor=org.rep)
    assert added.count() == contacts.count()
    c = contacts.get(external_id="B-0")
    assert (c.first_name, c.last_name, c.email, c.phone) == ("F0", "Big0", "big0@example.com",
                                                              "+41 0000000")  # fmt: skip
    assert c.owner == org.rep and c.account.name == "Company 0"
    assert c.history.get().history_user == org.rep
    assert added.filter(contact=c, title="Contact F0 Big0 added").count() == 1
    # one account per company name, created once, with history and a timeline entry
    assert Account.objects.count() == before_accounts + 7
    company = Account.objects.get(name="Company 3")
    assert company.history.get().history_user == org.rep
    assert TimelineEntry.objects.filter(account=company, title="Account created").count() == 1
    new_account_warnings = job.row_errors.filter(is_warning=True, field="account")
    assert new_account_warnings.count() == 7
    # consents from the consent column: yes / no recorded, empty not
    consents = Consent.objects.filter(contact__in=contacts)
    good = [i for i in range(2500) if i + 2 not in bad]
    assert consents.count() == sum(1 for i in good if i % 3 != 2)
    assert consents.filter(status=Consent.Status.OPTED_IN).count() == sum(
        1 for i in good if i % 3 == 0
    )
    assert set(consents.values_list("method", flat=True)) == {Consent.Method.IMPORT}
    assert (
        Consent.history.filter(contact_id__in=contacts.values("pk"))
        .exclude(history_user=org.rep)
        .count()
        == 0
    )
    assert TimelineEntry.objects.filter(kind="consent", contact__in=contacts).count() == (
        consents.count()
    )
    # a new job with the same file: updates by external id, nothing new; unchanged rows
    # write no new history
    job2 = mapped_job(org.rep, content)
    services.run_import(job2.pk)
    job2.refresh_from_db()
    assert (job2.created_count, job2.updated_count, job2.failed_count) == (
        0, 2500 - len(bad), len(bad)
    )  # fmt: skip
    assert Contact.objects.filter(external_id__startswith="B-").count() == 2500 - len(bad)
    assert Account.objects.count() == before_accounts + 7
    assert Contact.history.filter(external_id__startswith="B-").count() == contacts.count()


def test_chunked_import_changes_write_history_and_timeline(org):
    from accounts.models import TimelineEntry

    content, bad = _big_file(300, bad_every=0)
    services.run_import(mapped_job(org.rep, content).pk)
    changed = content.decode().replace(";Company 1;", ";Company 9;").encode()
    job = mapped_job(org.rep, changed)
    services.run_import(job.pk)
    job.refresh_from_db()
    moved = Contact.objects.filter(account__name="Company 9")
    assert moved.count() == len([i for i in range(300) if i % 7 == 1]) and not bad
    c = moved.first()
    assert [h.history_type for h in c.history.order_by("history_date", "history_id")] == [
        "+",
        "~",
    ]
    assert c.history.latest().history_user == org.rep
    entry = TimelineEntry.objects.filter(contact=c, actor=org.rep).latest("id")
    assert entry.title == f"{c}: changed account"


def test_intra_file_duplicate_emails_update_not_duplicate(org):
    rows = ["First name;Last name;Email;Email opt-in"]
    for i in range(120):
        rows.append(f"A{i};Person{i};p{i}@example.com;yes")
    rows.append("Again;Person5;P5@Example.com;no")  # row 122: same e-mail as row 7
    rows.append("Third;Person5;p5@example.com;")  # row 123: and again
    rows.append("X;Person60;p60@example.com;")  # row 124: same as row 62, in the same chunk
    job = mapped_job(org.rep, ("\n".join(rows) + "\n").encode())
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.failed_count) == (120, 3, 0)
    p5 = Contact.objects.get(email__iexact="p5@example.com")
    assert (p5.first_name, p5.email) == ("Third", "p5@example.com")
    assert p5.consents.get().status == Consent.Status.OPTED_OUT
    assert p5.history.count() == 3  # created, then changed twice
    assert Contact.objects.filter(email__iexact="p60@example.com").get().first_name == "X"
    # two external ids with one e-mail: two contacts, the second warned as a duplicate
    content = "External ID;Last name;Email\nQ-1;Twin;twin@example.com\nQ-2;Twin;twin@example.com\n"
    job = mapped_job(org.rep, content.encode())
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.duplicate_count) == (2, 1)
    warning = job.row_errors.get(is_warning=True)
    assert warning.row == 3 and "possible duplicate" in warning.message


def test_chunked_import_crash_then_rerun_is_exact(org, monkeypatch):
    from accounts.models import TimelineEntry

    content, bad = _big_file()
    job = mapped_job(org.rep, content)
    real = services.bulk.import_contacts
    calls = {"n": 0}

    def dies_in_third_chunk(*args, **kwargs):
        calls["n"] += 1
        result = real(*args, **kwargs)  # written, but the transaction will not commit
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return result

    monkeypatch.setattr(services.bulk, "import_contacts", dies_in_third_chunk)
    with pytest.raises(RuntimeError):
        services.run_import(job.pk)
    job.refresh_from_db()
    # chunks of 50 and 200 rows committed with their cursor; the third one rolled back
    assert (job.row_cursor, job.processed_rows) == (251, 250)
    done = Contact.objects.filter(external_id__startswith="B-").count()
    assert done == job.created_count == 250 - len([n for n in bad if n <= 251])
    monkeypatch.setattr(services.bulk, "import_contacts", real)
    services.run_import(job.pk)  # the retried task
    services.run_import(job.pk)  # and a redelivered one: nothing more
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.processed_rows, job.created_count, job.failed_count) == (
        2500, 2500 - len(bad), len(bad)
    )  # fmt: skip
    contacts = Contact.objects.filter(external_id__startswith="B-")
    assert contacts.count() == 2500 - len(bad)
    assert Contact.history.filter(external_id__startswith="B-").count() == contacts.count()
    assert TimelineEntry.objects.filter(contact__in=contacts, kind="change").count() == (
        contacts.count()
    )
    rejected = list(job.row_errors.filter(is_warning=False).values_list("row", flat=True))
    assert sorted(set(rejected)) == sorted(bad) and len(rejected) == len(bad)


def test_database_refusal_falls_back_row_by_row(org, monkeypatch):
    """A chunk the database refuses is redone row by row: only the bad row is lost."""
    from django.db import IntegrityError

    content, _ = _big_file(60, bad_every=0)
    job = mapped_job(org.rep, content)
    real = services.bulk.import_contacts

    def refused(chunk, mapping, ctx):
        real(chunk, mapping, ctx)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services.bulk, "import_contacts", refused)
    real_row = services.import_row

    def row(kind, mapping, values, ctx):
        if values.get("External ID") == "B-3":
            raise services.RowErrors([("", "database refused the row: simulated")])
        return real_row(kind, mapping, values, ctx)

    monkeypatch.setattr(services, "import_row", row)
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.failed_count, job.processed_rows) == (59, 1, 60)
    assert Contact.objects.filter(external_id__startswith="B-").count() == 59
    assert Contact.history.filter(external_id__startswith="B-").count() == 59


def test_chunked_dry_run_saves_nothing(org):
    from accounts.models import Account

    content, bad = _big_file(600)
    job = mapped_job(org.rep, content)
    counts = (Contact.objects.count(), Account.objects.count(), Consent.objects.count())
    summary = services.dry_run(job.pk)
    assert counts == (Contact.objects.count(), Account.objects.count(), Consent.objects.count())
    assert summary["processed"] == 600 and summary["failed"] == len(bad)
    assert summary["created"] == 600 - len(bad)
    rejected = set(job.row_errors.filter(is_warning=False).values_list("row", flat=True))
    assert rejected == bad


def test_chunked_import_keeps_permission_rules(org, records):
    lines = ["External ID;Last name;Email"]
    lines += [f"N-{i};New{i};new{i}@example.com" for i in range(60)]
    lines.append(f";Changed;{records.other_contact.email}")  # row 62: another team's contact
    lines.append(f";Mine;{records.contact.email}")  # row 63: ours, updated
    job = mapped_job(org.rep, ("\n".join(lines) + "\n").encode())
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.failed_count) == (60, 1, 1)
    error = job.row_errors.get(is_warning=False)
    assert error.row == 62 and "may not change" in error.message
    records.other_contact.refresh_from_db()
    records.contact.refresh_from_db()
    assert records.other_contact.last_name != "Changed" and records.contact.last_name == "Mine"
    assert records.contact.history.latest().history_user == org.rep


def test_real_unique_conflict_in_a_chunk_falls_back_row_by_row(org, monkeypatch):
    """A contact the chunk's lookups did not see (as if inserted concurrently): the COPY
    fails on the unique external id, the chunk is redone row by row and updates it."""
    from imports import bulk

    existing = Contact.objects.create(last_name="Old", external_id="B-2", owner=org.rep)
    content, _ = _big_file(40, bad_every=0)
    real = bulk._lookups

    def blind(rows):
        by_ext, *rest = real(rows)
        return {}, *rest

    monkeypatch.setattr(bulk, "_lookups", blind)
    job = mapped_job(org.rep, content)
    services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.failed_count) == (39, 1, 0)
    existing.refresh_from_db()
    assert existing.last_name == "Big2"
    assert Contact.objects.filter(external_id__startswith="B-").count() == 40


def test_chunked_import_sets_tags(org):
    content = "External ID;Last name;Tags\nT-1;Tagged;vip, golf\nT-2;Plain;\n"
    job = mapped_job(org.rep, content.encode())
    services.run_import(job.pk)
    tagged = Contact.objects.get(external_id="T-1")
    assert sorted(tagged.tags.names()) == ["golf", "vip"]
    assert not Contact.objects.get(external_id="T-2").tags.exists()
