"""The public web-to-lead form: embeddable, honeypot, time trap, signed token, rate limit,
validation, campaign and source, assignment rules, one lead per submission."""

import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from marketing.models import CampaignMember
from sales.leads.public import form_token
from sales.models import AssignmentLog, Lead

from .factories import AssignmentRuleFactory, CampaignFactory

URL = "/forms/lead/"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LEAD_FORM_RATE_LIMIT = 5
    settings.LEAD_FORM_RATE_WINDOW = 600


def body(**changes):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@analytical.example",
        "phone": "+44 20 7946 0000",
        "company": "Analytical Engines",
        "title": "CTO",
        "country": "United Kingdom",
        "employees": "250",
        "message": "We need 40 workstations.",
        "token": form_token(issued_at=time.time() - 30),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def public_client(ip=None):
    """A visitor in a third-party iframe: no session, CSRF checks on as in production. Each
    gets a fresh address (the rate limit's counters live in the shared Redis)."""
    n = uuid.uuid4().int
    ip = ip or f"198.18.{n % 256}.{(n >> 8) % 256}"
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)


def test_the_form_is_embeddable_and_standalone(db):
    c = public_client()
    response = c.get(URL + "?campaign=12&source=Spring%20fair")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response  # framing allowed for this page only
    page = response.content.decode()
    assert '<nav class="navbar' not in page  # not the app shell
    assert 'name="campaign" value="12"' in page
    assert 'name="source" value="Spring fair"' in page
    assert 'name="token"' in page and 'name="website"' in page  # token and honeypot
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # the rest of the site still refuses framing
    assert public_client().get("/login/")["X-Frame-Options"] == "DENY"


def test_a_submission_creates_a_scored_lead_that_the_rules_assign(org):
    AssignmentRuleFactory(name="UK", countries=["United Kingdom"], team=org.team)

    response = public_client().post(URL, body())

    assert response.status_code == 302
    assert response["Location"] == reverse("public_lead_thanks")
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.company) == (
        "Ada",
        "Lovelace",
        "Analytical Engines",
    )
    assert (lead.source, lead.status, lead.employees) == ("Web form", "new", 250)
    assert lead.message == "We need 40 workstations."
    assert lead.team == org.team and lead.owner in (org.rep, org.rep_teammate)
    assert AssignmentLog.objects.get(lead=lead).rule.name == "UK"
    assert lead.score > 0 and sum(f["points"] for f in lead.score_explanation) == lead.score
    thanks = public_client().get(response["Location"])
    assert "Thank you" in thanks.content.decode() and "X-Frame-Options" not in thanks


def test_without_a_matching_rule_the_lead_waits_in_the_queue(db):
    public_client().post(URL, body())
    lead = Lead.objects.get()
    assert (lead.owner, lead.team) == (None, None)


def test_campaign_and_source_from_the_embed_are_recorded(org):
    campaign = CampaignFactory(name="Spring webinar")
    response = public_client().post(
        URL, body(campaign=str(campaign.pk), source="Spring  webinar page")
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.campaign, lead.source) == (campaign, "Spring webinar page")
    member = CampaignMember.objects.get(lead=lead)
    assert (member.campaign, member.status) == (campaign, "responded")
    assert member.responded_at is not None
    assert any(f["kind"] == "engagement" for f in lead.score_explanation)


@pytest.mark.parametrize("campaign", ["999999", "abc", "1e5", "-1", "9" * 30])
def test_unknown_or_malformed_campaign_is_ignored(db, campaign):
    assert public_client().post(URL, body(campaign=campaign)).status_code == 302
    assert Lead.objects.get().campaign is None


def test_finished_campaign_is_not_attributed(db):
    campaign = CampaignFactory(status="completed")
    public_client().post(URL, body(campaign=str(campaign.pk)))
    assert Lead.objects.get().campaign is None


def test_validation_errors_are_shown_on_the_form(db):
    response = public_client().post(
        URL, body(last_name="", email="not-an-address", employees="-3", phone="abc")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Enter a valid email address." in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert "Enter a phone number" in page
    assert 'value="Ada"' in page  # what was typed stays
    assert not Lead.objects.exists()


def test_honeypot_filled_in_is_dropped_quietly(db):
    response = public_client().post(URL, body(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == reverse("public_lead_thanks")
    assert not Lead.objects.exists()


def test_time_trap_drops_a_form_sent_too_fast(db):
    response = public_client().post(URL, body(token=form_token()))  # issued just now
    assert response.status_code == 302
    assert not Lead.objects.exists()


@pytest.mark.parametrize("token", ["", "forged", form_token()[:-3] + "abc"])
def test_missing_or_tampered_token_asks_to_send_again(db, token):
    response = public_client().post(URL, body(token=token))
    assert response.status_code == 400
    page = response.content.decode()
    assert "expired" in page and 'value="Lovelace"' in page
    assert not Lead.objects.exists()


def test_expired_token_asks_to_send_again(db):
    old = form_token(issued_at=time.time() - 30)
    from django.core import signing

    # a token signed two days ago
    value = signing.loads(old, salt="sales.leads.public_form")
    signer = signing.TimestampSigner(salt="sales.leads.public_form")
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - 2 * 24 * 3600)
    expired = signer.sign_object(value)
    response = public_client().post(URL, body(token=expired))
    assert response.status_code == 400 and not Lead.objects.exists()


def test_the_same_form_sent_twice_makes_one_lead(db):
    data = body()
    c = public_client()
    assert c.post(URL, data).status_code == 302
    assert c.post(URL, data).status_code == 302
    assert Lead.objects.count() == 1


def test_rate_limit_per_address_answers_429(db, settings):
    settings.LEAD_FORM_RATE_LIMIT = 3
    c = public_client()
    statuses = [c.post(URL, body(email=f"p{i}@example.com")).status_code for i in range(4)]
    assert statuses == [302, 302, 302, 429]
    refused = c.post(URL, body(email="late@example.com"))
    assert refused.status_code == 429
    assert "Too many submissions" in refused.content.decode()
    assert Lead.objects.count() == 3
    # another address is not affected
    assert public_client().post(URL, body()).status_code == 302
    assert Lead.objects.count() == 4


def test_a_logged_in_user_does_not_author_public_leads(client, org):
    client.force_login(org.rep)
    client.post(URL, body())
    lead = Lead.objects.get()
    assert lead.owner is None
    from sales.leads import timeline

    assert timeline.entries_of(lead).get().actor is None


def test_only_get_and_post(db):
    assert public_client().put(URL).status_code == 405
