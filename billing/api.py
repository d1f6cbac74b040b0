"""Orders, invoices, payments, credit notes and the ledger in the REST API.

Same rules as the pages: orders are sales records; the ledger's documents follow
``billing.access`` (list: 403 for roles without ledgers; a document of an account whose
ledger is not theirs: 404; posting to it: 403). Writes go through ``billing.services``.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.models import Account
from core.api.permissions import HasRole, RowLevelAccess
from core.api.serializers import StrictTypes
from core.filters import IdFilter

from . import selectors, services
from .access import can_post, check_ledger
from .filters import InvoiceFilterSet, OrderFilterSet
from .models import CreditNote, Invoice, InvoiceLine, LedgerEntry, Order, OrderLine, Payment

MONEY = {"max_digits": 16, "decimal_places": 2}


class ListAccess(RowLevelAccess):
    """Lists and creates: 403 for a role the records are no business of."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) == "list":
            return view.queryset.model.access.can_list(request.user)
        return True


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ListAccess]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            return qs.visible_to(self.request.user)
        return qs  # retrieve: the object-level check answers 404 for the unreadable


class CreateMixin:
    """POST through a service: ``input_serializer_class`` validates, ``create_document``
    writes (after the account-level check), the read serializer answers."""

    input_serializer_class: type[serializers.Serializer]

    def create(self, request, *args, **kwargs):
        data = self.input_serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        account = values.get("account") or values["order"].account
        if not can_post(request.user, account):
            raise PermissionDenied("You may not post to this account's ledger.")
        document = self.create_document(values, request.user)
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)


# -- orders ---------------------------------------------------------------------------------
class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["position", "product", "sku", "description", "quantity", "unit_price",
                  "net_amount", "tax_amount"]  # fmt: skip


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "number", "account", "opportunity", "quote", "status", "ordered_on",
                  "currency", "total", "owner", "team", "lines", "created_at"]  # fmt: skip


class OrderViewSet(ReadViewSet):
    queryset = Order.objects.prefetch_related("lines")
    serializer_class = OrderSerializer
    filterset_class = OrderFilterSet


# -- invoices ---------------------------------------------------------------------------------
class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "sku", "description", "quantity", "unit_price", "net_amount",
                  "tax_amount"]  # fmt: skip


class InvoiceSerializer(serializers.ModelSerializer):
    outstanding = serializers.DecimalField(**MONEY, read_only=True)
    overdue = serializers.SerializerMethodField()
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "account", "order", "status", "issued_on", "due_on",
                  "currency", "total", "paid_amount", "credited_amount", "outstanding",
                  "overdue", "external_id", "lines", "created_at"]  # fmt: skip

    def get_overdue(self, obj) -> bool:
        from .tables import days_overdue

        return bool(days_overdue(obj))


class InvoiceLineInput(StrictTypes, serializers.Serializer):
    description = serializers.CharField(max_length=500)
    sku = serializers.CharField(max_length=40, required=False, allow_blank=True)
    quantity = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"), default=1)
    unit_price = serializers.DecimalField(**MONEY, min_value=Decimal(0))
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0),
                                        max_value=Decimal(100), default=0)  # fmt: skip


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a record the user may read (others are "does not exist": 400)."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)


class InvoiceInput(StrictTypes, serializers.Serializer):
    order = VisibleRelatedField(queryset=Order.objects.select_related("account"), required=False)
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(), required=False)
    currency = serializers.CharField(max_length=3, required=False)
    issued_on = serializers.DateField(required=False)
    due_in_days = serializers.IntegerField(min_value=0, max_value=365, default=30)
    lines = InvoiceLineInput(many=True, required=False, max_length=500)

    def validate(self, attrs):
        if "order" in attrs:
            if {"account", "currency", "lines"} & set(attrs):
                raise ValidationError("Give either an order, or an account, currency and lines.")
        elif not {"account", "currency", "lines"} <= set(attrs):
            raise ValidationError(
                "Give an order to invoice, or an account, a currency and lines for a manual one."
            )
        return attrs


