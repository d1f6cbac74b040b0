"""The fast path of a contact import: one chunk of rows (up to a few thousand) in a few
set-based statements instead of a savepoint and a dozen queries per row.

The result is the one ``services.import_contact`` gives row after row:

- each row is converted and validated as before (``conversion.convert``, the model's
  ``full_clean``, the same permission check), and a rejected row is reported and touches
  nothing — its new account is not created either;
- existing contacts are found by external id, else by e-mail (case-insensitive, merged ones
  left out, two matches refuse the row), accounts by external id or name, all with one query
  per kind for the whole chunk; missing accounts are created in bulk;
- rows that depend on an earlier row of the same chunk (same external id, same e-mail, the
  same existing contact) wait for a next round inside the same transaction, which sees the
  earlier row's contact: a file that names one person twice updates, it does not duplicate;
- history rows (history_user = the importing user), timeline entries and consents are written
  through ``accounts.services``' bulk functions;
- the duplicate warning is set-based: same e-mail or same phone as a contact that existed
  before (the trigram "similar name in the same account" check of the row-by-row path is not
  run here).

The caller runs this inside a savepoint; a database error (a constraint the checks did not
foresee, a concurrent insert) rolls the chunk back and the caller redoes it row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from accounts import services as customer
from accounts.models import Account, Consent, Contact

from . import conversion
from .conversion import RowErrors

# Checked by the import itself (set-based) rather than by a query per row in full_clean.
NOT_CLEANED = ["tags", "owner", "team", "account", "merged_into"]


@dataclass
class RowResult:
    number: int
    action: str | None = None  # created, updated; None: rejected
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    values: dict
    result: RowResult
    record_id: int | None = None
    external_id: str = ""
    email_key: str = ""
    account_name: str = ""
    account_ext: str = ""
    tags: list | None = None
    consents: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    existing: Contact | None = None
    contact: Contact | None = None
    changes: dict = field(default_factory=dict)
    new_account_key: str = ""


def import_contacts(rows: list[tuple[int, dict]], mapping: dict, ctx) -> list[RowResult]:
    """Import one chunk of (file row number, row); returns one result per row, in order."""
    results, pending = [], []
    for number, raw in rows:
        result = RowResult(number)
        results.append(result)
        try:
            values = conversion.convert("contact", mapping, raw, date_order=ctx.date_order)
        except RowErrors as exc:
            result.errors = exc.errors
            continue
        pending.append(_split(number, values, result))
    while pending:  # rounds: rows that depend on an earlier row of this round wait
        pending = _round(pending, ctx)
    return results


def _split(number: int, values: dict, result: RowResult) -> _Row:
    from .services import CONSENT_CHANNELS, CONTACT_FIELDS

    values = dict(values)
    row = _Row(number, values, result)
    row.record_id = values.pop("id", None)
    row.external_id = values.pop("external_id", "")
    row.tags = values.pop("tags", None)
    row.consents = {ch: values.pop(k) for k, ch in CONSENT_CHANNELS.items() if k in values}
    row.account_name = values.pop("account", "")
    row.account_ext = values.pop("account_external_id", "")
    row.data = {k: v for k, v in values.items() if k in CONTACT_FIELDS}
    row.email_key = (row.data.get("email") or "").lower()
    return row


def _lookups(rows: list[_Row]):
    ext_ids = {r.external_id for r in rows if r.external_id}
    emails = {r.email_key for r in rows if not r.external_id and r.email_key}
    by_ext = {c.external_id: c for c in Contact.objects.filter(external_id__in=ext_ids)}
    by_pk = Contact.objects.in_bulk([r.record_id for r in rows if r.record_id is not None])
    by_email: dict[str, list[Contact]] = {}
    if emails:
        found = (
            Contact.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=emails, merged_into__isnull=True)
            .order_by("pk")
        )
        for c in found:
            by_email.setdefault(c.email_key, []).append(c)
    account_exts = {r.account_ext for r in rows if r.account_ext}
    accounts_by_ext = {
        a.external_id: a for a in Account.objects.filter(external_id__in=account_exts)
    }
    names = {r.account_name.upper() for r in rows if r.account_name and not r.account_ext}
    accounts_by_name: dict[str, Account] = {}
    if names:
        found = (
            Account.objects.annotate(name_key=Upper("name"))
            .filter(name_key__in=names, merged_into__isnull=True)
            .order_by("pk")
        )
        for a in found:
            accounts_by_name.setdefault(a.name_key, a)  # the oldest, as name__iexact .first()
    return by_pk, by_ext, by_email, accounts_by_ext, accounts_by_name


def _round(rows: list[_Row], ctx) -> list[_Row]:
    user = ctx.user
    by_pk, by_ext, by_email, accounts_by_ext, accounts_by_name = _lookups(rows)
    touched: set = set()
    later: list[_Row] = []
    now_rows: list[_Row] = []
    for row in rows:
        existing = None
        problem = None
        if row.record_id is not None:
            existing = by_pk.get(row.record_id)
            if existing is None:
                problem = ("id", f"no contact with ID {row.record_id} in this CRM")
        elif row.external_id:
            existing = by_ext.get(row.external_id)
        elif row.email_key:
            matches = by_email.get(row.email_key, [])
            if len(matches) > 1:
                problem = (
                    "email",
                    f"{len(matches)} contacts have this e-mail already; "
                    "add an external id column to say which one",
                )
            existing = matches[0] if matches else None
        keys = {("x", row.external_id), ("e", row.email_key)} - {("x", ""), ("e", "")}
        if existing is not None:
            keys |= {("p", existing.pk), ("e", (existing.email or "").lower())}
        if keys & touched:
            later.append(row)  # needs what an earlier row of this chunk writes
            touched |= keys
            continue
        touched |= keys
        if problem:
            row.result.errors = [problem]
            continue
        row.existing = existing
        now_rows.append(row)

    new_accounts: dict[str, Account] = {}  # upper(name) -> unsaved account
    valid: list[_Row] = []
    for row in now_rows:
        try:
            _prepare(row, ctx, accounts_by_ext, accounts_by_name, new_accounts)
        except RowErrors as exc:
            row.result.errors = exc.errors
            continue
        valid.append(row)

    # New accounts: only those a valid row uses; the first such row is told.
    used = {}
    for row in valid:
        if row.new_account_key and row.new_account_key not in used:
            used[row.new_account_key] = row
            row.result.warnings.append(("account", f"new account “{row.account_name}” created"))
    customer.account_bulk_create([new_accounts[k] for k in used], by=user)  # sets their pks
    for row in valid:
        if row.new_account_key:
            row.contact.account = new_accounts[row.new_account_key]

    created = [r.contact for r in valid if r.existing is None]
    changed = [(r.contact, r.changes) for r in valid if r.existing is not None and r.changes]
    customer.contact_bulk_save(created=created, changed=changed, by=user)
    for row in valid:
        row.result.action = "updated" if row.existing is not None else "created"
        if row.tags is not None:  # rare column: per row, as contact_save does
            row.contact.tags.set(row.tags, clear=True)
    _consents(valid, ctx)
    new_rows = [r for r in valid if r.existing is None]
    for row in new_rows:
        ctx.created[("contact", row.contact.pk)] = row.number
    _duplicate_warnings(new_rows, ctx)
    return later


def _prepare(row: _Row, ctx, accounts_by_ext, accounts_by_name, new_accounts) -> None:
    """The checks and values of ``import_contact``, on an unsaved or in-memory instance."""
    from .services import _may_change, _validation_errors

    user, existing = ctx.user, row.existing
    if existing is not None:
        _may_change(user, existing)
    data = dict(row.data)
    account = None
    if row.account_ext:
        account = accounts_by_ext.get(row.account_ext)
        if account is None:
            raise RowErrors(
                [("account_external_id", f"no account with external id “{row.account_ext}”")]
            )
    elif row.account_name:
        key = row.account_name.upper()
        account = accounts_by_name.get(key)
        if account is None:
            account = new_accounts.get(key)
            if account is None:
                account = Account(name=row.account_name, owner=user, team=ctx.team)
                try:
                    # its check constraints are about parent and revenue, both unset here
                    account.full_clean(
                        exclude=["tags", "owner", "team", "parent", "merged_into"],
                        validate_unique=False,
                        validate_constraints=False,
                    )
                except ValidationError as exc:
                    raise _validation_errors(exc) from exc
                new_accounts[key] = account
            row.new_account_key = key
    contact = existing if existing is not None else Contact()
    if existing is None:
        data.setdefault("owner", user)
        if "team" not in data:  # the account's team (by id: no query), else the user's
            if account is not None and account.team_id:
                data["team_id"] = account.team_id
            else:
                data["team"] = ctx.team
        if row.external_id:
            data["external_id"] = row.external_id
    # What contact_save's _changed_fields sees, comparing ids rather than loading relations.
    changes = {}
    if existing is not None:
        for name, new in data.items():
            old = getattr(existing, name)
            if old != new:
                changes[name] = (old, new)
        if account is not None and account.pk != existing.account_id:
            changes["account"] = (existing.account_id, account)
    for name, value in data.items():
        setattr(contact, name, value)
    if account is not None and account.pk is not None:
        contact.account = account
    try:
        contact.full_clean(exclude=NOT_CLEANED, validate_unique=False)
    except ValidationError as exc:
        raise _validation_errors(exc) from exc
    row.contact, row.changes = contact, changes


def _consents(rows: list[_Row], ctx) -> None:
    wanted = [(r, ch, opted) for r in rows for ch, opted in r.consents.items()]
    if not wanted:
        return
    updated_ids = [r.contact.pk for r in rows if r.existing is not None and r.consents]
    current = {}
    if updated_ids:
        for c in Consent.objects.select_for_update().filter(contact_id__in=updated_ids):
            current[(c.contact_id, c.channel)] = c
    now = timezone.now()
    note = ctx.note[:255]
    out, seen = [], set()
    for row, channel, opted_in in wanted:
        status = Consent.Status.OPTED_IN if opted_in else Consent.Status.OPTED_OUT
        consent = current.get((row.contact.pk, channel))
        if consent is not None and consent.status == status:
            continue
        consent = consent or Consent(channel=channel)
        consent.contact = row.contact
        consent.status, consent.method, consent.note = status, Consent.Method.IMPORT, note
        consent.recorded_at = now
        if (row.contact.pk, channel) not in seen:
            seen.add((row.contact.pk, channel))
            out.append(consent)
    customer.consent_bulk_set(out, by=ctx.user)


def _duplicate_warnings(rows: list[_Row], ctx) -> None:
    """Same e-mail or same phone as a contact that existed before the row's own, or — for a
    row with neither e-mail nor id, which nothing could match — the same first and last name
    (the row-by-row path also finds similar names in the same account by trigram; not here)."""
    if not rows:
        return
    emails = {r.contact.email.strip().lower() for r in rows if r.contact.email}
    phones = {r.contact.phone.strip() for r in rows if r.contact.phone}
    unmatched = {r.number for r in rows if not r.contact.email and not r.external_id}
    names = {_name_key(r.contact) for r in rows if r.number in unmatched}
    if not emails and not phones and not names:
        return
    from django.db.models import Q

    condition = Q()
    if emails:
        condition |= Q(email_key__in=emails)
    if phones:
        condition |= Q(phone__in=phones)
    for first, last in names:
        condition |= Q(first_key=first, last_key=last)
    candidates = (
        Contact.objects.annotate(
            email_key=Lower("email"), first_key=Lower("first_name"), last_key=Lower("last_name")
        )
        .filter(condition, merged_into__isnull=True)
        .only("pk", "first_name", "last_name", "email", "phone")
        .order_by("last_name", "first_name", "pk")
    )
    by_email, by_phone, by_name = {}, {}, {}
    for c in candidates:
        if c.email_key:
            by_email.setdefault(c.email_key, []).append(c)
        if c.phone:
            by_phone.setdefault(c.phone, []).append(c)
        by_name.setdefault((c.first_key, c.last_key), []).append(c)
    for row in rows:
        me = row.contact
        found, seen = [], {me.pk}
        email = me.email.strip().lower() if me.email else ""
        phone = me.phone.strip() if me.phone else ""
        same_name = by_name.get(_name_key(me), []) if row.number in unmatched else []
        for c in by_email.get(email, []) + by_phone.get(phone, []) + same_name:
            if c.pk not in seen and c.pk < me.pk:  # existed when this row was saved
                seen.add(c.pk)
                found.append(c)
        if found:
            message = f"possible duplicate of {ctx.describe('contact', found[:3])}"
            if row.number in unmatched:
                message += " (no e-mail or id to match an existing contact: a new one is made)"
            row.result.warnings.append(("", message))


def _name_key(contact: Contact) -> tuple[str, str]:
    return ((contact.first_name or "").lower(), (contact.last_name or "").lower())
