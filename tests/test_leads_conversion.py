"""Converting a qualified lead: new or existing account and contact, an opportunity with its
stage history, campaign attribution, activities and timeline carried over, one transaction,
never twice — on the page and in the API."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Activity, Contact, TimelineEntry
from marketing.models import CampaignMember
from sales.leads.conversion import AlreadyConverted, convert_lead
from sales.models import Lead, Opportunity, StageChange

from .api_helpers import client_for, json_error, send
from .factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    ExchangeRateFactory,
    LeadFactory,
)

API = "/api/v1"


def close_date() -> str:
    """40 days ahead, read when the test runs (never at import: the clock may move)."""
    return (timezone.localdate() + datetime.timedelta(days=40)).isoformat()


@pytest.fixture
def lead(org):
    ExchangeRateFactory()  # EUR, at 0.5 per USD: deals may be in euros
    campaign = CampaignFactory(name="Fair 2026")
    lead = LeadFactory(
        first_name="Grace",
        last_name="Hopper",
        company="Cobol Systems",
        email="grace@cobol.example",
        phone="+1 555 0100",
        title="CTO",
        industry="Software",
        employees=400,
        country="USA",
        website="cobol.example",
        source="Trade show",
        campaign=campaign,
        status="qualified",
        owner=org.rep,
        team=org.team,
    )
    CampaignMember.objects.create(campaign=campaign, lead=lead, status="responded")
    return lead


def page_post(client, lead, **changes):
    data = {
        "account_choice": "new",
        "contact_choice": "new",
        "create_opportunity": "on",
        "opportunity_name": "Cobol Systems: 40 seats",
        "amount": "12500.50",
        "currency": "EUR",
        "close_date": close_date(),
    }
    data.update(changes)
    return client.post(reverse("sales:lead_convert", args=[lead.pk]), data)


def test_convert_into_new_account_contact_and_opportunity(client, org, lead):
    client.force_login(org.rep)
    assert (
        "Create a new account “Cobol Systems”"
        in client.get(reverse("sales:lead_convert", args=[lead.pk])).content.decode()
    )

    response = page_post(client, lead)

    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    lead.refresh_from_db()
    account, contact, opp = (
        lead.converted_account,
        lead.converted_contact,
        lead.converted_opportunity,
    )
    assert lead.converted_at and lead.converted_by == org.rep and lead.status == "qualified"
    assert (account.name, account.industry, account.website) == (
        "Cobol Systems",
        "Software",
        "https://cobol.example",
    )
    assert (account.owner, account.team) == (org.rep, org.team)
    assert (contact.first_name, contact.last_name, contact.email, contact.account) == (
        "Grace",
        "Hopper",
        "grace@cobol.example",
        account,
    )
    assert (opp.name, opp.amount, opp.currency, opp.account, opp.contact) == (
        "Cobol Systems: 40 seats",
        Decimal("12500.50"),
        "EUR",
        account,
        contact,
    )
    assert (opp.campaign, opp.source, opp.lead, opp.owner) == (
        lead.campaign,
        "Trade show",
        lead,
        org.rep,
    )
    change = StageChange.objects.get(opportunity=opp)
    assert (
        change.from_stage is None and change.to_stage == opp.stage and change.changed_by == org.rep
    )
    # campaign attribution: the contact is a responded member, the lead's membership converted
    assert CampaignMember.objects.get(contact=contact).status == "responded"
    assert CampaignMember.objects.get(lead=lead).status == "converted"
    # the lead page shows what it became
    page = client.get(lead.get_absolute_url()).content.decode()
    for obj in (account, contact, opp):
        assert obj.get_absolute_url() in page
    assert reverse("sales:lead_edit", args=[lead.pk]) not in page  # read-only now
    # the lead's entries now sit on the account's timeline, as sales records
    entries = TimelineEntry.objects.filter(kind="lead", account=account)
    assert entries.filter(title__startswith="Lead Grace Hopper (Cobol Systems) converted").exists()
    assert set(entries.values_list("access_kind", flat=True)) == {"sales"}
    # ... which the rep sees on the account's 360° page, and a support agent does not
    converted_title = "converted into account Cobol Systems"
    assert converted_title in client.get(account.get_absolute_url()).content.decode()
    client.force_login(org.agent)
    assert converted_title not in client.get(account.get_absolute_url()).content.decode()


def test_convert_into_existing_account_and_contact_without_opportunity(client, org, lead):
    account = AccountFactory(name="Cobol Systems Inc")
    contact = ContactFactory(account=None, email="GRACE@cobol.example", last_name="Hopper")
    client.force_login(org.rep)
    form = client.get(reverse("sales:lead_convert", args=[lead.pk])).content.decode()
    assert f'value="{account.pk}"' in form and f'value="{contact.pk}"' in form  # suggested

    response = page_post(
        client,
        lead,
        account_choice=str(account.pk),
        contact_choice=str(contact.pk),
        create_opportunity="",
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.converted_account, lead.converted_contact) == (account, contact)
    assert lead.converted_opportunity is None
    contact.refresh_from_db()
    assert contact.account == account  # a contact without account joins the chosen one
    assert Account.objects.count() == 1 and Contact.objects.count() == 1
    assert not Opportunity.objects.exists()


def test_account_by_id_and_bad_input_are_form_errors(client, org, lead):
    client.force_login(org.rep)
    response = page_post(
        client, lead, account_id="999999", amount="-5", currency="EURO", close_date=""
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is no account with this id." in page
    assert "Ensure this value is greater than or equal to 0." in page
    assert "Select a valid choice. EURO is not one of the available choices." in page
    assert "Needed for the opportunity." in page
    lead.refresh_from_db()
    assert lead.converted_at is None
    assert not Account.objects.exists() and not Opportunity.objects.exists()


def test_converting_twice_is_impossible(client, org, lead):
    client.force_login(org.rep)
    assert page_post(client, lead).status_code == 302
    counts = (Account.objects.count(), Contact.objects.count(), Opportunity.objects.count())

    again = page_post(client, lead)

    assert again.status_code == 302
    followed = client.get(again["Location"]).content.decode()
    assert "converted already" in followed
    assert counts == (Account.objects.count(), Contact.objects.count(), Opportunity.objects.count())
    # the service itself refuses, with the lead row locked, even when the caller's copy is stale
    stale = Lead.objects.get(pk=lead.pk)
    stale.converted_at = None
    with pytest.raises(AlreadyConverted):
        convert_lead(
            lead=stale,
            by=org.rep,
            create_opportunity=True,
            opportunity_data={"name": "X", "close_date": close_date()},
        )
    assert counts == (Account.objects.count(), Contact.objects.count(), Opportunity.objects.count())


def test_only_qualified_leads_convert(client, org, lead):
    Lead.objects.filter(pk=lead.pk).update(status="working")
    client.force_login(org.rep)
    response = client.get(reverse("sales:lead_convert", args=[lead.pk]))
    assert response.status_code == 302
    assert page_post(client, lead).status_code == 302
    assert not Account.objects.exists()


def test_a_failing_opportunity_rolls_back_everything(org, lead):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        convert_lead(
            lead=lead, by=org.rep, create_opportunity=True, opportunity_data={"name": "No date"}
        )
    lead.refresh_from_db()
    assert lead.converted_at is None
    assert not Account.objects.exists() and not Contact.objects.exists()


def test_activities_logged_on_the_lead_follow_it(org, lead):
    activity = Activity.objects.create(
        kind="call",
        subject="Intro",
        related_type=ContentType.objects.get_for_model(Lead),
        related_id=lead.pk,
    )
    result = convert_lead(lead=lead, by=org.rep)
    activity.refresh_from_db()
    assert (activity.account, activity.contact) == (result.account, result.contact)


def test_access_to_conversion(client, org, lead):
    url = reverse("sales:lead_convert", args=[lead.pk])
    for user, status in (
        (org.other_rep, 404),
        (org.other_manager, 404),
        (org.marketing, 404),
        (org.rep_teammate, 404),
        (org.sales_manager, 200),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(org.other_rep)
    assert page_post(client, lead).status_code == 404
    assert not Account.objects.exists()


# -- the API -------------------------------------------------------------------------------------


def test_api_convert(org, lead):
    c = client_for(org.rep)
    path = f"{API}/leads/{lead.pk}/convert/"
    body = {"opportunity": {"name": "API deal", "amount": "99.90", "close_date": close_date()}}

    response = send(c, "post", path, body)

    assert response.status_code == 200, response.content
    data = response.json()
    lead.refresh_from_db()
    assert data["converted_account"] == lead.converted_account_id
    assert lead.converted_opportunity.currency == "USD"
    again = json_error(send(c, "post", path, body), 409)
    assert "already converted" in again["detail"]
    assert Opportunity.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"account": 999999}, "account"),
        ({"contact": "x"}, "contact"),
        ({"opportunity": {"name": "X", "close_date": "soon"}}, "opportunity"),
        ({"opportunity": {"name": "X", "close_date": "CLOSE", "amount": "-1"}}, "opportunity"),
        ({"opportunity": {"name": "X", "close_date": "CLOSE", "currency": "EURO"}}, "opportunity"),
    ],
)
def test_api_convert_validation_errors(org, lead, body, field):
    if body.get("opportunity", {}).get("close_date") == "CLOSE":  # a valid date, read now
        body = {"opportunity": {**body["opportunity"], "close_date": close_date()}}
    response = send(client_for(org.rep), "post", f"{API}/leads/{lead.pk}/convert/", body)
    assert field in json_error(response, 400)
    lead.refresh_from_db()
    assert lead.converted_at is None and not Account.objects.exists()


def test_api_convert_access_and_state(org, lead):
    path = f"{API}/leads/{lead.pk}/convert/"
    json_error(send(client_for(org.other_rep), "post", path, {}), 404)
    json_error(send(client_for(org.marketing), "post", path, {}), 404)
    Lead.objects.filter(pk=lead.pk).update(status="new")
    body = json_error(send(client_for(org.rep), "post", path, {}), 400)
    assert "qualified" in str(body)
    assert not Account.objects.exists()
