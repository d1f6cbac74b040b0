import django_filters
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from core import search
from core.filters import RecordFilterSet

from .models import Currency, ExchangeRate, PriceBook, PriceBookEntry, Product
from .search import ProductListSearch

PRODUCT_LIST_SEARCH = ProductListSearch()


def current_rate():
    """Annotation: a currency's rate valid today (None for none; the base has no rows)."""
    return Subquery(
        ExchangeRate.objects.filter(currency=OuterRef("pk"), valid_from__lte=timezone.localdate())
        .order_by("-valid_from")
        .values("rate")[:1]
    )


class ProductFilterSet(RecordFilterSet):
    family = django_filters.CharFilter(lookup_expr="iexact")
    active = django_filters.BooleanFilter()
    is_configurable = django_filters.BooleanFilter(label="Configurable")
    currency = django_filters.ModelChoiceFilter(queryset=Currency.objects.all(), empty_label="Any")

    class Meta:
        model = Product
        fields = ["q", "family", "active", "is_configurable", "currency"]

    def filter_q(self, queryset, name, value):
        """The search box's matching (name by trigrams, the exact SKU: ``catalog.search``),
        so its "see all" lists the same products, and the SKU's start."""
        query = search.parse(value)
        return PRODUCT_LIST_SEARCH.filter(queryset, query) if query else queryset


class PriceBookFilterSet(RecordFilterSet):
    search_fields = ("name", "region")
    kind = django_filters.ChoiceFilter(choices=PriceBook.Kind.choices)
    currency = django_filters.ModelChoiceFilter(queryset=Currency.objects.all(), empty_label="Any")
    active = django_filters.BooleanFilter()

    class Meta:
        model = PriceBook
        fields = ["q", "kind", "currency", "active"]


class CurrencyFilterSet(RecordFilterSet):
    search_fields = ("code", "name")
    active = django_filters.BooleanFilter()

    class Meta:
        model = Currency
        fields = ["q", "active"]


class PriceBookEntryFilterSet(django_filters.FilterSet):
    """API only: the entries of a book, or a product's prices across books."""

    class Meta:
        model = PriceBookEntry
        fields = ["price_book", "product"]
