"""The lead score: its explanation adds up to it, it stays within 0..100, it follows the lead's
changes and engagement, and the learned part comes from our own converted vs disqualified
leads (command, Celery task, nightly beat entry)."""

from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import Activity
from marketing.models import CampaignMember
from sales.leads import scoring
from sales.leads.services import lead_save
from sales.models import Lead, LeadScoringModel

from .factories import AssignmentRuleFactory, CampaignFactory, LeadFactory


def total(lead):
    return sum(row["points"] for row in lead.score_explanation)


def test_explanation_lists_the_facts_and_adds_up(org):
    AssignmentRuleFactory(countries=["Italy"], team=org.team)
    lead = lead_save(
        data={
            "last_name": "Rossi",
            "company": "Acme",
            "industry": "Technology",
            "employees": 1500,
            "title": "Chief Financial Officer",
            "country": "Italy",
            "budget": Decimal("10000"),
            "authority": "decision_maker",
            "timeframe": "now",
            "need": "New laptops",
            "email": "rossi@gmail.com",
            "owner": org.rep,
        },
        by=org.rep,
    )
    factors = {row["factor"]: row["points"] for row in lead.score_explanation}
    assert factors["Industry Technology"] == 10
    assert factors["Company size 1000+ employees"] == 15
    assert factors["Job title “Chief Financial Officer” (executive)"] == 15
    assert factors["Country/region in a sales territory"] == 5
    assert factors["Private e-mail address"] == -5
    assert lead.score == total(lead) == 10 + 15 + 15 + 5 + 5 + 8 + 4 + 8 - 5
    assert Lead.objects.get(pk=lead.pk).score == lead.score


def test_score_is_recomputed_when_the_lead_changes(org):
    lead = lead_save(data={"last_name": "Bianchi", "owner": org.rep}, by=org.rep)
    assert (lead.score, lead.score_explanation) == (0, [])
    lead = lead_save(lead=lead, data={"title": "IT Director", "employees": 300}, by=org.rep)
    assert lead.score == 10 + 10 == total(lead)


def test_engagement_counts_activities_and_campaign_responses(org):
    lead = LeadFactory(owner=org.rep, team=org.team, email="x@acme.example")
    lead_type = ContentType.objects.get_for_model(Lead)
    for i in range(7):
        Activity.objects.create(
            kind="call", subject=f"Call {i}", related_type=lead_type, related_id=lead.pk
        )
    for status in ("responded", "sent"):
        CampaignMember.objects.create(campaign=CampaignFactory(), lead=lead, status=status)

    scoring.score_lead(lead)

    factors = {row["factor"]: row["points"] for row in lead.score_explanation}
    assert factors["7 activities logged"] == 15  # counted up to five
    assert factors["Responded to 1 campaign"] == 6
    assert lead.score == total(lead)


def test_logging_an_activity_on_the_lead_page_raises_the_score(client, org):
    lead = LeadFactory(owner=org.rep, team=org.team)
    client.force_login(org.rep)
    response = client.post(
        f"/sales/leads/{lead.pk}/activity/", {"kind": "call", "subject": "Discovery call"}
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "working"  # the first touch
    assert lead.score == 3 and "1 activity logged" in str(lead.score_explanation)
    page = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert "Discovery call" in page and "1 activity logged" in page


def _lead(**facts):
    return Lead(last_name="X", **facts)


@hsettings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    industry=st.sampled_from(["", "Technology", "Retail", "Farming"]),
    employees=st.one_of(st.none(), st.integers(1, 200_000)),
    title=st.sampled_from(["", "CEO", "Head of Sales", "Manager", "Intern"]),
    authority=st.sampled_from(["", "decision_maker", "influencer", "user"]),
    timeframe=st.sampled_from(["", "now", "quarter", "year", "later"]),
    email=st.sampled_from(["", "a@gmail.com", "a@acme.example"]),
    activities=st.integers(0, 50),
    responses=st.integers(0, 5),
    weights=st.dictionaries(
        st.sampled_from(
            [
                "industry=technology",
                "source=web",
                "seniority=executive",
                "email=private",
                "size=1000+",
                "authority=user",
            ]
        ),
        st.floats(-20, 20),
    ),
)
def test_score_is_bounded_and_explained_for_any_lead(
    industry, employees, title, authority, timeframe, email, activities, responses, weights
):
    lead = _lead(
        industry=industry,
        employees=employees,
        title=title,
        authority=authority,
        timeframe=timeframe,
        email=email,
        source="web",
        budget=Decimal(1),
        need="x",
    )
    lead.pk = 1
    ctx = scoring.Context(
        territories=frozenset(),
        weights=weights,
        activities={1: activities},
        responses={1: responses},
    )
    score, rows = scoring.explain(lead, ctx)
    assert 0 <= score <= 100
    assert sum(r["points"] for r in rows) == score
    assert all(isinstance(r["points"], int) and r["factor"] for r in rows)


