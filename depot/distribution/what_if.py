"""What if one shared depot held all the stock? A side-by-side comparison with today's depots.

Both scenarios aim at the same service level (by default 95 %: the stock covers the demand
over the horizon in 95 of 100 cases, demand taken as Poisson around the forecast rate) and keep
the basic package ready at every depot that hands out.

Current depots. Every depot holds its own stock: per product the larger of the service-level
quantity of its own forecast and its basic-package units. The stock needed is the sum over all
depots. The shortages are what the optimizer's proposal still leaves uncovered (without a
proposal: what each depot lacks today). Transport now is the proposal's transport cost (the
rebalancing); over the horizon nothing more is moved, since each depot serves its own area.

One shared depot. The shared depot (the hub) holds the stock for everyone; the other depots
only hand out and keep the basic package ready. The hub needs the service-level quantity of
the pooled forecast: demand that is spread over many depots evens out, so one pooled stock
needs fewer units than the sum of the depots' own safety margins (the pooling gain). Stock
needed = the hub's quantity (at least its own basic package) + the basic packages at every
hand-out point. The hand-out points keep what they hold up to their package and send the rest
to the hub; the hub's spare units (beyond its own quantity) top up the packages that are
short, in depot order. Shortages = what the hub lacks of its quantity + what the packages
still lack (in total, per product: what is needed minus all the units held today, where
positive). Transport now = those moves: every unit beyond a package to the hub, and the
top-ups from the hub. Transport over the horizon = every unit handed out at a hand-out point
comes from the hub: forecast rate × months × the hub-to-depot cost per unit.

Costs per unit are straight-line km × cost per km × the product's handling factor, as in the
optimizer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from depot.distribution.inputs import Inputs, covered_demand, poisson_quantile
from depot.errors import DomainError
from procurement.optimizer.distribute import DistributionPlan


@dataclass
class Scenario:
    name: str  # "current" or "shared"
    stock_holding_depots: int
    stock_needed_units: int
    stock_needed_m3: float
    shortage_units: int
    transport_now: float
    transport_horizon: float
    total_transport: float
    # {"depot_id", "depot" (name), "stock_now", "stock_needed", "shortage"} per depot
    per_depot: list[dict]


def _line(inputs: Inputs, depot_id: int, stock_now: int, needed: int, shortage: int) -> dict:
    return {
        "depot_id": depot_id,
        "depot": inputs.depot_names.get(depot_id, str(depot_id)),
        "stock_now": stock_now,
        "stock_needed": needed,
        "shortage": shortage,
    }


def _current(inputs, depot_ids, products, plan, horizon, level) -> Scenario:
    instance, volumes = inputs.instance, {key: p.volume for key, p in products.items()}
    need: dict[int, int] = defaultdict(int)
    lacking: dict[int, int] = defaultdict(int)
    volume = 0.0
    for depot_id, key in set(inputs.rates) | set(inputs.service):
        if depot_id not in depot_ids or key not in products:
            continue
        pair = (depot_id, key)
        units = covered_demand(
            inputs.rates.get(pair, 0.0), horizon, inputs.service.get(pair, 0), level
        )
        need[depot_id] += units
        volume += units * volumes[key]
        lacking[depot_id] += max(0, units - instance.stock.get(pair, 0))
    stock_now: dict[int, int] = defaultdict(int)
    for (depot_id, _key), units in instance.stock.items():
        stock_now[depot_id] += units
    solved = plan is not None and plan.shortage_after is not None
    if solved:
        after = {line.depot: line.shortage_after for line in plan.depots}
        shortage = {d: after.get(d, lacking[d]) for d in depot_ids}
        total_shortage = plan.shortage_after
        moving = float(plan.transport_cost or 0.0)
    else:
        shortage = {d: lacking[d] for d in depot_ids}
        total_shortage = sum(shortage.values())
        moving = 0.0
    return Scenario(
        name="current",
        stock_holding_depots=len(depot_ids),
        stock_needed_units=sum(need.values()),
        stock_needed_m3=round(volume, 3),
        shortage_units=int(total_shortage),
        transport_now=round(moving, 2),
        transport_horizon=0.0,
        total_transport=round(moving, 2),
        per_depot=[_line(inputs, d, stock_now[d], need[d], shortage[d]) for d in depot_ids],
    )


def _shared(inputs, depot_ids, hub_id, products, horizon, level) -> Scenario:
    instance = inputs.instance
    cost = {(t.from_, t.to): t.cost_per_unit for t in instance.transport}
    outlets = [d for d in depot_ids if d != hub_id]
    pooled: dict[str, float] = defaultdict(float)
    for (depot_id, key), rate in inputs.rates.items():
        if depot_id in depot_ids and key in products:
            pooled[key] += rate
    total_stock: dict[str, int] = defaultdict(int)
    stock_now: dict[int, int] = defaultdict(int)
    for (depot_id, key), units in instance.stock.items():
        if depot_id in depot_ids and key in products:
            total_stock[key] += units
            stock_now[depot_id] += units

    need: dict[int, int] = defaultdict(int)
    shortage: dict[int, int] = defaultdict(int)
    volume = moving = later = 0.0
    for key, product in products.items():
        hub_units = max(
            poisson_quantile(pooled[key] * horizon, level), inputs.service.get((hub_id, key), 0)
        )
        need[hub_id] += hub_units
        volume += hub_units * product.volume
        at_hub = total_stock[key]
        lacking = []  # (hand-out point, package units it lacks)
        for depot_id in outlets:
            package = inputs.service.get((depot_id, key), 0)
            own = instance.stock.get((depot_id, key), 0)
            kept = min(own, package)
            at_hub -= kept
            need[depot_id] += package
            volume += package * product.volume
            moving += (own - kept) * cost[depot_id, hub_id] * product.handling
            rate = inputs.rates.get((depot_id, key), 0.0)
            later += rate * horizon * cost[hub_id, depot_id] * product.handling
            if package > kept:
                lacking.append((depot_id, package - kept))
        shortage[hub_id] += max(0, hub_units - at_hub)
        spare = max(0, at_hub - hub_units)
        for depot_id, units in lacking:  # topped up from the hub while it has spare units
            filled = min(units, spare)
            spare -= filled
            moving += filled * cost[hub_id, depot_id] * product.handling
            shortage[depot_id] += units - filled
    return Scenario(
        name="shared",
        stock_holding_depots=1,
        stock_needed_units=sum(need.values()),
        stock_needed_m3=round(volume, 3),
        shortage_units=sum(shortage.values()),
        transport_now=round(moving, 2),
        transport_horizon=round(later, 2),
        total_transport=round(moving + later, 2),
        per_depot=[_line(inputs, d, stock_now[d], need[d], shortage[d]) for d in depot_ids],
    )


def compare(
    *,
    inputs: Inputs,
    hub_id: int,
    current_plan: DistributionPlan | None,
    horizon_months: int,
    service_level: float = 0.95,
) -> tuple[Scenario, Scenario]:
    """Today's depots (with the optimizer's proposal) beside one shared depot."""
    if (
        isinstance(horizon_months, bool)
        or not isinstance(horizon_months, int)
        or horizon_months < 1
    ):
        raise ValueError(f"The horizon must be at least one month, not {horizon_months!r}.")
    if not 0 < service_level < 1:
        raise ValueError(f"The service level must be between 0 and 1, not {service_level!r}.")
    depot_ids = [d.id for d in inputs.instance.depots]
    if hub_id not in depot_ids:
        raise DomainError(_l("The shared depot must be active and have coordinates."))
    products = {p.id: p for p in inputs.instance.products}
    current = _current(inputs, depot_ids, products, current_plan, horizon_months, service_level)
    shared = _shared(inputs, depot_ids, hub_id, products, horizon_months, service_level)
    return current, shared
