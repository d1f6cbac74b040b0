"""Every write to an opportunity goes through here: the form, the board, the API, lead
conversion, an accepted quote and the imports. Stage history, probability, status, the 360°
timeline and the optimistic lock are kept in one place."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.assignment import owner_team_id
from users.models import Team

from ..models import Opportunity, Pipeline, Stage, StageChange
from . import timeline

# name, probability, kind, forecast category
DEFAULT_PIPELINES = {
    "New business": [
        ("Prospecting", 10, "open", "pipeline"),
        ("Qualification", 20, "open", "pipeline"),
        ("Proposal", 50, "open", "best_case"),
        ("Negotiation", 80, "open", "commit"),
        ("Won", 100, "won", "closed"),
        ("Lost", 0, "lost", "omitted"),
    ],
    "Renewals": [
        ("Renewal due", 60, "open", "best_case"),
        ("Quote sent", 80, "open", "commit"),
        ("Renewed", 100, "won", "closed"),
        ("Churned", 0, "lost", "omitted"),
    ],
}
LOST_NEEDS_REASON = "Say why the deal was lost (choose a reason)."


class StaleRecord(ValidationError):
    """Somebody else saved the opportunity since this form/card was loaded."""


def default_pipeline() -> Pipeline:
    """The default pipeline, created with the standard ones the first time it is asked for."""
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline:
        return pipeline
    with transaction.atomic():
        for position, (name, stages) in enumerate(DEFAULT_PIPELINES.items()):
            p, created = Pipeline.objects.get_or_create(
                name=name, defaults={"position": position, "is_default": position == 0}
            )
            if created:
                Stage.objects.bulk_create(
                    Stage(pipeline=p, name=n, position=i, probability=prob, kind=kind,
                          forecast_category=cat)
                    for i, (n, prob, kind, cat) in enumerate(stages)
                )  # fmt: skip
        if not Pipeline.objects.filter(is_default=True).exists():
            # Pipelines existed under these names without a default: make the first one it.
            first = Pipeline.objects.order_by("position", "pk").first()
            Pipeline.objects.filter(pk=first.pk).update(is_default=True)
    return Pipeline.objects.get(is_default=True)


def first_open_stage(pipeline: Pipeline) -> Stage:
    return pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("position").first()


def validate_currency(code: str) -> str:
    """A deal's currency: the base currency, or an active catalog currency with an exchange
    rate (the board and the forecast convert every amount into the base currency). Before the
    catalog has any currency, any three-letter code."""
    from catalog import money
    from catalog.models import Currency

    code = (code or "").strip().upper()
    if code == money.base_currency():
        return code
    if not Currency.objects.exists():  # no catalog currencies yet: any ISO-looking code
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValidationError(
                {"currency": "Use the three-letter ISO code, e.g. EUR."}, code="currency"
            )
        return code
    if not Currency.objects.filter(code=code, active=True).exists():
        raise ValidationError(
            {"currency": f"“{code}” is not one of the active currencies."}, code="currency"
        )
    try:
        money.rate(code)
    except money.MissingRate as exc:
        raise ValidationError({"currency": exc.messages}, code="missing_rate") from None
    return code


def _apply_stage(opp: Opportunity, stage: Stage, *, keep_probability: bool) -> None:
    opp.stage = stage
    opp.pipeline_id = stage.pipeline_id
    opp.status = stage.kind
    opp.forecast_category = stage.forecast_category
    if not (keep_probability and opp.probability_overridden) or stage.is_closed:
        opp.probability = stage.probability
        opp.probability_overridden = False
    if stage.is_closed:
        opp.closed_at = opp.closed_at or timezone.now()
    else:
        opp.closed_at = None
        opp.close_reason = ""
        opp.close_note = ""


def opportunity_save(
    *, opportunity: Opportunity | None = None, data: dict, by, expected_version: int | None = None
) -> Opportunity:
    """Create or change an opportunity from cleaned data (model field names → values; M2M
    fields as lists). ``expected_version`` is the version the user's form was built from: if
    somebody saved in between, ``StaleRecord`` is raised and nothing is written.

    ``probability`` absent or None follows the stage; a number overrides it until the deal
    is closed. Moving into a won/lost stage sets ``closed_at`` and, unless given, the close
    date to today; a lost deal needs a ``close_reason``."""
    data = dict(data)
    m2m = {name: data.pop(name) for name in ("products", "competitors") if name in data}
    if "probability" in data and data["probability"] is None:
        data.pop("probability")
        follow_stage = True
    else:
        follow_stage = False
    with transaction.atomic():
        created = opportunity is None
        if created:
            opp = Opportunity()
            before_stage_id = None
            before = {}
        else:
            opp = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
            if expected_version is not None and opp.version != expected_version:
                raise StaleRecord(
                    "This opportunity was changed by someone else after you opened it. "
                    "Reload it to see their changes, then make yours again.",
                    code="stale",
                )
            before_stage_id = opp.stage_id
            before = timeline.snapshot(opp)
        if "currency" in data and (created or data["currency"] != opp.currency):
            data["currency"] = validate_currency(data["currency"])
        probability_given = "probability" in data
        for name, value in data.items():
            setattr(opp, name, value)
        if opp.stage_id is None:
            pipeline = opp.pipeline if opp.pipeline_id else default_pipeline()
            opp.stage = first_open_stage(pipeline)
        stage = Stage.objects.get(pk=opp.stage_id)
        opp.stage = stage
        if follow_stage and not stage.is_closed:
            opp.probability = stage.probability
            opp.probability_overridden = False
        elif probability_given and not created and before_stage_id == stage.pk:
            opp.probability_overridden = opp.probability != stage.probability
        if stage.is_closed and before_stage_id == stage.pk:
            opp.probability, opp.probability_overridden = stage.probability, False
        if before_stage_id != stage.pk:
            _apply_stage(opp, stage, keep_probability=False)
            if probability_given and not stage.is_closed and data["probability"] is not None:
                opp.probability = data["probability"]
                opp.probability_overridden = opp.probability != stage.probability
            opp.stage_changed_at = timezone.now()
            if stage.is_closed and "close_date" not in data:
                opp.close_date = timezone.localdate()  # the actual close date from now on
        if stage.kind == Stage.Kind.LOST and not opp.close_reason:
            raise ValidationError({"close_reason": LOST_NEEDS_REASON}, code="lost_reason")
        if opp.contact_id and not opp.account_id and opp.contact.account_id:
            opp.account_id = opp.contact.account_id
        if created:
            opp.owner = opp.owner if opp.owner_id else by
            if "team" not in data and not opp.team_id:
                opp.team_id = owner_team_id(opp.owner, Team.Kind.SALES)
        else:
            opp.version = F("version") + 1
        opp.full_clean(exclude=["version", "owner", "team", "pipeline", "stage"])
        opp.save()
        opp.refresh_from_db(fields=["version"])
        for name, values in m2m.items():
            getattr(opp, name).set(values)
        if before_stage_id != stage.pk:
            StageChange.objects.create(
                opportunity=opp,
                from_stage_id=before_stage_id,
                to_stage=stage,
                changed_at=opp.stage_changed_at,
                changed_by=by,
                amount=opp.amount,
                currency=opp.currency,
                probability=opp.probability,
            )
        timeline.record_opportunity(opp, before=before, before_stage_id=before_stage_id, by=by)
    return opp


def opportunity_move(
    *, opportunity: Opportunity, stage: Stage, by, expected_version: int | None = None
) -> Opportunity:
    """A stage move (the board's drag and drop, the API): the same service as the form."""
    return opportunity_save(
        opportunity=opportunity, data={"stage": stage}, by=by, expected_version=expected_version
    )


def opportunity_close(
    *,
    opportunity: Opportunity,
    won: bool,
    by,
    reason: str = "",
    note: str = "",
    amount=None,
    expected_version: int | None = None,
) -> Opportunity:
    """Won or lost: moves to the pipeline's (first) won or lost stage. ``amount`` (in the
    deal's currency), when given, becomes the deal's amount in the same save: an accepted
    quote's total is what was won."""
    kind = Stage.Kind.WON if won else Stage.Kind.LOST
    stage = opportunity.pipeline.stages.filter(kind=kind).order_by("position").first()
    if stage is None:
        raise ValidationError(f"The pipeline “{opportunity.pipeline}” has no {kind} stage.")
    data = {"stage": stage, "close_reason": reason, "close_note": note}
    if amount is not None:
        data["amount"] = amount
    if opportunity.status == kind:
        data.pop("stage")
    return opportunity_save(
        opportunity=opportunity, data=data, by=by, expected_version=expected_version
    )


def opportunity_delete(*, opportunity: Opportunity, by) -> None:
    """Deletes the deal, its stage history and its timeline entries (a deal with quotes or
    orders is protected: ``ProtectedError``)."""
    with transaction.atomic():
        timeline.forget(opportunity)
        opportunity.delete()


def stages_changed(stage: Stage) -> int:
    """A stage's default probability or forecast category changed: open deals in it that
    follow the stage take the new values (a save: their version moves on)."""
    if stage.is_closed:
        return 0
    return Opportunity.objects.filter(
        stage=stage, status=Stage.Kind.OPEN, probability_overridden=False
    ).update(
        probability=stage.probability,
        forecast_category=stage.forecast_category,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
