"""A quote's amounts, computed in one place (the page, the PDF, the API and the stored totals
all come from here, so they cannot disagree).

The rule, per line, everything in ``Decimal``:

1. ``gross = quantity × unit price`` (exact, not rounded);
2. the line discount: ``line amount = round(gross × (1 − line discount / 100))``;
3. the quote discount, applied to each line: ``net = round(line amount × (1 − quote discount
   / 100))`` (the quote discount of the line is ``line amount − net``);
4. ``tax = round(net × tax rate / 100)``.

``round`` is half-up (0.5 goes away from zero) to the currency's minor unit (2 decimals for
EUR/USD, 0 for JPY) through ``catalog.money.quantize``. The quote's figures are sums of the
rounded lines: ``subtotal = Σ line amounts``, ``discount_total = Σ quote discounts``,
``tax_total = Σ taxes``, ``total = subtotal − discount_total + tax_total + shipping``
(shipping is rounded to the minor unit and not taxed). So every column adds up on the page,
the PDF and the order.

``unit price`` is the price used: the price book's, or a price the rep typed (an override,
e.g. a negotiated price; the line keeps the price book's as ``book_price``).

The largest discount (what the approval rule compares with the owner's limit) is the
*effective* discount of a line against its price-book price, everything together: a price
typed below the book's, the line discount and the quote discount,
``1 − (unit price / book price)(1 − d/100)(1 − D/100)``, rounded up to 0.01 % so that
10.001 % is not taken for 10 % (a line without a book price, or priced above it with no
discount, counts as no discount: never below 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from catalog.money import minor_units, quantize

ROUNDING_NOTE = "Amounts are rounded half-up to the cent per line"
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def rounding_note(currency_units: int) -> str:
    """The footnote of the page and the PDF (JPY has no cents: its minor unit is the yen)."""
    if currency_units == 2:
        return f"{ROUNDING_NOTE}."
    return f"{ROUNDING_NOTE} (to the currency's minor unit: {currency_units} decimals)."


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal  # quantity × unit price, exact
    amount: Decimal  # after the line discount, rounded
    quote_discount: Decimal  # the quote discount's share of this line
    net: Decimal  # after both discounts, rounded: what tax is computed on
    tax: Decimal
    effective_discount: Decimal  # both discounts together, %

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class Totals:
    lines: list[LineAmounts] = field(default_factory=list)
    subtotal: Decimal = ZERO
    discount_total: Decimal = ZERO
    net_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    shipping: Decimal = ZERO
    total: Decimal = ZERO
    max_discount_percent: Decimal = ZERO
    units: int = 2

    def as_dict(self) -> dict[str, str]:
        """The quote-level figures as strings (JSON, checksums)."""
        names = ("subtotal", "discount_total", "net_total", "tax_total", "shipping", "total")
        return {name: str(getattr(self, name)) for name in names}


def _percent(value) -> Decimal:
    return Decimal(value or 0)


def price_factor(unit_price, book_price) -> Decimal:
    """What is left of the price-book price after an overridden unit price: 0.8 for 80.00
    instead of 100.00; 1 without a book price (none recorded, or a free product)."""
    if book_price is None or unit_price is None or Decimal(book_price) <= 0:
        return Decimal(1)
    return Decimal(unit_price) / Decimal(book_price)


def effective_discount(line_discount, quote_discount, *, unit_price=None, book_price=None):
    """The discount against the price-book price, in %: the price override, the line and the
    quote discount together, rounded up to 0.01 % (never below 0)."""
    keep = (
        price_factor(unit_price, book_price)
        * (1 - _percent(line_discount) / HUNDRED)
        * (1 - _percent(quote_discount) / HUNDRED)
    )
    discount = max((1 - keep) * HUNDRED, ZERO)
    return discount.quantize(Decimal("0.01"), rounding=ROUND_CEILING)


def line_amounts(
    *,
    quantity,
    unit_price,
    discount_percent=0,
    tax_rate=0,
    quote_discount=0,
    units: int = 2,
    book_price=None,
) -> LineAmounts:
    gross = Decimal(quantity) * Decimal(unit_price)
    amount = quantize(gross * (1 - _percent(discount_percent) / HUNDRED), units=units)
    net = quantize(amount * (1 - _percent(quote_discount) / HUNDRED), units=units)
    tax = quantize(net * _percent(tax_rate) / HUNDRED, units=units)
    return LineAmounts(
        gross=gross,
        amount=amount,
        quote_discount=amount - net,
        net=net,
        tax=tax,
        effective_discount=effective_discount(
            discount_percent, quote_discount, unit_price=unit_price, book_price=book_price
        ),
    )


def compute(lines, *, discount_percent=0, shipping=0, units: int = 2) -> Totals:
    """``lines``: objects (or dicts) with quantity, unit_price, discount_percent, tax_rate
    and, optionally, book_price (the price-book price an overridden unit price replaced)."""
    amounts = []
    for line in lines:
        get = (
            line.get if isinstance(line, dict) else lambda name, obj=line: getattr(obj, name, None)
        )
        amounts.append(
            line_amounts(
                quantity=get("quantity"),
                unit_price=get("unit_price"),
                discount_percent=get("discount_percent"),
                tax_rate=get("tax_rate"),
                quote_discount=discount_percent,
                units=units,
                book_price=get("book_price"),
            )
        )
    subtotal = sum((a.amount for a in amounts), ZERO)
    discount_total = sum((a.quote_discount for a in amounts), ZERO)
    tax_total = sum((a.tax for a in amounts), ZERO)
    shipping = quantize(shipping or 0, units=units)
    largest = max(
        [a.effective_discount for a in amounts] or [effective_discount(0, discount_percent)]
    )
    return Totals(
        lines=amounts,
        subtotal=quantize(subtotal, units=units),
        discount_total=quantize(discount_total, units=units),
        net_total=quantize(subtotal - discount_total, units=units),
        tax_total=quantize(tax_total, units=units),
        shipping=shipping,
        total=quantize(subtotal - discount_total + tax_total + shipping, units=units),
        max_discount_percent=largest,
        units=units,
    )


def for_quote(quote, lines=None) -> Totals:
    """The totals of a quote from its lines (``lines`` already loaded, or read here)."""
    if lines is None:
        lines = list(quote.lines.all())
    return compute(
        lines,
        discount_percent=quote.discount_percent,
        shipping=quote.shipping,
        units=minor_units(quote.currency),
    )
