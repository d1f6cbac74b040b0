"""Writes on the customer database. Pages, the API, imports and tasks all come through here,
so every change keeps its history, lands on the timeline and is checked the same way."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core import bulk
from core.assignment import owner_team_id

from . import timeline
from .models import Account, Activity, Consent, Contact, ContactPoint

CHANGE_KIND = "change"


def _changed_fields(instance, data: dict) -> dict:
    """{field: (old, new)} for the values in ``data`` that differ from the instance."""
    changes = {}
    for field, new in data.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = (old, new)
    return changes


def _describe(model, changes: dict) -> str:
    names = []
    for field in changes:
        try:
            names.append(str(model._meta.get_field(field).verbose_name))
        except Exception:  # noqa: BLE001 - a property or m2m: show its name
            names.append(field)
    return ", ".join(names)


def _save(instance, data: dict, *, by, created: bool):
    changes = _changed_fields(instance, data) if not created else {}
    for field, value in data.items():
        setattr(instance, field, value)
    instance._history_user = by  # simple-history: who changed it
    instance.full_clean(exclude=["tags"])  # hasattr(tags) raises on an unsaved instance
    instance.save()
    return changes


# -- accounts ---------------------------------------------------------------------------------
@transaction.atomic
def account_save(*, account: Account | None = None, data: dict, by, tags=None) -> Account:
    created = account is None
    account = account or Account()
    if created and not data.get("team") and data.get("owner"):
        data = {**data, "team_id": owner_team_id(data["owner"])}
    changes = _save(account, data, by=by, created=created)
    if tags is not None:
        account.tags.set(tags, clear=True)
    if created:
        timeline.record(subject=account, kind=CHANGE_KIND, title="Account created",
                        account=account, actor=by)  # fmt: skip
    elif changes:
        timeline.record(subject=account, kind=CHANGE_KIND, account=account, actor=by,
                        title=f"Changed {_describe(Account, changes)}")  # fmt: skip
    return account


# -- contacts ---------------------------------------------------------------------------------
@transaction.atomic
def contact_save(*, contact: Contact | None = None, data: dict, by, tags=None) -> Contact:
    created = contact is None
    contact = contact or Contact()
    if created and not data.get("team") and data.get("account"):
        data = {**data, "team": data["account"].team}
    if created and not data.get("team") and data.get("owner"):
        data = {**data, "team_id": owner_team_id(data["owner"])}
    changes = _save(contact, data, by=by, created=created)
    if tags is not None:
        contact.tags.set(tags, clear=True)
    if created:
        timeline.record(subject=contact, kind=CHANGE_KIND, title=f"Contact {contact} added",
                        contact=contact, actor=by)  # fmt: skip
    elif changes:
        timeline.record(subject=contact, kind=CHANGE_KIND, contact=contact, actor=by,
                        title=f"{contact}: changed {_describe(Contact, changes)}")  # fmt: skip
    return contact


def _ensure_not_erased(contact: Contact) -> None:
    """After an erasure request nothing personal is recorded about the contact again."""
    if contact.erased_at:
        raise ValidationError("This contact's personal data was erased on request.")


@transaction.atomic
def consent_set(
    *, contact: Contact, channel: str, status: str, method: str, by, note: str = "", at=None
) -> Consent:
    """Record a contact's opt-in/opt-out on a channel; the history keeps every earlier state."""
    _ensure_not_erased(contact)
    consent = Consent.objects.select_for_update().filter(contact=contact, channel=channel).first()
    consent = consent or Consent(contact=contact, channel=channel)
    consent.status, consent.method, consent.note = status, method, note
    consent.recorded_at = at or timezone.now()
    consent._history_user = by
    consent.save()
    timeline.record(
        subject=contact,
        kind="consent",
        title=f"{consent.get_channel_display()}: {consent.get_status_display()} "
        f"({consent.get_method_display()})",
        contact=contact,
        actor=by,
    )
    return consent


# -- further e-mails and phones ---------------------------------------------------------------
@transaction.atomic
def contact_point_add(*, contact: Contact, kind: str, value: str, label: str = "", by):
    _ensure_not_erased(contact)
    point = ContactPoint(contact=contact, kind=kind, value=value.strip(), label=label.strip())
    point.full_clean()
    point.save()
    what = f"{point.get_kind_display().lower()} {point.value}"
    timeline.record(subject=contact, kind=CHANGE_KIND, contact=contact, actor=by,
                    title=f"{contact}: added {what}")  # fmt: skip
    return point