def test_a_very_good_lead_is_capped_at_100_with_the_cap_explained():
    lead = _lead(
        industry="Technology",
        employees=5000,
        title="CEO",
        authority="decision_maker",
        timeframe="now",
        budget=Decimal(1),
        need="x",
        source="web",
    )
    lead.pk = 1
    ctx = scoring.Context(
        activities={1: 9}, responses={1: 3}, weights={"source=web": 9.0, "industry=technology": 9.0}
    )
    score, rows = scoring.explain(lead, ctx)
    assert score == 100
    assert rows[-1]["kind"] == "cap" and rows[-1]["points"] < 0


# -- the learned part ----------------------------------------------------------------------------


def _history(converted_source, disqualified_source, n=12):
    now = timezone.now()
    Lead.objects.bulk_create(
        [
            Lead(last_name=f"Won{i}", source=converted_source, status="qualified", converted_at=now)
            for i in range(n)
        ]
        + [
            Lead(
                last_name=f"Lost{i}",
                source=disqualified_source,
                status="disqualified",
                disqualified_reason="no_budget",
            )
            for i in range(n)
        ]
    )


def test_training_from_our_history_changes_the_scores(org):
    _history("Referral", "Cold call")
    referral = lead_save(
        data={"last_name": "Ref", "source": "Referral", "owner": org.rep}, by=org.rep
    )
    cold = lead_save(
        data={"last_name": "Cold", "source": "Cold call", "owner": org.rep}, by=org.rep
    )
    assert referral.score == cold.score == 0

    out = StringIO()
    call_command("train_lead_scoring", stdout=out)

    assert "Trained on 12 converted and 12 disqualified leads" in out.getvalue()
    model = LeadScoringModel.objects.get()
    assert model.weights["source=referral"] > 0 > model.weights["source=cold call"]
    referral.refresh_from_db()
    cold.refresh_from_db()
    assert referral.score > cold.score == 0
    assert referral.score == total(referral)
    assert "History: Source: referral converts more often" in str(referral.score_explanation)
    # a new lead is scored with the model at once
    fresh = lead_save(data={"last_name": "New", "source": "referral", "owner": org.rep}, by=org.rep)
    assert fresh.score == referral.score


def test_too_little_history_trains_no_model(org):
    _history("Referral", "Cold call", n=3)
    out = StringIO()
    call_command("train_lead_scoring", stdout=out)
    assert "Not enough history" in out.getvalue()
    assert not LeadScoringModel.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_nightly_task_trains_and_rescores_in_the_worker(org, purge_queue, celery_worker_factory):
    from sales.leads.tasks import train_lead_scoring

    _history("Partner", "Advertising")
    waiting = LeadFactory(source="Partner", owner=org.rep)
    celery_worker_factory()

    result = train_lead_scoring.apply_async()
    import time

    for _ in range(100):
        if LeadScoringModel.objects.exists() and Lead.objects.get(pk=waiting.pk).score > 0:
            break
        time.sleep(0.2)
    assert result.id
    assert Lead.objects.get(pk=waiting.pk).score > 0
    entry = settings.CELERY_BEAT_SCHEDULE["train-lead-scoring"]
    assert entry["task"] == train_lead_scoring.name


def test_converted_and_disqualified_leads_are_not_rescored(org):
    _history("Referral", "Cold call")
    with transaction.atomic():
        assert scoring.rescore_open_leads() == 0
