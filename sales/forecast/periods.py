"""Calendar periods of the forecast and the quotas: months and quarters, named by their first
day (``Quota.start``, ``TruncMonth``/``TruncQuarter`` of a close date)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

MONTH, QUARTER = "month", "quarter"
KINDS = (MONTH, QUARTER)
MONTHS_PER = {MONTH: 1, QUARTER: 3}
DEFAULT_COUNT = {MONTH: 6, QUARTER: 3}  # this period and the next ones
MAX_COUNT = 12


def start_of(day: datetime.date, kind: str) -> datetime.date:
    """The first day of the month or quarter ``day`` falls in."""
    if kind == QUARTER:
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def is_start(day: datetime.date, kind: str) -> bool:
    return start_of(day, kind) == day


def shift(start: datetime.date, kind: str, count: int) -> datetime.date:
    """The start of the period ``count`` periods after (before, if negative) ``start``."""
    months = start.year * 12 + start.month - 1 + count * MONTHS_PER[kind]
    return datetime.date(months // 12, months % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date

    @property
    def end(self) -> datetime.date:
        """The first day after the period (exclusive bound)."""
        return shift(self.start, self.kind, 1)

    @property
    def label(self) -> str:
        from django.utils.dateformat import format as date_format
        from django.utils.translation import gettext

        if self.kind == QUARTER:
            return gettext("Q%(quarter)d %(year)d") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        return date_format(self.start, "M Y")  # "Dec 2026", in the reader's language

    @property
    def key(self) -> str:
        """The value of the ``start`` URL parameter that shows this period first."""
        return self.start.strftime("%Y-%m")

    def months(self) -> list[datetime.date]:
        return [shift(self.start, MONTH, i) for i in range(MONTHS_PER[self.kind])]

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day < self.end

    def __str__(self):
        return self.label


def periods(kind: str, first: datetime.date, count: int) -> list[Period]:
    first = start_of(first, kind)
    return [Period(kind, shift(first, kind, i)) for i in range(count)]


def current(kind: str, today: datetime.date | None = None) -> Period:
    from django.utils import timezone

    return Period(kind, start_of(today or timezone.localdate(), kind))
