"""Writes to the catalogue that need more than ``form.save()``: the default price book, price
book entries and deleting a currency that may be in use anywhere in the CRM."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction

from . import money
from .models import Currency, PriceBook, PriceBookEntry, Product


def price_book_save(*, form) -> PriceBook:
    """Save a price book; marking it default takes the mark from the previous default."""
    with transaction.atomic():
        if form.cleaned_data.get("is_default"):
            others = PriceBook.objects.filter(is_default=True)
            if form.instance.pk:
                others = others.exclude(pk=form.instance.pk)
            others.update(is_default=False)
        return form.save()


def entry_add(*, price_book: PriceBook, product: Product, unit_price: Decimal) -> PriceBookEntry:
    if unit_price is None or unit_price < 0:
        raise ValidationError({"unit_price": "A price cannot be negative."})
    entry, _ = PriceBookEntry.objects.update_or_create(
        price_book=price_book,
        product=product,
        defaults={"unit_price": money.quantize(unit_price, price_book.currency_id)},
    )
    return entry


def fill_price_book(*, price_book: PriceBook, factor: Decimal = Decimal(1)) -> int:
    """Add every active product missing from the book at its list price × ``factor``,
    converted to the book's currency. Returns how many were added."""
    existing = set(price_book.entries.values_list("product_id", flat=True))
    entries = []
    for product in Product.objects.filter(active=True).exclude(pk__in=existing):
        price = money.convert(product.unit_price, product.currency_id, price_book.currency_id)
        entries.append(
            PriceBookEntry(
                price_book=price_book,
                product=product,
                unit_price=money.quantize(price * factor, price_book.currency_id),
            )
        )
    PriceBookEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


# -- currencies ------------------------------------------------------------------------------
def _currency_columns():
    """Every (model, field name) holding a currency: foreign keys to Currency, and the
    three-letter code columns of other apps (``currency``, ``budget_currency``…). Tables
    derived from others (``derived_from``, e.g. the forecast rollup) say nothing new."""
    for model in apps.get_models():
        if model is Currency or model._meta.proxy or getattr(model, "derived_from", None):
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Currency:
                if field.remote_field.on_delete is not models.CASCADE:
                    yield model, field.name
            elif (
                isinstance(field, models.CharField)
                and field.max_length == 3
                and (field.name == "currency" or field.name.endswith("_currency"))
            ):
                yield model, field.name


def currency_usage(currency: Currency, limit: int = 4) -> list[str]:
    """Where the currency is used, e.g. ``["products", "opportunities"]`` (at most ``limit``
    kinds; each question stops at the first row)."""
    used = []
    for model, name in _currency_columns():
        if model._default_manager.filter(**{name: currency.pk}).exists():
            label = str(model._meta.verbose_name_plural)
            if label not in used:
                used.append(label)
            if len(used) >= limit:
                break
    return used


def currency_delete(*, currency: Currency) -> None:
    """Delete a currency nothing uses; otherwise a ``ValidationError`` that says where it is
    used (mark it inactive instead)."""
    if currency.pk == money.base_currency():
        raise ValidationError(f"{currency.pk} is the base currency and cannot be deleted.")
    used = currency_usage(currency)
    if used:
        raise ValidationError(
            f"{currency.pk} cannot be deleted: it is used by {', '.join(used)}. "
            "Mark it inactive instead, so it is no longer offered."
        )
    currency.delete()
