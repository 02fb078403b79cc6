"""Stock distribution: the transfers between depots that cover demand at least cost (issue 7).

Data: depots with a capacity (volume), products p with volume v_p, shortage penalty π_p and
handling factor h_p (multiplies the per-unit transport cost, default 1), start stock s_dp,
demand q_dp and transport costs c_ij for the listed pairs (no entry: no shipping).

MILP: x_ijp ≥ 0 integer (units i → j), shortage σ_jp ≥ 0 (continuous; integral at an optimum
since x is). Minimise Σ h_p c_ij x_ijp + Σ π_p σ_jp subject to
    Σ_j x_ijp ≤ s_ip                                      (ship only the start stock)
    σ_jp + Σ_i x_ijp − Σ_k x_jkp ≥ q_jp − s_jp             (where q_jp > 0 and π_p > 0)
    Σ_p v_p (Σ_i x_ijp − Σ_k x_jkp) ≤ max(C_j − V_j, 0)    (V_j = start volume of j)
so a depot over capacity may reshuffle but not grow. No big-M; x is bounded by s_ip.

Arcs. Only arcs (i, j, p) with s_ip > 0 and (q_jp > 0 and π_p > 0, or v_p > 0) can be in an
optimal plan: otherwise taking a unit off the arc saves h_p c_ij ≥ 0 and harms nothing. Keeping
only targets with q_jp > s_jp would not be exact: a depot may ship its own stock on and get it
replaced from a cheaper source (non-metric costs), or ship goods out to a depot with room to
make space for what it lacks. All these arcs (the universe) go into one MILP when there are at
most FULL_MODEL_MAX_ARCS (after its LP, whose rounding is the MILP's warm start or, within the
gap, the answer); above that (millions at 100 depots × 2,000 products):

1. Column generation on the LP relaxation (distribute_lp.Relaxation): start with the SOURCES
   cheapest surplus sources per shortage, price every arc of the universe with the duals y,
   rc_ijp = h_p c_ij − y^sup_ip − y^sh_jp + y^sh_ip − v_p y^cap_j + v_p y^cap_i,
   add the most negative few per shortage, repeat until none is negative.
2. Lower bound L (Lagrangian, valid for any sign-correct duals): every plan costs at least
   y·b + Σ_holders s_ip · min(0, min_j rc_ijp). At the LP optimum L is the LP value.
3. Round the LP optimum to whole units (distribute_lp.round_plan): an upper bound U.
4. If L ≥ U (1 − gap), done. Otherwise reduced-cost fixing: a plan that uses an arc a costs at
   least L + rc_a, so only arcs with rc_a < U (1 − gap) − L can improve U beyond the gap.
   MILPs over the LP's arcs, then over those plus the arcs of least rc within the margin, give
   better plans and the bound max(L, min(MILP bound, L + least rc left out)). Each MILP
   starts from the best plan so far (a warm start: HiGHS's search is shorter, its proof
   the same).
The plan's gap is measured against that bound, over all arcs; `optimal` means within `gap`.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
import pulp

from procurement.optimizer.distribute_lp import (
    SOURCES,
    Arrays,
    Relaxation,
    initial_arcs,
    plan_cost,
    price,
    promising,
    round_plan,
    stock_after,
)
from procurement.optimizer.model import Id
from procurement.optimizer.solver import available_solver, solve

FULL_MODEL_MAX_ARCS = 20_000  # up to this many useful arcs, one MILP over all of them
MAX_ROUNDS = 40  # of column generation
# Arcs reopened in the second MILP: all within the margin if there are at most ALL_AT_ONCE
# (one MILP instead of two), else the REOPEN_AT_ONCE of least reduced cost (all in the third).
REOPEN_AT_ONCE = 8_000
ALL_AT_ONCE = 10_000
FIRST_STAGE_GAP = 0.1  # × gap: the first MILP's plan sets the margin for the next ones
# Progress, out of PROGRESS_STEPS: where the indexing, the LP and the MILP stages end.
PROGRESS_STEPS = 100
STEP_INDEX, STEP_LP, STEP_MILPS = 2, 30, 98
STAGE_STEPS = (STEP_LP, 50, 75, STEP_MILPS)
# Root reduced-cost heuristic off: with a warm start its sub-MIP rarely pays for itself here
# (measured with bench/distribute_bench.py: 10–60 % off the MILPs at 20 × 500).
HIGHS_OPTIONS = {"mip_heuristic_run_root_reduced_cost": False}


@dataclass(frozen=True)
class Depot:
    id: Id
    capacity: float  # volume, in the products' volume unit


@dataclass(frozen=True)
class Product:
    id: Id
    volume: float
    shortage_penalty: float  # per unit of demand not covered
    handling: float = 1.0  # multiplies the per-unit transport cost (bulky, fragile items)


@dataclass(frozen=True)
class Transport:
    from_: Id
    to: Id
    cost_per_unit: float


@dataclass
class DistributionInstance:
    depots: tuple[Depot, ...]
    products: tuple[Product, ...]
    stock: dict[tuple[Id, Id], int]  # (depot, product) → units at the start
    demand: dict[tuple[Id, Id], int]  # (depot, product) → units for the horizon
    transport: tuple[Transport, ...]


@dataclass(frozen=True)
class Transfer:
    from_: Id
    to: Id
    product: Id
    quantity: int


@dataclass(frozen=True)
class StockLine:
    depot: Id
    product: Id
    demand: int
    before: int
    after: int
    shortage_before: int
    shortage_after: int


@dataclass(frozen=True)
class DepotLine:
    depot: Id
    capacity: float
    volume_before: float
    volume_after: float
    units_sent: int
    units_received: int
    shortage_before: int
    shortage_after: int


@dataclass
class DistributionPlan:
    status: str  # optimal | feasible (time limit or gap) | infeasible | not_solved
    total_cost: float | None
    transfers: list[Transfer]
    shortage_before: int  # units, summed over depots and products
    shortage_after: int | None
    transport_cost: float | None = None
    shortage_cost: float | None = None
    gap: float | None = None  # relative, against lower_bound
    solver: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    message: str = ""
    # Per depot and product where there is demand or the stock changes.
    stock_after: list[StockLine] = field(default_factory=list)
    depots: list[DepotLine] = field(default_factory=list)
    lower_bound: float | None = None
    stats: dict[str, float] = field(default_factory=dict)  # model sizes and stage figures


def plan_to_dict(plan: DistributionPlan) -> dict:
    """The plan as the JSON contract spells it (`from` for a transfer's source)."""
    return asdict(plan, dict_factory=lambda items: {_json_key(k): v for k, v in items})


def _json_key(key: str) -> str:
    return "from" if key == "from_" else key


@dataclass
class _Model:
    prob: pulp.LpProblem
    x: list
    constant: float  # penalties of shortages no chosen arc touches
    short: list  # (variable, depot, product) per shortage row
    sent: list  # (variable, holder) per holder with more than one arc

    def start_from(self, data: Arrays, h, j, plan) -> bool:
        """Set the variables to `plan` (cost, h, j, x) as a warm start; False if the plan uses
        an arc not in the model (h, j)."""
        _, ph, pj, px = plan
        used = px > 0
        ph, pj, px = ph[used], pj[used], px[used]
        n = len(data.depot_ids)
        key = h * n + j  # ascending: np.nonzero walks the arcs row by row
        at = np.searchsorted(key, ph * n + pj)
        if (at >= len(key)).any() or (key[np.minimum(at, len(key) - 1)] != ph * n + pj).any():
            return False
        value = np.zeros(len(self.x), dtype=np.int64)
        value[at] = px
        # check=False: a value outside a bound means no start (a cold solve), never a crash.
        for var, v in zip(self.x, value.tolist(), strict=True):
            if not var.setInitialValue(v, check=False):
                return False
        after = stock_after(data, ph, pj, px)
        for var, dst, prod in self.short:
            var.setInitialValue(max(int(data.demand[dst, prod] - after[dst, prod]), 0), check=False)
        sent = np.bincount(ph, px, len(data.hi))
        return all(var.setInitialValue(int(sent[hn]), check=False) for var, hn in self.sent)


def _build(data: Arrays, h: np.ndarray, j: np.ndarray) -> _Model:
    """The MILP over the chosen arcs (holder h → depot j).

    What leaves a holder is one variable t_h = Σ_j x_hj ≤ s_h (the arc itself if it has one)
    in its depot's capacity and shortage rows: the same LP, but a capacity row then holds
    one entry per arc in and per holder, not per arc out. HiGHS's presolve spends time
    quadratic in the length of a row that is an arc's only down-lock (an arc out to a depot
    without demand for it only makes room); with t_h that row is the holder's short one.
    """
    prob = pulp.LpProblem("distribute", pulp.LpMinimize)
    i, p = data.hi[h], data.hp[h]
    bound = data.stock[i, p]
    x = [prob.add_variable(f"x_{n}", 0, u, cat="Integer") for n, u in enumerate(bound.tolist())]
    objective = [(var, c) for var, c in zip(x, data.arc_cost(h, j).tolist(), strict=True) if c]
    supply, shortage, capacity = defaultdict(list), defaultdict(list), defaultdict(list)
    inflow = defaultdict(float)
    counted, volume = data.counted, data.volume
    for var, hn, dst, prod, u in zip(
        x, h.tolist(), j.tolist(), p.tolist(), bound.tolist(), strict=True
    ):
        supply[hn].append((var, 1))
        if counted[dst, prod]:
            shortage[dst, prod].append((var, 1))
        if volume[prod]:
            capacity[dst].append((var, volume[prod]))
            inflow[dst] += volume[prod] * u
    sent = []
    for hn, terms in supply.items():
        src, prod = int(data.hi[hn]), int(data.hp[hn])
        if len(terms) > 1:
            t = prob.add_variable(f"t_{hn}", 0, int(data.held[hn]), cat="Integer")
            prob += pulp.LpAffineExpression([*terms, (t, -1)]) == 0
            sent.append((t, hn))
        else:  # a single arc has the stock as its bound
            t = terms[0][0]
        if counted[src, prod]:
            shortage[src, prod].append((t, -1))
        if volume[prod]:
            capacity[src].append((t, -volume[prod]))
    short = []
    for n, ((dst, prod), terms) in enumerate(shortage.items()):
        var = prob.add_variable(f"s_{n}", 0)
        short.append((var, dst, prod))
        objective.append((var, float(data.penalty[prod])))
        prob += pulp.LpAffineExpression([*terms, (var, 1)]) >= int(data.deficit[dst, prod])
    for dst, terms in capacity.items():
        # A row the chosen arcs cannot fill is left out.
        if inflow[dst] > data.slack[dst] + 1e-9:
            prob += pulp.LpAffineExpression(terms) <= float(data.slack[dst])
    prob += pulp.LpAffineExpression(objective)
    untouched = data.counted & (data.deficit > 0)
    for key in shortage:
        untouched[key] = False
    constant = float((np.where(untouched, data.deficit, 0) * data.penalty[None, :]).sum())
    return _Model(prob=prob, x=x, constant=constant, short=short, sent=sent)


def _have_highspy() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class _Run:
    """One call's settings and its running figures."""

    data: Arrays
    deadline: float
    time_limit: float
    gap: float
    solver: str
    progress: object = None  # progress(done, PROGRESS_STEPS)
    seconds: defaultdict = field(default_factory=lambda: defaultdict(float))
    stats: dict = field(default_factory=dict)
    done: int = 0

    def tick(self, done: float, *, always: bool = False) -> None:
        """Move the progress bar to `done` of PROGRESS_STEPS (never back). `always` reports
        even when the bar stands still, so a long MILP still reaches the caller's hook (which
        may stop the run: a cancel, a wall-clock guard)."""
        done = min(max(int(done), self.done), PROGRESS_STEPS)
        if self.progress and (done > self.done or always):
            self.progress(done, PROGRESS_STEPS)
        self.done = done


def plan_distribution(
    instance: DistributionInstance,
    *,
    time_limit: float = 120.0,
    gap: float = 1e-4,
    solver: str | None = None,
    progress=None,
    full_model: bool | None = None,
) -> DistributionPlan:
    """The least-cost transfers; `full_model` None chooses by size, False forces pricing.

    `progress(done, steps)` is called as the work moves on, `done` rising to `steps`.
    """
    started = time.perf_counter()
    data = Arrays(instance)
    run = _Run(data, started + time_limit, time_limit, gap, solver or available_solver(), progress)
    universe_arcs = int(data.universe.sum())
    if full_model is None:
        full_model = universe_arcs <= FULL_MODEL_MAX_ARCS
    run.stats.update(
        depots=len(data.depot_ids), products=len(data.product_ids), universe_arcs=universe_arcs
    )
    run.seconds["index"] = time.perf_counter() - started
    run.tick(STEP_INDEX)
    if not _have_highspy():  # no LP (it talks to HiGHS directly): the full MILP, cold
        best, status, lower = _milp(run, data.universe)
    elif full_model:
        best, status, lower = _full(run)
    else:
        chosen = initial_arcs(data, SOURCES)
        run.stats["initial_arcs"] = int(chosen.sum())
        bound, duals, relaxed = _generate(run, chosen, budget=started + 0.5 * time_limit)
        run.tick(STEP_LP)
        if duals is None:  # no LP optimum in time: a plan, but no bound over all arcs
            best, status, _ = _milp(run, chosen)
            lower = -np.inf
        else:
            best, status, lower = _improve(run, round_plan(data, *relaxed), bound, duals, relaxed)
    run.seconds["total"] = time.perf_counter() - started
    plan = _plan(data, best, status, lower, gap, run.solver, run.stats, dict(run.seconds))
    run.tick(PROGRESS_STEPS)
    return plan


def _full(run: _Run):
    """Every useful arc at once: the LP, its rounding as the warm start, then the MILP unless
    the rounding is already within the gap of the LP bound."""
    data = run.data
    bound, duals, relaxed = _generate(run, data.universe.copy(), budget=run.deadline)
    run.tick(STEP_LP)
    if duals is None:
        return _milp(run, data.universe)
    start = round_plan(data, *relaxed)
    run.stats.update(lp_bound=round(bound, 2), rounded_cost=round(start[0], 2))
    if bound >= start[0] * (1 - run.gap):
        return start, "optimal", bound
    found, status, lower = _milp(run, data.universe, start=start, span=(STEP_LP, STEP_MILPS))
    if found is None:
        return start, "feasible", bound
    return min(start, found, key=lambda b: b[0]), status, max(lower, bound)


def _improve(run: _Run, best, bound: float, duals, relaxed):
    """From the rounded plan: MILPs over growing arc sets until the bound proves the gap.

    Stage 1 solves over the LP's arcs; stages 2 and 3 add the omitted arcs of least reduced
    cost below the margin U (1 − gap) − L (U the best plan so far, L the Lagrangian bound):
    stage 2 all of them if there are at most ALL_AT_ONCE (then there is no stage 3), else
    REOPEN_AT_ONCE. A plan that uses an arc a left out costs at least L + rc_a, so
    min(MILP bound, L + least rc left out) bounds every plan from below. Each MILP starts
    from the best plan so far (its arcs are added if the margin has dropped them).
    """
    support = np.zeros(run.data.universe.shape, dtype=bool)
    support[relaxed[0], relaxed[1]] = True
    run.stats.update(lp_bound=round(bound, 2), rounded_cost=round(best[0], 2))
    lower = bound
    # The LP's own arcs first: small, nearly integral, and a tight gap narrows the margin.
    for stage, gap in ((1, run.gap * FIRST_STAGE_GAP), (2, run.gap), (3, run.gap)):
        span = (STAGE_STEPS[stage - 1], STAGE_STEPS[stage])
        left = run.deadline - time.perf_counter()
        # A MILP much larger than the last one overruns a short remaining time.
        if lower >= best[0] * (1 - run.gap) or (stage > 1 and left < 0.25 * run.time_limit):
            break
        margin = best[0] * (1 - run.gap) - bound
        clock = time.perf_counter()
        (h, j), rc, least = promising(
            run.data, duals, support, bound, bound + margin, 0 if stage == 1 else None
        )
        if stage == 2 and len(rc) > max(ALL_AT_ONCE, REOPEN_AT_ONCE):
            h, j, least = h[:REOPEN_AT_ONCE], j[:REOPEN_AT_ONCE], min(least, rc[REOPEN_AT_ONCE])
        run.seconds["pricing"] += time.perf_counter() - clock
        arcs = support.copy()
        arcs[h, j] = True
        used = best[3] > 0
        arcs[best[1][used], best[2][used]] = True
        run.stats[f"stage{stage}_arcs"] = int(arcs.sum())
        last = stage == 3 or (stage == 2 and least >= margin)
        limit = (1.0 if last else 0.3) * left
        found, _, found_lower = _milp(run, arcs, gap=gap, time_limit=limit, start=best, span=span)
        run.tick(span[1])
        if found is None:
            break
        best = min(best, found, key=lambda b: b[0])
        lower = max(lower, min(found_lower, bound + least))
        run.stats[f"stage{stage}_cost"] = round(best[0], 2)
        if stage == 2 and least >= margin:
            break  # every arc within the margin was in: a third stage would repeat this one
    return best, "optimal" if lower >= best[0] * (1 - run.gap) else "feasible", lower


def _milp(
    run: _Run, arcs: np.ndarray, *, gap: float | None = None, time_limit=None, start=None, span=None
):
    """The MILP over `arcs`, from the plan `start` if given (warm start): (incumbent
    (cost, h, j, x) or None, status, its lower bound). `span`: its share of the progress."""
    gap = run.gap if gap is None else gap
    data = run.data
    h, j = np.nonzero(arcs)
    clock = time.perf_counter()
    model = _build(data, h, j)
    warm = start is not None and model.start_from(data, h, j, start)
    run.seconds["build"] += time.perf_counter() - clock
    run.stats.update(
        milp_arcs=len(h),
        variables=len(model.prob.variables()),
        constraints=len(model.prob.constraints()),
    )
    if span:
        run.tick(span[0] + 0.1 * (span[1] - span[0]))  # built
    if not h.size:
        return (model.constant, h, j, np.zeros(0, dtype=np.int64)), "optimal", model.constant
    limit = max(run.deadline - time.perf_counter(), 1.0)
    if time_limit is not None:
        limit = max(min(limit, time_limit), 1.0)
    if warm and start[0] - model.constant > 1e-9:
        # The gap is relative to the whole cost; the MILP leaves out the constant C. With
        # U the start's MILP value, stopping at p − d ≤ gap (U + C) / U · p ≤ gap (p + C)
        # for any p ≤ U is within the gap on the whole cost.
        gap *= start[0] / (start[0] - model.constant)
    result = solve(
        model.prob,
        time_limit=limit,
        gap=gap,
        solver=run.solver,
        warm_start=warm,
        highs_options=HIGHS_OPTIONS,
        on_gap=_milp_progress(run, span, limit, gap) if span and run.progress else None,
    )
    run.seconds["milp"] += result.seconds
    if result.status not in ("optimal", "feasible"):
        return None, result.status, -np.inf
    x = np.array([round(v.value() or 0) for v in model.x], dtype=np.int64)
    return (plan_cost(data, h, j, x), h, j, x), result.status, _milp_bound(model, result, gap)


def _milp_progress(run: _Run, span, limit: float, gap: float):
    """An on_gap for a MILP that owns `span` of the progress bar (its first tenth is the
    build). HiGHS cannot tell when it will be done: time moves the bar towards the end of
    the span, and the gap closing (on a log scale, from the first one seen) moves it faster."""
    first, target = [], max(gap, 1e-9)
    low, width = span[0] + 0.1 * (span[1] - span[0]), 0.85 * (span[1] - span[0])

    def on_gap(found: float, seconds: float) -> None:
        share = 1 - math.exp(-seconds / max(1.0, 0.1 * limit))
        if math.isfinite(found) and found > 0:
            first[:] = first or [found]
            if first[0] > target:
                closed = math.log(first[0] / max(found, target)) / math.log(first[0] / target)
                share = max(share, closed)
        run.tick(low + width * min(share, 1.0), always=True)

    return on_gap


def _generate(run: _Run, chosen: np.ndarray, budget: float):
    """Column generation: (Lagrangian bound, duals, LP optimum's arcs and flows) of the last
    LP solved, or (-inf, None, None) if none was."""
    data = run.data
    tolerance = 1e-7 * max(1.0, float(data.penalty.max(initial=0.0)))
    clock = time.perf_counter()
    lp = Relaxation(data)
    lp.add(*np.nonzero(chosen))
    run.seconds["build"] += time.perf_counter() - clock
    last, rounds = (-np.inf, None, None), 0
    # A quarter of the time stays for rounding and the MILPs.
    until = run.deadline - 0.25 * run.time_limit
    while rounds < MAX_ROUNDS:
        rounds += 1
        clock = time.perf_counter()
        solved = lp.solve(until)
        run.seconds["lp"] += time.perf_counter() - clock
        # Rounds are few but their number is unknown: each one closes part of the way.
        run.tick(STEP_LP - (STEP_LP - STEP_INDEX) * 0.7**rounds)
        if not solved:
            break
        run.stats["lp_rounds"] = rounds
        duals = lp.duals()
        solution = lp.solution()
        clock = time.perf_counter()
        new_h, new_j, bound = price(data, duals, chosen, tolerance)
        run.seconds["pricing"] += time.perf_counter() - clock
        last = (bound, duals, solution)
        if not len(new_h) or time.perf_counter() > budget:
            clock = time.perf_counter()
            lp.settle(until)
            run.seconds["lp"] += time.perf_counter() - clock
            if lp.optimal():
                last = (bound, duals, lp.solution())
            break
        chosen[new_h, new_j] = True
        lp.add(new_h, new_j)
    run.stats["generated_arcs"] = int(chosen.sum())
    return last


def _milp_bound(model: _Model, result, gap: float) -> float:
    value = model.prob.objective.value() or 0.0
    if result.solver == "highs":
        found = float(model.prob.solverModel.getInfo().mip_dual_bound)
        if np.isfinite(found):
            return min(found, value) + model.constant
    if result.gap is not None:
        # CBC stops within the relative gap it was given and reports it as 0.
        return value - max(result.gap, gap) * abs(value) + model.constant
    return -np.inf


def _plan(data, best, status, lower, gap, solver, stats, seconds) -> DistributionPlan:
    short_before = np.maximum(data.deficit, 0)
    if best is None:
        return DistributionPlan(
            status=status,
            total_cost=None,
            transfers=[],
            shortage_before=int(short_before.sum()),
            shortage_after=None,
            solver=solver,
            seconds=seconds,
            message="the solver found no plan within the time limit"
            if status == "not_solved"
            else "the solver reports the model infeasible",
            stats=stats,
        )
    cost, h, j, x = best
    used = x > 0
    h, j, x = h[used], j[used], x[used]
    after = stock_after(data, h, j, x)
    short_after = np.maximum(data.demand - after, 0)
    transport = float((data.arc_cost(h, j) * x).sum())
    volume_after = after @ data.volume
    message = ""
    over = volume_after > np.maximum(data.capacity, data.volume_before) + 1e-6
    if over.any():
        message = f"capacity exceeded within the solver's tolerance at {int(over.sum())} depot(s)"
    found_gap = None
    if np.isfinite(lower):
        found_gap = max(cost - lower, 0.0) / cost if cost > 1e-9 else 0.0
    # Optimal means proven within the gap over all arcs, whatever the last MILP said.
    status = "optimal" if found_gap is not None and found_gap <= gap + 1e-9 else "feasible"
    ids, products = data.depot_ids, data.product_ids
    i, p = data.hi[h], data.hp[h]
    order = np.lexsort((p, j, i))
    transfers = [Transfer(ids[i[n]], ids[j[n]], products[p[n]], int(x[n])) for n in order.tolist()]
    sent = np.bincount(i, weights=x, minlength=len(ids))
    received = np.bincount(j, weights=x, minlength=len(ids))
    lines = [
        StockLine(
            depot=ids[d],
            product=products[q],
            demand=int(data.demand[d, q]),
            before=int(data.stock[d, q]),
            after=int(after[d, q]),
            shortage_before=int(short_before[d, q]),
            shortage_after=int(short_after[d, q]),
        )
        for d, q in zip(*np.nonzero((data.demand > 0) | (after != data.stock)), strict=True)
    ]
    depots = [
        DepotLine(
            depot=ids[d],
            capacity=float(data.capacity[d]),
            volume_before=round(float(data.volume_before[d]), 6),
            volume_after=round(float(volume_after[d]), 6),
            units_sent=int(sent[d]),
            units_received=int(received[d]),
            shortage_before=int(short_before[d].sum()),
            shortage_after=int(short_after[d].sum()),
        )
        for d in range(len(ids))
    ]
    return DistributionPlan(
        status=status,
        total_cost=round(cost, 2),
        transfers=transfers,
        shortage_before=int(short_before.sum()),
        shortage_after=int(short_after.sum()),
        transport_cost=round(transport, 2),
        shortage_cost=round(cost - transport, 2),
        gap=found_gap,
        solver=solver,
        seconds=seconds,
        message=message,
        stock_after=lines,
        depots=depots,
        lower_bound=round(float(lower), 2) if np.isfinite(lower) else None,
        stats=stats,
    )
