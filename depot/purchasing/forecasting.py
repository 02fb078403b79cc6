"""Demand per organisation and product for a purchase round, from the depot's own history.

Demand history, per calendar month in the app's time zone (Copenhagen):
- reusable products: loans started with the organisation as lender;
- consumables: units issued (stock movements of kind "issue") from depots it owns.

The forecast over the horizon (procurement.forecast) is netted of what the organisation
already has: its open loans whose expected end falls before today + horizon, times the
refurbish rate, come back fit to lend again; its available items and the consumable stock in
its own active depots can be used first.

The refurbish rate is measured: of the items that came back from the organisation's loans
("take_back" events) in the history window and have since been dealt with, the share whose next
outcome was "available" rather than "scrapped". With fewer than 10 such returns the rate of all
organisations is used, and with fewer than 10 of those the configured `REFURBISH_RATE`
(default 0.85). Expected returns are rounded down: better one unit too many than a citizen
waiting.

An organisation's series starts with its first month of demand (at least six months back):
the months before it used the product say nothing about its demand. Units already on open
purchase orders for it are subtracted too, so two rounds in a row don't order them twice.

Everything is fetched in a handful of grouped queries for all pairs at once; month buckets are
made in Python from the rows' UTC timestamps, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from depot.catalogue.models import Product
from depot.errors import DomainError
from depot.extensions import db
from depot.items.models import Item, ItemEvent
from depot.items.services import add_months
from depot.loans.models import Loan
from depot.organisations.models import Depot
from depot.purchasing.models import PurchaseOrder, PurchaseOrderLine
from depot.stock.models import StockLevel, StockMovement
from procurement.forecast import forecast

DEFAULT_REFURBISH_RATE = 0.85
MIN_RETURN_EVENTS = 10  # fewer of an organisation's returns than this: use everyone's rate
MAX_HISTORY_MONTHS = 120


# A product's series is at least this long, counted back from the last full month.
MIN_SERIES_MONTHS = 6


@dataclass
class DemandForecast:
    organisation_id: int
    product_id: int
    method: str
    history: list[int]  # monthly counts, oldest first, ending with the last full month
    gross: float  # forecast demand over the horizon, one decimal
    expected_returns: int  # units on loan expected back within the horizon, fit to lend again
    usable_stock: int  # available items owned + consumable stock in its own depots
    net: int  # max(0, ceil(gross - expected_returns - usable_stock - on_order))
    on_order: int = 0  # ordered for the organisation on purchase orders, not yet received


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _months(today: date, history_months: int) -> list[tuple[int, int]]:
    """(year, month) of the `history_months` full months before today's month, oldest first."""
    return [_shift(today.year, today.month, -k) for k in range(history_months, 0, -1)]


def month_labels(today: date, history_months: int) -> list[str]:
    """Labels such as "2025-11" for the history months that end before today's month."""
    return [f"{year:04d}-{month:02d}" for year, month in _months(today, history_months)]


def _app_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Copenhagen"))


