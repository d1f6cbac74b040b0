"""The opportunity service (sales/pipeline/services.py): stage history, probability from the
stage or by hand, status and closing, the optimistic lock, currencies, the timeline entries
and the stale flags."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Activity, TimelineEntry
from accounts.services import activity_save
from sales.models import Opportunity, Stage, StageChange
from sales.pipeline import services
from sales.pipeline.services import StaleRecord

from .factories import CurrencyFactory, OpportunityFactory


def stage(name, pipeline=None):
    pipeline = pipeline or services.default_pipeline()
    return pipeline.stages.get(name=name)


def entries(opp):
    return TimelineEntry.objects.filter(
        subject_type=ContentType.objects.get_for_model(Opportunity), subject_id=opp.pk
    ).order_by("id")


@pytest.fixture
def deal(org):
    return OpportunityFactory(owner=org.rep, team=org.team, amount=Decimal("1000.00"))


def test_a_new_deal_starts_in_the_first_open_stage_with_its_probability(org, deal):
    assert deal.stage == stage("Prospecting")
    assert deal.status == "open" and deal.probability == 10
    assert not deal.probability_overridden
    assert deal.version == 1
    (change,) = StageChange.objects.filter(opportunity=deal)
    assert change.from_stage is None and change.to_stage == stage("Prospecting")
    assert change.changed_by == org.rep and change.amount == Decimal("1000.00")
    assert [e.title for e in entries(deal)] == [
        f"Opportunity created: {deal.name} (Prospecting, 1,000.00 USD)"
    ]


def test_owner_without_team_gets_their_sales_team(org):
    deal = OpportunityFactory(owner=org.rep)
    assert deal.team == org.team


def test_every_move_writes_one_history_row_with_the_amount_then(org, deal):
    services.opportunity_save(opportunity=deal, data={"amount": Decimal("1500")}, by=org.rep)
    services.opportunity_move(opportunity=deal, stage=stage("Proposal"), by=org.rep_teammate)
    moved = services.opportunity_move(opportunity=deal, stage=stage("Negotiation"), by=org.rep)

    changes = list(StageChange.objects.filter(opportunity=deal).order_by("id"))
    assert [(c.from_stage and c.from_stage.name, c.to_stage.name) for c in changes] == [
        (None, "Prospecting"),
        ("Prospecting", "Proposal"),
        ("Proposal", "Negotiation"),
    ]
    assert changes[1].changed_by == org.rep_teammate
    assert changes[1].amount == Decimal("1500.00") and changes[1].probability == 50
    assert moved.probability == 80 and moved.forecast_category == "commit"
    assert moved.version == 4
    assert entries(deal).count() == 3  # created + two moves; the amount change is no entry


def test_probability_override_is_kept_until_cleared(org, deal):
    deal = services.opportunity_save(opportunity=deal, data={"probability": 35}, by=org.rep)
    assert deal.probability == 35 and deal.probability_overridden

    # Moving with a probability: the override holds in the new stage too.
    deal = services.opportunity_save(
        opportunity=deal, data={"stage": stage("Proposal"), "probability": 35}, by=org.rep
    )
    assert deal.probability == 35 and deal.probability_overridden

    # None means "the stage's default" again.
    deal = services.opportunity_save(opportunity=deal, data={"probability": None}, by=org.rep)
    assert deal.probability == 50 and not deal.probability_overridden

    # A plain move takes the new stage's default.
    deal = services.opportunity_move(opportunity=deal, stage=stage("Negotiation"), by=org.rep)
    assert deal.probability == 80


def test_won_sets_status_closed_at_and_today_as_close_date(org, deal):
    won = services.opportunity_close(opportunity=deal, won=True, by=org.rep)
    assert won.status == "won" and won.stage == stage("Won")
    assert won.probability == 100 and won.forecast_category == "closed"
    assert won.closed_at is not None
    assert won.close_date == timezone.localdate()
    assert entries(deal).last().title == f"Won: {deal.name} (1,000.00 USD)"

    reopened = services.opportunity_move(opportunity=won, stage=stage("Proposal"), by=org.rep)
    assert reopened.status == "open" and reopened.closed_at is None


def test_lost_needs_a_reason_and_nothing_is_written_without(org, deal):
    with pytest.raises(ValidationError) as caught:
        services.opportunity_close(opportunity=deal, won=False, by=org.rep)
    assert "close_reason" in caught.value.message_dict
    deal.refresh_from_db()
    assert deal.status == "open" and deal.version == 1
    assert StageChange.objects.filter(opportunity=deal).count() == 1

    lost = services.opportunity_close(
        opportunity=deal, won=False, by=org.rep, reason="price", note="Too dear"
    )
    assert lost.status == "lost" and lost.probability == 0
    assert lost.close_reason == "price" and lost.close_note == "Too dear"
    assert entries(deal).last().title == f"Lost: {deal.name} (Price)"


def test_stale_version_raises_and_writes_nothing(org, deal):
    services.opportunity_save(
        opportunity=deal, data={"name": "First"}, by=org.rep, expected_version=1
    )
    before = Opportunity.objects.values().get(pk=deal.pk)
    changes = StageChange.objects.count()
    timeline = TimelineEntry.objects.count()

    with pytest.raises(StaleRecord):
        services.opportunity_save(
            opportunity=deal,
            data={"name": "Second", "stage": stage("Proposal")},
            by=org.rep_teammate,
            expected_version=1,
        )

    assert Opportunity.objects.values().get(pk=deal.pk) == before
    assert StageChange.objects.count() == changes
    assert TimelineEntry.objects.count() == timeline


@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("-0.01")])
def test_negative_amount_is_refused(org, deal, amount):
    with pytest.raises(ValidationError) as caught:
        services.opportunity_save(opportunity=deal, data={"amount": amount}, by=org.rep)
    assert "amount" in caught.value.message_dict
    deal.refresh_from_db()
    assert deal.amount == Decimal("1000.00")


def test_currency_must_be_active_and_have_a_rate(org, deal):
    from catalog.models import ExchangeRate

    CurrencyFactory(code="USD")
    gbp = CurrencyFactory(code="GBP")
    CurrencyFactory(code="XXX", active=False)
    for code, message in [("XXX", "active currencies"), ("GBP", "exchange rate")]:
        with pytest.raises(ValidationError) as caught:
            services.opportunity_save(opportunity=deal, data={"currency": code}, by=org.rep)
        assert message in str(caught.value.message_dict["currency"])
    ExchangeRate.objects.create(currency=gbp, rate=Decimal("0.8"), valid_from="2020-01-01")
    saved = services.opportunity_save(opportunity=deal, data={"currency": "GBP"}, by=org.rep)
    assert saved.currency == "GBP"


def test_timeline_entries_follow_the_deal_to_its_new_owner_and_team(org, deal):
    services.opportunity_save(
        opportunity=deal, data={"owner": org.other_rep, "team": org.other_team}, by=org.admin
    )
    assert set(entries(deal).values_list("owner_id", "team_id")) == {
        (org.other_rep.pk, org.other_team.pk)
    }


def test_delete_removes_the_history_and_the_entries(org, deal):
    services.opportunity_delete(opportunity=deal, by=org.rep)
    assert not StageChange.objects.filter(opportunity_id=deal.pk).exists()
    assert not entries(deal).exists()


# -- stale flags ----------------------------------------------------------------------------------


def test_stale_flags_no_activity_and_close_date_passed(org, settings):
    settings.SALES_STALE_DAYS = 10
    deal = OpportunityFactory(owner=org.rep, close_date=timezone.localdate())
    assert deal.stale_flags == []

    long_ago = timezone.now() - datetime.timedelta(days=11)
    Opportunity.objects.filter(pk=deal.pk).update(
        created_at=long_ago, stage_changed_at=long_ago,
        close_date=timezone.localdate() - datetime.timedelta(days=1),
    )  # fmt: skip
    deal = Opportunity.objects.get(pk=deal.pk)
    assert [code for code, _ in deal.stale_flags] == ["inactive", "overdue"]

    # An activity logged on the deal (Activity.related) counts as activity again.
    activity_save(
        data={"kind": "call", "subject": "Checked in", "done": True, "starts_at": timezone.now(),
              "assigned_to": org.rep, "related_type": ContentType.objects.get_for_model(
                  Opportunity), "related_id": deal.pk},
        by=org.rep,
    )  # fmt: skip
    deal = Opportunity.objects.get(pk=deal.pk)
    assert deal.last_activity_at is not None
    assert [code for code, _ in deal.stale_flags] == ["overdue"]
    assert Activity.objects.filter(related_id=deal.pk).count() == 1


def test_a_backdated_activity_counts_when_it_happened(org):
    deal = OpportunityFactory(owner=org.rep)
    when = timezone.now() - datetime.timedelta(days=3)
    activity_save(
        data={"kind": "note", "subject": "Old", "done": True, "starts_at": when, "done_at": when,
              "assigned_to": org.rep, "related_type": ContentType.objects.get_for_model(
                  Opportunity), "related_id": deal.pk},
        by=org.rep,
    )  # fmt: skip
    deal.refresh_from_db()
    assert abs(deal.last_activity_at - when) < datetime.timedelta(seconds=1)
    # version untouched: logging a call never makes someone's open form stale
    assert deal.version == 1


def test_stage_default_change_moves_the_deals_that_follow_it(org, deal):
    overridden = OpportunityFactory(owner=org.rep)
    services.opportunity_save(opportunity=overridden, data={"probability": 42}, by=org.rep)
    prospecting = stage("Prospecting")
    prospecting.probability = 15
    prospecting.save()
    assert services.stages_changed(prospecting) == 1
    deal.refresh_from_db()
    overridden.refresh_from_db()
    assert deal.probability == 15 and deal.version == 2
    assert overridden.probability == 42


def test_closed_stage_keeps_its_probability(org, deal):
    won = services.opportunity_close(opportunity=deal, won=True, by=org.rep)
    again = services.opportunity_save(opportunity=won, data={"probability": 30}, by=org.rep)
    assert again.probability == 100 and not again.probability_overridden
    assert Stage.objects.get(pk=again.stage_id).kind == "won"


def test_before_the_catalog_has_currencies_any_iso_code_is_accepted(org, deal):
    with pytest.raises(ValidationError) as caught:
        services.opportunity_save(opportunity=deal, data={"currency": "E1"}, by=org.rep)
    assert "three-letter" in str(caught.value.message_dict["currency"])
    saved = services.opportunity_save(opportunity=deal, data={"currency": "eur"}, by=org.rep)
    assert saved.currency == "EUR"
