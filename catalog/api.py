"""REST API of the catalogue: products (+ configure), price books and their entries,
currencies. Everyone with a role reads; sales managers and administrators write."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core import access
from core.access import Action
from core.api.permissions import HasRole
from core.api.serializers import RecordSerializer, StrictTypes
from core.api.viewsets import RecordViewSet

from . import money, services
from .access import can_configure
from .configurator import evaluate
from .filters import (
    CurrencyFilterSet,
    PriceBookEntryFilterSet,
    PriceBookFilterSet,
    ProductFilterSet,
    current_rate,
)
from .models import ConfigOption, Currency, OptionValue, PriceBook, PriceBookEntry, Product

CODE_PATTERN = re.compile(r"[A-Z]{3}")


class OptionValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = OptionValue
        fields = ["code", "label", "price", "is_default"]


class OptionSerializer(serializers.ModelSerializer):
    values = OptionValueSerializer(many=True, read_only=True)

    class Meta:
        model = ConfigOption
        fields = ["code", "name", "multiple", "required", "values"]


class ProductSerializer(RecordSerializer):
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "family", "description", "unit_price", "currency",
                  "tax_rate", "active", "is_configurable", "options", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def validate_sku(self, value):
        sku = value.strip().upper()
        clash = Product.objects.filter(sku__iexact=sku)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("Another product already has this SKU.")
        return sku


class ConfigureSerializer(StrictTypes, serializers.Serializer):
    chosen = serializers.JSONField(help_text="option code -> value code (or a list of codes)")
    price_book = serializers.PrimaryKeyRelatedField(
        queryset=PriceBook.objects.all(), required=False, allow_null=True,
        help_text="Price the configuration in this book (its currency)",
    )  # fmt: skip


CONFIGURE_RESPONSE = inline_serializer(
    "ConfigurationResult",
    {
        "valid": serializers.BooleanField(),
        "errors": serializers.ListField(child=serializers.CharField()),
        "price": serializers.DecimalField(max_digits=16, decimal_places=2),
        "currency": serializers.CharField(),
        "description": serializers.CharField(),
        "configuration": serializers.DictField(),
        "required": serializers.ListField(child=serializers.CharField()),
    },
)


class ProductViewSet(RecordViewSet):
    queryset = Product.objects.select_related("currency").prefetch_related(
        Prefetch("options", ConfigOption.objects.prefetch_related("values"))
    )
    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet

    @extend_schema(request=ConfigureSerializer, responses={200: CONFIGURE_RESPONSE,
                                                           400: CONFIGURE_RESPONSE})  # fmt: skip
    @action(detail=True, methods=["post"])
    def configure(self, request, pk=None):
        """Evaluate a configuration: validity, errors, price and description. 400 with the
        errors when the combination is not possible. Nothing is saved."""
        product = get_object_or_404(Product.objects.select_related("currency"), pk=pk)
        access.check(request.user, product, Action.VIEW)
        if not can_configure(request.user):
            raise PermissionDenied("The configurator is for the sales team.")
        body = ConfigureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        book = body.validated_data.get("price_book")
        result = evaluate(product, body.validated_data["chosen"], price_book=book,
                          explain_disabled=False)  # fmt: skip
        code = status.HTTP_200_OK if result.valid else status.HTTP_400_BAD_REQUEST
        return Response(result.as_dict(), status=code)

    def get_permissions(self):
        # Configuring changes nothing: reading the product (checked above) is enough.
        if self.action == "configure":
            return [HasRole()]
        return super().get_permissions()


class PriceBookEntrySerializer(StrictTypes, serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = PriceBookEntry
        fields = ["id", "price_book", "product", "sku", "product_name", "unit_price"]

    def validate_unit_price(self, value):
        if value < 0:
            raise serializers.ValidationError("A price cannot be negative.")
        return value


class PriceBookSerializer(RecordSerializer):
    entries = serializers.SerializerMethodField()

    class Meta:
        model = PriceBook
        fields = ["id", "name", "kind", "currency", "region", "is_default", "active", "entries",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        # "One default book" is kept by the save (the mark moves), not refused up front.
        extra_kwargs = {"is_default": {"validators": []}}

    def get_entries(self, book) -> list[dict]:
        """The book's prices (on a single book; the list leaves them out - see
        ``/price-book-entries/?price_book=``)."""
        view = self.context.get("view")
        if view is None or view.action == "list":
            return []
        entries = book.entries.select_related("product").order_by("product__name")
        return PriceBookEntrySerializer(entries, many=True).data


class PriceBookViewSet(RecordViewSet):
    queryset = PriceBook.objects.all()
    serializer_class = PriceBookSerializer
    filterset_class = PriceBookFilterSet

    def save_record(self, serializer, *, created, defaults):
        if serializer.validated_data.get("is_default"):
            others = PriceBook.objects.filter(is_default=True)
            if serializer.instance is not None:
                others = others.exclude(pk=serializer.instance.pk)
            others.update(is_default=False)
        return serializer.save(**defaults)


class PriceBookEntryViewSet(RecordViewSet):
    queryset = PriceBookEntry.objects.select_related("product")
    serializer_class = PriceBookEntrySerializer
    filterset_class = PriceBookEntryFilterSet

    def save_record(self, serializer, *, created, defaults):
        book = serializer.validated_data.get("price_book") or serializer.instance.price_book
        price = serializer.validated_data.get("unit_price")
        if price is not None:
            serializer.validated_data["unit_price"] = money.quantize(price, book.currency_id)
        return serializer.save(**defaults)


class CurrencySerializer(RecordSerializer):
    code = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. EUR")
    rate = serializers.SerializerMethodField(help_text="Units per 1 base-currency unit today")

    class Meta:
        model = Currency
        fields = ["code", "name", "symbol", "minor_units", "active", "rate"]

    def get_rate(self, currency) -> str | None:
        if currency.code == money.base_currency():
            return "1"
        if hasattr(currency, "current_rate"):  # annotated by the viewset's queryset
            value = currency.current_rate
            return None if value is None else str(value)
        try:
            return str(money.rate(currency.code))
        except money.MissingRate:
            return None

    def validate_code(self, value):
        code = value.strip().upper()
        if self.instance is not None:
            if code != self.instance.code:
                raise serializers.ValidationError("The code of a currency cannot change.")
            return code
        if not CODE_PATTERN.fullmatch(code):
            raise serializers.ValidationError("Use the three-letter ISO code, e.g. EUR.")
        if Currency.objects.filter(code=code).exists():
            raise serializers.ValidationError(f"{code} exists already.")
        return code


class CurrencyViewSet(RecordViewSet):
    queryset = Currency.objects.annotate(current_rate=current_rate())
    serializer_class = CurrencySerializer
    filterset_class = CurrencyFilterSet

    def delete_record(self, instance):
        with transaction.atomic():
            services.currency_delete(currency=instance)


def register(router):
    """Add this app's viewsets to the API router (crm_site/api_urls.py)."""
    router.register("products", ProductViewSet)
    router.register("price-books", PriceBookViewSet)
    router.register("price-book-entries", PriceBookEntryViewSet)
    router.register("currencies", CurrencyViewSet)
