"""A lead's entries on the 360° timeline (kind ``lead``, sales access: only those who may see
the lead see them). Before conversion they hang on the lead alone (the lead page lists them);
conversion attaches them to the account and contact the lead became."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from accounts import timeline
from accounts.models import TimelineEntry

from ..models import Lead

KIND = "lead"


def register() -> None:
    timeline.register_kind(KIND, "Leads", icon="person-plus")


def lead_type() -> ContentType:
    return ContentType.objects.get_for_model(Lead)


def record(lead: Lead, title: str, *, by=None, summary: str = "") -> TimelineEntry:
    return timeline.record(
        subject=lead,
        kind=KIND,
        title=title,
        summary=summary,
        account=lead.converted_account_id,
        contact=lead.converted_contact_id,
        actor=by,
        access_kind=TimelineEntry.Access.SALES,
        owner=lead.owner_id,
        team=lead.team_id,
    )


def entries_of(lead: Lead):
    return TimelineEntry.objects.filter(subject_type=lead_type(), subject_id=lead.pk)


def follow(lead: Lead) -> None:
    """The lead's entries take its current owner, team and conversion targets."""
    entries_of(lead).update(
        owner_id=lead.owner_id,
        team_id=lead.team_id,
        account_id=lead.converted_account_id,
        contact_id=lead.converted_contact_id,
    )


def follow_many(lead_ids: list[int]) -> None:
    """The same for many leads in one statement (bulk assignment)."""
    if not lead_ids:
        return
    qn = connection.ops.quote_name
    entries, leads = qn(TimelineEntry._meta.db_table), qn(Lead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {entries} AS e SET owner_id = l.owner_id, team_id = l.team_id "  # noqa: S608 - identifiers from the models
            f"FROM {leads} AS l WHERE e.subject_type_id = %s AND e.subject_id = l.id "
            "AND l.id = ANY(%s::bigint[])",
            [lead_type().pk, list(lead_ids)],
        )
