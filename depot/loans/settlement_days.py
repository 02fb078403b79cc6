"""Months and day counting of the settlement, in Python and as SQL (SQLite and PostgreSQL).

Day counting (`loan_days`): a loan runs from `started_at` to its return (still open: to now),
or to an ownership transfer of the item to the lender on this loan, whichever is first. Every
started 24-hour period of that run counts as one day, and is billed in the month in which it
begins. So a loan counts at least one day (in the month it started), a loan of 25 hours counts
two, and a loan running across months is split without counting a boundary twice: the days of
all months add up to the loan's days. Months are local calendar months (the app's time zone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, case, cast, extract, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from depot.errors import DomainError

DAY_SECONDS = 86_400
FIRST_YEAR = 2000
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


class InvalidMonth(DomainError):
    """A month the report cannot cover (400)."""


# --- months ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def window(self, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
        """The month as naive UTC times [start, end): local midnights of its first days."""
        tz = tz or app_timezone()

        def utc(day: date) -> datetime:
            local = datetime(day.year, day.month, day.day, tzinfo=tz)
            return (local - local.utcoffset()).replace(tzinfo=None)

        return utc(self.first_day), utc(self.next().first_day)


def app_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Copenhagen"))


def month_of(day: date) -> Month:
    return Month(day.year, day.month)


def default_month(today: date) -> Month:
    """The report's month unless one is chosen: the previous month."""
    return month_of(today).previous()


def parse_month(text: str | None, *, today: date) -> Month:
    """A month written YYYY-MM, from January 2000 up to next month; else InvalidMonth."""
    text = (text or "").strip()
    last = month_of(today).next()
    match = MONTH_RE.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidMonth(_l("Write the month as YYYY-MM, for example %(example)s.", example=last))
    month = Month(int(match[1]), int(match[2]))
    if not Month(FIRST_YEAR, 1) <= month <= last:
        raise InvalidMonth(
            _l(
                "Choose a month from %(first)s to %(last)s.",
                first=Month(FIRST_YEAR, 1),
                last=last,
            )
        )
    return month


# --- day counting ---------------------------------------------------------------------------


def _ceil_days(seconds: int) -> int:
    return (seconds + DAY_SECONDS - 1) // DAY_SECONDS


def loan_days(
    *, started_at: datetime, ended_at: datetime, window_start: datetime, window_end: datetime
) -> int:
    """Days of a loan billed in [window_start, window_end): see the module's docstring.

    The k-th day of the loan is the 24-hour period from started_at + k days; it counts where
    it begins, if it begins before the loan ended. A loan that ends the moment it starts still
    has its first day. The SQL of `day_columns` computes the same, in whole seconds.
    """
    start, end = utc_seconds(started_at), utc_seconds(ended_at)
    end = end if end > start else start + 1
    low, high = max(utc_seconds(window_start), start), min(utc_seconds(window_end), end)
    if high <= low:
        return 0
    return _ceil_days(high - start) - _ceil_days(low - start)


def utc_seconds(moment: datetime) -> int:
    """Whole seconds since 1970 of a naive UTC time (fractions cut off, as the SQL does)."""
    return int((moment - datetime(1970, 1, 1)).total_seconds() // 1)


class epoch_seconds(FunctionElement):
    """Whole seconds since 1970 of a naive UTC timestamp column, on SQLite and PostgreSQL."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch"


@compiles(epoch_seconds)
def _epoch_default(element, compiler, **kw):
    (arg,) = element.clauses
    return compiler.process(cast(extract("epoch", arg), BigInteger), **kw)


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    (arg,) = element.clauses
    # date_part gives a double, much faster to compute with than EXTRACT's numeric; FLOOR
    # cuts fractions off like SQLite's strftime('%s'), where a cast would round.
    return f"CAST(FLOOR(date_part('epoch', {compiler.process(arg, **kw)})) AS BIGINT)"


class least(FunctionElement):
    """The smaller of two non-null values: LEAST on PostgreSQL, SQLite's scalar MIN."""

    type = BigInteger()
    inherit_cache = True
    name = "least"


class greatest(FunctionElement):
    """The larger of two non-null values: GREATEST on PostgreSQL, SQLite's scalar MAX."""

    type = BigInteger()
    inherit_cache = True
    name = "greatest"


@compiles(least)
def _least_default(element, compiler, **kw):
    return f"MIN({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest_default(element, compiler, **kw):
    return f"MAX({compiler.process(element.clauses, **kw)})"


@compiles(least, "postgresql")
def _least_postgresql(element, compiler, **kw):
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
def _greatest_postgresql(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


def _ceil_days_sql(seconds):
    return (seconds + (DAY_SECONDS - 1)) // DAY_SECONDS


def day_columns(subquery, window_start: int, window_end: int):
    """SQL for `loan_days`, over a subquery's epoch-second columns `s` (start) and `e` (end).

    Two steps, so that each expression stays small: the part of the run within the month
    [low, high), then the days that begin in it.
    """
    start, end = subquery.c.s, subquery.c.e
    # A loan that ends the moment it starts still has its first day.
    end = case((end > start, end), else_=start + 1)
    clamped = select(
        *(c for c in subquery.c if c.name not in ("s", "e")),
        start.label("s"),
        greatest(literal(window_start, BigInteger), start).label("low"),
        least(literal(window_end, BigInteger), end).label("high"),
    ).subquery("clamped")
    s, low, high = clamped.c.s, clamped.c.low, clamped.c.high
    days = case((high > low, _ceil_days_sql(high - s) - _ceil_days_sql(low - s)), else_=0)
    return clamped, days
