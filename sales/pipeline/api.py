"""Opportunities and pipelines in the REST API (/api/v1/): the same service, access rules
and optimistic lock as the pages. A write to an existing deal sends the ``version`` it read;
if someone saved since, the answer is 409 and nothing changes."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from core.api.serializers import RecordSerializer, StrictTypes
from core.api.viewsets import RecordViewSet

from ..models import Opportunity, Pipeline, Stage, StageChange
from . import services
from .filters import OpportunityFilterSet


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This opportunity was changed by someone else."
    default_code = "stale"


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "position", "kind", "probability", "forecast_category"]


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "description", "position", "is_default", "active", "stages"]


class OpportunitySerializer(RecordSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True,
        help_text="Empty or null: the stage's default",
    )  # fmt: skip
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; required to change a deal"
    )
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all(), required=False)
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$", required=False, trim_whitespace=False,
        help_text="ISO 4217 code of an active currency; default: the base currency",
    )  # fmt: skip

    class Meta:
        model = Opportunity
        fields = ["id", "name", "account", "contact", "pipeline", "stage", "status", "amount",
                  "currency", "probability", "probability_overridden", "forecast_category",
                  "close_date", "source", "campaign", "products", "competitors", "next_step",
                  "description", "close_reason", "close_note", "closed_at", "last_activity_at",
                  "owner", "team", "version", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["pipeline", "status", "probability_overridden",
                            "forecast_category", "closed_at", "last_activity_at", "created_at",
                            "updated_at"]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["version"] = instance.version
        return data

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise APIValidationError(
                {"version": ["Send the version you read: it protects others' changes."]}
            )
        if self.instance is None and "currency" not in attrs:
            from catalog import money

            attrs["currency"] = money.base_currency()
        return attrs


class OpportunityViewSet(RecordViewSet):
    queryset = Opportunity.objects.select_related("stage", "pipeline").prefetch_related(
        "products", "competitors"
    )
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    conflict_actions = ("update", "partial_update", "move")  # 409: saved by someone since

    def create_defaults(self):
        return {"owner": self.request.user}

    def save_record(self, serializer, *, created, defaults):
        data = {**defaults, **serializer.validated_data}
        version = data.pop("version", None)
        try:
            return services.opportunity_save(
                opportunity=None if created else serializer.instance,
                data=data,
                by=self.request.user,
                expected_version=None if created else version,
            )
        except services.StaleRecord as exc:
            raise Conflict(exc.messages[0]) from None

    def delete_record(self, instance) -> None:
        services.opportunity_delete(opportunity=instance, by=self.request.user)

    @extend_schema(
        request=inline_serializer(
            "OpportunityMove",
            {
                "stage": serializers.IntegerField(),
                "version": serializers.IntegerField(),
                "close_reason": serializers.ChoiceField(
                    choices=Opportunity.CloseReason.choices, required=False
                ),
            },
        ),
        responses=OpportunitySerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the deal to another stage of its pipeline (a lost stage needs close_reason)."""
        opp = self.get_object()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stage = body.validated_data["stage"]
        if stage.pipeline_id != opp.pipeline_id:
            raise APIValidationError({"stage": ["That stage belongs to another pipeline."]})
        data = {"stage": stage}
        if body.validated_data.get("close_reason"):
            data["close_reason"] = body.validated_data["close_reason"]
        try:
            with transaction.atomic():
                opp = services.opportunity_save(
                    opportunity=opp,
                    data=data,
                    by=request.user,
                    expected_version=body.validated_data["version"],
                )
        except services.StaleRecord as exc:
            raise Conflict(exc.messages[0]) from None
        opp = self.get_queryset().get(pk=opp.pk)
        return Response(OpportunitySerializer(opp, context={"request": request}).data)

    @extend_schema(responses=inline_serializer(
        "StageChange",
        {
            "from_stage": serializers.IntegerField(allow_null=True),
            "from_stage_name": serializers.CharField(allow_null=True),
            "to_stage": serializers.IntegerField(),
            "to_stage_name": serializers.CharField(),
            "changed_at": serializers.DateTimeField(),
            "changed_by": serializers.IntegerField(allow_null=True),
            "amount": serializers.DecimalField(max_digits=14, decimal_places=2),
            "currency": serializers.CharField(),
            "probability": serializers.IntegerField(),
        },
        many=True,
    ))  # fmt: skip
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """The deal's stage history, newest first."""
        opp = self.get_object()
        rows = StageChange.objects.filter(opportunity=opp).select_related("from_stage", "to_stage")
        return Response([
            {
                "from_stage": c.from_stage_id,
                "from_stage_name": c.from_stage.name if c.from_stage_id else None,
                "to_stage": c.to_stage_id,
                "to_stage_name": c.to_stage.name,
                "changed_at": c.changed_at,
                "changed_by": c.changed_by_id,
                "amount": f"{c.amount:.2f}",
                "currency": c.currency,
                "probability": c.probability,
            }
            for c in rows[:500]
        ])  # fmt: skip


class MoveSerializer(StrictTypes, serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    version = serializers.IntegerField(min_value=1)
    close_reason = serializers.ChoiceField(choices=Opportunity.CloseReason.choices, required=False)


class PipelineViewSet(viewsets.ReadOnlyModelViewSet):
    """Pipelines with their stages (read-only; configured on the Pipelines settings page)."""

    queryset = Pipeline.objects.prefetch_related("stages").order_by("position", "name")
    serializer_class = PipelineSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        services.default_pipeline()  # the standard pipelines exist from the first read on
        return super().get_queryset()


def register(router):
    """Add this part's viewsets to the API router (crm_site/api_urls.py)."""
    router.register("opportunities", OpportunityViewSet)
    router.register("pipelines", PipelineViewSet)
