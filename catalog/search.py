"""Products in the search box (and the product list's ``q``): see ``core.search``.

A product is found by its SKU, exactly (``GTX-PRO``, typed in any case: the unique index on
``sku``), or by its name, word by word and forgiving typos (trigrams, ``product_name_trgm``).
Who sees them is the catalogue's policy (``catalog.access``): every role.
"""

from django.db.models import Q
from django.db.models.functions import Lower

from core import search

from . import money
from .models import Product


def _sku_forms(query: search.Query) -> list[str]:
    """The SKU as typed, upper- and lower-cased (each an exact hit on the unique index)."""
    return list(dict.fromkeys((query.raw, query.raw.upper(), query.raw.lower())))


class ProductSearch(search.Provider):
    key = "products"
    label = "Products"
    icon = "box-seam"
    model = Product
    list_url_name = "catalog:product_list"
    order = 50
    names = {"search_name": Lower("name")}  # product_name_trgm
    tiebreak = ("name", "pk")
    select_related = ("currency",)

    def extra_conditions(self, query):
        return [Q(sku__in=_sku_forms(query))]

    def title(self, obj):
        return obj.name

    def describe(self, obj):
        parts = (
            obj.sku,
            obj.family,
            money.display(obj.unit_price, obj.currency),
            "" if obj.active else "no longer sold",
        )
        return " · ".join(p for p in parts if p)


class ProductListSearch(ProductSearch):
    """The product list's ``q``: the search box's matches (its "see all"), and SKUs starting
    with the text, as the list always offered ("MG-SP" lists MG-SPECIAL)."""

    def extra_conditions(self, query):
        return [Q(sku__in=_sku_forms(query)) | Q(sku__istartswith=query.raw)]


search.register(ProductSearch())
