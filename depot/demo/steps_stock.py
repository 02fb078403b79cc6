"""Demo step: consumable stock per depot with a year of ledger rows.

Each depot stocks (most of) the consumables; issues follow the depot's size and the season,
orders are placed when the balance reaches the reorder point and arrive after the contract's
lead time, and monthly counts now and then adjust the balance. Some lines had their
reordering forgotten in the last weeks, so the low-stock list has content. The ledger rows of
a line sum to its balance, which is never negative.
"""

from __future__ import annotations

import math
from datetime import timedelta
from operator import itemgetter

from depot.demo import bulk
from depot.demo import depot_vocabulary as dv
from depot.demo import product_vocabulary as pv
from depot.demo.context import DemoContext
from depot.demo.steps_depot import own_depots
from depot.demo.timeline import MINUTES_PER_DAY, WORK_START, Clock, seasonal_weights
from depot.stock.models import StockLevel, StockMovement

REFERENCE_POPULATION = 90_000  # CONSUMABLE_USE_BY_NAME is per week in a depot this size
SHARED_DEPOT_POPULATION = 110_000
NOT_STOCKED = 0.1  # share of (municipal depot, consumable) pairs a depot does not keep
ORDER_WEEKS = 6  # an order covers about this many weeks of use
WINTER_MONTHS = (11, 12, 1, 2, 3)

LEVEL_COLUMNS = ("id", "depot_id", "product_id", "quantity", "reorder_point")
MOVEMENT_COLUMNS = (
    "id",
    "stock_level_id",
    "kind",
    "quantity",
    "balance_after",
    "at",
    "user_id",
    "reason",
)


def _depot_populations(ctx: DemoContext) -> list[float]:
    owned = own_depots(ctx)
    result = []
    for index, depot in enumerate(ctx.depots):
        if depot.owner_id is None:
            result.append(SHARED_DEPOT_POPULATION)
            continue
        owner = next(m for m in ctx.municipalities if m.id == depot.owner_id)
        depots = owned[owner.id]
        parts = 2 + (len(depots) - 1)
        result.append((owner.population or 20_000) * (2 if depots[0] == index else 1) / parts)
    return result


def create_stock(ctx: DemoContext) -> None:
    """Stock lines with reorder points and a ledger of receipts, issues and counts."""
    rng = ctx.rng("stock")
    clock = Clock.for_anchor(ctx.anchor)
    consumables = [p for p in ctx.products if not p.reusable]
    spec_names = {spec.description: spec.name for spec in pv.CONSUMABLE_SPECS}
    lead_times = {line.product_id: line.lead_time_days for c in ctx.contracts for line in c.lines}
    staff = {u.organisation_id: u.id for u in reversed(ctx.users) if u.role == "depot_staff"}
    region_staff = staff.get(ctx.region.id) if ctx.region is not None else None
    populations = _depot_populations(ctx)
    # Several products per consumable at larger scales share its use.
    per_spec = max(1, ctx.scaled(1))
    first_level = bulk.next_id(StockLevel.__table__)
    levels, movements = [], []
    dates = [clock.day_date(day) for day in range(clock.days)]
    weights_cache: dict[tuple[float, int], list[float]] = {}
    orders = 0
    for d, depot in enumerate(ctx.depots):
        user = staff.get(depot.owner_id) if depot.owner_id is not None else region_staff
        for product in consumables:
            if depot.owner_id is not None and rng.random() < NOT_STOCKED:
                continue
            use = dv.CONSUMABLE_USE_BY_NAME.get(
                spec_names.get(product.description, ""), dv.FALLBACK_USE
            )
            weekly = use.per_week * populations[d] / REFERENCE_POPULATION / per_spec
            weekly *= rng.uniform(0.7, 1.3)
            pack = ctx.pack_sizes.get(product.id, 1)
            lead = lead_times.get(product.id, 5)
            reorder = max(pack, math.ceil(weekly * (lead / 7 + 1) / pack) * pack)
            order = pack * max(1, round(weekly * ORDER_WEEKS / pack))
            forgotten = rng.random() < dv.FORGOTTEN_REORDER
            level_id = first_level + len(levels)
            key = (use.season, use.peak_month)
            if key not in weights_cache:
                weights_cache[key] = seasonal_weights(clock, use.season, use.peak_month)
            season = weights_cache[key]
            size = max(1.0, weekly / 4)
            balance = reorder + pack * rng.randint(1, max(1, order // pack))
            opening = clock.workday(0) * MINUTES_PER_DAY + WORK_START - 30  # before any issue
            movements.append(
                (opening, level_id, "receive", balance, balance, user, dv.OPENING_REASON)
            )
            arriving_day = None
            for day in range(clock.days):
                if season[day] == 0:  # weekend
                    continue
                t = clock.work_time(day, rng)
                if arriving_day is not None and day >= arriving_day:
                    balance += order
                    orders += 1
                    reason = f"{dv.RECEIPT_REASON} {dates[day].year}-{orders:05d}"
                    movements.append((t, level_id, "receive", order, balance, user, reason))
                    arriving_day = None
                    t += 5
                active = not use.winter_only or dates[day].month in WINTER_MONTHS
                if (
                    active
                    and balance > 0
                    and rng.random() < min(1, season[day] * weekly / 5 / size)
                ):
                    wanted = rng.randint(max(1, round(size * 0.5)), max(1, round(size * 1.5)))
                    taken = min(wanted, balance)
                    balance -= taken
                    movements.append(
                        (
                            t + 1,
                            level_id,
                            "issue",
                            -taken,
                            balance,
                            user,
                            rng.choice(dv.ISSUE_REASONS),
                        )
                    )
                if dates[day].day <= 3 and rng.random() < 0.08:
                    delta = rng.choice((-3, -2, -1, 1, 2))
                    if balance + delta >= 0:
                        balance += delta
                        movements.append(
                            (
                                t + 2,
                                level_id,
                                "adjust",
                                delta,
                                balance,
                                user,
                                rng.choice(dv.COUNT_REASONS),
                            )
                        )
                late = forgotten and day >= clock.days - 45
                if arriving_day is None and balance <= reorder and not late:
                    arriving_day = day + max(1, lead)
            levels.append((level_id, depot.id, product.id, balance, reorder))
    movements.sort(key=itemgetter(0))
    first_movement = bulk.next_id(StockMovement.__table__)
    start, step = clock.start, timedelta(minutes=1)

    def movement_rows():
        for n, (t, level_id, kind, quantity, after, user, reason) in enumerate(movements):
            yield (
                first_movement + n,
                level_id,
                kind,
                quantity,
                after,
                start + t * step,
                user,
                reason,
            )

    ctx.written["stock levels"] = bulk.write_rows(StockLevel.__table__, LEVEL_COLUMNS, levels)
    ctx.written["stock movements"] = bulk.write_rows(
        StockMovement.__table__, MOVEMENT_COLUMNS, movement_rows()
    )
    bulk.advance_sequences([StockLevel.__table__, StockMovement.__table__])
