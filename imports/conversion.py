"""Turning one row's text into Python values for the mapped target fields: yes/no, numbers
in the usual European and English notations, dates, web and e-mail addresses, choices, tags;
every problem of a row reported at once (``RowErrors``). The fields are in ``imports.fields``."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.validators import validate_web_url

from .fields import normalise, targets


class RowErrors(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


TRUE = {
    "yes",
    "y",
    "true",
    "1",
    "x",
    "opt in",
    "optin",
    "opted in",
    "ja",
    "si",
    "oui",
    "subscribed",
}
FALSE = {"no", "n", "false", "0", "opt out", "optout", "opted out", "nein", "non", "unsubscribed"}


def parse_bool(value: str) -> bool | None:
    v = normalise(value)
    if not v:
        return None
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError("expected yes or no")


def parse_decimal(value: str) -> Decimal | None:
    """1234.5 · 1,234.50 · 1.234,50 · 1 234,50 · € 12k is refused."""
    v = re.sub(r"[\s\u00a0'’]|€|\$|£|EUR|USD|CHF|GBP", "", value or "", flags=re.I)
    if not v:
        return None
    if "," in v and "." in v:
        if v.rfind(",") > v.rfind("."):
            v = v.replace(".", "").replace(",", ".")
        else:
            v = v.replace(",", "")
    elif "," in v:
        head, _, tail = v.rpartition(",")
        v = (
            v.replace(",", "")
            if len(tail) == 3 and v.count(",") >= 1 and head
            else v.replace(",", ".")
        )  # noqa: E501
    try:
        number = Decimal(v)
    except InvalidOperation:
        raise ValueError(f"“{value}” is not a number") from None
    if not number.is_finite():
        raise ValueError(f"“{value}” is not a number")
    return number


MAX_INT = 2**31 - 1  # the integer columns (employees; ids in practice)


def parse_int(value: str) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"“{value}” is not a whole number")
    if number < 0:
        raise ValueError("must not be negative")
    if number > MAX_INT:
        raise ValueError(f"“{value}” is too large")
    return int(number)


ISO_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
# Day and month in either order: which one a file uses is asked or detected from all its rows
# (``detect_date_order``); Salesforce's Data Loader writes MM/dd/yyyy.
DATE_ORDERS = {
    "dmy": ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y", "%d-%m-%y"),
    "mdy": ("%m/%d/%Y", "%m.%d.%Y", "%m-%d-%Y", "%m/%d/%y", "%m.%d.%y", "%m-%d-%y"),
}
DATE_ORDER_EXAMPLES = {"dmy": "DD/MM/YYYY", "mdy": "MM/DD/YYYY"}
DAY_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T].*)?$")
AMBIGUOUS, MIXED = "ambiguous", "mixed"


def parse_date(value: str, order: str = "dmy") -> dt.date | None:
    """ISO dates, or day and month in ``order`` (dmy or mdy); a time after the date is
    ignored."""
    v = (value or "").strip()
    if not v:
        return None
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", v) or DAY_MONTH.match(v):
        v = re.split(r"[T ]", v, maxsplit=1)[0]
    for fmt in ISO_DATE_FORMATS + DATE_ORDERS.get(order, DATE_ORDERS["dmy"]):
        try:
            return dt.datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    example = DATE_ORDER_EXAMPLES.get(order, "DD/MM/YYYY")
    raise ValueError(f"“{value}” is not a date (use YYYY-MM-DD or {example})")


def detect_date_order(values) -> str:
    """How the day/month dates among ``values`` are written: "dmy" or "mdy" when some value
    tells (a first number above 12 is a day, a second one above 12 too), "" when there are no
    such dates, AMBIGUOUS when every one reads both ways (07/04/1980), MIXED when some say
    dmy and others mdy."""
    seen, orders = False, set()
    for value in values:
        m = DAY_MONTH.match((value or "").strip())
        if not m:
            continue
        seen = True
        first, second = int(m[1]), int(m[2])
        if first > 12 >= second:
            orders.add("dmy")
        elif second > 12 >= first:
            orders.add("mdy")
    if len(orders) == 1:
        return orders.pop()
    if orders:
        return MIXED
    return AMBIGUOUS if seen else ""


_url = validate_web_url  # http(s) only, as every URL field


def parse_url(value: str) -> str:
    v = (value or "").strip()
    if not v:
        return ""
    if not re.match(r"^[a-z][a-z0-9+.-]*://", v, re.I):
        v = "https://" + v
    try:
        _url(v)
    except ValidationError:
        raise ValueError(f"“{value}” is not a web address") from None
    return v


def parse_email(value: str) -> str:
    v = (value or "").strip()
    if v.lower().startswith("mailto:"):
        v = v[7:]
    if not v:
        return ""
    try:
        validate_email(v)
    except ValidationError:
        raise ValueError(f"“{value}” is not a valid e-mail address") from None
    return v


def convert(
    kind: str, mapping: dict[str, str], row: dict[str, str], *, date_order: str = ""
) -> dict:
    """{target: python value} for the mapped, non-empty columns; raises RowErrors listing
    every problem of the row at once. ``date_order`` (dmy, mdy) reads day/month dates."""
    errors: list[tuple[str, str]] = []
    values: dict = {}
    for t in targets(kind):
        header = mapping.get(t.name)
        raw = (row.get(header) or "").strip() if header else ""
        if not raw:
            if t.required:
                errors.append((t.name, "is required"))
            continue
        try:
            if t.type == "email":
                value = parse_email(raw)
            elif t.type == "int":
                value = parse_int(raw)
            elif t.type == "decimal":
                value = parse_decimal(raw)
                if value is not None and value < 0:
                    raise ValueError("must not be negative")
            elif t.type == "date":
                value = parse_date(raw, date_order or "dmy")
            elif t.type == "bool":
                value = parse_bool(raw)
            elif t.type == "url":
                value = parse_url(raw)
            elif t.type == "choice":
                value = normalise(raw)
                if value not in t.choices:
                    raise ValueError(f"“{raw}” is not one of {', '.join(t.choices)}")
            elif t.type == "tags":
                value = [tag.strip() for tag in re.split(r"[,;|]", raw) if tag.strip()]
            else:
                value = raw
                if t.max_length and len(value) > t.max_length:
                    raise ValueError(f"is longer than {t.max_length} characters")
        except ValueError as exc:
            errors.append((t.name, str(exc)))
            continue
        if value is not None:
            values[t.name] = value
    if errors:
        raise RowErrors(errors)
    return values
