"""Money arithmetic, written once: rounding to a currency's minor unit and conversion.

Rounding rule (stated on every quote): amounts are rounded half-up (0.5 goes away from zero)
to the currency's minor unit (2 decimals for EUR/USD, 0 for JPY) per line; totals are sums
of rounded lines, so the page, the PDF and the order always add up.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError

from .models import Currency, ExchangeRate

DEFAULT_MINOR_UNITS = 2


class MissingRate(ValidationError):
    """No exchange rate is known for a currency (on that day)."""


def minor_units(code: str) -> int:
    units = Currency.objects.filter(code=code).values_list("minor_units", flat=True).first()
    return DEFAULT_MINOR_UNITS if units is None else units


def quantize(amount, code: str | None = None, *, units: int | None = None) -> Decimal:
    """``amount`` rounded half-up to the minor unit of currency ``code`` (or ``units``)."""
    if units is None:
        units = minor_units(code) if code else DEFAULT_MINOR_UNITS
    step = Decimal(1).scaleb(-units)
    return Decimal(amount).quantize(step, rounding=ROUND_HALF_UP)


def base_currency() -> str:
    return settings.CRM_BASE_CURRENCY


def rate(code: str, on: datetime.date | None = None) -> Decimal:
    """Units of ``code`` per unit of the base currency, valid on ``on`` (today by default)."""
    if code == base_currency():
        return Decimal(1)
    qs = ExchangeRate.objects.filter(currency_id=code)
    if on is not None:
        qs = qs.filter(valid_from__lte=on)
    value = qs.order_by("-valid_from").values_list("rate", flat=True).first()
    if value is None:
        raise MissingRate(
            f"There is no exchange rate for {code}"
            + (f" on {on:%Y-%m-%d}" if on else "")
            + ". Add one under Products → Currencies.",
            code="missing_rate",
        )
    return value


def convert(amount, from_code: str, to_code: str, on: datetime.date | None = None) -> Decimal:
    """``amount`` in ``from_code`` expressed in ``to_code`` (rounded to its minor unit)."""
    if from_code == to_code:
        return Decimal(amount)
    in_base = Decimal(amount) / rate(from_code, on)
    return quantize(in_base * rate(to_code, on), to_code)
