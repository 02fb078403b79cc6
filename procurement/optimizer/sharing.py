"""The joint plan, the organisations' stand-alone optima, and the split of the joint cost.

Splits: proportional to stand-alone cost, and the Shapley value of the cost game whose
coalition costs are the coalitions' own optima (≤ 10 participants: 2^n − 1 solves). A split
is in the core when no group of participants would pay less buying on its own.
"""

from __future__ import annotations

import itertools
import math
import time

from procurement.optimizer.model import Allocation, Id, Order, PurchaseInstance, PurchasePlan
from procurement.optimizer.purchase import cover_cost, offers_by_product, solve_demand

SHAPLEY_MAX = 10
CORE_TOLERANCE = 0.005  # DKK: half an øre of rounding


def _key(organisation: Id) -> str:
    return str(organisation)


def allocate(instance: PurchaseInstance, orders: list[Order]) -> list[Allocation]:
    """Give each organisation its demand from the ordered units; units bought beyond the
    demand (to reach a break or a pack) go to the organisations in proportion to demand."""
    offers = {o.id: o for o in instance.offers}
    units_by_product: dict[Id, list[list]] = {}
    for order in orders:
        units_by_product.setdefault(offers[order.offer].product, []).append(
            [order.offer, order.quantity]
        )
    wanted: dict[Id, list[tuple[Id, int]]] = {}
    for d in instance.demand:
        if d.quantity > 0:
            wanted.setdefault(d.product, []).append((d.organisation, d.quantity))
    given: dict[tuple[Id, Id], int] = {}
    for product, stock in units_by_product.items():
        needs = wanted.get(product, [])
        total_need = sum(q for _, q in needs)
        surplus = sum(units for _, units in stock) - total_need
        extra = _largest_remainder(surplus, needs) if needs else {}
        queue = iter(stock)
        current = next(queue, None)
        for organisation, quantity in needs:
            left = quantity + extra.get(organisation, 0)
            while left > 0 and current is not None:
                take = min(left, current[1])
                key = (organisation, current[0])
                given[key] = given.get(key, 0) + take
                current[1] -= take
                left -= take
                if current[1] == 0:
                    current = next(queue, None)
    return [Allocation(org, offer, q) for (org, offer), q in given.items() if q > 0]


def _largest_remainder(units: int, needs: list[tuple[Id, int]]) -> dict[Id, int]:
    total = sum(q for _, q in needs)
    if units <= 0 or total <= 0:
        return {}
    exact = [(org, units * q / total) for org, q in needs]
    shares = {org: math.floor(x) for org, x in exact}
    rest = units - sum(shares.values())
    for org, _x in sorted(exact, key=lambda e: e[1] - math.floor(e[1]), reverse=True)[:rest]:
        shares[org] += 1
    return shares


def shapley(players: list[Id], value: dict[frozenset, float]) -> dict[Id, float]:
    """Shapley value of a cost game given the value of every coalition (∅ costs 0)."""
    n = len(players)
    weights = [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)]
    result = {}
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for k in range(n):
            for group in itertools.combinations(others, k):
                coalition = frozenset(group)
                total += weights[k] * (value[coalition | {player}] - value.get(coalition, 0.0))
        result[player] = total
    return result


def core_violation(
    players: list[Id], value: dict[frozenset, float], split: dict[Id, float]
) -> dict | None:
    """The group whose members pay most above what they would pay alone, or None (in core)."""
    worst = None
    for k in range(1, len(players)):
        for group in itertools.combinations(players, k):
            excess = sum(split[p] for p in group) - value[frozenset(group)]
            if excess > CORE_TOLERANCE and (worst is None or excess > worst["excess"]):
                worst = {
                    "organisations": list(group),
                    "pays": round(sum(split[p] for p in group), 2),
                    "alone": round(value[frozenset(group)], 2),
                    "excess": round(excess, 2),
                }
    return worst


