"""A person's rights: what we hold about a contact (export), and erasure on request.

The export holds the person's own data in full (the contact row, further e-mails and phones,
accounts they relate to, consents, and the history of each) and the activities and timeline
entries about them *that the exporting user may read* (``visible_to``, the one access layer):
a manager's export leaves out other teams' deals, quotes and orders and other queues'
tickets, as every other page does. An administrator reads every record, so theirs is the
complete answer to a data-subject request; the file says which it is (``scope``).

Erasure anonymises instead of deleting: the contact row stays (without personal data) so
activities, tickets and accounting records that point at it keep their links and figures.
Personal values are also scrubbed from the contact's history rows, its timeline entries and
the text of its activities (and their history)."""

from __future__ import annotations

import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Func, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.access import active_role
from users.roles import Role

from . import timeline
from .models import Activity, Consent, Contact, TimelineEntry
from .services import CHANGE_KIND

ERASED = "[erased]"
# Personal fields and the value they get on erasure.
PERSONAL = {
    "salutation": "",
    "first_name": "",
    "last_name": ERASED,
    "title": "",
    "department": "",
    "email": "",
    "phone": "",
    "mobile": "",
    "mailing_street": "",
    "mailing_city": "",
    "mailing_postcode": "",
    "mailing_region": "",
    "mailing_country": "",
    "birthday": None,
    "preferred_channel": "",
    "language": "",
    "source": "",
    "description": "",
    "external_id": None,
}
TEXT_SCRUBBED = {
    Activity: ("subject", "body", "outcome"),
    TimelineEntry: ("title", "summary"),
}


def _row(obj, exclude=()) -> dict:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in exclude
    }


def export_contact(contact: Contact, *, user) -> dict:
    """What we hold about the person that ``user`` may read, as JSON-ready data."""
    consents = list(contact.consents.all())
    consent_history = Consent.history.filter(contact_id=contact.pk).order_by("history_date")
    history = contact.history.select_related("history_user").order_by("history_date")
    activities = Activity.objects.visible_to(user).filter(contact=contact)
    entries = TimelineEntry.objects.visible_to(user).filter(contact=contact)
    complete = active_role(user) == Role.ADMIN
    return {
        "exported_at": timezone.now(),
        "exported_by": user.get_username(),
        "scope": "complete"
        if complete
        else "limited: activities and timeline entries the exporting user may read "
        "(an administrator's export holds every record)",
        "contact": {
            **_row(contact),
            "account": str(contact.account) if contact.account_id else None,
            "tags": sorted(t.name for t in contact.tags.all()),
        },
        "contact_points": [_row(p, ("contact_id",)) for p in contact.points.all()],
        "other_accounts": [
            {
                "account_id": r.account_id,
                "account": str(r.account),
                "role": r.role,
                "is_active": r.is_active,
            }  # fmt: skip
            for r in contact.relations.select_related("account")
        ],
        "consents": [
            {
                **_row(c, ("contact_id",)),
                "channel_display": c.get_channel_display(),
                "status_display": c.get_status_display(),
            }  # fmt: skip
            for c in consents
        ],
        "consent_history": [
            {**_row(h, ("contact_id",)), "history_user_id": h.history_user_id}
            for h in consent_history
        ],
        "activities": [_row(a) for a in activities.order_by("starts_at", "pk")],
        "timeline": [
            {
                "occurred_at": e.occurred_at,
                "kind": e.kind,
                "title": e.title,
                "summary": e.summary,
            }  # fmt: skip
            for e in entries.order_by("occurred_at", "pk")
        ],
        "history": [
            {
                **_row(h, ("history_user_id",)),
                "history_user": h.history_user.get_username() if h.history_user else None,
            }
            for h in history
        ],
    }


def export_json(contact: Contact, *, user) -> str:
    import json

    data = export_contact(contact, user=user)
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, default=str)


class _RegexpReplace(Func):
    function = "REGEXP_REPLACE"


def _terms(contact: Contact) -> list[str]:
    """The personal strings to take out of free text."""
    values = {
        f"{contact.first_name} {contact.last_name}".strip(),
        f"{contact.last_name} {contact.first_name}".strip(),
        contact.first_name,
        contact.last_name,
        contact.email,
        contact.phone,
        contact.mobile,
        contact.mailing_street,
        *contact.points.values_list("value", flat=True),
    }
    # Longest first, so a full name goes before its parts.
    return sorted((v for v in values if v and len(v) >= 3 and v != ERASED), key=len, reverse=True)


def _scrub_text(qs, fields, terms) -> None:
    if not terms:
        return
    pattern = "|".join(re.escape(t) for t in terms)
    qs.update(
        **{
            f: _RegexpReplace(Coalesce(F(f), Value("")), Value(pattern), Value(ERASED), Value("gi"))
            for f in fields
        }
    )


@transaction.atomic
def erase_contact(contact: Contact, *, by) -> Contact:
    """Anonymise the person; links for accounting (account, activities, tickets) stay."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    terms = _terms(contact)

    # Free text elsewhere that names them.
    for model, fields in TEXT_SCRUBBED.items():
        _scrub_text(model.objects.filter(contact=contact), fields, terms)
        history = getattr(model, "history", None)
        if history is not None:
            _scrub_text(history.filter(contact_id=contact.pk), fields, terms)
    _scrub_text(
        TimelineEntry.objects.filter(subject_id=contact.pk, subject_type__model="contact",
                                     subject_type__app_label="accounts"),
        ("title", "summary"), terms,
    )  # fmt: skip

    contact.points.all().delete()
    contact.tags.clear()
    Consent.objects.filter(contact=contact).update(note="")
    Consent.history.filter(contact_id=contact.pk).update(note="", history_change_reason=None)

    for name, value in PERSONAL.items():
        setattr(contact, name, value)
    contact.erased_at = timezone.now()
    contact._history_user = by
    contact._change_reason = "Personal data erased on request"
    contact.save()
    # Every earlier state of the row, too.
    contact.history.update(**PERSONAL)
    _scrub_text(contact.history.all(), ("history_change_reason",), terms)

    timeline.record(
        subject=contact, kind=CHANGE_KIND, title="Personal data erased on request",
        contact=contact, actor=by,
    )  # fmt: skip
    return contact
