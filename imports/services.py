"""Import rows into the customer database through ``accounts.services`` (history, timeline,
checks), in chunks whose transaction also moves the job's cursor.

Contacts take the set-based path of ``imports.bulk`` (a chunk in a few statements); accounts,
and a contact chunk the database refuses as a whole, go row by row, one savepoint per row.
Both give the same result: a rejected row is reported and leaves nothing behind."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import services as customer
from accounts.models import Account, Channel, Consent, Contact
from users.models import Team

from . import bulk, conversion
from . import fields as F_
from .conversion import RowErrors
from .models import ImportJob, ImportRowError
from .parsing import read_table

log = logging.getLogger(__name__)
# Chunks grow from FIRST_CHUNK (the progress bar moves at once, a small file is one small
# transaction) to CHUNK_SIZE rows per transaction.
FIRST_CHUNK = 50
CHUNK_SIZE = 2000
BATCH_SIZE = FIRST_CHUNK  # the name used before chunks grew
MAX_STORED_ERRORS = 5000  # per phase; the counts stay exact

CONTACT_FIELDS = {t.name for t in F_.CONTACT_TARGETS} - {
    "id",
    "external_id",
    "account",
    "account_external_id",
    "tags",
    "consent_email",
    "consent_phone",
    "consent_sms",
}
ACCOUNT_FIELDS = {t.name for t in F_.ACCOUNT_TARGETS} - {
    "id",
    "external_id",
    "parent",
    "parent_external_id",
    "tags",
}
CONSENT_CHANNELS = {
    "consent_email": Channel.EMAIL,
    "consent_phone": Channel.PHONE,
    "consent_sms": Channel.SMS,
}


@dataclass
class Context:
    user: object
    team: Team | None = None
    note: str = ""
    cache: dict = field(default_factory=dict)
    date_order: str = ""
    # (kind, pk) → file row of the records this run created: a duplicate warning names the
    # row rather than an id a dry run rolls back.
    created: dict = field(default_factory=dict)

    @classmethod
    def for_user(cls, user, note="", date_order=""):
        team_ids = user.team_ids
        team = Team.objects.filter(pk=min(team_ids)).first() if team_ids else None
        return cls(user=user, team=team, note=note, date_order=date_order)

    @classmethod
    def for_job(cls, job: ImportJob) -> Context:
        return cls.for_user(job.user, note=f"Import of {job.file_name}", date_order=job.date_order)

    def describe(self, kind: str, records) -> str:
        """“Name” (#id) of existing records, “Name” (row N of this file) of those this run
        created."""
        return ", ".join(
            f"“{r}” (row {self.created[(kind, r.pk)]} of this file)"
            if (kind, r.pk) in self.created
            else f"“{r}” (#{r.pk})"
            for r in records
        )


@dataclass
class Outcome:
    action: str  # created, updated
    record: object
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _validation_errors(exc: ValidationError) -> RowErrors:
    if hasattr(exc, "error_dict"):
        return RowErrors(
            [(f if f != "__all__" else "", " ".join(m)) for f, m in exc.message_dict.items()]
        )  # noqa: E501
    return RowErrors([("", " ".join(exc.messages))])


def _may_change(user, obj) -> None:
    if not type(obj).access.can_change(user, obj):
        raise RowErrors(
            [("", f"you may not change the existing {obj._meta.verbose_name} “{obj}” (#{obj.pk})")]
        )


def _find_account(*, external_id="", name="", field_name="account") -> Account | None:
    if external_id:
        account = Account.objects.filter(external_id=external_id).first()
        if account is None:
            raise RowErrors(
                [(f"{field_name}_external_id", f"no account with external id “{external_id}”")]
            )  # noqa: E501
        return account
    if name:
        found = list(
            Account.objects.filter(name__iexact=name, merged_into__isnull=True).order_by("pk")[:2]
        )  # noqa: E501
        return found[0] if found else None
    return None


def _by_record_id(model, record_id: int):
    """The record a row names by its ID in this CRM (a column of our own export)."""
    found = model.objects.filter(pk=record_id).first()
    if found is None:
        name = model._meta.verbose_name
        raise RowErrors([("id", f"no {name} with ID {record_id} in this CRM")])
    return found


def import_contact(values: dict, ctx: Context) -> Outcome:
    values = dict(values)
    user = ctx.user
    record_id = values.pop("id", None)
    external_id = values.pop("external_id", "")
    tags = values.pop("tags", None)
    consents = {ch: values.pop(k) for k, ch in CONSENT_CHANNELS.items() if k in values}
    account_name = values.pop("account", "")
    account_ext = values.pop("account_external_id", "")

    existing = None
    if record_id is not None:
        existing = _by_record_id(Contact, record_id)
    elif external_id:
        existing = Contact.objects.filter(external_id=external_id).first()
    elif values.get("email"):
        matches = list(
            Contact.objects.filter(
                email__iexact=values["email"], merged_into__isnull=True
            ).order_by("pk")[:2]
        )  # noqa: E501
        if len(matches) > 1:
            raise RowErrors(
                [
                    (
                        "email",
                        f"{len(matches)} contacts have this e-mail already; "
                        "add an external id column to say which one",
                    )
                ]
            )
        existing = matches[0] if matches else None
    if existing is not None:
        _may_change(user, existing)

    warnings = []
    data = {k: v for k, v in values.items() if k in CONTACT_FIELDS}
    account = _find_account(external_id=account_ext, name=account_name)
    if account is None and account_name:
        account = customer.account_save(
            data={"name": account_name, "owner": user, "team": ctx.team}, by=user
        )
        warnings.append(("account", f"new account “{account_name}” created"))
    if account is not None:
        data["account"] = account
    if existing is None:
        data.setdefault("owner", user)
        data.setdefault("team", ctx.team if account is None else (account.team or ctx.team))
        if external_id:
            data["external_id"] = external_id
    try:
        contact = customer.contact_save(contact=existing, data=data, by=user, tags=tags)
    except ValidationError as exc:
        raise _validation_errors(exc) from exc

    for channel, opted_in in consents.items():
        status = Consent.Status.OPTED_IN if opted_in else Consent.Status.OPTED_OUT
        current = Consent.objects.filter(contact=contact, channel=channel).first()
        if current is None or current.status != status:
            customer.consent_set(
                contact=contact,
                channel=channel,
                status=status,
                method=Consent.Method.IMPORT,
                by=user,
                note=ctx.note[:255],
            )

    if existing is None:
        dups = customer.duplicate_contacts(
            email=contact.email,
            phone=contact.phone,
            first_name=contact.first_name,
            last_name=contact.last_name,
            account=contact.account,
            exclude_pk=contact.pk,
            limit=3,
        )
        if dups:
            warnings.append(("", f"possible duplicate of {ctx.describe('contact', dups)}"))
    return Outcome("updated" if existing else "created", contact, warnings)


def import_account(values: dict, ctx: Context) -> Outcome:
    values = dict(values)
    user = ctx.user
    record_id = values.pop("id", None)
    external_id = values.pop("external_id", "")
    tags = values.pop("tags", None)
    parent_name = values.pop("parent", "")
    parent_ext = values.pop("parent_external_id", "")

    existing = None
    if record_id is not None:
        existing = _by_record_id(Account, record_id)
    elif external_id:
        existing = Account.objects.filter(external_id=external_id).first()
    else:
        matches = list(
            Account.objects.filter(name__iexact=values["name"], merged_into__isnull=True).order_by(
                "pk"
            )[:2]
        )  # noqa: E501
        if len(matches) > 1:
            raise RowErrors(
                [
                    (
                        "name",
                        "several accounts have this name already; "
                        "add an external id column to say which one",
                    )
                ]
            )
        existing = matches[0] if matches else None
    if existing is not None:
        _may_change(user, existing)

    data = {k: v for k, v in values.items() if k in ACCOUNT_FIELDS}
    if parent_ext or parent_name:
        parent = _find_account(external_id=parent_ext, name=parent_name, field_name="parent")
        if parent is None:
            raise RowErrors([("parent", f"no account named “{parent_name}”")])
        if existing is not None and parent.pk == existing.pk:
            raise RowErrors([("parent", "an account cannot be its own parent")])
        data["parent"] = parent
    if existing is None:
        data.setdefault("owner", user)
        data.setdefault("team", ctx.team)
        if external_id:
            data["external_id"] = external_id
    try:
        account = customer.account_save(account=existing, data=data, by=user, tags=tags)
    except ValidationError as exc:
        raise _validation_errors(exc) from exc
    warnings = []
    if existing is None:
        dups = customer.duplicate_accounts(
            name=account.name,
            email=account.email,
            website=account.website,
            exclude_pk=account.pk,
            limit=3,
        )
        if dups:
            warnings.append(("", f"possible duplicate of {ctx.describe('account', dups)}"))
    return Outcome("updated" if existing else "created", account, warnings)


IMPORTERS = {"contact": import_contact, "account": import_account}


def import_row(kind: str, mapping: dict, row: dict, ctx: Context) -> Outcome:
    """Convert and save one row in its own savepoint: all of it or nothing."""
    values = conversion.convert(kind, mapping, row, date_order=ctx.date_order)
    try:
        with transaction.atomic():
            return IMPORTERS[kind](values, ctx)
    except (OperationalError, InterfaceError):
        raise  # the database is gone: let the task retry, the cursor has not moved
    except DatabaseError as exc:  # a constraint the checks did not catch: the row only
        raise RowErrors([("", f"database refused the row: {exc}".splitlines()[0][:400])]) from exc


def _rows(job: ImportJob):
    _, rows = read_table(
        bytes(job.data), file_format=job.file_format, encoding=job.encoding, delimiter=job.delimiter
    )
    return rows


def _error_rows(job, phase, number, problems, *, warning=False):
    return [
        ImportRowError(
            job=job, phase=phase, row=number, field=f[:100], message=m[:500], is_warning=warning
        )
        for f, m in problems
    ]


def _chunks(job: ImportJob, after: int = 0):
    """Lists of (file row number, row) for the rows after ``after``."""
    size, chunk = FIRST_CHUNK, []
    for number, row in _rows(job):
        if number <= after:
            continue
        chunk.append((number, row))
        if len(chunk) >= size:
            yield chunk
            chunk, size = [], min(CHUNK_SIZE, size * 4)
    if chunk:
        yield chunk


def _row_by_row(job: ImportJob, chunk, ctx: Context) -> list[bulk.RowResult]:
    results = []
    for number, row in chunk:
        result = bulk.RowResult(number)
        try:
            outcome = import_row(job.kind, job.mapping, row, ctx)
            result.action, result.warnings = outcome.action, outcome.warnings
            if outcome.action == "created":
                ctx.created[(job.kind, outcome.record.pk)] = number
        except RowErrors as exc:
            result.errors = exc.errors
        results.append(result)
    return results


def import_chunk(job: ImportJob, chunk, ctx: Context) -> list[bulk.RowResult]:
    """Import a chunk inside the caller's transaction: set-based for contacts; if the
    database refuses that (a constraint no check foresaw, a concurrent insert), the chunk is
    rolled back to its savepoint and done again row by row, each row in its own savepoint."""
    if job.kind == "contact":
        try:
            with transaction.atomic():
                return bulk.import_contacts(chunk, job.mapping, ctx)
        except (OperationalError, InterfaceError):
            raise  # the database is gone: let the task retry, the cursor has not moved
        except DatabaseError as exc:
            log.info("Import job %s: chunk from row %s row by row (%s)", job.pk, chunk[0][0],
                     str(exc).splitlines()[0][:200])  # fmt: skip
    return _row_by_row(job, chunk, ctx)


def _tally(job, phase, results, counts: Counter, problems: list) -> None:
    for r in results:
        counts["processed"] += 1
        if r.action:
            counts[r.action] += 1
        else:
            counts["failed"] += 1
            problems += _error_rows(job, phase, r.number, r.errors)
        if r.warnings:
            counts["warnings"] += 1
            counts["duplicates"] += any("duplicate" in m for _, m in r.warnings)
            problems += _error_rows(job, phase, r.number, r.warnings, warning=True)


# -- dry run ---------------------------------------------------------------------------------
def dry_run(job_id: int) -> dict:
    """Validate every row with the import's own code, chunk by chunk, each chunk in a
    transaction that is rolled back: the same checks, nothing saved. Stores the report on
    the job. (Within a chunk a row sees the rows before it — a repeated e-mail is reported as
    an update —; across chunks it does not.)"""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ctx = Context.for_job(job)
    ImportRowError.objects.filter(job=job, phase=ImportRowError.Phase.DRY_RUN).delete()
    summary = Counter()
    problems: list[ImportRowError] = []
    phase = ImportRowError.Phase.DRY_RUN
    for chunk in _chunks(job):
        with transaction.atomic():
            results = import_chunk(job, chunk, ctx)
            transaction.set_rollback(True)
        _tally(job, phase, results, summary, problems)
        del problems[MAX_STORED_ERRORS:]
        ImportJob.objects.filter(pk=job.pk).update(dry_run_summary=_summary(summary))
    ImportRowError.objects.bulk_create(problems[:MAX_STORED_ERRORS])
    summary = _summary(summary)
    ImportJob.objects.filter(pk=job.pk).update(
        dry_run_summary=summary, status=ImportJob.Status.VALIDATED
    )
    return summary


def _summary(counts: Counter) -> dict:
    keys = ("processed", "created", "updated", "failed", "warnings")
    return {k: counts.get(k, 0) for k in keys}


# -- the import ------------------------------------------------------------------------------
def run_import(job_id: int) -> ImportJob:
    """Import the rows after the job's cursor. Safe to run twice or concurrently: each chunk
    locks the job, skips rows the cursor has passed and moves it in the same transaction."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return job
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=job.started_at or timezone.now()
    )
    ctx = Context.for_job(job)
    for chunk in _chunks(job, after=job.row_cursor):
        _import_batch(job, chunk, ctx)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _import_batch(job: ImportJob, batch, ctx: Context) -> None:
    """One chunk and the cursor past it, in one transaction: a crash loses both or neither."""
    phase = ImportRowError.Phase.IMPORT
    with transaction.atomic():
        locked = (
            ImportJob.objects.select_for_update().only("row_cursor", "failed_count").get(pk=job.pk)
        )  # noqa: E501
        batch = [(n, row) for n, row in batch if n > locked.row_cursor]  # done by another run
        if not batch:
            job.row_cursor = locked.row_cursor
            return
        results = import_chunk(job, batch, ctx)
        counts = Counter()
        problems: list[ImportRowError] = []
        _tally(job, phase, results, counts, problems)
        if locked.failed_count < MAX_STORED_ERRORS:
            ImportRowError.objects.bulk_create(problems, batch_size=1000)
        cursor = batch[-1][0]
        ImportJob.objects.filter(pk=job.pk).update(
            row_cursor=cursor,
            processed_rows=F("processed_rows") + counts["processed"],
            created_count=F("created_count") + counts["created"],
            updated_count=F("updated_count") + counts["updated"],
            failed_count=F("failed_count") + counts["failed"],
            duplicate_count=F("duplicate_count") + counts["duplicates"],
        )
    job.row_cursor = cursor
