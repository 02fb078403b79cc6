"""The demo's clock: whole minutes counted from the start of the year of history.

The history covers the 12 months before the anchor (the demo's "today"). Times before the
start (older receipts, loans that began earlier) are negative. Depot work happens on weekdays
between 06:00 and 14:00 UTC (07:00-15:00 Danish winter time).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from depot.items.services import add_months

MINUTES_PER_DAY = 1_440
WORK_START = 6 * 60
WORK_MINUTES = 8 * 60


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Clock:
    start: datetime  # 00:00 on the first day of the year of history
    end: int  # the anchor, in minutes from the start: nothing happens at or after it
    start_ordinal: int = field(init=False)
    # Days to add to a day (by its weekday) to land on a working day.
    _to_workday: tuple[int, ...] = field(init=False)
    _first_weekday: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_ordinal", self.start.toordinal())
        object.__setattr__(self, "_first_weekday", self.start.weekday())
        object.__setattr__(self, "_to_workday", (0, 0, 0, 0, 0, 2, 1))

    @classmethod
    def for_anchor(cls, anchor: date) -> Clock:
        first = year_before(anchor)
        return cls(
            start=datetime.combine(first, time()), end=(anchor - first).days * MINUTES_PER_DAY
        )

    @property
    def days(self) -> int:
        return self.end // MINUTES_PER_DAY

    def weekday(self, day: int) -> int:
        return (self._first_weekday + day) % 7

    def workday(self, day: int) -> int:
        """The day itself, or the Monday after if it falls on a weekend."""
        return day + self._to_workday[(self._first_weekday + day) % 7]

    def work_time(self, day: int, rng: random.Random) -> int:
        """A random minute within working hours on the day (or the next Monday)."""
        day += self._to_workday[(self._first_weekday + day) % 7]
        return day * MINUTES_PER_DAY + WORK_START + int(rng.random() * WORK_MINUTES)

    def after(self, t: int, rng: random.Random, min_days: int, max_days: int) -> int:
        """A working-hours minute `min_days` to `max_days` days after t, always later than t."""
        later = self.work_time(t // MINUTES_PER_DAY + rng.randint(min_days, max_days), rng)
        return later if later > t else t + rng.randint(15, 120)

    def datetime(self, t: int) -> datetime:
        return self.start + timedelta(minutes=t)

    def date_ordinal(self, t: int) -> int:
        return self.start_ordinal + t // MINUTES_PER_DAY

    def day_date(self, day: int) -> date:
        return date.fromordinal(self.start_ordinal + day)


def add_months_ordinal(ordinal: int, months: int) -> int:
    """The same day `months` later (clamped to the month's end), as a date ordinal."""
    return add_months(date.fromordinal(ordinal), months).toordinal()


def seasonal_weights(
    clock: Clock, amplitude: float, peak_month: int, first_day: int = 0
) -> list[float]:
    """Relative demand per day from `first_day` to the anchor; 0 on weekends."""
    weights = []
    for day in range(first_day, clock.days):
        if clock.weekday(day) >= 5:
            weights.append(0.0)
            continue
        current = clock.day_date(day)
        position = current.month - 1 + (current.day - 1) / 31
        weights.append(1 + amplitude * math.cos(2 * math.pi * (position - (peak_month - 1)) / 12))
    return weights
