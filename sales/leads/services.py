"""Every write to a lead goes through ``lead_save``: the form, the bulk edit, the API, the
public web form and imports. It validates, keeps the history on the timeline, logs and
notifies (re)assignments, recomputes the score and, for a new lead without an owner, applies
the assignment rules."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.assignment import owner_team_id
from core.notifications import notify
from users.models import Team

from ..models import AssignmentLog, Lead
from . import scoring, timeline
from .assignment import assign_leads

OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.WORKING)
# Written only by the conversion and the rules, never from data.
PROTECTED = frozenset({"converted_at", "converted_by", "converted_account",
                       "converted_contact", "converted_opportunity", "score",
                       "score_explanation", "assigned_at"})  # fmt: skip


class LeadConverted(ValidationError):
    """A converted lead is kept as it was converted."""


def _changes(lead: Lead, data: dict) -> dict:
    out = {}
    for name, new in data.items():
        old = getattr(lead, name)
        if old != new:
            out[name] = (old, new)
    return out


def _label(name: str) -> str:
    return str(Lead._meta.get_field(name).verbose_name)


def _describe(lead: Lead, changes: dict) -> str:
    if "status" in changes:
        old = Lead.Status(changes["status"][0]).label
        title = f"Status: {old} → {lead.get_status_display()}"
        if lead.status == Lead.Status.DISQUALIFIED:
            title += f" ({lead.get_disqualified_reason_display()})"
        rest = [n for n in changes if n not in ("status", "owner", "team", "disqualified_reason",
                                                "disqualified_note")]  # fmt: skip
        return title + (f"; changed {', '.join(_label(n) for n in rest)}" if rest else "")
    rest = [n for n in changes if n not in ("owner", "team")]
    return f"Changed {', '.join(_label(n) for n in rest)}" if rest else ""


def _check_status(lead: Lead) -> None:
    if lead.status == Lead.Status.DISQUALIFIED:
        if not lead.disqualified_reason:
            raise ValidationError(
                {"disqualified_reason": "Say why the lead is disqualified."}, code="required"
            )
    else:
        lead.disqualified_reason = ""
        lead.disqualified_note = ""


def _log_owner(lead: Lead, *, by, created: bool) -> None:
    """A person (not the rules) gave the lead to someone: log it and tell the new owner."""
    lead.assigned_at = timezone.now() if lead.owner_id else None
    Lead.objects.filter(pk=lead.pk).update(assigned_at=lead.assigned_at)
    AssignmentLog.objects.create(
        lead=lead,
        team_id=lead.team_id,
        owner_id=lead.owner_id,
        assigned_by=by,
        note="Owner on entry" if created else ("Assigned by hand" if lead.owner_id else
                                                "Put back in the queue"),
    )  # fmt: skip
    owner = lead.owner
    if owner is not None and owner != by:
        who = f" by {by}" if by else ""
        notify(owner, f"Lead assigned to you: {lead}",
               f"{lead} was assigned to you{who}.", lead.get_absolute_url())  # fmt: skip


def lead_save(
    *,
    lead: Lead | None = None,
    data: dict,
    by=None,
    assign: bool = True,
    responded: bool = False,
) -> Lead:
    """Create (``lead=None``) or change a lead from cleaned data (field name → value;
    ``interest`` as a list of products). ``by`` is the user (None: the public form, a task).

    ``assign=False`` leaves a new lead without owner unassigned: an import assigns its whole
    chunk afterwards with ``assign_leads``. ``responded``: the lead answered its campaign
    (the web form of a campaign), recorded as a campaign response.
    """
    data = dict(data)
    bad = PROTECTED & set(data)
    if bad:
        raise ValidationError(f"{', '.join(sorted(bad))} cannot be set directly.")
    interest = data.pop("interest", None)
    with transaction.atomic():
        created = lead is None
        if created:
            lead = Lead()
        else:
            lead = Lead.objects.select_for_update().get(pk=lead.pk)
            if lead.is_converted:
                raise LeadConverted(
                    "This lead was converted; change the account, contact or opportunity "
                    "it became instead.",
                    code="converted",
                )
        changes = {} if created else _changes(lead, data)
        for name, value in data.items():
            setattr(lead, name, value)
        if lead.owner_id and lead.team_id is None:
            # no team given: the lead follows its owner into their sales team (a rep's lead
            # created through the API is then their manager's to see as well)
            lead.team_id = owner_team_id(lead.owner, Team.Kind.SALES)
        _check_status(lead)
        lead.full_clean(exclude=["score_explanation"])
        lead.save()
        if interest is not None:
            lead.interest.set(interest)
        if created and lead.campaign_id:
            _join_campaign(lead, responded=responded, by=by)

        scoring.score_lead(lead)
        owner_changed = (created and lead.owner_id) or "owner" in changes
        if owner_changed:
            _log_owner(lead, by=by, created=created)
        if created:
            source = f" ({lead.source})" if lead.source else ""
            timeline.record(lead, f"Lead {lead} created{source}", by=by,
                            summary=lead.message[:500])  # fmt: skip
            if lead.owner_id is None and assign:
                assign_leads([lead], by=by, explain_unmatched=True)
        else:
            title = _describe(lead, changes)
            if owner_changed:
                who = lead.owner or "the queue"
                title = "; ".join(t for t in (f"Assigned to {who}", title) if t)
            elif "team" in changes:
                title = "; ".join(t for t in (f"Moved to {lead.team or 'no team'}", title) if t)
            if "owner" in changes or "team" in changes:
                timeline.follow(lead)
            if title:
                timeline.record(lead, title, by=by)
    return lead


def _join_campaign(lead: Lead, *, responded: bool, by) -> None:
    from marketing.models import CampaignMember

    status = CampaignMember.Status.RESPONDED if responded else CampaignMember.Status.SENT
    CampaignMember.objects.get_or_create(
        campaign_id=lead.campaign_id,
        lead=lead,
        defaults={
            "status": status,
            "responded_at": timezone.now() if responded else None,
            "added_by": by,
        },
    )


def set_status(
    *, lead: Lead, status: str, by, disqualified_reason: str = "", disqualified_note: str = ""
) -> Lead:
    """The quick status buttons of the lead page."""
    data = {"status": status}
    if status == Lead.Status.DISQUALIFIED:
        data.update(disqualified_reason=disqualified_reason, disqualified_note=disqualified_note)
    return lead_save(lead=lead, data=data, by=by)


def after_import(leads, *, by=None) -> int:
    """For importers that created leads with ``lead_save(..., assign=False)``: score the chunk
    and apply the assignment rules to it once. Returns how many leads got a rep."""
    leads = list(leads)
    scoring.score_leads(leads)
    return assign_leads(leads, by=by, explain_unmatched=True)


def bulk_change(leads, *, changes: dict, by) -> int:
    """The list's bulk edit: assign to a rep (the unassigned queue by hand), move to a team,
    set a status — set-based, with one log and one timeline entry per lead and one
    notification for the new owner. Converted leads are left as they are."""
    from accounts.models import TimelineEntry

    changes = {k: v for k, v in changes.items() if k in ("owner", "team", "status")}
    if changes.get("status") == Lead.Status.DISQUALIFIED:
        raise ValidationError("Disqualify leads one by one, with the reason.")
    with transaction.atomic():
        rows = list(
            Lead.objects.select_for_update(of=("self",))
            .filter(pk__in=[lead.pk for lead in leads], converted_at__isnull=True)
            .select_related("owner", "team")
            .order_by("pk")
        )
        if not rows or not changes:
            return 0
        now = timezone.now()
        update = dict(changes, updated_at=now)
        if "owner" in changes:
            update["assigned_at"] = now if changes["owner"] else None
        if "status" in changes:
            update.update(disqualified_reason="", disqualified_note="")
        Lead.objects.filter(pk__in=[r.pk for r in rows]).update(**update)

        parts = []
        if "owner" in changes:
            parts.append(f"Assigned to {changes['owner'] or 'the queue'}")
        if "team" in changes:
            parts.append(f"Moved to {changes['team']}")
        if "status" in changes:
            parts.append(f"Status: {Lead.Status(changes['status']).label}")
        title = "; ".join(parts) + " (bulk edit)"
        lead_type = timeline.lead_type()
        logs, entries = [], []
        for lead in rows:
            for name, value in changes.items():
                setattr(lead, name, value)
            if "owner" in changes or "team" in changes:
                logs.append(AssignmentLog(lead=lead, team_id=lead.team_id, owner_id=lead.owner_id,
                                          assigned_by=by, note="Bulk edit"))  # fmt: skip
            entries.append(TimelineEntry(
                subject_type=lead_type, subject_id=lead.pk, kind=timeline.KIND,
                title=f"{title[:200]}", occurred_at=now, actor=by, url=lead.get_absolute_url(),
                access_kind=TimelineEntry.Access.SALES, owner_id=lead.owner_id,
                team_id=lead.team_id,
            ))  # fmt: skip
        AssignmentLog.objects.bulk_create(logs)
        TimelineEntry.objects.bulk_create(entries)
        if "owner" in changes or "team" in changes:
            timeline.follow_many([lead.pk for lead in rows])
        owner = changes.get("owner")
        if owner is not None and owner != by:
            if len(rows) == 1:
                notify(owner, f"Lead assigned to you: {rows[0]}",
                       f"{by} assigned {rows[0]} to you.", rows[0].get_absolute_url())  # fmt: skip
            else:
                from django.urls import reverse

                notify(owner, f"{len(rows)} leads assigned to you",
                       f"{by} assigned {len(rows)} leads to you.",
                       f"{reverse('sales:lead_list')}?owner={owner.pk}")  # fmt: skip
    return len(rows)


def lead_delete(*, lead: Lead, by) -> None:
    """Delete a lead and its own timeline entries (a converted lead's entries stay with the
    account and contact it became)."""
    with transaction.atomic():
        if not lead.is_converted:
            timeline.entries_of(lead).delete()
        lead.delete()
