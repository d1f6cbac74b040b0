"""Money arithmetic, written once: rounding to a currency's minor unit and conversion.

Rounding rule (stated on every quote): amounts are rounded half-up (0.5 goes away from zero)
to the currency's minor unit (2 decimals for EUR/USD, 0 for JPY) per line; totals are sums
of rounded lines, so the page, the PDF and the order always add up.
"""

from __future__ import annotations

import datetime
import time
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.utils import formats, timezone

from .models import Currency, ExchangeRate

DEFAULT_MINOR_UNITS = 2
# ISO 4217 exponents that are not 2, for a code with no Currency row (yet).
ISO_MINOR_UNITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),  # fmt: skip
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}


class MissingRate(ValidationError):
    """No exchange rate is known for a currency (on that day)."""


_UNITS_TTL = 60.0  # seconds; another node's change of a currency's decimals shows within this
_units: dict[str, int] = {}
_units_loaded_at = -_UNITS_TTL


def _forget_units(**kwargs) -> None:
    global _units_loaded_at
    _units_loaded_at = -_UNITS_TTL


post_save.connect(_forget_units, sender=Currency, dispatch_uid="money-units-save")
post_delete.connect(_forget_units, sender=Currency, dispatch_uid="money-units-delete")


def minor_units(code: str) -> int:
    """Decimals of currency ``code``: its Currency row, else ISO 4217, else 2.

    All currencies' decimals are read in one query and kept for a minute in the process (a
    board or a forecast rounds hundreds of amounts: one query, not one per amount); saving or
    deleting a currency forgets them at once on this node."""
    global _units, _units_loaded_at
    now = time.monotonic()
    if now - _units_loaded_at >= _UNITS_TTL:
        _units = dict(Currency.objects.values_list("code", "minor_units"))
        _units_loaded_at = now
    units = _units.get(code)
    if units is None:
        return ISO_MINOR_UNITS.get(code, DEFAULT_MINOR_UNITS)
    return units


def quantize(amount, code: str | None = None, *, units: int | None = None) -> Decimal:
    """``amount`` rounded half-up to the minor unit of currency ``code`` (or ``units``)."""
    if units is None:
        units = minor_units(code) if code else DEFAULT_MINOR_UNITS
    step = Decimal(1).scaleb(-units)
    # A float goes through its shortest repr: 2.345 is 2.345, not 2.34499999999999997.
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    return value.quantize(step, rounding=ROUND_HALF_UP)


def base_currency() -> str:
    return settings.CRM_BASE_CURRENCY


def rate(code: str, on: datetime.date | None = None) -> Decimal:
    """Units of ``code`` per unit of the base currency, valid on ``on`` (today by default)."""
    if code == base_currency():
        return Decimal(1)
    qs = ExchangeRate.objects.filter(currency_id=code, valid_from__lte=on or timezone.localdate())
    value = qs.order_by("-valid_from").values_list("rate", flat=True).first()
    if value is None:
        raise MissingRate(
            f"There is no exchange rate for {code}"
            + (f" on {on:%Y-%m-%d}" if on else "")
            + ". Add one on the Currencies page.",
            code="missing_rate",
        )
    return value


def rates(codes=None, on: datetime.date | None = None) -> dict[str, Decimal]:
    """The latest rate (units per base unit, valid on ``on``) of each currency in ``codes``,
    in one query; the base currency is 1; currencies without a rate are left out (the caller
    reports them). A page converting many amounts reads them once with this; ``rate``
    answers for one currency and raises ``MissingRate``."""
    base = base_currency()
    found = {base: Decimal(1)}
    qs = ExchangeRate.objects.filter(valid_from__lte=on or timezone.localdate())
    if codes is not None:  # None: every currency that has a rate
        wanted = {c for c in codes if c and c != base}
        if not wanted:
            return found
        qs = qs.filter(currency_id__in=wanted)
    found.update(
        qs.order_by("currency_id", "-valid_from")
        .distinct("currency_id")
        .values_list("currency_id", "rate")
    )
    found[base] = Decimal(1)
    return found


def in_base(amount, code: str, known: dict[str, Decimal]) -> Decimal | None:
    """``amount`` of currency ``code`` in the base currency at full precision, with rates read
    by ``rates``; None when ``code`` has none (the caller reports it)."""
    if amount is None:
        return Decimal(0)
    rate = known.get(code)
    return None if rate is None else Decimal(amount) / rate


def convert(amount, from_code: str, to_code: str, on: datetime.date | None = None) -> Decimal:
    """``amount`` in ``from_code`` expressed in ``to_code`` (rounded to its minor unit)."""
    if from_code == to_code:
        return Decimal(amount)
    # Through the base currency, at full precision; rounded once, at the end.
    in_base = Decimal(amount) / rate(from_code, on)
    return quantize(in_base * rate(to_code, on), to_code)


def display(amount, currency, units: int | None = None) -> str:
    """``5,945.00 USD`` - an amount as pages, e-mails, notifications and the quote PDF show it:
    rounded like everywhere else, in the active language's separators (``5.945,00 USD`` in
    Italian), the code after the number. ``currency`` is a code or a ``Currency`` (whose minor
    unit then costs no query). The one money format: templates use ``{{ x|money:currency }}``
    (catalog/templatetags/money.py); CSV exports keep plain dot decimals (core/export.py)."""
    if amount is None or amount == "":
        return ""
    code = getattr(currency, "code", currency)
    return f"{display_amount(amount, currency, units)} {code}"


def display_amount(amount, currency=None, units: int | None = None) -> str:
    """The number of :func:`display` alone (``5,945.00``), for a column whose header names the
    currency. Without a currency it has 2 decimals."""
    if amount is None or amount == "":
        return ""
    code = getattr(currency, "code", currency)
    if units is None:
        units = getattr(currency, "minor_units", None)
    value = quantize(amount, code, units=units)
    places = -value.as_tuple().exponent if value.as_tuple().exponent < 0 else 0
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)