@transaction.atomic
def contact_point_remove(*, point: ContactPoint, by) -> None:
    contact = point.contact
    point.delete()
    what = f"{point.get_kind_display().lower()} {point.value}"
    timeline.record(subject=contact, kind=CHANGE_KIND, contact=contact, actor=by,
                    title=f"{contact}: removed {what}")  # fmt: skip


@transaction.atomic
def contact_point_make_primary(*, point: ContactPoint, by) -> Contact:
    """Swap a further e-mail/phone with the primary one (kept as a further one)."""
    contact = Contact.objects.select_for_update().get(pk=point.contact_id)
    _ensure_not_erased(contact)
    field = "email" if point.kind == ContactPoint.Kind.EMAIL else "phone"
    old = getattr(contact, field)
    new = point.value
    if old:
        point.value, point.label = old, ""
        point.save(update_fields=["value", "label"])
    else:
        point.delete()
    return contact_save(contact=contact, data={field: new}, by=by)


# -- activities -------------------------------------------------------------------------------
def _activity_title(activity: Activity) -> str:
    return f"{activity.get_kind_display()}: {activity.subject}"


@transaction.atomic
def activity_save(*, activity: Activity | None = None, data: dict, by) -> Activity:
    created = activity is None
    activity = activity or Activity()
    if data.get("done") and not (activity.done_at or data.get("done_at")):
        data = {**data, "done_at": timezone.now()}
    if "done" in data and not data["done"]:
        data = {**data, "done_at": None}
    contact = data.get("contact")
    if contact is not None and contact.account_id and not data.get("account"):
        # An activity with a contact belongs to the contact's account (as it is now): the
        # account's figures and timeline then need no join through contacts.
        data = {**data, "account": contact.account}
    if created and not data.get("team") and data.get("account"):
        data = {**data, "team": data["account"].team}
    _save(activity, data, by=by, created=created)
    if created:
        timeline.record(
            subject=activity,
            kind=activity.kind,
            title=_activity_title(activity),
            summary=activity.body[:500],
            account=activity.account,
            contact=activity.contact,
            actor=by,
            occurred_at=activity.starts_at or activity.created_at,
        )
    else:
        activity_sync_timeline(activity)
    return activity


def activity_sync_timeline(activity: Activity) -> None:
    """Keep the activity's timeline entry in step with its subject, time and links."""
    from django.contrib.contenttypes.models import ContentType

    from .models import TimelineEntry

    TimelineEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(Activity), subject_id=activity.pk
    ).update(
        title=_activity_title(activity)[:255],
        summary=activity.body[:500],
        occurred_at=activity.starts_at or activity.created_at,
        account_id=activity.account_id
        or (activity.contact.account_id if activity.contact_id else None),
        contact_id=activity.contact_id,
        kind=activity.kind,
    )


@transaction.atomic
def activity_complete(*, activity: Activity, by, outcome: str = "") -> Activity:
    data = {"done": True}
    if outcome:
        data["outcome"] = outcome
    return activity_save(activity=activity, data=data, by=by)


@transaction.atomic
def activity_delete(*, activity: Activity, by) -> None:
    """Delete an activity and its timeline entry; the history keeps who deleted it."""
    from django.contrib.contenttypes.models import ContentType

    from .models import TimelineEntry

    TimelineEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(Activity), subject_id=activity.pk
    ).delete()
    activity._history_user = by
    activity.delete()


# -- duplicates -------------------------------------------------------------------------------
def duplicate_contacts(*, email="", phone="", first_name="", last_name="", account=None,
                       exclude_pk=None, limit=5):  # fmt: skip
    """Contacts that look like the same person: same e-mail, same phone, or a similar name
    in the same account (trigram similarity)."""
    from django.contrib.postgres.search import TrigramSimilarity

    condition = Q()
    if email:
        condition |= Q(email_lower=email.strip().lower())
    if phone:
        condition |= Q(phone=phone.strip())
    qs = Contact.objects.annotate(email_lower=Lower("email"))
    results = list(qs.filter(condition).exclude(pk=exclude_pk)[:limit]) if condition else []
    if last_name and account is not None:
        name = f"{first_name} {last_name}".strip().lower()
        similar = (
            Contact.objects.filter(account=account)
            .exclude(pk=exclude_pk)
            .annotate(similarity=TrigramSimilarity(Lower("last_name"), last_name.lower()))
            .filter(similarity__gte=0.5)
            .order_by("-similarity")[:limit]
        )
        seen = {c.pk for c in results}
        results += [
            c
            for c in similar
            if c.pk not in seen and _name_similar(f"{c.first_name} {c.last_name}".lower(), name)
        ]
    return results[:limit]