def plan_purchase(
    instance: PurchaseInstance,
    *,
    time_limit: float = 120.0,
    gap: float = 1e-4,
    solver: str | None = None,
    with_shapley: bool = True,
    progress=None,
) -> PurchasePlan:
    """The joint optimum, everyone's stand-alone optimum, the saving and the splits."""
    started = time.perf_counter()
    deadline = started + time_limit
    players = list(instance.organisations)
    n_coalitions = (2 ** len(players) - 1) if with_shapley and len(players) <= SHAPLEY_MAX else 0
    steps = 1 + len(players) + max(n_coalitions - 1 - len(players), 0)
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress:
            progress(done, steps)

    def remaining(share: float) -> float:
        return max((deadline - time.perf_counter()) * share, 1.0)

    offers_of = offers_by_product(instance)
    cache: dict = {}
    joint = solve_demand(
        instance,
        instance.demand_of(players),
        time_limit=remaining(0.5),
        gap=gap,
        solver=solver,
        offers_of=offers_of,
        cache=cache,
    )
    tick()
    seconds = {"joint_build": joint.build_seconds, "joint_solve": joint.solve_seconds}
    if joint.status not in ("optimal", "feasible"):
        return PurchasePlan(
            status=joint.status,
            total_cost=None,
            orders=[],
            allocation=[],
            standalone_cost={},
            saving=None,
            cost_share={},
            solver=joint.solver,
            message=joint.message,
            seconds=seconds,
        )
    value: dict[frozenset, float] = {frozenset(players): joint.total_cost}
    statuses = [joint.status]
    standalone_orders: dict[str, list[Order]] = {}
    for organisation in players:
        alone = solve_demand(
            instance,
            instance.demand_of([organisation]),
            time_limit=remaining(0.2),
            gap=gap,
            solver=solver,
            offers_of=offers_of,
            cache=cache,
        )
        if alone.total_cost is None:
            # Without every stand-alone optimum there is no saving or split to report.
            return PurchasePlan(
                status="not_solved" if alone.status != "infeasible" else "infeasible",
                total_cost=None,
                orders=[],
                allocation=[],
                standalone_cost={},
                saving=None,
                cost_share={},
                solver=joint.solver,
                message=f"no stand-alone plan for {organisation} within the time limit",
                seconds=seconds,
            )
        statuses.append(alone.status)
        value[frozenset([organisation])] = alone.total_cost
        standalone_orders[_key(organisation)] = alone.orders
        tick()
    standalone = {_key(p): round(value[frozenset([p])], 2) for p in players}
    total_alone = sum(value[frozenset([p])] for p in players)
    cost_share = {
        _key(p): round(joint.total_cost * value[frozenset([p])] / total_alone, 2)
        if total_alone
        else 0.0
        for p in players
    }
    plan = PurchasePlan(
        status=joint.status,
        total_cost=round(joint.total_cost, 2),
        orders=joint.orders,
        allocation=allocate(instance, joint.orders),
        standalone_cost=standalone,
        standalone_orders=standalone_orders,
        saving=round(total_alone - joint.total_cost, 2),
        cost_share=cost_share,
        gap=joint.gap,
        solver=joint.solver,
        seconds=seconds,
    )
    if n_coalitions:
        plan.shapley, plan.in_core, plan.core_violation = _shapley_and_core(
            instance,
            players,
            value,
            deadline=deadline,
            budget=remaining,
            statuses=statuses,
            tick=tick,
            offers_of=offers_of,
            cache=cache,
            gap=gap,
            solver=solver,
        )
        if plan.shapley is None:
            plan.message = "the Shapley split was left out: the time limit ran out"
    if not plan.message and any(s != "optimal" for s in statuses):
        plan.message = "some optima were not proven within the time limit (see gap)"
    seconds["total"] = time.perf_counter() - started
    return plan


def _shapley_and_core(instance, players, value, *, deadline, budget, statuses, tick, **solve):
    """Every coalition's optimum, then the Shapley split and the worst core violation;
    (None, None, None) when the wall clock runs past the deadline first."""
    for k in range(2, len(players)):
        for group in itertools.combinations(players, k):
            if time.perf_counter() > deadline:
                return None, None, None
            cost, status = cover_cost(
                instance, instance.demand_of(group), time_limit=budget(0.1), **solve
            )
            statuses.append(status)
            value[frozenset(group)] = cost or 0.0
            tick()
    values = shapley(players, value)
    violation = core_violation(players, value, values)
    return {_key(p): round(v, 2) for p, v in values.items()}, violation is None, violation
