"""Import rows into the customer database through ``accounts.services`` (history, timeline,
checks), one savepoint per row, in batches whose transaction also moves the job's cursor."""

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

from . import fields as F_
from .fields import RowErrors
from .models import ImportJob, ImportRowError
from .parsing import read_table

log = logging.getLogger(__name__)
BATCH_SIZE = 50
MAX_STORED_ERRORS = 5000  # per phase; the counts stay exact

CONTACT_FIELDS = {t.name for t in F_.CONTACT_TARGETS} - {
    "external_id",
    "account",
    "account_external_id",
    "tags",
    "consent_email",
    "consent_phone",
    "consent_sms",
}
ACCOUNT_FIELDS = {t.name for t in F_.ACCOUNT_TARGETS} - {
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

    @classmethod
    def for_user(cls, user, note=""):
        team_ids = user.team_ids
        team = Team.objects.filter(pk=min(team_ids)).first() if team_ids else None
        return cls(user=user, team=team, note=note)


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


def import_contact(values: dict, ctx: Context) -> Outcome:
    values = dict(values)
    user = ctx.user
    external_id = values.pop("external_id", "")
    tags = values.pop("tags", None)
    consents = {ch: values.pop(k) for k, ch in CONSENT_CHANNELS.items() if k in values}
    account_name = values.pop("account", "")
    account_ext = values.pop("account_external_id", "")

    existing = None
    if external_id:
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
            names = ", ".join(f"“{d}” (#{d.pk})" for d in dups)
            warnings.append(("", f"possible duplicate of {names}"))
    return Outcome("updated" if existing else "created", contact, warnings)


def import_account(values: dict, ctx: Context) -> Outcome:
    values = dict(values)
    user = ctx.user
    external_id = values.pop("external_id", "")
    tags = values.pop("tags", None)
    parent_name = values.pop("parent", "")
    parent_ext = values.pop("parent_external_id", "")

    existing = None
    if external_id:
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
            names = ", ".join(f"“{d}” (#{d.pk})" for d in dups)
            warnings.append(("", f"possible duplicate of {names}"))
    return Outcome("updated" if existing else "created", account, warnings)


IMPORTERS = {"contact": import_contact, "account": import_account}


def import_row(kind: str, mapping: dict, row: dict, ctx: Context) -> Outcome:
    """Convert and save one row in its own savepoint: all of it or nothing."""
    values = F_.convert(kind, mapping, row)
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


# -- dry run ---------------------------------------------------------------------------------
def dry_run(job_id: int) -> dict:
    """Validate every row by importing it in a savepoint that is rolled back: the same code,
    the same checks, nothing saved. Stores the report on the job."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ctx = Context.for_user(job.user, note=f"Import of {job.file_name}")
    ImportRowError.objects.filter(job=job, phase=ImportRowError.Phase.DRY_RUN).delete()
    summary = Counter()
    problems: list[ImportRowError] = []
    phase = ImportRowError.Phase.DRY_RUN
    for number, row in _rows(job):
        with transaction.atomic():
            try:
                outcome = import_row(job.kind, job.mapping, row, ctx)
                summary[outcome.action] += 1
                if outcome.warnings:
                    summary["warnings"] += 1
                    problems += _error_rows(job, phase, number, outcome.warnings, warning=True)
            except RowErrors as exc:
                summary["failed"] += 1
                problems += _error_rows(job, phase, number, exc.errors)
            transaction.set_rollback(True)
        summary["processed"] += 1
        if summary["processed"] % 200 == 0:
            ImportJob.objects.filter(pk=job.pk).update(dry_run_summary=dict(summary))
    ImportRowError.objects.bulk_create(problems[:MAX_STORED_ERRORS])
    summary = {"processed": 0, "created": 0, "updated": 0, "failed": 0, "warnings": 0, **summary}
    ImportJob.objects.filter(pk=job.pk).update(
        dry_run_summary=summary, status=ImportJob.Status.VALIDATED
    )
    return summary


# -- the import ------------------------------------------------------------------------------
def run_import(job_id: int) -> ImportJob:
    """Import the rows after the job's cursor. Safe to run twice or concurrently: each batch
    locks the job, skips rows the cursor has passed and moves it in the same transaction."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return job
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=job.started_at or timezone.now()
    )
    ctx = Context.for_user(job.user, note=f"Import of {job.file_name}")
    batch: list[tuple[int, dict]] = []
    for number, row in _rows(job):
        if number <= job.row_cursor:
            continue
        batch.append((number, row))
        if len(batch) >= BATCH_SIZE:
            _import_batch(job, batch, ctx)
            batch = []
    if batch:
        _import_batch(job, batch, ctx)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _import_batch(job: ImportJob, batch, ctx: Context) -> None:
    phase = ImportRowError.Phase.IMPORT
    with transaction.atomic():
        locked = (
            ImportJob.objects.select_for_update().only("row_cursor", "failed_count").get(pk=job.pk)
        )  # noqa: E501
        counts = Counter()
        problems: list[ImportRowError] = []
        cursor = locked.row_cursor
        for number, row in batch:
            if number <= cursor:
                continue  # another delivery of the task did this row already
            try:
                outcome = import_row(job.kind, job.mapping, row, ctx)
                counts[outcome.action] += 1
                if outcome.warnings:
                    counts["duplicates"] += any("duplicate" in m for _, m in outcome.warnings)
                    problems += _error_rows(job, phase, number, outcome.warnings, warning=True)
            except RowErrors as exc:
                counts["failed"] += 1
                problems += _error_rows(job, phase, number, exc.errors)
            counts["processed"] += 1
            cursor = number
        if locked.failed_count < MAX_STORED_ERRORS:
            ImportRowError.objects.bulk_create(problems)
        ImportJob.objects.filter(pk=job.pk).update(
            row_cursor=cursor,
            processed_rows=F("processed_rows") + counts["processed"],
            created_count=F("created_count") + counts["created"],
            updated_count=F("updated_count") + counts["updated"],
            failed_count=F("failed_count") + counts["failed"],
            duplicate_count=F("duplicate_count") + counts["duplicates"],
        )
    job.row_cursor = cursor