def _name_similar(a: str, b: str) -> bool:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio() >= 0.75


def duplicate_accounts(*, name="", email="", website="", exclude_pk=None, limit=5):
    from django.contrib.postgres.search import TrigramSimilarity

    condition = Q()
    if email:
        condition |= Q(email__iexact=email.strip())
    if website:
        condition |= Q(website__iexact=website.strip())
    results = (
        list(Account.objects.filter(condition).exclude(pk=exclude_pk)[:limit]) if condition else []
    )
    if name:
        seen = {a.pk for a in results}
        similar = (
            Account.objects.annotate(
                lname=Lower("name"), similarity=TrigramSimilarity(Lower("name"), name.lower())
            )
            .filter(lname__trigram_similar=name.lower(), similarity__gte=0.6)  # GIN index: %
            .exclude(pk=exclude_pk)
            .order_by("-similarity")[:limit]
        )
        results += [a for a in similar if a.pk not in seen]
    return results[:limit]


# -- bulk writes (large imports) ---------------------------------------------------------------
# The same records as contact_save / account_save / consent_set — one history row per saved
# state with ``by`` as history_user, one timeline entry per created or changed record — written
# with a few set-based statements (COPY for the many rows: contacts, their history, timeline
# entries, consents). The caller has validated the instances and runs these inside its
# transaction. No model signals are sent (the project has no receivers for these models).
def _update(model, objs: list, names: list[str]) -> None:
    """UPDATE the named fields of saved instances: COPY their values into a temporary table,
    then one UPDATE … FROM it (Django's bulk_update builds a CASE per field and row)."""
    from django.db import connection

    qn = connection.ops.quote_name
    pk = model._meta.pk
    fields = [model._meta.get_field(n) for n in names]
    columns = [pk.column, *(f.column for f in fields)]
    table, tmp = qn(model._meta.db_table), qn(f"import_upd_{model._meta.db_table}")
    # identifiers only, from the model's meta, quoted: no values in these strings
    names_sql = ", ".join(qn(c) for c in columns)
    create = (
        f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {names_sql} FROM {table} WITH NO DATA"  # noqa: E501, S608
    )
    with connection.cursor() as cursor:
        cursor.execute(create)
    attnames = [pk.attname, *(f.attname for f in fields)]
    bulk.copy_into(tmp, columns, (tuple(getattr(o, a) for a in attnames) for o in objs))
    sets = ", ".join(f"{qn(f.column)} = u.{qn(f.column)}" for f in fields)
    with connection.cursor() as cursor:
        key = qn(pk.column)
        cursor.execute(f"UPDATE {table} AS t SET {sets} FROM {tmp} AS u WHERE t.{key} = u.{key}")  # noqa: E501, S608
        cursor.execute(f"DROP TABLE {tmp}")


def _history(model, objs: list, *, by, now, history_type: str) -> None:
    """One simple-history row per instance ("+" created, "~" changed), by ``by``."""
    historical = model.history.model
    tracked = {f.attname for f in historical.tracked_fields}
    extra = {"history_date": now, "history_change_reason": None,
             "history_type": history_type, "history_user_id": by.pk}  # fmt: skip
    fields = [f for f in historical._meta.concrete_fields if f.attname != "history_id"]
    assert all(f.attname in tracked or f.attname in extra for f in fields), fields
    bulk.copy_rows(
        historical,
        [f.column for f in fields],
        (
            tuple(
                getattr(o, f.attname) if f.attname in tracked else extra[f.attname] for f in fields
            )  # fmt: skip
            for o in objs
        ),
    )