class InvoiceViewSet(CreateMixin, mixins.CreateModelMixin, ReadViewSet):
    queryset = Invoice.objects.select_related("account").prefetch_related("lines")
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilterSet
    input_serializer_class = InvoiceInput

    @extend_schema(request=InvoiceInput, responses={201: InvoiceSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_document(self, values, user):
        if "order" in values:
            return services.invoice_from_order(
                values["order"], user, due_in_days=values["due_in_days"],
                issued_on=values.get("issued_on"),
            )  # fmt: skip
        return services.invoice_create(
            account=values["account"], currency=values["currency"], lines=values["lines"],
            by=user, issued_on=values.get("issued_on"), due_in_days=values["due_in_days"],
        )  # fmt: skip


# -- payments and credit notes ------------------------------------------------------------------
class DocumentFilterSet(django_filters.FilterSet):
    account = IdFilter(field_name="account_id")
    invoice = IdFilter(field_name="invoice_id")


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "account", "invoice", "received_on", "currency", "amount", "method",
                  "reference", "created_at"]  # fmt: skip


class PaymentInput(StrictTypes, serializers.Serializer):
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all())
    invoice = VisibleRelatedField(queryset=Invoice.objects.all(), required=False, allow_null=True)
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    currency = serializers.CharField(max_length=3, required=False)
    received_on = serializers.DateField(required=False)
    method = serializers.CharField(max_length=40, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


class PaymentViewSet(CreateMixin, mixins.CreateModelMixin, ReadViewSet):
    queryset = Payment.objects.select_related("account")
    serializer_class = PaymentSerializer
    filterset_class = DocumentFilterSet
    input_serializer_class = PaymentInput

    @extend_schema(request=PaymentInput, responses={201: PaymentSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_document(self, values, user):
        return services.payment_record(by=user, **values)


class CreditNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditNote
        fields = ["id", "number", "account", "invoice", "issued_on", "currency", "amount",
                  "reason", "external_id", "created_at"]  # fmt: skip


class CreditNoteInput(StrictTypes, serializers.Serializer):
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all())
    invoice = VisibleRelatedField(queryset=Invoice.objects.all(), required=False, allow_null=True)
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    currency = serializers.CharField(max_length=3, required=False)
    reason = serializers.CharField(max_length=255)


class CreditNoteViewSet(CreateMixin, mixins.CreateModelMixin, ReadViewSet):
    queryset = CreditNote.objects.select_related("account")
    serializer_class = CreditNoteSerializer
    filterset_class = DocumentFilterSet
    input_serializer_class = CreditNoteInput

    @extend_schema(request=CreditNoteInput, responses={201: CreditNoteSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_document(self, values, user):
        return services.credit_note_create(by=user, **values)


# -- the ledger ---------------------------------------------------------------------------------
class LedgerEntrySerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "booked_on", "kind", "currency", "debit", "credit", "balance",
                  "invoice", "payment", "credit_note", "description"]  # fmt: skip


class LedgerViewSet(viewsets.GenericViewSet):
    """``GET /api/v1/ledger/?account=<id>[&currency=EUR][&page=2]``: the account's entries,
    newest first, 50 a page, each with the running balance of its currency after it, and the
    totals per currency (balance, overdue)."""

    permission_classes = [HasRole]
    serializer_class = LedgerEntrySerializer
    queryset = LedgerEntry.objects.none()
    pagination_class = None
    filter_backends = []
    PARAMS = {"account", "currency", "page", "format"}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "account", {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}, required=True
            ),
            OpenApiParameter("currency", OpenApiTypes.STR, description="Only this currency"),
            OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": 99_999}),
        ],
        responses=inline_serializer("Ledger", {
            "account": serializers.IntegerField(),
            "totals": serializers.ListField(child=serializers.DictField()),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": LedgerEntrySerializer(many=True),
        }),
    )  # fmt: skip
    def list(self, request):
        params = request.query_params
        unknown = sorted(set(params) - self.PARAMS)
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        account_id, page = params.get("account", ""), params.get("page", "1")
        if not account_id.isdigit() or int(account_id) >= 2**63:
            raise ValidationError({"account": ["An account id is required."]})
        if not page.isdigit() or not 0 < int(page) < 100_000:
            raise NotFound("Invalid page.")
        account = Account.objects.filter(pk=int(account_id)).first()
        if account is None:
            raise NotFound("No such account.")
        if not LedgerEntry.access.can_list(request.user):
            raise PermissionDenied
        check_ledger(request.user, account)
        currency = params.get("currency", "").upper()[:3]
        result = selectors.ledger_page(account, currency=currency, page=int(page))
        totals = selectors.summary([account.pk], request.user)
        base = reverse("ledger-list", request=request)

        def link(number):
            query = f"account={account.pk}&page={number}" + (
                f"&currency={currency}" if currency else ""
            )
            return f"{base}?{query}"

        return Response({
            "account": account.pk,
            "totals": [
                {"currency": t.currency, "debit": str(t.debit), "credit": str(t.credit),
                 "balance": str(t.balance), "overdue_amount": str(t.overdue_amount),
                 "overdue_count": t.overdue_count, "oldest_due_on": t.oldest_due_on}
                for t in totals
            ],
            "next": link(result.number + 1) if result.has_next else None,
            "previous": link(result.number - 1) if result.has_previous else None,
            "results": LedgerEntrySerializer(result.entries, many=True).data,
        })  # fmt: skip


def register(router):
    """Add this app's viewsets to the API router (crm_site/api_urls.py)."""
    router.register("orders", OrderViewSet)
    router.register("invoices", InvoiceViewSet)
    router.register("payments", PaymentViewSet)
    router.register("credit-notes", CreditNoteViewSet)
    router.register("ledger", LedgerViewSet, basename="ledger")
