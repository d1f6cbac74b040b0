"""Writes on the customer database. Pages, the API, imports and tasks all come through here,
so every change keeps its history, lands on the timeline and is checked the same way."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from . import timeline
from .models import Account, Activity, Consent, Contact

CHANGE_KIND = "change"
timeline.register_kind("call", "Calls", icon="telephone")
timeline.register_kind("meeting", "Meetings", icon="people")
timeline.register_kind("task", "Tasks", icon="check2-square")
timeline.register_kind("note", "Notes", icon="sticky")
timeline.register_kind("email", "E-mails", icon="envelope")
timeline.register_kind(CHANGE_KIND, "Changes", icon="pencil")
timeline.register_kind("consent", "Consent", icon="shield-check")


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


@transaction.atomic
def consent_set(
    *, contact: Contact, channel: str, status: str, method: str, by, note: str = "", at=None
) -> Consent:
    """Record a contact's opt-in/opt-out on a channel; the history keeps every earlier state."""
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
