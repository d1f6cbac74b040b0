"""Opportunities and pipelines in the REST API: CRUD through the service, the optimistic lock
(409), stage moves, the history, access (404 for another team's deal) and JSON 4xx for bad
input."""

from decimal import Decimal

import pytest

from sales.models import Opportunity, Stage, StageChange
from sales.pipeline import services

from .api_helpers import API, client_for, ids, json_error, send, snapshot
from .factories import OpportunityFactory


def stage(name):
    return services.default_pipeline().stages.get(name=name)


@pytest.fixture
def deal(org, records):
    return OpportunityFactory(owner=org.rep, team=org.team, account=records.account)


def test_create_through_the_service(org, records):
    body = {"name": "API deal", "account": records.account.pk, "amount": "250.50",
            "close_date": "2030-01-31", "team": org.team.pk}  # fmt: skip
    response = send(client_for(org.rep), "post", f"{API}/opportunities/", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["stage"] == stage("Prospecting").pk and data["probability"] == 10
    assert data["version"] == 1 and data["owner"] == org.rep.pk and data["currency"] == "USD"
    assert StageChange.objects.filter(opportunity_id=data["id"]).count() == 1


def test_list_and_detail_follow_the_access_rules(org, deal):
    theirs = OpportunityFactory(owner=org.other_rep, team=org.other_team)
    rep = client_for(org.rep)
    assert ids(rep.get(f"{API}/opportunities/")) == {deal.pk}
    assert rep.get(f"{API}/opportunities/{deal.pk}/").status_code == 200
    json_error(rep.get(f"{API}/opportunities/{theirs.pk}/"), 404)
    assert ids(client_for(org.admin).get(f"{API}/opportunities/")) == {deal.pk, theirs.pk}
    json_error(client_for(org.marketing).get(f"{API}/opportunities/{deal.pk}/"), 404)
    assert ids(client_for(org.marketing).get(f"{API}/opportunities/")) == set()


def test_update_needs_the_version_and_a_stale_one_is_409(org, deal):
    c = client_for(org.rep)
    url = f"{API}/opportunities/{deal.pk}/"
    body = json_error(send(c, "patch", url, {"amount": "10"}), 400)
    assert "version" in body

    ok = send(c, "patch", url, {"amount": "10", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2

    before = snapshot(deal)
    stale = send(c, "patch", url, {"amount": "99", "version": 1})
    assert "changed by someone else" in json_error(stale, 409)["detail"]
    assert snapshot(deal) == before


def test_move_and_history(org, deal):
    c = client_for(org.rep)
    url = f"{API}/opportunities/{deal.pk}/move/"
    response = send(c, "post", url, {"stage": stage("Proposal").pk, "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == stage("Proposal").pk
    assert response.json()["probability"] == 50 and response.json()["version"] == 2

    json_error(send(c, "post", url, {"stage": stage("Negotiation").pk, "version": 1}), 409)
    lost = json_error(send(c, "post", url, {"stage": stage("Lost").pk, "version": 2}), 400)
    assert "close_reason" in lost
    done = send(c, "post", url, {"stage": stage("Lost").pk, "version": 2, "close_reason": "price"})
    assert done.status_code == 200 and done.json()["status"] == "lost"

    history = c.get(f"{API}/opportunities/{deal.pk}/history/").json()
    assert [h["to_stage_name"] for h in history] == ["Lost", "Proposal", "Prospecting"]
    assert history[-1]["from_stage"] is None and history[0]["amount"] == "1000.00"


def test_another_teams_deal_is_404_for_every_write(org):
    theirs = OpportunityFactory(owner=org.other_rep, team=org.other_team)
    c = client_for(org.rep)
    before = snapshot(theirs)
    base = f"{API}/opportunities/{theirs.pk}/"
    json_error(send(c, "post", base + "move/", {"stage": stage("Proposal").pk, "version": 1}), 404)
    json_error(send(c, "patch", base, {"name": "Mine", "version": 1}), 404)
    json_error(send(c, "delete", base), 404)
    json_error(c.get(base + "history/"), 404)
    assert snapshot(theirs) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1e400"}, "amount"),
        ({"probability": 101}, "probability"),
        ({"currency": "ZZZ"}, "currency"),
        ({"stage": 999999}, "stage"),
        ({"close_date": "tomorrow"}, "close_date"),
        ({"account": "x"}, "account"),
    ],
)
def test_bad_input_is_400_json_and_nothing_changes(org, deal, body, field):
    from .factories import CurrencyFactory

    CurrencyFactory(code="USD")
    before = snapshot(deal)
    response = send(client_for(org.rep), "patch", f"{API}/opportunities/{deal.pk}/",
                    {**body, "version": 1})  # fmt: skip
    assert field in json_error(response, 400)
    assert snapshot(deal) == before


def test_bad_move_bodies_are_400(org, deal):
    c = client_for(org.rep)
    url = f"{API}/opportunities/{deal.pk}/move/"
    bodies = [
        {},
        {"stage": "x", "version": 1},
        {"stage": stage("Proposal").pk},
        {"stage": 0, "version": 1},
        {"stage": stage("Proposal").pk, "version": "two"},
    ]
    for body in bodies:
        json_error(send(c, "post", url, body), 400)
    renewal = Stage.objects.get(pipeline__name="Renewals", name="Quote sent")
    body = json_error(send(c, "post", url, {"stage": renewal.pk, "version": 1}), 400)
    assert "another pipeline" in str(body)
    assert Opportunity.objects.get(pk=deal.pk).version == 1


def test_negative_amount_on_create_creates_nothing(org):
    count = Opportunity.objects.count()
    body = {"name": "Neg", "amount": "-5", "close_date": "2030-01-01"}
    json_error(send(client_for(org.rep), "post", f"{API}/opportunities/", body), 400)
    assert Opportunity.objects.count() == count


def test_pipelines_are_read_only_with_their_stages(org):
    c = client_for(org.rep)
    pipelines = c.get(f"{API}/pipelines/").json()
    default = next(p for p in pipelines if p["is_default"])
    assert [s["name"] for s in default["stages"]][:2] == ["Prospecting", "Qualification"]
    assert c.get(f"{API}/pipelines/{default['id']}/").status_code == 200
    json_error(send(c, "post", f"{API}/pipelines/", {"name": "x"}), 405)
    json_error(send(c, "delete", f"{API}/pipelines/{default['id']}/"), 405)


def test_delete_through_the_service(org, deal):
    response = send(client_for(org.rep), "delete", f"{API}/opportunities/{deal.pk}/")
    assert response.status_code == 204
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_filters_and_unknown_parameters(org, deal):
    other = OpportunityFactory(owner=org.rep, team=org.team, amount=Decimal("5"))
    c = client_for(org.rep)
    assert ids(c.get(f"{API}/opportunities/?amount_min=100")) == {deal.pk}
    assert ids(c.get(f"{API}/opportunities/?status=open")) == {deal.pk, other.pk}
    json_error(c.get(f"{API}/opportunities/?amont_min=1"), 400)
