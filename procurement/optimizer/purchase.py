"""The joint-purchase MILP: which suppliers to order from and, per product, which plan.

Per product, `product_plans` gives the exact cheapest cover of its demand for every set of
suppliers (min-plus convolution over the offers' price breaks and packs). The MILP pays a
supplier's order cost once if any chosen plan uses it and picks one plan per product:
binaries y_s (supplier used) and x_pk (plan k for product p) with Σ_k x_pk = 1 and
Σ_{k uses s} x_pk ≤ y_s. There is no big-M at all: the quantity bounds live in the plans.
"""

from __future__ import annotations

import time

import numpy as np
import pulp

from procurement.optimizer.model import Id, Offer, Order, PurchaseInstance, Solution
from procurement.optimizer.product_plans import ProductPlan, product_plans
from procurement.optimizer.solver import solve


def solve_demand(
    instance: PurchaseInstance,
    demand: dict[Id, int],
    *,
    time_limit: float = 60.0,
    gap: float = 1e-4,
    solver: str | None = None,
    offers_of: dict[Id, list[Offer]] | None = None,
    cache: dict | None = None,
) -> Solution:
    """The cheapest orders that cover `demand` (product → units) with the instance's offers."""
    started = time.perf_counter()
    demand = {p: q for p, q in demand.items() if q > 0}
    if not demand:
        return Solution(status="optimal", total_cost=0.0, gap=0.0)
    if offers_of is None:
        offers_of = offers_by_product(instance)
    uncovered = [p for p in demand if not offers_of.get(p)]
    if uncovered:
        return Solution(
            status="infeasible",
            total_cost=None,
            message="no offer for product(s) " + ", ".join(repr(p) for p in uncovered[:10]),
        )
    plans: dict[Id, list[ProductPlan]] = {}
    for product, quantity in demand.items():
        plans[product] = _plans(product, offers_of[product], quantity, cache)
        if not plans[product]:
            return Solution(
                status="infeasible",
                total_cost=None,
                message=f"no offer can supply {quantity} of product {product!r}",
            )
    order_cost = {s.id: s.order_cost for s in instance.suppliers}
    prob = pulp.LpProblem("purchase", pulp.LpMinimize)
    used = {s: prob.add_variable(f"y_{n}", cat="Binary") for n, s in enumerate(order_cost)}
    objective: list[tuple[pulp.LpVariable, float]] = [
        (used[s], cost) for s, cost in order_cost.items() if cost
    ]
    picks: list[tuple[ProductPlan, pulp.LpVariable]] = []
    n = 0
    for product_plans_ in plans.values():
        one: list[tuple[pulp.LpVariable, float]] = []
        by_supplier: dict[Id, list[tuple[pulp.LpVariable, float]]] = {}
        for plan in product_plans_:
            n += 1
            x = prob.add_variable(f"x_{n}", cat="Binary")
            one.append((x, 1))
            objective.append((x, plan.cost))
            picks.append((plan, x))
            for supplier in plan.suppliers:
                by_supplier.setdefault(supplier, []).append((x, 1))
        prob += pulp.LpAffineExpression(one) == 1
        for supplier, terms in by_supplier.items():
            prob += pulp.LpAffineExpression([*terms, (used[supplier], -1)]) <= 0
    prob += pulp.LpAffineExpression(objective)
    build_seconds = time.perf_counter() - started
    result = solve(prob, time_limit=max(time_limit - build_seconds, 1.0), gap=gap, solver=solver)
    solution = Solution(
        status=result.status,
        total_cost=None,
        gap=result.gap,
        solver=result.solver,
        build_seconds=build_seconds,
        solve_seconds=result.seconds,
    )
    if result.status not in ("optimal", "feasible"):
        return solution
    orders = [
        Order(offer.id, quantity, offer.unit_price(quantity))
        for plan, x in picks
        if round(x.value() or 0) == 1
        for offer, quantity in plan.quantities
        if quantity > 0
    ]
    solution.orders = orders
    solution.total_cost = plan_cost(instance, orders)
    return solution


def _plans(product: Id, offers: list[Offer], quantity: int, cache: dict | None):
    if cache is None:
        return product_plans(product, offers, quantity)
    key = (product, quantity)
    if key not in cache:
        cache[key] = product_plans(product, offers, quantity)
    return cache[key]


# Coalitions of the Shapley split: with few suppliers, trying every set of suppliers to pay
# for is exact and far quicker than a MILP per coalition.
ENUMERATE_SUPPLIERS_MAX = 10


def cover_cost(
    instance: PurchaseInstance,
    demand: dict[Id, int],
    *,
    offers_of: dict[Id, list[Offer]],
    cache: dict,
    time_limit: float = 60.0,
    gap: float = 1e-4,
    solver: str | None = None,
) -> tuple[float | None, str]:
    """The optimal cost of covering `demand` (and its status), for coalition values."""
    demand = {p: q for p, q in demand.items() if q > 0}
    plans = {}
    for product, quantity in demand.items():
        found = _plans(product, offers_of.get(product, []), quantity, cache)
        if not found:
            return None, "infeasible"
        plans[product] = found
    suppliers = sorted({s for ps in plans.values() for p in ps for s in p.suppliers}, key=str)
    if len(suppliers) > ENUMERATE_SUPPLIERS_MAX:
        result = solve_demand(
            instance,
            demand,
            time_limit=time_limit,
            gap=gap,
            solver=solver,
            offers_of=offers_of,
            cache=cache,
        )
        return result.total_cost, result.status
    bit = {s: 1 << n for n, s in enumerate(suppliers)}
    masks = np.arange(1 << len(suppliers))
    total = np.zeros(masks.size)
    for product_plans_ in plans.values():
        best = np.full(masks.size, np.inf)
        for plan in product_plans_:
            need = sum(bit[s] for s in plan.suppliers)
            allowed = (masks & need) == need
            best[allowed] = np.minimum(best[allowed], plan.cost)
        total += best
    order_cost = {s.id: s.order_cost for s in instance.suppliers}
    for s in suppliers:
        total += np.where(masks & bit[s], order_cost[s], 0.0)
    return float(total.min()), "optimal"


def offers_by_product(instance: PurchaseInstance) -> dict[Id, list[Offer]]:
    found: dict[Id, list[Offer]] = {}
    for offer in instance.offers:
        found.setdefault(offer.product, []).append(offer)
    return found


def plan_cost(instance: PurchaseInstance, orders: list[Order]) -> float:
    """What the orders cost by the contract's rules (recomputed, not the solver's figure)."""
    offers = {o.id: o for o in instance.offers}
    order_cost = {s.id: s.order_cost for s in instance.suppliers}
    suppliers = {offers[o.offer].supplier for o in orders if o.quantity > 0}
    goods = sum(o.quantity * offers[o.offer].unit_price(o.quantity) for o in orders)
    return round(goods + sum(order_cost[s] for s in suppliers), 6)
