import django_tables2 as tables

from core.tables import RecordTable

from . import money
from .models import Currency, PriceBook, Product


class ProductTable(RecordTable):
    sku = tables.Column(linkify=True, verbose_name="SKU")
    name = tables.Column(linkify=True)
    unit_price = tables.Column(verbose_name="List price", attrs={"td": {"class": "text-end"}})
    tax_rate = tables.Column(verbose_name="Tax %", attrs={"td": {"class": "text-end"}})
    active = tables.BooleanColumn()
    is_configurable = tables.BooleanColumn(verbose_name="Configurable")

    class Meta(RecordTable.Meta):
        model = Product
        fields = ("pk", "sku", "name", "family", "unit_price", "currency", "tax_rate",
                  "is_configurable", "active")  # fmt: skip
        order_by = ("name",)

    def render_unit_price(self, value, record):
        return money.display(value, record.currency_id)


class PriceBookTable(RecordTable):
    name = tables.Column(linkify=True)
    is_default = tables.BooleanColumn(verbose_name="Default")
    active = tables.BooleanColumn()

    class Meta(RecordTable.Meta):
        model = PriceBook
        fields = ("pk", "name", "kind", "currency", "region", "is_default", "active")
        order_by = ("name",)


class CurrencyTable(RecordTable):
    code = tables.Column(linkify=True)
    current_rate = tables.Column(
        verbose_name="Current rate", orderable=False, attrs={"td": {"class": "text-end"}},
        empty_values=(),
    )  # fmt: skip
    active = tables.BooleanColumn()

    class Meta(RecordTable.Meta):
        model = Currency
        fields = ("pk", "code", "name", "symbol", "minor_units", "current_rate", "active")
        order_by = ("code",)

    def render_current_rate(self, value, record):
        if record.code == money.base_currency():
            return "1 (base)"
        return "—" if value is None else f"{value.normalize():f}"
