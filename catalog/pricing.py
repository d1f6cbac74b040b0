"""What a product costs in a price book - the one function quotes and the configurator ask."""

from __future__ import annotations

import datetime
from decimal import Decimal

from . import money
from .models import PriceBook, PriceBookEntry


def price_for(
    product,
    price_book: PriceBook | None = None,
    *,
    currency: str | None = None,
    on: datetime.date | None = None,
) -> tuple[Decimal, str]:
    """``(unit_price, currency code)`` of ``product`` in ``price_book``.

    * no price book: the product's list price in its own currency;
    * the book has an entry for the product: that price, in the book's currency;
    * otherwise the list price converted to the book's currency (``money.convert``, rounded to
      its minor unit) - ``money.MissingRate`` when a rate is missing;
    * ``currency`` given (e.g. a quote's): the price above converted to it.
    """
    price, code = _book_price(product, price_book, on)
    if currency and currency != code:
        return money.convert(price, code, currency, on), currency
    return price, code


def _book_price(product, price_book, on) -> tuple[Decimal, str]:
    if price_book is None:
        return product.unit_price, product.currency_id
    entry = (
        PriceBookEntry.objects.filter(price_book=price_book, product_id=product.pk)
        .values_list("unit_price", flat=True)
        .first()
    )
    if entry is not None:
        return entry, price_book.currency_id
    converted = money.convert(product.unit_price, product.currency_id, price_book.currency_id, on)
    return converted, price_book.currency_id


def default_price_book() -> PriceBook | None:
    return PriceBook.objects.filter(is_default=True, active=True).first()
