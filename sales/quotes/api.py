"""REST API of quotes: ``/api/v1/quotes/`` (list, create from an opportunity, retrieve with
lines and totals, change the header), ``/quotes/{id}/lines/`` (add; change or remove one) and
the actions ``request-approval``, ``approve``, ``reject``, ``send``, ``revise`` and ``pdf``.
Same services, same access rules and the same errors as the pages (JSON, 4xx)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from catalog.models import Product
from core import events
from core.api.serializers import StrictTypes
from core.api.viewsets import RecordViewSet

from ..models import Opportunity, Quote, QuoteLine
from . import pdf, services, totals, workflow
from .filters import QuoteFilterSet

HEADER_FIELDS = ["title", "contact", "valid_until", "terms", "discount_percent", "shipping"]
# A unit price typed instead of the price book's: checked and rounded by the service (the
# page's rules and messages); null on a line goes back to the price book's.
TYPED_PRICE = {
    "max_digits": None,
    "decimal_places": None,
    "min_value": Decimal(0),
    "error_messages": {"min_value": "A price cannot be negative."},
    "help_text": "The price used instead of the price book's (rounded to the currency)",
}


class QuoteLineSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField(help_text="After the line discount")
    price_overridden = serializers.BooleanField(
        read_only=True, help_text="unit_price was typed instead of the price book's book_price"
    )

    class Meta:
        model = QuoteLine
        fields = ["id", "position", "product", "description", "configuration", "quantity",
                  "unit_price", "book_price", "price_overridden", "discount_percent",
                  "tax_rate", "amount", "net_amount", "tax_amount"]  # fmt: skip
        read_only_fields = fields

    def get_amount(self, line) -> str:
        amounts = self.context.get("amounts", {}).get(line.pk)
        return str(amounts.amount) if amounts else None


class QuoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Quote
        fields = ["id", "number", "version", "status", "title", "opportunity", "account",
                  "contact", "currency", "price_book", "valid_until", "terms",
                  "discount_percent", "shipping", "subtotal", "discount_total", "tax_total",
                  "total", "max_discount_percent", "owner", "team", "previous", "sent_at",
                  "accepted_at", "accepted_by_name", "declined_at", "decline_reason",
                  "approved_by", "approval_comment", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = [f for f in fields if f not in HEADER_FIELDS]


class QuoteDetailSerializer(QuoteSerializer):
    lines = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "lines", "totals"]

    def _computed(self, quote):
        if not hasattr(self, "_cache"):
            lines = list(quote.lines.order_by("position", "id"))
            self._cache = (lines, totals.for_quote(quote, lines))
        return self._cache

    def get_lines(self, quote) -> list[dict]:
        lines, result = self._computed(quote)
        amounts = {line.pk: a for line, a in zip(lines, result.lines, strict=True)}
        return QuoteLineSerializer(lines, many=True, context={"amounts": amounts}).data

    def get_totals(self, quote) -> dict:
        _, result = self._computed(quote)
        return {
            **result.as_dict(),
            "currency": quote.currency,
            "max_discount_percent": str(result.max_discount_percent),
            "rounding": totals.rounding_note(result.units),
        }


class QuoteCreateSerializer(StrictTypes, serializers.Serializer):
    opportunity = serializers.PrimaryKeyRelatedField(queryset=Opportunity.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # none while the schema is generated
        if request is not None:
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(request.user)


class QuoteHeaderSerializer(StrictTypes, serializers.ModelSerializer):
    class Meta:
        model = Quote
        fields = HEADER_FIELDS


class LineCreateSerializer(StrictTypes, serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(active=True))
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    discount_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        default=Decimal(0),
    )
    configuration = serializers.DictField(required=False, default=dict)
    unit_price = serializers.DecimalField(**TYPED_PRICE, required=False)


class LineUpdateSerializer(StrictTypes, serializers.Serializer):
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False
    )
    description = serializers.CharField(required=False, allow_blank=False, max_length=5000)
    unit_price = serializers.DecimalField(**TYPED_PRICE, required=False, allow_null=True)


class DecisionSerializer(StrictTypes, serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class QuoteViewSet(RecordViewSet):
    queryset = Quote.objects.select_related("owner", "team", "account", "opportunity")
    serializer_class = QuoteSerializer
    filterset_class = QuoteFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return QuoteDetailSerializer
        if self.action == "create":
            return QuoteCreateSerializer
        if self.action == "partial_update":
            return QuoteHeaderSerializer
        return QuoteSerializer

    def _detail(self, quote, code=status.HTTP_200_OK):
        quote = self.get_queryset().get(pk=quote.pk)
        return Response(QuoteDetailSerializer(quote, context=self.get_serializer_context()).data,
                        status=code)  # fmt: skip

    @extend_schema(request=QuoteCreateSerializer, responses={201: QuoteDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = QuoteCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        quote = services.create_quote(
            opportunity=serializer.validated_data["opportunity"], by=request.user
        )
        return self._detail(quote, status.HTTP_201_CREATED)

    @extend_schema(request=QuoteHeaderSerializer, responses=QuoteDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        quote = self.get_object()
        serializer = QuoteHeaderSerializer(quote, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_quote(quote=quote, data=dict(serializer.validated_data), by=request.user)
        return self._detail(quote)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": "Use PATCH."}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(responses={204: None, 409: None})
    def destroy(self, request, *args, **kwargs):
        """Delete a draft with its lines (the version it revised is current again); anything
        else is 409, nothing deleted."""
        quote = self.get_object()
        try:
            services.delete_quote(quote=quote, by=request.user)
        except services.QuoteError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- lines ------------------------------------------------------------------------------
    @extend_schema(request=LineCreateSerializer, responses={201: QuoteDetailSerializer})
    @action(detail=True, methods=["get", "post"], url_path="lines")
    def lines(self, request, pk=None):
        quote = self.get_object()
        if request.method == "GET":
            return Response(self._detail(quote).data["lines"])
        serializer = LineCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.add_line(
            quote=quote,
            product=data["product"],
            quantity=data["quantity"],
            discount_percent=data["discount_percent"],
            configuration=data["configuration"] or None,
            unit_price=data.get("unit_price"),
            by=request.user,
        )
        return self._detail(quote, status.HTTP_201_CREATED)

    @extend_schema(request=LineUpdateSerializer, responses=QuoteDetailSerializer)
    @action(detail=True, methods=["patch", "delete"], url_path=r"lines/(?P<line_pk>[0-9]{1,18})")
    def line(self, request, pk=None, line_pk=None):
        quote = self.get_object()
        line = get_object_or_404(QuoteLine, pk=int(line_pk), quote=quote)
        if request.method == "DELETE":
            services.remove_line(line=line, by=request.user)
            return self._detail(quote)
        serializer = LineUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_line(line=line, by=request.user, **serializer.validated_data)
        return self._detail(quote)

    # -- the quote's life ---------------------------------------------------------------------
    @extend_schema(request=None, responses=QuoteDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-approval")
    def request_approval(self, request, pk=None):
        quote = self.get_object()
        workflow.request_approval(quote=quote, by=request.user)
        return self._detail(quote)

    def _decide(self, request, approve):
        quote = self.get_object()
        if not workflow.can_approve(request.user, quote):
            raise PermissionDenied("Only a sales manager of the quote's team can decide.")
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workflow.decide_approval(
            quote=quote,
            approve=approve,
            by=request.user,
            comment=serializer.validated_data.get("comment", ""),
        )
        return self._detail(quote)

    @extend_schema(request=DecisionSerializer, responses=QuoteDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, True)

    @extend_schema(request=DecisionSerializer, responses=QuoteDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, False)

    @extend_schema(request=None, responses=QuoteDetailSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        quote = self.get_object()
        workflow.send_quote(quote=quote, by=request.user)
        return self._detail(quote)

    @extend_schema(request=None, responses={201: QuoteDetailSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        new = workflow.revise_quote(quote=self.get_object(), by=request.user)
        return self._detail(new, status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): bytes, 202: None})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The PDF when the worker has rendered the current version; else 202 (asked for)."""
        quote = self.get_object()
        document = pdf.current_document(quote)
        if document is None:
            with transaction.atomic():
                events.record("quote.render", {"quote_id": quote.pk})
            response = Response(
                {"detail": "The PDF is being rendered; ask again in a few seconds."},
                status=status.HTTP_202_ACCEPTED,
            )
            response["Retry-After"] = "2"
            return response
        response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf.filename(quote)}"'
        return response


def register(router):
    """Add this part's viewsets to the API router (crm_site/api_urls.py)."""
    router.register("quotes", QuoteViewSet)
