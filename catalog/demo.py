"""Demo data for `make run` (called by core's load_demo, idempotent and quick).

Currencies USD (base), EUR, GBP, JPY with a rate history; the 7 products of the Maven CRM data
set (``products.csv``: series -> family, sales_price -> list price); the configurable
"GTK 500 Workstation" with its options and rules; price books Standard (USD, default),
Partner (USD, list -15 %) and Europe (EUR).
"""

from __future__ import annotations

import csv
import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from . import services
from .models import (
    ConfigOption,
    ConfigRule,
    Currency,
    ExchangeRate,
    OptionValue,
    PriceBook,
    Product,
)

CURRENCIES = [
    ("USD", "US dollar", "$", 2),
    ("EUR", "Euro", "€", 2),
    ("GBP", "Pound sterling", "£", 2),
    ("JPY", "Japanese yen", "¥", 0),
]
# Units per 1 USD, oldest first (valid from that many days ago).
RATES = {
    "EUR": [(365, "0.9120"), (180, "0.9310"), (30, "0.9215")],
    "GBP": [(365, "0.7920"), (180, "0.8010"), (30, "0.7865")],
    "JPY": [(365, "148.20"), (180, "151.70"), (30, "149.35")],
}
TAX_RATE = Decimal("20.00")

WORKSTATION = {
    "sku": "GTK-500-WS",
    "name": "GTK 500 Workstation",
    "family": "GTK",
    "unit_price": Decimal("5000.00"),
    "description": "The GTK 500 as a workstation, built to order: pick the size, the support "
    "level and any add-ons.",
}
# option code, name, multiple, required, [(value code, label, price, default)]
OPTIONS = [
    ("size", "Size", False, True, [
        ("14", "14″", "0", True), ("16", "16″", "400", False), ("18", "18″", "900", False),
    ]),
    ("support", "Support level", False, True, [
        ("basic", "Basic", "0", True), ("business", "Business", "300", False),
        ("premium", "Premium", "750", False),
    ]),
    ("addons", "Add-ons", True, False, [
        ("dock", "Docking station", "250", False), ("case", "Carry case", "60", False),
        ("battery", "Extra battery", "180", False), ("cooling", "Cooling pad", "45", False),
        ("onsite", "On-site installation", "500", False),
    ]),
]  # fmt: skip
# (when option, when value, effect, target option, target value, amount)
RULES = [
    ("size", "18", "requires", "addons", "cooling", None),
    ("size", "18", "excludes", "addons", "battery", None),
    ("support", "basic", "excludes", "addons", "onsite", None),
    ("addons", "onsite", "price_amount", None, None, "120"),  # travel costs
    ("support", "premium", "price_percent", None, None, "8"),
]


def sku_for(name: str) -> str:
    """ "GTX Plus Pro" -> "GTX-PLUS-PRO"."""
    return re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")


def load(*, users, accounts, stdout):
    today = timezone.localdate()
    for code, name, symbol, units in CURRENCIES:
        Currency.objects.get_or_create(
            code=code, defaults={"name": name, "symbol": symbol, "minor_units": units}
        )
    for code, history in RATES.items():
        for days_ago, rate in history:
            ExchangeRate.objects.get_or_create(
                currency_id=code,
                valid_from=today - datetime.timedelta(days=days_ago),
                defaults={"rate": Decimal(rate)},
            )
    products = _products()
    workstation = _workstation()
    books = _price_books()
    stdout.write(
        f"  catalog: {len(CURRENCIES)} currencies, {len(products) + 1} products "
        f"({workstation.name} configurable), {len(books)} price books"
    )


def _products() -> list[Product]:
    path = settings.SHARED_DATA_DIR / "maven_crm_sales" / "products.csv"
    rows = []
    if path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    products = []
    for row in rows:
        product, _ = Product.objects.get_or_create(
            sku=sku_for(row["product"]),
            defaults={
                "name": row["product"],
                "family": row["series"],
                "unit_price": Decimal(row["sales_price"]),
                "currency_id": "USD",
                "tax_rate": TAX_RATE,
                "description": f"{row['series']} series.",
            },
        )
        products.append(product)
    return products


def _workstation() -> Product:
    product, created = Product.objects.get_or_create(
        sku=WORKSTATION["sku"],
        defaults={
            **WORKSTATION,
            "currency_id": "USD",
            "tax_rate": TAX_RATE,
            "is_configurable": True,
        },  # fmt: skip
    )
    if created:
        build_configuration(product)
    return product


def build_configuration(product, options=OPTIONS, rules=RULES) -> dict:
    """Create ``options`` (with their values) and ``rules`` on ``product``; returns the values
    by (option code, value code). Used by the demo and the tests."""
    values = {}
    for position, (code, name, multiple, required, choices) in enumerate(options):
        option = ConfigOption.objects.create(
            product=product, code=code, name=name, position=position,
            multiple=multiple, required=required,
        )  # fmt: skip
        for i, (value_code, label, price, default) in enumerate(choices):
            values[code, value_code] = OptionValue.objects.create(
                option=option, code=value_code, label=label, price=Decimal(price),
                position=i, is_default=default,
            )  # fmt: skip
    for when_option, when_value, effect, target_option, target_value, amount in rules:
        ConfigRule.objects.create(
            product=product,
            when=values[when_option, when_value],
            effect=effect,
            target=values.get((target_option, target_value)),
            amount=Decimal(amount) if amount else None,
        )
    return values


def _price_books() -> list[PriceBook]:
    specs = [
        ("Standard (USD)", PriceBook.Kind.LIST, "USD", "", True, Decimal(1)),
        ("Partner (USD)", PriceBook.Kind.PARTNER, "USD", "", False, Decimal("0.85")),
        ("Europe (EUR)", PriceBook.Kind.REGIONAL, "EUR", "Europe", False, Decimal(1)),
    ]
    books = []
    for name, kind, currency, region, default, factor in specs:
        book, created = PriceBook.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "currency_id": currency,
                "region": region,
                "is_default": default and not PriceBook.objects.filter(is_default=True).exists(),
            },  # fmt: skip
        )
        if created:
            services.fill_price_book(price_book=book, factor=factor)
        books.append(book)
    return books