def _bulk_timeline(rows: list[tuple], *, by, now) -> None:
    """rows: (subject, kind, title, account_id, contact_id); the entries timeline.record
    writes for them."""
    from django.contrib.contenttypes.models import ContentType

    from .models import TimelineEntry

    per_model = {}  # model -> (content type id, url of the record with pk _SENTINEL_PK)

    def facts(subject):
        model = type(subject)
        if model not in per_model:
            url = timeline._url_of(model(pk=_SENTINEL_PK))
            per_model[model] = (ContentType.objects.get_for_model(model).pk, url)
        return per_model[model]

    def entries():
        for subject, kind, title, account_id, contact_id in rows:
            subject_type_id, url = facts(subject)
            if str(_SENTINEL_PK) in url:  # reverse() once per model, not once per record
                url = url.replace(str(_SENTINEL_PK), str(subject.pk))
            else:
                url = timeline._url_of(subject)
            yield (now, kind, title[:255], "", url, account_id, contact_id, by.pk,
                   subject_type_id, subject.pk, TimelineEntry.Access.CUSTOMER.value, None,
                   None)  # fmt: skip

    columns = ["occurred_at", "kind", "title", "summary", "url", "account_id", "contact_id",
               "actor_id", "subject_type_id", "subject_id", "access_kind", "owner_id",
               "team_id"]  # fmt: skip
    bulk.copy_rows(TimelineEntry, columns, entries())


_SENTINEL_PK = 987654321987654321


def account_bulk_create(accounts: list[Account], *, by) -> list[Account]:
    """Create validated, unsaved accounts as ``account_save`` would, in bulk."""
    from simple_history.utils import bulk_create_with_history

    if not accounts:
        return []
    now = timezone.now()
    accounts = bulk_create_with_history(accounts, Account, batch_size=1000, default_user=by,
                                        default_date=now)  # fmt: skip
    _bulk_timeline([(a, CHANGE_KIND, "Account created", a.pk, None) for a in accounts],
                   by=by, now=now)  # fmt: skip
    return accounts


def contact_bulk_save(*, created: list[Contact], changed: list[tuple[Contact, dict]], by) -> None:
    """Save validated contacts as ``contact_save`` would, in bulk: ``created`` are unsaved
    instances (they get their pks), ``changed`` are (saved instance with its new values set,
    {field: (old, new)}). Contacts whose values did not change are not passed (nothing to
    save or record)."""
    now = timezone.now()
    rows = []
    if created:
        for contact in created:
            contact.created_at = contact.updated_at = now  # auto_now(_add): no pre_save here
        bulk.insert(Contact, created)
        _history(Contact, created, by=by, now=now, history_type="+")
        rows += [(c, CHANGE_KIND, f"Contact {c} added", c.account_id, c.pk) for c in created]
    if changed:
        fields = sorted({Contact._meta.get_field(f).name for _, ch in changed for f in ch})
        contacts = [c for c, _ in changed]
        for contact in contacts:
            contact.updated_at = now
        _update(Contact, contacts, [*fields, "updated_at"])
        _history(Contact, contacts, by=by, now=now, history_type="~")
        rows += [
            (c, CHANGE_KIND, f"{c}: changed {_describe(Contact, ch)}", c.account_id, c.pk)
            for c, ch in changed
        ]
    _bulk_timeline(rows, by=by, now=now)


def consent_bulk_set(consents: list[Consent], *, by) -> None:
    """Record opt-ins/opt-outs as ``consent_set`` would, in bulk: ``consents`` are new
    (unsaved) or locked existing rows with status, method, note and recorded_at set, and
    ``contact`` set to the contact instance."""
    if not consents:
        return
    now = timezone.now()
    new = [c for c in consents if c.pk is None]
    old = [c for c in consents if c.pk is not None]
    if new:
        bulk.insert(Consent, new)
        _history(Consent, new, by=by, now=now, history_type="+")
    if old:
        _update(Consent, old, ["status", "method", "note", "recorded_at"])
        _history(Consent, old, by=by, now=now, history_type="~")
    _bulk_timeline(
        [
            (c.contact, "consent", f"{c.get_channel_display()}: {c.get_status_display()} "
             f"({c.get_method_display()})", c.contact.account_id, c.contact_id)
            for c in consents
        ],
        by=by,
        now=now,
    )  # fmt: skip