def _utc(year: int, month: int, tz: ZoneInfo) -> datetime:
    """Local midnight on the first of the month as the naive UTC time the database stores."""
    return datetime(year, month, 1, tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


class _Buckets:
    """Counts per (organisation, product, month) from naive UTC timestamps.

    The months' local starts are converted to UTC once; each row finds its month by bisection.
    """

    def __init__(self, months: list[tuple[int, int]], tz: ZoneInfo, end: datetime):
        self.bounds = [_utc(year, month, tz) for year, month in months] + [end]
        self.size = len(months)
        self.counts: dict[tuple[int, int], list[int]] = {}

    def add(self, organisation_id: int, product_id: int, at: datetime, n: int) -> None:
        i = bisect_right(self.bounds, at) - 1
        if not 0 <= i < self.size:  # the queries' bounds already exclude these
            return
        row = self.counts.setdefault((organisation_id, product_id), [0] * self.size)
        row[i] += n

    def history(self, organisation_id: int, product_id: int) -> list[int]:
        return list(self.counts.get((organisation_id, product_id), [0] * self.size))


def _outcome_of_returns(organisation_ids: list[int] | None, since: datetime):
    """(lender, outcome, count): what became of the items taken back from loans since `since`."""
    later = ItemEvent.__table__.alias("later")
    outcome = (
        select(later.c.to_status)
        .where(
            later.c.item_id == ItemEvent.item_id,
            later.c.id > ItemEvent.id,
            later.c.to_status.in_(("available", "scrapped")),
        )
        .order_by(later.c.id)
        .limit(1)
        .scalar_subquery()
    )
    returns = (
        select(Loan.lender_id.label("lender_id"), outcome.label("outcome"))
        .select_from(ItemEvent)
        .join(Loan, Loan.id == ItemEvent.loan_id)
        .where(ItemEvent.kind == "take_back", ItemEvent.at >= since)
    )
    if organisation_ids is not None:
        returns = returns.where(Loan.lender_id.in_(organisation_ids))
    returns = returns.subquery()
    return db.session.execute(
        select(returns.c.lender_id, returns.c.outcome, func.count())
        .where(returns.c.outcome.is_not(None))
        .group_by(returns.c.lender_id, returns.c.outcome)
    ).all()


def refurbish_rates(*, organisation_ids: list[int], since: datetime) -> dict[int, float]:
    """Share of each organisation's returned items that went back to available, not scrapped."""
    tally: dict[int, dict[str, int]] = defaultdict(lambda: {"available": 0, "scrapped": 0})
    for lender_id, outcome, n in _outcome_of_returns(organisation_ids, since):
        tally[lender_id][outcome] += n
    rates: dict[int, float] = {}
    fallback: float | None = None
    for organisation_id in organisation_ids:
        seen = tally[organisation_id]
        total = seen["available"] + seen["scrapped"]
        if total >= MIN_RETURN_EVENTS:
            rates[organisation_id] = seen["available"] / total
            continue
        if fallback is None:
            everyone = {"available": 0, "scrapped": 0}
            for _lender, outcome, n in _outcome_of_returns(None, since):
                everyone[outcome] += n
            total = everyone["available"] + everyone["scrapped"]
            fallback = (
                everyone["available"] / total
                if total >= MIN_RETURN_EVENTS
                else float(current_app.config.get("REFURBISH_RATE", DEFAULT_REFURBISH_RATE))
            )
        rates[organisation_id] = fallback
    return rates


def _loan_history(buckets, organisation_ids, product_ids, start, end) -> None:
    rows = db.session.execute(
        select(Loan.lender_id, Item.product_id, Loan.started_at)
        .join(Item, Item.id == Loan.item_id)
        .where(
            Loan.lender_id.in_(organisation_ids),
            Item.product_id.in_(product_ids),
            Loan.started_at >= start,
            Loan.started_at < end,
        )
    )
    for lender_id, product_id, started_at in rows:
        buckets.add(lender_id, product_id, started_at, 1)


def _issue_history(buckets, organisation_ids, product_ids, start, end) -> None:
    rows = db.session.execute(
        select(Depot.owner_id, StockLevel.product_id, StockMovement.at, StockMovement.quantity)
        .join(StockLevel, StockLevel.id == StockMovement.stock_level_id)
        .join(Depot, Depot.id == StockLevel.depot_id)
        .where(
            StockMovement.kind == "issue",
            Depot.owner_id.in_(organisation_ids),
            StockLevel.product_id.in_(product_ids),
            StockMovement.at >= start,
            StockMovement.at < end,
        )
    )
    for owner_id, product_id, at, quantity in rows:
        buckets.add(owner_id, product_id, at, -quantity)


def _open_loans_due(organisation_ids, product_ids, before: date) -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        select(Loan.lender_id, Item.product_id, func.count())
        .join(Item, Item.id == Loan.item_id)
        .where(
            Loan.returned_at.is_(None),
            Loan.lender_id.in_(organisation_ids),
            Item.product_id.in_(product_ids),
            Loan.expected_end.is_not(None),
            Loan.expected_end < before,
        )
        .group_by(Loan.lender_id, Item.product_id)
    )
    return {(lender_id, product_id): n for lender_id, product_id, n in rows}


def _usable_stock(organisation_ids, reusable, consumable) -> dict[tuple[int, int], int]:
    stock: dict[tuple[int, int], int] = defaultdict(int)
    if reusable:
        rows = db.session.execute(
            select(Item.owner_id, Item.product_id, func.count())
            .where(
                Item.status == "available",
                Item.owner_id.in_(organisation_ids),
                Item.product_id.in_(reusable),
            )
            .group_by(Item.owner_id, Item.product_id)
        )
        for owner_id, product_id, n in rows:
            stock[owner_id, product_id] += n
    if consumable:
        rows = db.session.execute(
            select(Depot.owner_id, StockLevel.product_id, func.sum(StockLevel.quantity))
            .join(Depot, Depot.id == StockLevel.depot_id)
            .where(
                Depot.owner_id.in_(organisation_ids),
                Depot.active.is_(True),
                StockLevel.product_id.in_(consumable),
            )
            .group_by(Depot.owner_id, StockLevel.product_id)
        )
        for owner_id, product_id, n in rows:
            stock[owner_id, product_id] += int(n or 0)
    return stock


