"""Products, price books and currencies through the generic record views."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import path, re_path
from django.utils import timezone

from core.views.generic import (
    BulkDeleteView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    RecordViews,
)

from .. import money, services
from ..access import can_configure, can_manage
from ..filters import CurrencyFilterSet, PriceBookFilterSet, ProductFilterSet, current_rate
from ..forms import (
    CurrencyForm,
    ExchangeRateForm,
    PriceBookForm,
    ProductBulkEditForm,
    ProductForm,
)
from ..models import ConfigOption, ConfigRule, Currency, PriceBook, Product
from ..tables import CurrencyTable, PriceBookTable, ProductTable
from .pricebooks import entries_context

RATE_HISTORY = 50


class ProductViews(RecordViews):
    model = Product
    namespace = "catalog"
    queryset = Product.objects.select_related("currency")
    filterset_class = ProductFilterSet
    table_class = ProductTable
    form_class = ProductForm
    bulk_edit_form = ProductBulkEditForm
    detail_template = "catalog/product_detail.html"
    detail_fields = ("sku", "family", "unit_price", "currency", "tax_rate", "active",
                     "is_configurable", "description")  # fmt: skip
    export_fields = ("id", "sku", "name", "family", "unit_price", "currency_id", "tax_rate",
                     "active", "is_configurable", "description", "created_at")  # fmt: skip

    @classmethod
    def initial_for_create(cls, request):
        return {"currency": money.base_currency(), "active": True}

    @classmethod
    def detail_rows(cls, obj):
        rows = super().detail_rows(obj)
        label = Product._meta.get_field("unit_price").verbose_name
        return [
            (name, money.display(obj.unit_price, obj.currency) if name == label else value)
            for name, value in rows
        ]

    @classmethod
    def detail_context(cls, request, obj):
        prices = obj.prices.select_related("price_book__currency").order_by("price_book__name")
        options = ConfigOption.objects.filter(product=obj).prefetch_related("values")
        rules = ConfigRule.objects.filter(product=obj).select_related(
            "when__option", "target__option"
        )
        return {
            "prices": [
                (p.price_book, money.display(p.unit_price, p.price_book.currency)) for p in prices
            ],  # fmt: skip
            "options": options,
            "rules": rules,
            "can_manage": can_manage(request.user),
            "can_configure": can_configure(request.user),
        }


class PriceBookViews(RecordViews):
    model = PriceBook
    namespace = "catalog"
    queryset = PriceBook.objects.select_related("currency")
    filterset_class = PriceBookFilterSet
    table_class = PriceBookTable
    form_class = PriceBookForm
    detail_template = "catalog/pricebook_detail.html"
    detail_fields = ("kind", "currency", "region", "is_default", "active")
    export_fields = ("id", "name", "kind", "currency_id", "region", "is_default", "active")

    @classmethod
    def initial_for_create(cls, request):
        return {"currency": money.base_currency()}

    @classmethod
    def save(cls, *, form, user, created):
        return services.price_book_save(form=form)

    @classmethod
    def detail_context(cls, request, obj):
        return entries_context(request, obj)


class CurrencyDeleteView(ObjectDeleteView):
    """Deleting a currency in use anywhere is refused, saying where it is used."""

    def post(self, request, pk):
        obj = self.get_object(pk)
        try:
            with transaction.atomic():
                services.currency_delete(currency=obj)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, f"Deleted currency “{obj.pk}”.")
        return HttpResponseRedirect(self.url("list"))


class CurrencyBulkDeleteView(BulkDeleteView):
    def apply(self, objects, form, user):
        deleted = 0
        for obj in objects:
            try:
                with transaction.atomic():
                    services.currency_delete(currency=obj)
                deleted += 1
            except ValidationError as exc:
                messages.error(self.request, " ".join(exc.messages))
        return deleted


class CurrencyViews(RecordViews):
    model = Currency
    namespace = "catalog"
    queryset = Currency.objects.annotate(current_rate=current_rate())
    filterset_class = CurrencyFilterSet
    table_class = CurrencyTable
    form_class = CurrencyForm
    detail_template = "catalog/currency_detail.html"
    detail_fields = ("name", "symbol", "minor_units", "active")
    export_fields = ("code", "name", "symbol", "minor_units", "active")

    @classmethod
    def initial_for_create(cls, request):
        return {}

    @classmethod
    def delete(cls, *, obj, user):
        services.currency_delete(currency=obj)

    @classmethod
    def detail_context(cls, request, obj):
        rates = list(obj.rates.order_by("-valid_from")[: RATE_HISTORY + 1])
        for r in rates:
            r.inverse = f"{(1 / r.rate).quantize(Decimal('0.000001')).normalize():f}"
        today = timezone.localdate()
        current = next((r for r in rates if r.valid_from <= today), None)
        manage = can_manage(request.user)
        return {
            "is_base": obj.pk == money.base_currency(),
            "base": money.base_currency(),
            "rates": rates[:RATE_HISTORY],
            "rates_more": len(rates) > RATE_HISTORY,
            "current_rate": current,
            "can_manage": manage,
            "rate_form": ExchangeRateForm(currency=obj) if manage else None,
        }

    @classmethod
    def urls(cls):
        code = r"(?P<pk>[A-Z]{3})"
        return [
            path("", cls.view(ObjectListView), name="currency_list"),
            path("add/", cls.view(ObjectEditView), name="currency_add"),
            re_path(rf"^{code}/$", cls.view(ObjectDetailView), name="currency_detail"),
            re_path(rf"^{code}/edit/$", cls.view(ObjectEditView), name="currency_edit"),
            re_path(rf"^{code}/delete/$", cls.view(CurrencyDeleteView), name="currency_delete"),
            path("bulk/delete/", cls.view(CurrencyBulkDeleteView), name="currency_bulk_delete"),
        ]
