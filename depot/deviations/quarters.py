"""Quarters of the year, as the steering group counts them: by the local (Copenhagen) date.

A case opened at 23:30 UTC on 31 December is opened at 00:30 on 1 January in Copenhagen, so
it counts in the first quarter of the new year. A quarter's window is [local midnight of its
first day, local midnight of the next quarter's first day), as naive UTC times (the way the
database stores times), so a query compares stored times directly, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

from depot.errors import DomainError

FIRST_YEAR = 2000
QUARTER_RE = re.compile(r"^(\d{4})-?[Qq]([1-4])$", re.ASCII)


class InvalidQuarter(DomainError):
    """A quarter the statistics cannot cover (400)."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int  # 1..4

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.quarter}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.quarter // 4, self.quarter % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.quarter == 1), (self.quarter - 2) % 4 + 1)

    def window(self) -> tuple[datetime, datetime]:
        """The quarter as naive UTC times [start, end): local midnights of its first days."""
        return local_midnight_utc(self.first_day), local_midnight_utc(self.next().first_day)


def app_timezone() -> ZoneInfo:
    """The users' time zone (Flask-Babel's, as a zoneinfo zone: pytz's breaks `tzinfo=`)."""
    return ZoneInfo(str(get_timezone()))


def local_midnight_utc(day: date) -> datetime:
    """The start of a local calendar day as a naive UTC time."""
    local = datetime(day.year, day.month, day.day, tzinfo=app_timezone())
    return (local - local.utcoffset()).replace(tzinfo=None)


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def parse_quarter(text: str | None, *, today: date) -> Quarter:
    """A quarter written 2026-Q4 (or 2026Q4), from 2000-Q1 up to the current quarter."""
    match = QUARTER_RE.fullmatch((text or "").strip())
    current = quarter_of(today)
    if not match:
        raise InvalidQuarter(
            _l("Write the quarter as YYYY-Qn, for example %(example)s.", example=current)
        )
    return checked(int(match[1]), int(match[2]), today=today)


def checked(year: int | None, quarter: int | None, *, today: date) -> Quarter:
    """The quarter of `year` and `quarter` (1-4) if the statistics can cover it."""
    current = quarter_of(today)
    first = Quarter(FIRST_YEAR, 1)
    if year is None or quarter is None or not 1 <= quarter <= 4:
        raise InvalidQuarter(_l("Choose a year and a quarter (1-4)."))
    if not first <= Quarter(year, quarter) <= current:
        raise InvalidQuarter(
            _l("Choose a quarter from %(first)s to %(last)s.", first=first, last=current)
        )
    return Quarter(year, quarter)
