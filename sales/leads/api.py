"""Leads in the REST API: CRUD through ``lead_save`` and ``POST /leads/{id}/convert/``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account, Contact
from core import access
from core.access import Action
from core.api.serializers import RecordSerializer, StrictTypes
from core.api.viewsets import RecordViewSet

from ..models import Lead, Pipeline
from . import conversion, services
from .filters import LeadFilterSet


class LeadSerializer(RecordSerializer):
    class Meta:
        model = Lead
        fields = [
            "id", "salutation", "first_name", "last_name", "title", "company", "industry",
            "employees", "website", "email", "phone", "country", "region", "city", "source",
            "campaign", "interest", "message", "budget", "budget_currency", "authority", "need",
            "timeframe", "status", "disqualified_reason", "disqualified_note", "score",
            "score_explanation", "owner", "team", "assigned_at", "converted_at",
            "converted_account", "converted_contact", "converted_opportunity", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "score", "score_explanation", "assigned_at", "converted_at", "converted_account",
            "converted_contact", "converted_opportunity", "created_at", "updated_at",
        ]  # fmt: skip

    def validate(self, attrs):
        status_ = attrs.get("status", getattr(self.instance, "status", Lead.Status.NEW))
        reason = attrs.get("disqualified_reason", getattr(self.instance, "disqualified_reason", ""))
        if status_ == Lead.Status.DISQUALIFIED and not reason:
            raise serializers.ValidationError(
                {"disqualified_reason": "Say why the lead is disqualified."}
            )
        if self.instance is not None and self.instance.is_converted:
            raise serializers.ValidationError(
                {"detail": "This lead was converted and can no longer be changed."}
            )
        return attrs


class OpportunityInput(StrictTypes, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, default=0)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)
    close_date = serializers.DateField()
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.filter(active=True), required=False
    )


class ConvertInput(StrictTypes, serializers.Serializer):
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.filter(merged_into__isnull=True), required=False, allow_null=True
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.filter(merged_into__isnull=True), required=False, allow_null=True
    )
    opportunity = OpportunityInput(required=False, allow_null=True)


class LeadViewSet(RecordViewSet):
    queryset = Lead.objects.select_related("owner", "team").prefetch_related("interest")
    serializer_class = LeadSerializer
    filterset_class = LeadFilterSet
    conflict_actions = ("convert",)  # 409: converted already

    def create_defaults(self):
        return {"owner": self.request.user}

    def save_record(self, serializer, *, created, defaults):
        return services.lead_save(
            lead=None if created else serializer.instance,
            data={**defaults, **serializer.validated_data},
            by=self.request.user,
        )

    def delete_record(self, instance):
        services.lead_delete(lead=instance, by=self.request.user)

    @action(detail=True, methods=["post"], serializer_class=ConvertInput)
    def convert(self, request, pk=None):
        """Convert a qualified lead: ``{"account": id|null, "contact": id|null,
        "opportunity": {"name", "amount", "currency", "close_date", "pipeline"}|null}``.
        Null/absent account or contact: created from the lead. 409 if already converted."""
        lead = self.get_object()
        access.check(request.user, lead, Action.CHANGE)
        data = ConvertInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        opportunity = d.get("opportunity")
        if opportunity is not None:
            opportunity = dict(opportunity)
            opportunity["currency"] = (opportunity.get("currency") or "").upper() or None
            if opportunity["currency"] is None:
                from django.conf import settings

                opportunity["currency"] = lead.budget_currency or settings.CRM_BASE_CURRENCY
        try:
            result = conversion.convert_lead(
                lead=lead,
                by=request.user,
                account=d.get("account"),
                contact=d.get("contact"),
                create_opportunity=opportunity is not None,
                opportunity_data=opportunity,
            )
        except conversion.AlreadyConverted as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {
                "detail": error.messages
            }  # fmt: skip
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        body = LeadSerializer(result.lead, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_200_OK)


def register(router):
    """Add this part's viewsets to the API router (crm_site/api_urls.py)."""
    router.register("leads", LeadViewSet)
