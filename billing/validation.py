"""Checks on money typed in by people or programs: one set of messages for the forms, the
API and the services (which check again, so no caller can skip them)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from catalog.models import Currency

MAX_AMOUNT = Decimal("99999999999999.99")  # fits DecimalField(16, 2)


def clean_amount(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive Decimal with at most two decimals ("12.5", 12.5 and Decimal('12.50') are
    fine; "-3", "abc", "1e400", NaN and 0.001 are refused)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: "Enter an amount such as 1250.00."}, code="invalid") from None
    if not amount.is_finite():
        raise ValidationError({field: "Enter an amount such as 1250.00."}, code="invalid")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: "The amount must be greater than zero."}, code="min_value")
    if amount > MAX_AMOUNT:
        raise ValidationError({field: "The amount is too large."}, code="max_value")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: "Use at most two decimals."}, code="decimals")
    return amount.quantize(Decimal("0.01"))


def clean_currency(code, *, field: str = "currency") -> str:
    """A three-letter code; once the catalog lists currencies, one of them."""
    code = str(code or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError({field: "Enter a three-letter currency code."}, code="invalid")
    if Currency.objects.exists() and not Currency.objects.filter(code=code).exists():
        raise ValidationError(
            {field: f"{code} is not a currency of the catalog (Products → Currencies)."},
            code="unknown_currency",
        )
    return code


def clean_date(value, *, field: str, not_after: datetime.date | None = None) -> datetime.date:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({field: "Enter a date as YYYY-MM-DD."}, code="invalid") from None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError({field: "Enter a date as YYYY-MM-DD."}, code="invalid")
    if not_after and value > not_after:
        raise ValidationError({field: "The date cannot be in the future."}, code="future")
    return value
