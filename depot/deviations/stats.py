"""Quarterly statistics of deviation cases and discharge delays per municipality.

For the steering group, per municipality (every active municipality, zeros included, and a
total row), in one quarter counted by the local (Copenhagen) date (see quarters.py):

- the deviation cases *opened* in the quarter: how many, by cause (or not yet assessed), the
  minutes spent on clarification, how many of them are concluded by now, their settlements
  (devices returned, taken over, the amounts);
- the discharge handovers *sent* to the municipality in the quarter;
- the discharges *recorded* in the quarter (by the discharge time) of discharge handovers to
  the municipality: how many, how many waited for a device (delay > 0 hours), the delay hours
  in total and on average per delayed discharge, and the delayed ones by cause.

Computed with three grouped queries; no personal data (municipalities and counts only).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import BigInteger, and_, case, cast, func, or_, select

from depot.deviations.labels import CAUSE_LABELS
from depot.deviations.models import CAUSES, DeviationCase
from depot.deviations.quarters import Quarter
from depot.extensions import db
from depot.handovers.labels import DELAY_CAUSE_LABELS
from depot.handovers.models import DELAY_CAUSES, Handover
from depot.organisations.models import Organisation
from depot.web.spreadsheet import safe_cell

UNASSESSED = "unassessed"
CAUSE_KEYS = (*CAUSES, UNASSESSED)


def _zeros(keys) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


@dataclass
class Row:
    """One municipality's figures for the quarter (municipality_id 0: the total)."""

    municipality_id: int
    municipality: str
    cases: int = 0
    by_cause: dict[str, int] = field(default_factory=lambda: _zeros(CAUSE_KEYS))
    minutes: int = 0
    concluded: int = 0
    returned: int = 0
    taken_over: int = 0
    amount: Decimal = Decimal("0.00")
    handovers_sent: int = 0
    discharges: int = 0
    delayed: int = 0
    delay_hours: int = 0
    by_delay_cause: dict[str, int] = field(default_factory=lambda: _zeros(DELAY_CAUSES))

    @property
    def average_delay_hours(self) -> Decimal | None:
        """The average delay of a delayed discharge, in hours with one decimal."""
        if not self.delayed:
            return None
        return (Decimal(self.delay_hours) / self.delayed).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    def add(self, other: Row) -> None:
        for name in (
            "cases",
            "minutes",
            "concluded",
            "returned",
            "taken_over",
            "amount",
            "handovers_sent",
            "discharges",
            "delayed",
            "delay_hours",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, count in other.by_cause.items():
            self.by_cause[key] += count
        for key, count in other.by_delay_cause.items():
            self.by_delay_cause[key] += count


@dataclass
class QuarterStats:
    quarter: Quarter
    rows: list[Row]

    @property
    def total(self) -> Row:
        total = Row(municipality_id=0, municipality=_("Total"))
        for row in self.rows:
            total.add(row)
        return total


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def _case_rows(start, end):
    amount = func.coalesce(DeviationCase.settlement_amount, 0)
    amount_ore = cast(func.round(amount * 100), BigInteger)
    return db.session.execute(
        select(
            DeviationCase.municipality_id,
            DeviationCase.cause,
            func.count(DeviationCase.id),
            func.sum(DeviationCase.minutes_spent),
            _flag(DeviationCase.status == "concluded"),
            _flag(DeviationCase.settlement == "returned"),
            _flag(DeviationCase.settlement == "taken_over"),
            func.sum(amount_ore),
        )
        .where(DeviationCase.opened_at >= start, DeviationCase.opened_at < end)
        .group_by(DeviationCase.municipality_id, DeviationCase.cause)
    ).all()


def _sent_rows(start, end):
    return db.session.execute(
        select(Handover.receiver_id, func.count(Handover.id))
        .where(
            Handover.kind == "discharge",
            Handover.status != "draft",
            Handover.sent_at >= start,
            Handover.sent_at < end,
        )
        .group_by(Handover.receiver_id)
    ).all()


def _discharge_rows(start, end):
    delayed = Handover.delay_hours > 0
    return db.session.execute(
        select(
            Handover.receiver_id,
            Handover.delay_cause,
            func.count(Handover.id),
            _flag(delayed),
            func.sum(case((delayed, Handover.delay_hours), else_=0)),
        )
        .where(
            Handover.kind == "discharge",
            Handover.status != "draft",
            Handover.discharged_at >= start,
            Handover.discharged_at < end,
        )
        .group_by(Handover.receiver_id, Handover.delay_cause)
    ).all()


def _rows_for(ids: set[int]) -> dict[int, Row]:
    """A row for every active municipality and for any other organisation with figures."""
    organisations = db.session.scalars(
        select(Organisation)
        .where(
            or_(
                and_(Organisation.kind == "municipality", Organisation.active),
                Organisation.id.in_(ids),
            )
        )
        .order_by(Organisation.name, Organisation.id)
    ).all()
    return {o.id: Row(municipality_id=o.id, municipality=o.name) for o in organisations}


def quarterly_stats(*, quarter: Quarter) -> QuarterStats:
    """The quarter's figures per municipality (see the module's docstring)."""
    start, end = quarter.window()
    case_rows, sent_rows = _case_rows(start, end), _sent_rows(start, end)
    discharge_rows = _discharge_rows(start, end)
    ids = {r[0] for r in case_rows} | {r[0] for r in sent_rows} | {r[0] for r in discharge_rows}
    rows = _rows_for(ids)
    for municipality_id, cause, count, minutes, concluded, returned, taken, ore in case_rows:
        row = rows[municipality_id]
        row.cases += count
        row.by_cause[cause if cause in CAUSES else UNASSESSED] += count
        row.minutes += int(minutes or 0)
        row.concluded += int(concluded or 0)
        row.returned += int(returned or 0)
        row.taken_over += int(taken or 0)
        row.amount += (Decimal(int(ore or 0)) / 100).quantize(Decimal("0.01"))
    for receiver_id, count in sent_rows:
        rows[receiver_id].handovers_sent += count
    for receiver_id, delay_cause, count, delayed, hours in discharge_rows:
        row = rows[receiver_id]
        row.discharges += count
        row.delayed += int(delayed or 0)
        row.delay_hours += int(hours or 0)
        if delayed:  # a delay without a known cause counts as "other"
            row.by_delay_cause[delay_cause if delay_cause in DELAY_CAUSES else "other"] += int(
                delayed
            )
    return QuarterStats(quarter=quarter, rows=list(rows.values()))


# --- CSV ------------------------------------------------------------------------------------


def _decimal(value: Decimal | None, places: int = 2) -> str:
    """A number with the Danish decimal comma and no thousands separator: 1234,50."""
    return "" if value is None else f"{value:.{places}f}".replace(".", ",")


def csv_header() -> list[str]:
    return [
        _("Quarter"),
        _("Municipality"),
        _("Cases opened"),
        *(str(CAUSE_LABELS[c]) for c in CAUSES),
        _("Not yet assessed"),
        _("Minutes spent"),
        _("Concluded"),
        _("Device returned"),
        _("Device taken over"),
        _("Settled amount (DKK)"),
        _("Discharge handovers sent"),
        _("Discharges recorded"),
        _("Discharges delayed"),
        _("Delay hours in total"),
        _("Average delay hours"),
        *(_("Delayed: %(cause)s", cause=DELAY_CAUSE_LABELS[c]) for c in DELAY_CAUSES),
    ]


def csv_row(quarter: Quarter, row: Row) -> list:
    return [
        str(quarter),
        safe_cell(row.municipality),
        row.cases,
        *(row.by_cause[c] for c in CAUSE_KEYS),
        row.minutes,
        row.concluded,
        row.returned,
        row.taken_over,
        _decimal(row.amount),
        row.handovers_sent,
        row.discharges,
        row.delayed,
        row.delay_hours,
        _decimal(row.average_delay_hours, 1),
        *(row.by_delay_cause[c] for c in DELAY_CAUSES),
    ]


def csv_text(stats: QuarterStats) -> str:
    """The statistics as semicolon-separated text: a row per municipality, then the total."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_header())
    for row in [*stats.rows, stats.total]:
        writer.writerow(csv_row(stats.quarter, row))
    return out.getvalue()
