"""Converting a qualified lead into an account, a contact and optionally an opportunity, in one
transaction. The lead row is locked first: a second conversion (a double click, two people)
finds it converted and is refused with nothing created."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone

from accounts import services as customers
from accounts.models import Account, Activity, Contact
from core.validators import validate_web_url

from ..models import Lead, Opportunity
from . import timeline


class AlreadyConverted(ValidationError):
    pass


@dataclass
class Result:
    lead: Lead
    account: Account
    contact: Contact
    opportunity: Opportunity | None
    created_account: bool
    created_contact: bool


def _website(value: str) -> str:
    value = value.strip()
    if value and "://" not in value:
        value = f"https://{value}"
    try:
        validate_web_url(value)  # http(s) only, as Account.website
    except ValidationError:
        return ""
    return value


def account_data(lead: Lead, owner, team) -> dict:
    return {
        "name": lead.company or lead.full_name,
        "kind": Account.Kind.COMPANY if lead.company else Account.Kind.HOUSEHOLD,
        "industry": lead.industry,
        "employees": lead.employees,
        "website": _website(lead.website),
        "phone": lead.phone,
        "billing_city": lead.city,
        "billing_region": lead.region,
        "billing_country": lead.country,
        "source": lead.source,
        "owner": owner,
        "team": team,
    }


def contact_data(lead: Lead, account: Account, owner, team) -> dict:
    return {
        "salutation": lead.salutation,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "title": lead.title[:100],
        "email": lead.email,
        "phone": lead.phone,
        "account": account,
        "mailing_city": lead.city,
        "mailing_region": lead.region,
        "mailing_country": lead.country,
        "source": lead.source,
        "owner": owner,
        "team": team,
    }


def _check(lead: Lead) -> None:
    if lead.converted_at is not None:
        when = formats.date_format(timezone.localtime(lead.converted_at), "DATETIME_FORMAT")
        who = f" by {lead.converted_by}" if lead.converted_by_id else ""
        raise AlreadyConverted(
            f"This lead was already converted on {when}{who}. Nothing was created again.",
            code="converted",
        )
    if lead.status != Lead.Status.QUALIFIED:
        raise ValidationError(
            "Only a qualified lead can be converted. Mark it as qualified first.",
            code="not_qualified",
        )


def _carry_campaigns(lead: Lead, contact: Contact, by) -> None:
    """The contact joins the lead's campaigns (as responded, if the lead had); the lead's own
    memberships become "converted"."""
    from marketing.models import CampaignMember

    Status = CampaignMember.Status  # noqa: N806
    members = list(CampaignMember.objects.filter(lead=lead))
    campaign_ids = {m.campaign_id for m in members}
    if lead.campaign_id and lead.campaign_id not in campaign_ids:
        members.append(CampaignMember(campaign_id=lead.campaign_id, lead=lead,
                                      status=Status.RESPONDED, added_by=by))  # fmt: skip
    for member in members:
        responded = member.status in (Status.RESPONDED, Status.CONVERTED)
        CampaignMember.objects.update_or_create(
            campaign_id=member.campaign_id,
            contact=contact,
            defaults={
                "status": Status.RESPONDED if responded else member.status,
                "responded_at": member.responded_at,
                "added_by": by,
            },
        )
        member.status = Status.CONVERTED
        member.save()


def _move_activities(lead: Lead, account: Account, contact: Contact) -> None:
    """Activities logged on the lead now belong to the contact and account too."""
    lead_type = timeline.lead_type()
    activities = list(Activity.objects.filter(related_type=lead_type, related_id=lead.pk))
    for activity in activities:
        activity.account_id, activity.contact_id = account.pk, contact.pk
    Activity.objects.bulk_update(activities, ["account", "contact"])
    for activity in activities:
        customers.activity_sync_timeline(activity)


def convert_lead(
    *,
    lead: Lead,
    by,
    account: Account | None = None,
    contact: Contact | None = None,
    create_opportunity: bool = False,
    opportunity_data: dict | None = None,
) -> Result:
    """``account``/``contact``: existing records to use, or None to create them from the
    lead. ``opportunity_data``: name, amount, currency, close_date, pipeline (optional)."""
    from ..pipeline.services import opportunity_save

    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("converted_by")
            .get(pk=lead.pk)
        )
        _check(lead)
        owner = lead.owner or by
        team = lead.team
        created_account = account is None
        if account is None:
            account = customers.account_save(data=account_data(lead, owner, team), by=by)
        created_contact = contact is None
        if contact is None:
            contact = customers.contact_save(data=contact_data(lead, account, owner, team), by=by)
        elif contact.account_id is None:
            contact = customers.contact_save(contact=contact, data={"account": account}, by=by)

        opportunity = None
        if create_opportunity:
            data = {
                "name": f"{account.name}: new business",
                "account": account,
                "contact": contact,
                "owner": owner,
                "team": team,
                "source": lead.source,
                "campaign": lead.campaign,
                "lead": lead,
                **(opportunity_data or {}),
            }
            if "products" not in data:
                data["products"] = list(lead.interest.all())
            if data.get("pipeline") is None:
                data.pop("pipeline", None)
            opportunity = opportunity_save(data=data, by=by)

        _carry_campaigns(lead, contact, by)
        _move_activities(lead, account, contact)

        lead.status = Lead.Status.QUALIFIED
        lead.converted_at = timezone.now()
        lead.converted_by = by
        lead.converted_account = account
        lead.converted_contact = contact
        lead.converted_opportunity = opportunity
        if lead.owner_id is None:
            lead.owner = owner
        lead.save()
        timeline.follow(lead)
        became = [f"account {account}", f"contact {contact}"]
        if opportunity:
            became.append(f"opportunity {opportunity}")
        timeline.record(lead, f"Lead {lead} converted into {', '.join(became)}", by=by)
    return Result(lead, account, contact, opportunity, created_account, created_contact)
