"""Pipelines settings (sales:pipeline_list / _add / _edit): sales managers and administrators
only; stages added, reordered, re-weighted; a stage with deals is never deleted."""

import pytest
from django.urls import reverse

from sales.models import Opportunity, Pipeline, Stage
from sales.pipeline import services

from .factories import OpportunityFactory


def formset_data(pipeline, *, changes=None, extra=()):
    """The settings form's POST for ``pipeline`` as it is, with ``changes`` per stage name
    ({"Proposal": {"probability": 40}}) and ``extra`` new stages (dicts)."""
    stages = list(pipeline.stages.order_by("position"))
    rows = stages + list(extra)
    data = {
        "name": pipeline.name,
        "description": pipeline.description,
        "position": pipeline.position,
        "active": "on" if pipeline.active else "",
        "is_default": "on" if pipeline.is_default else "",
        "stages-TOTAL_FORMS": len(rows),
        "stages-INITIAL_FORMS": len(stages),
        "stages-MIN_NUM_FORMS": 0,
        "stages-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        values = (
            {"id": row.pk, "name": row.name, "position": row.position,
             "probability": row.probability, "kind": row.kind,
             "forecast_category": row.forecast_category, "pipeline": pipeline.pk}
            if isinstance(row, Stage) else dict(row)
        )  # fmt: skip
        if isinstance(row, Stage):
            values.update((changes or {}).get(row.name, {}))
        for key, value in values.items():
            if value is True:
                value = "on"
            data[f"stages-{i}-{key}"] = value
    return {k: v for k, v in data.items() if v != ""}


@pytest.fixture
def pipeline(db):
    return services.default_pipeline()


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("sales_manager", 200), ("sales_rep", 403), ("marketing", 403),
     ("support_agent", 403), ("support_manager", 403)],
)  # fmt: skip
def test_only_managers_and_admins(client, org, pipeline, role, status):
    client.force_login(org.by_role()[role])
    assert client.get(reverse("sales:pipeline_list")).status_code == status
    assert client.get(reverse("sales:pipeline_add")).status_code == status
    edit = reverse("sales:pipeline_edit", args=[pipeline.pk])
    assert client.get(edit).status_code == status
    response = client.post(edit, formset_data(pipeline, changes={"Proposal": {"name": "X"}}))
    assert response.status_code == (302 if status == 200 else 403)


def test_list_shows_pipelines_with_their_stages(client, org, pipeline):
    client.force_login(org.sales_manager)
    html = client.get(reverse("sales:pipeline_list")).content.decode()
    assert "New business" in html and "Renewals" in html and "Negotiation" in html


def test_reorder_reweight_and_add_a_stage(client, org, pipeline):
    deal = OpportunityFactory(owner=org.rep)  # Prospecting, follows the stage's 10 %
    client.force_login(org.sales_manager)
    data = formset_data(
        pipeline,
        changes={"Prospecting": {"probability": 15}, "Proposal": {"position": 5},
                 "Negotiation": {"position": 2}},
        extra=[{"name": "Demo", "position": 3, "probability": 30, "kind": "open",
                "forecast_category": "pipeline"}],
    )  # fmt: skip

    response = client.post(reverse("sales:pipeline_edit", args=[pipeline.pk]), data)

    assert response.status_code == 302
    positions = dict(pipeline.stages.values_list("name", "position"))
    assert positions["Negotiation"] == 2 and positions["Demo"] == 3 and positions["Proposal"] == 5
    assert pipeline.stages.get(name="Demo").probability == 30
    deal.refresh_from_db()
    assert deal.probability == 15


def test_a_stage_with_deals_cannot_be_deleted(client, org, pipeline):
    deal = OpportunityFactory(owner=org.rep)
    services.opportunity_move(opportunity=deal, stage=pipeline.stages.get(name="Proposal"),
                              by=org.rep)  # fmt: skip
    client.force_login(org.sales_manager)
    data = formset_data(pipeline, changes={"Proposal": {"DELETE": True}})

    response = client.post(reverse("sales:pipeline_edit", args=[pipeline.pk]), data)

    assert response.status_code == 400
    assert "“Proposal” holds 1 deal: move them to another stage first" in response.content.decode()
    assert pipeline.stages.filter(name="Proposal").exists()


def test_a_stage_only_in_history_stays_and_an_unused_one_goes(client, org, pipeline):
    deal = OpportunityFactory(owner=org.rep)
    services.opportunity_move(opportunity=deal, stage=pipeline.stages.get(name="Proposal"),
                              by=org.rep)  # fmt: skip
    services.opportunity_move(opportunity=deal, stage=pipeline.stages.get(name="Negotiation"),
                              by=org.rep)  # fmt: skip
    client.force_login(org.sales_manager)
    url = reverse("sales:pipeline_edit", args=[pipeline.pk])

    kept = client.post(url, formset_data(pipeline, changes={"Proposal": {"DELETE": True}}))
    assert kept.status_code == 400 and "appears in the stage history" in kept.content.decode()

    gone = client.post(url, formset_data(pipeline, changes={"Qualification": {"DELETE": True}}))
    assert gone.status_code == 302
    assert not pipeline.stages.filter(name="Qualification").exists()


def test_a_pipeline_needs_open_won_and_lost_stages(client, org):
    client.force_login(org.admin)
    data = {
        "name": "Partners", "position": 3, "active": "on",
        "stages-TOTAL_FORMS": 1, "stages-INITIAL_FORMS": 0,
        "stages-MIN_NUM_FORMS": 0, "stages-MAX_NUM_FORMS": 1000,
        "stages-0-name": "Talk", "stages-0-position": 0, "stages-0-probability": 10,
        "stages-0-kind": "open", "stages-0-forecast_category": "pipeline",
    }  # fmt: skip
    response = client.post(reverse("sales:pipeline_add"), data)
    assert response.status_code == 400
    assert "missing: won, lost" in response.content.decode()
    assert not Pipeline.objects.filter(name="Partners").exists()


def test_new_default_pipeline_replaces_the_old_one(client, org, pipeline):
    client.force_login(org.admin)
    data = {
        "name": "Partners", "position": 3, "active": "on", "is_default": "on",
        "stages-TOTAL_FORMS": 3, "stages-INITIAL_FORMS": 0,
        "stages-MIN_NUM_FORMS": 0, "stages-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    for i, (name, kind) in enumerate([("Talk", "open"), ("Signed", "won"), ("Gone", "lost")]):
        data.update({f"stages-{i}-name": name, f"stages-{i}-position": i,
                     f"stages-{i}-probability": 50, f"stages-{i}-kind": kind,
                     f"stages-{i}-forecast_category": "pipeline"})  # fmt: skip
    assert client.post(reverse("sales:pipeline_add"), data).status_code == 302
    assert services.default_pipeline().name == "Partners"
    assert Pipeline.objects.filter(is_default=True).count() == 1
    # The board opens it, and a new deal starts in its first stage.
    assert client.get(reverse("sales:board_default")).context["pipeline"].name == "Partners"
    assert OpportunityFactory(owner=org.rep).stage.name == "Talk"
    assert Opportunity.objects.filter(pipeline__name="Partners").count() == 1