def _on_order(organisation_ids, product_ids) -> defaultdict:
    """Units on open purchase orders (draft, sent, partly received) not yet received."""
    rows = db.session.execute(
        select(
            PurchaseOrderLine.organisation_id,
            PurchaseOrderLine.product_id,
            func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity),
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(
            PurchaseOrder.status.in_(("draft", "sent", "partly_received")),
            PurchaseOrderLine.organisation_id.in_(organisation_ids),
            PurchaseOrderLine.product_id.in_(product_ids),
        )
        .group_by(PurchaseOrderLine.organisation_id, PurchaseOrderLine.product_id)
    )
    ordered: defaultdict = defaultdict(int)
    for organisation_id, product_id, units in rows:
        ordered[(organisation_id, product_id)] = int(units or 0)
    return ordered


def _series_start(histories: list[list[int]]) -> int:
    """Where a demand series begins: its first month with demand (months before the product
    was in use would drag Croston's interval out), but at least MIN_SERIES_MONTHS before the
    end, so a product new last month isn't taken as a monthly need."""
    length = len(histories[0]) if histories else 0
    firsts = [next((i for i, n in enumerate(h) if n), length) for h in histories]
    first = min(firsts, default=length)
    return max(0, min(first, length - MIN_SERIES_MONTHS))


def forecast_demand(
    *,
    organisation_ids: list[int],
    product_ids: list[int],
    horizon_months: int,
    today: date,
    history_months: int = 24,
) -> list[DemandForecast]:
    """The net demand of each organisation for each product over the horizon."""
    if not isinstance(horizon_months, int) or horizon_months < 1:
        raise DomainError(_l("The horizon must be at least one month."))
    if not isinstance(history_months, int) or not 1 <= history_months <= MAX_HISTORY_MONTHS:
        raise DomainError(_l("The history must be from 1 to 120 months."))
    organisation_ids = sorted(set(organisation_ids))
    product_ids = sorted(set(product_ids))
    if not organisation_ids or not product_ids:
        return []
    kinds = dict(
        db.session.execute(
            select(Product.id, Product.reusable).where(Product.id.in_(product_ids))
        ).all()
    )
    if len(kinds) != len(product_ids):
        raise DomainError(_l("Unknown product."))
    reusable = [p for p in product_ids if kinds[p]]
    consumable = [p for p in product_ids if not kinds[p]]

    tz = _app_timezone()
    months = _months(today, history_months)
    start = _utc(*months[0], tz)
    end = _utc(today.year, today.month, tz)
    buckets = _Buckets(months, tz, end)
    returns: dict[tuple[int, int], int] = {}
    rates: dict[int, float] = {}
    if reusable:
        _loan_history(buckets, organisation_ids, reusable, start, end)
        returns = _open_loans_due(organisation_ids, reusable, add_months(today, horizon_months))
        if returns:
            rates = refurbish_rates(organisation_ids=organisation_ids, since=start)
    if consumable:
        _issue_history(buckets, organisation_ids, consumable, start, end)
    stock = _usable_stock(organisation_ids, reusable, consumable)
    ordered = _on_order(organisation_ids, product_ids)

    result = []
    for product_id in product_ids:
        for organisation_id in organisation_ids:
            key = (organisation_id, product_id)
            history = buckets.history(*key)
            # Each organisation's own start: its forecast doesn't depend on who else takes part.
            predicted = forecast(history[_series_start([history]) :], horizon_months)
            gross = round(predicted.total, 1)
            on_loan = returns.get(key, 0)
            expected = math.floor(on_loan * rates.get(organisation_id, 0.0) + 1e-9)
            usable = stock.get(key, 0)
            result.append(
                DemandForecast(
                    organisation_id=organisation_id,
                    product_id=product_id,
                    method=predicted.method,
                    history=history,
                    gross=gross,
                    expected_returns=expected,
                    usable_stock=usable,
                    net=max(0, math.ceil(round(gross - expected - usable - ordered[key], 6))),
                    on_order=ordered[key],
                )
            )
    return result
