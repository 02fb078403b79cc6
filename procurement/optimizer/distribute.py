"""Stock distribution: the transfers between depots that cover demand at least cost (issue 7).

Data: depots d with a capacity (volume), products p with volume v_p, shortage penalty π_p and
handling factor h_p (multiplies the per-unit transport cost, default 1), start stock s_dp,
demand q_dp and transport costs c_ij for the listed pairs (no entry: no shipping).

MILP: x_ijp ≥ 0 integer (units i → j), shortage σ_jp ≥ 0 (continuous; integral at an optimum
since x is integral). Minimise Σ h_p c_ij x_ijp + Σ π_p σ_jp subject to
    Σ_j x_ijp ≤ s_ip                                      (ship only the start stock)
    σ_jp + Σ_i x_ijp − Σ_k x_jkp ≥ q_jp − s_jp             (where q_jp > 0 and π_p > 0)
    Σ_p v_p (Σ_i x_ijp − Σ_k x_jkp) ≤ max(C_j − V_j, 0)    (V_j = start volume of j)
so a depot over capacity may reshuffle but not grow. No big-M anywhere.

Arcs. Only arcs (i, j, p) with s_ip > 0 and (q_jp > 0 and π_p > 0, or v_p > 0) can be in an
optimal plan: otherwise taking a unit off the arc saves h_p c_ij ≥ 0 and harms nothing. Keeping
only targets with q_jp > s_jp would not be exact: a depot may ship its own stock on and get it
replaced from a cheaper source (non-metric costs), or ship goods out to a depot with room to
make space for what it lacks. These arcs (the "universe") can be millions, so above
FULL_MODEL_MAX_ARCS they are generated as columns:

1. Start with, per shortage (j, p), the SOURCES cheapest depots holding a surplus of p.
2. Solve the LP relaxation over the chosen arcs; with its row duals y price every arc:
   rc_ijp = h_p c_ij − y^sup_ip − y^sh_jp + y^sh_ip − v_p y^cap_j + v_p y^cap_i
   (rows absent from the LP have the dual of their constant shortage: π_p if q > s, else 0).
   Add the most negative arcs per shortage and repeat until none is negative.
3. Lagrangian bound: any plan satisfies cost ≥ LP + Σ_holders s_ip · min(0, min_omitted rc)
   =: L, and a plan that uses an omitted arc a costs at least L + max(rc_a, 0).
4. Solve the MILP over the chosen arcs (upper bound U). Omitted arcs with L + rc_a below
   U (1 − gap) might improve it: add them and solve again. The lower bound reported is
   min(MILP bound over the chosen arcs, L + min_omitted max(rc_a, 0)); the gap is against it.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
import pulp

from procurement.optimizer.model import Id
from procurement.optimizer.solver import available_solver, solve

SOURCES = 5  # cheapest surplus sources per shortage to start the column generation with
PER_SHORTAGE = 4  # new columns per shortage and pricing round
FULL_MODEL_MAX_ARCS = 20_000  # below this the whole arc universe goes into one MILP
MAX_ROUNDS = 40
MAX_PROMISING = 50_000  # most arcs reopened for one MILP (the rest still count in the bound)
REOPEN_AT_ONCE = 8_000  # more than this: first look for a better plan on fewer arcs
PRICING_CELLS = 2_000_000  # reduced costs computed in chunks of this many arcs (memory)
DEGENERACY_NUDGE = 1e-4  # units added to shortage rows in the LP (see _Relaxation)


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


class _Data:
    """The instance as dense arrays: depots × products, depots × depots."""

    def __init__(self, instance: DistributionInstance):
        self.depot_ids = [d.id for d in instance.depots]
        self.product_ids = [p.id for p in instance.products]
        depot = {d: n for n, d in enumerate(self.depot_ids)}
        product = {p: n for n, p in enumerate(self.product_ids)}
        n_depots, n_products = len(self.depot_ids), len(self.product_ids)
        self.capacity = np.array([d.capacity for d in instance.depots], dtype=float)
        self.volume = np.array([p.volume for p in instance.products], dtype=float)
        self.penalty = np.array([p.shortage_penalty for p in instance.products], dtype=float)
        self.handling = np.array([p.handling for p in instance.products], dtype=float)
        self.stock = np.zeros((n_depots, n_products), dtype=np.int64)
        self.demand = np.zeros((n_depots, n_products), dtype=np.int64)
        for (d, p), q in instance.stock.items():
            self.stock[depot[d], product[p]] = q
        for (d, p), q in instance.demand.items():
            self.demand[depot[d], product[p]] = q
        self.cost = np.full((n_depots, n_depots), np.inf)
        for t in instance.transport:
            self.cost[depot[t.from_], depot[t.to]] = t.cost_per_unit
        self.volume_before = self.stock @ self.volume
        self.slack = np.maximum(self.capacity - self.volume_before, 0.0)
        self.deficit = self.demand - self.stock
        # A shortage row matters only where a shortage costs something.
        self.counted = (self.demand > 0) & (self.penalty > 0)[None, :]
        # The universe of useful arcs: holder h = (hi[h], hp[h]) to depot j.
        self.hi, self.hp = np.nonzero(self.stock)
        self.held = self.stock[self.hi, self.hp]
        useful = self.counted[:, self.hp].T | (self.volume[self.hp] > 0)[:, None]
        self.universe = np.isfinite(self.cost[self.hi]) & useful
        self.cost0 = np.where(np.isfinite(self.cost), self.cost, 0.0)

    def arc_cost(self, h: np.ndarray, j: np.ndarray) -> np.ndarray:
        return self.handling[self.hp[h]] * self.cost0[self.hi[h], j]

    def implicit_shortage_duals(self) -> np.ndarray:
        """Duals of shortage rows left out of a model: their constant shortage's penalty."""
        return np.where(self.counted & (self.deficit > 0), self.penalty[None, :], 0.0)


@dataclass
class _Model:
    prob: pulp.LpProblem
    x: list
    constant: float  # penalties of shortages no chosen arc touches


def _build(data: _Data, h: np.ndarray, j: np.ndarray) -> _Model:
    """The MILP over the chosen arcs (holder h → depot j)."""
    prob = pulp.LpProblem("distribute", pulp.LpMinimize)
    i, p = data.hi[h], data.hp[h]
    bound = data.stock[i, p]
    x = [prob.add_variable(f"x_{n}", 0, u, cat="Integer") for n, u in enumerate(bound.tolist())]
    objective = [(var, c) for var, c in zip(x, data.arc_cost(h, j).tolist(), strict=True) if c]
    supply, shortage, capacity = defaultdict(list), defaultdict(list), defaultdict(list)
    inflow = defaultdict(float)
    counted, volume = data.counted, data.volume
    for var, hn, src, dst, prod, u in zip(
        x, h.tolist(), i.tolist(), j.tolist(), p.tolist(), bound.tolist(), strict=True
    ):
        supply[hn].append((var, 1))
        if counted[dst, prod]:
            shortage[dst, prod].append((var, 1))
        if counted[src, prod]:
            shortage[src, prod].append((var, -1))
        v = volume[prod]
        if v:
            capacity[dst].append((var, v))
            capacity[src].append((var, -v))
            inflow[dst] += v * u
    for hn, terms in supply.items():
        if len(terms) > 1:  # a single arc has the stock as its bound
            prob += pulp.LpAffineExpression(terms) <= int(data.held[hn])
    for n, ((dst, prod), terms) in enumerate(shortage.items()):
        short = prob.add_variable(f"s_{n}", 0)
        objective.append((short, float(data.penalty[prod])))
        prob += pulp.LpAffineExpression([*terms, (short, 1)]) >= int(data.deficit[dst, prod])
    for dst, terms in capacity.items():
        # A row the chosen arcs cannot fill is left out.
        if inflow[dst] > data.slack[dst] + 1e-9:
            prob += pulp.LpAffineExpression(terms) <= float(data.slack[dst])
    prob += pulp.LpAffineExpression(objective)
    untouched = data.counted & (data.deficit > 0)
    for key in shortage:
        untouched[key] = False
    constant = float((np.where(untouched, data.deficit, 0) * data.penalty[None, :]).sum())
    return _Model(prob=prob, x=x, constant=constant)


class _Relaxation:
    """The LP relaxation in HiGHS; priced-in columns are added and re-solved warm."""

    def __init__(self, data: _Data):
        import highspy

        self.data, self.highs = data, highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("threads", 1)
        inf = highspy.kHighsInf
        n_holders, n_depots = len(data.hi), len(data.depot_ids)
        cj, cp = np.nonzero(data.counted)
        self.short_of = np.full(data.stock.shape, -1)
        self.short_of[cj, cp] = n_holders + np.arange(len(cj))
        self.cap_row = n_holders + len(cj)
        self.counted = (cj, cp)
        # Every row up front (supply per holder, shortage per counted pair, capacity per
        # depot), so that all duals come from the LP; rows without columns cost nothing.
        # Demand a hair above the stock where they are equal: the row's dual is then the
        # penalty, not 0, so pricing does not take shipping such stock out for free.
        short = data.deficit[cj, cp] + DEGENERACY_NUDGE
        lower = np.r_[np.full(n_holders, -inf), short, np.full(n_depots, -inf)]
        upper = np.r_[data.held, np.full(len(cj), inf), data.slack]
        self.highs.addRows(
            len(lower), lower.astype(float), upper.astype(float), 0, _i32([0]), _i32([]), []
        )
        n = len(cj)
        self.highs.addCols(
            n,
            data.penalty[cp],
            np.zeros(n),
            np.full(n, inf),
            n,
            _i32(np.arange(n)),
            _i32(n_holders + np.arange(n)),
            np.ones(n),
        )
        self.first_arc = n
        self.cold_seconds = None  # how long the last solve from scratch took
        self.h, self.j = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    def add(self, h: np.ndarray, j: np.ndarray) -> None:
        data = self.data
        i, p = data.hi[h], data.hp[h]
        v = data.volume[p]
        col = np.arange(len(h))
        parts = [
            (col, h, np.ones(len(h))),
            (col, self.short_of[j, p], np.ones(len(h))),
            (col, self.short_of[i, p], -np.ones(len(h))),
            (col, self.cap_row + j, v),
            (col, self.cap_row + i, -v),
        ]
        cols, rows, values = (np.concatenate(a) for a in zip(*parts, strict=True))
        keep = (rows >= 0) & (values != 0)
        order = np.argsort(cols[keep], kind="stable")
        cols, rows, values = cols[keep][order], rows[keep][order], values[keep][order]
        starts = np.searchsorted(cols, col)
        self.highs.addCols(
            len(h),
            data.arc_cost(h, j),
            np.zeros(len(h)),
            np.full(len(h), np.inf),
            len(rows),
            _i32(starts),
            _i32(rows),
            values.astype(float),
        )
        self.h, self.j = np.r_[self.h, h], np.r_[self.j, j]

    def solve(self, until: float) -> bool:
        """Whether HiGHS reaches the LP optimum by `until` (a perf_counter time)."""
        if self.cold_seconds is not None:
            # Warm from the last basis, but not for longer than solving afresh took: after
            # many new columns HiGHS's primal simplex can stall where presolve + dual is quick.
            if self._run(min(until - time.perf_counter(), max(2.0, self.cold_seconds))):
                return True
            self.highs.clearSolver()
        clock = time.perf_counter()
        done = self._run(until - clock)
        if done:
            self.cold_seconds = time.perf_counter() - clock
        return done

    def optimal(self) -> bool:
        import highspy

        found = self.highs.getModelStatus()
        return found in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty)

    def _run(self, seconds: float) -> bool:

        # HiGHS counts its time limit from the first run of this object.
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + max(seconds, 0.1))
        self.highs.run()
        return self.optimal()  # an empty model too: nothing to ship, nothing short

    def settle(self, until: float) -> None:
        """Take the nudge off and re-solve (warm: only right-hand sides move), so that the
        solution to round is a vertex of the true LP, nearly integral."""
        first, n = len(self.data.hi), self.cap_row - len(self.data.hi)
        rows = _i32(np.arange(first, first + n))
        short = self.data.deficit[self.counted].astype(float)
        self.highs.changeRowsBounds(n, rows, short, np.full(n, np.inf))
        self._run(until - time.perf_counter())

    def duals(self):
        data = self.data
        n_holders = len(data.hi)
        row = np.zeros(self.cap_row + len(data.depot_ids))
        found = np.asarray(self.highs.getSolution().row_dual)
        if len(found) == len(row):  # an empty model has no duals: all zero
            row = found
        shortage = np.zeros(data.stock.shape)
        shortage[self.counted] = row[n_holders : self.cap_row]
        return row[:n_holders], shortage, row[self.cap_row :]

    def solution(self):
        """The arcs the LP optimum uses and their (fractional) flows."""
        value = np.asarray(self.highs.getSolution().col_value)[self.first_arc :]
        if len(value) != len(self.h):  # an empty model
            value = np.zeros(len(self.h))
        used = value > 1e-9
        return self.h[used], self.j[used], value[used]


def _i32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int32)


def _reduced_costs(data: _Data, duals, excluded: np.ndarray):
    """Reduced costs of the arcs not `excluded`, by chunks: (first holder, rc, inf elsewhere)."""
    supply, shortage, capacity = duals
    step = max(1, PRICING_CELLS // max(1, len(data.depot_ids)))
    for start in range(0, len(data.hi), step):
        i, p = data.hi[start : start + step], data.hp[start : start + step]
        v = data.volume[p][:, None]
        rc = data.handling[p][:, None] * data.cost0[i]
        rc -= supply[start : start + step][:, None]
        rc -= shortage[:, p].T
        rc += shortage[i, p][:, None]
        rc -= v * capacity[None, :]
        rc += v * capacity[i][:, None]
        omitted = data.universe[start : start + step] & ~excluded[start : start + step]
        yield start, np.where(omitted, rc, np.inf)


def _price(data: _Data, duals, chosen: np.ndarray, tolerance: float):
    """New columns (holders, depots) with negative reduced cost, and the Lagrangian bound.

    For duals y (signs as in the LP, shortage duals at most the penalty) every plan costs at
    least y·b + Σ_holders s_ip · min(0, min_j rc_ijp): the rows weighted by y, and each
    holder's stock sent along its cheapest arc in reduced cost, if that is negative.
    """
    supply, shortage, capacity = duals
    counted = data.counted
    bound = float(supply @ data.held + (shortage * np.where(counted, data.deficit, 0)).sum())
    bound += float(capacity @ data.slack)
    found_h, found_j, found_rc = [], [], []
    for start, rc in _reduced_costs(data, duals, np.zeros_like(chosen)):
        worst = np.minimum(rc.min(axis=1, initial=np.inf), 0.0)
        bound += float((data.held[start : start + len(rc)] * worst).sum())
        rc[chosen[start : start + len(rc)]] = np.inf
        hs, js = np.nonzero(rc < -tolerance)
        found_h.append(hs + start)
        found_j.append(js)
        found_rc.append(rc[hs, js])
    h, j, rc = (np.concatenate(a) for a in (found_h, found_j, found_rc))
    # The most negative few per shortage (target depot, product), as in multiple pricing.
    key = j * len(data.product_ids) + data.hp[h]
    order = np.lexsort((rc, key))
    key = key[order]
    first = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    rank = np.arange(len(key)) - np.repeat(first, np.diff(np.r_[first, len(key)]))
    keep = order[rank < PER_SHORTAGE]
    return h[keep], j[keep], bound


def _initial_arcs(data: _Data, sources: int) -> np.ndarray:
    """Per shortage (j, p), the `sources` cheapest depots with a surplus of p."""
    chosen = np.zeros(data.universe.shape, dtype=bool)
    holder = np.full(data.stock.shape, -1)
    holder[data.hi, data.hp] = np.arange(len(data.hi))
    short = data.counted & (data.deficit > 0)
    for p in np.flatnonzero(short.any(axis=0)):
        givers = np.flatnonzero(data.stock[:, p] > np.maximum(data.demand[:, p], 0))
        targets = np.flatnonzero(short[:, p])
        if not len(givers):
            continue
        costs = data.cost[np.ix_(givers, targets)]
        nearest = np.argsort(costs, axis=0)[:sources]
        near = np.take_along_axis(costs, nearest, axis=0)
        to = np.broadcast_to(targets, nearest.shape)
        reachable = np.isfinite(near)
        chosen[holder[givers[nearest][reachable], p], to[reachable]] = True
    # Depots short of room for their shortages may make room: their surplus to the nearest
    # depots with room (pricing finds the rest, but slowly when thousands are wanted).
    need = (np.maximum(data.deficit, 0) * data.counted) @ data.volume
    roomy = np.flatnonzero(data.slack > 0)
    for d in np.flatnonzero(need > data.slack):
        targets = roomy[np.isfinite(data.cost[d, roomy])]
        targets = targets[np.argsort(data.cost[d, targets])[:sources]]
        spare = np.flatnonzero(
            (data.hi == d) & (data.held > data.demand[d, data.hp]) & (data.volume[data.hp] > 0)
        )
        chosen[np.ix_(spare, targets)] = True
    return chosen & data.universe


def _have_highspy() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class _Run:
    """One call's settings and its running figures."""

    data: _Data
    deadline: float
    time_limit: float
    gap: float
    solver: str
    seconds: defaultdict = field(default_factory=lambda: defaultdict(float))
    stats: dict = field(default_factory=dict)


def plan_distribution(
    instance: DistributionInstance,
    *,
    time_limit: float = 120.0,
    gap: float = 1e-4,
    solver: str | None = None,
    progress=None,
    full_model: bool | None = None,
) -> DistributionPlan:
    """The least-cost transfers; `full_model` None chooses by size, False forces pricing."""
    started = time.perf_counter()

    def tick(step: int):
        if progress:
            progress(step, 4)

    data = _Data(instance)
    run = _Run(data, started + time_limit, time_limit, gap, solver or available_solver())
    universe_arcs = int(data.universe.sum())
    if full_model is None:
        full_model = universe_arcs <= FULL_MODEL_MAX_ARCS
    full_model = full_model or not _have_highspy()  # the pricing LP talks to HiGHS directly
    run.stats.update(
        depots=len(data.depot_ids), products=len(data.product_ids), universe_arcs=universe_arcs
    )
    run.seconds["index"] = time.perf_counter() - started
    tick(1)
    if full_model:
        tick(2)
        best, status, lower = _milp(run, data.universe)
    else:
        chosen = _initial_arcs(data, SOURCES)
        run.stats["initial_arcs"] = int(chosen.sum())
        bound, duals, relaxed = _generate(run, chosen, budget=started + 0.5 * time_limit)
        tick(2)
        if duals is None:  # no LP optimum in time: a plan, but no bound over all arcs
            best, status, _ = _milp(run, chosen)
            lower = -np.inf
        else:
            best, status, lower = _improve(run, _round(data, *relaxed), bound, duals, relaxed)
    tick(3)
    run.seconds["total"] = time.perf_counter() - started
    plan = _plan(data, best, status, lower, gap, run.solver, run.stats, dict(run.seconds))
    tick(4)
    return plan


def _improve(run: _Run, best, bound: float, duals, relaxed):
    """From the rounded plan: MILPs over growing arc sets until the bound proves the gap.

    Each stage solves over the LP's arcs plus the omitted arcs of least reduced cost below
    the margin U (1 − gap) − L (U the best plan so far, L the Lagrangian bound), at most
    `cap` of them. A plan that uses an arc a left out costs at least L + rc_a, so
    min(MILP bound, L + least rc left out) bounds every plan from below.
    """
    support = np.zeros(run.data.universe.shape, dtype=bool)
    support[relaxed[0], relaxed[1]] = True
    run.stats.update(lp_bound=round(bound, 2), rounded_cost=round(best[0], 2))
    lower = bound
    # The LP's own arcs first: small, nearly integral, and a tight gap narrows the margin.
    for stage, cap, gap in ((1, 0, run.gap / 10), (2, REOPEN_AT_ONCE, run.gap), (3, None, run.gap)):
        left = run.deadline - time.perf_counter()
        # A MILP much larger than the last one overruns a short remaining time.
        if lower >= best[0] * (1 - run.gap) or (stage > 1 and left < 0.25 * run.time_limit):
            break
        margin = best[0] * (1 - run.gap) - bound
        (h, j), least = _promising(run, duals, support, bound, bound + margin, cap)
        arcs = support.copy()
        arcs[h, j] = True
        run.stats[f"stage{stage}_arcs"] = int(arcs.sum())
        limit = (0.3 if stage < 3 else 1.0) * left
        found, _, found_lower = _milp(run, arcs, gap=gap, time_limit=limit)
        if found is None:
            break
        best = min(best, found, key=lambda b: b[0])
        lower = max(lower, min(found_lower, bound + least))
        run.stats[f"stage{stage}_cost"] = round(best[0], 2)
        if stage == 2 and least >= margin:
            break  # every arc within the margin was in: a third stage would repeat this one
    return best, "optimal" if lower >= best[0] * (1 - run.gap) else "feasible", lower


def _round(data: _Data, h, j, value):
    """A feasible integral plan near the LP optimum: (cost, h, j, x)."""
    i, p = data.hi[h], data.hp[h]
    v = data.volume[p]
    x = np.floor(value + 1e-6).astype(np.int64)
    for n in np.flatnonzero(np.bincount(h, x, len(data.hi)) > data.held).tolist():
        while x[h == n].sum() > data.held[n]:  # rare: many arcs of one holder rounded up
            x[np.flatnonzero((h == n) & (x > 0))[0]] -= 1
    # Rounding an outflow down can leave its depot over the limit; giving back inflows
    # (least penalty per volume first) always ends within it, as doing nothing is allowed.
    net = np.bincount(j, v * x, len(data.depot_ids)) - np.bincount(i, v * x, len(data.depot_ids))
    inflows = defaultdict(list)
    for n in np.lexsort((-v, data.penalty[p] / np.maximum(v, 1e-12))).tolist():
        if v[n] > 0:
            inflows[int(j[n])].append(n)
    over = [int(d) for d in np.flatnonzero(net > data.slack + 1e-9)]
    while over:
        d = over.pop()
        for n in inflows[d]:
            if net[d] <= data.slack[d] + 1e-9:
                break
            back = min(int(x[n]), math.ceil((net[d] - data.slack[d] - 1e-9) / v[n]))
            if back > 0:
                x[n] -= back
                net[d] -= back * v[n]
                net[i[n]] += back * v[n]
                if net[i[n]] > data.slack[i[n]] + 1e-9:
                    over.append(int(i[n]))
    # Then round up, most fractional first, where that is allowed and pays.
    after = _after(data, h, j, x)
    shipped = np.bincount(h, x, len(data.hi)).astype(np.int64)
    for n in np.argsort(x - value).tolist():
        src, dst, prod = int(i[n]), int(j[n]), int(p[n])
        if x[n] >= value[n] or shipped[h[n]] >= data.held[h[n]]:
            continue
        if net[dst] + v[n] > data.slack[dst] + 1e-9:
            continue
        counted = data.counted[:, prod]
        gain = int(counted[dst] and after[dst, prod] < data.demand[dst, prod])
        loss = int(counted[src] and after[src, prod] <= data.demand[src, prod])
        if (gain - loss) * data.penalty[prod] > data.handling[prod] * data.cost0[src, dst]:
            x[n] += 1
            shipped[h[n]] += 1
            after[dst, prod] += 1
            after[src, prod] -= 1
            net[dst] += v[n]
            net[src] -= v[n]
    return _cost(data, h, j, x), h, j, x


def _milp(run: _Run, arcs: np.ndarray, *, gap: float | None = None, time_limit=None):
    """The MILP over `arcs`: (incumbent (cost, h, j, x) or None, status, its lower bound)."""
    gap = run.gap if gap is None else gap
    data = run.data
    h, j = np.nonzero(arcs)
    clock = time.perf_counter()
    model = _build(data, h, j)
    run.seconds["build"] += time.perf_counter() - clock
    run.stats.update(
        milp_arcs=len(h),
        variables=len(model.prob.variables()),
        constraints=len(model.prob.constraints()),
    )
    if not h.size:
        return (model.constant, h, j, np.zeros(0, dtype=np.int64)), "optimal", model.constant
    limit = max(run.deadline - time.perf_counter(), 1.0)
    if time_limit is not None:
        limit = max(min(limit, time_limit), 1.0)
    result = solve(model.prob, time_limit=limit, gap=gap, solver=run.solver)
    run.seconds["milp"] += result.seconds
    if result.status not in ("optimal", "feasible"):
        return None, result.status, -np.inf
    x = np.array([round(v.value() or 0) for v in model.x], dtype=np.int64)
    return (_cost(data, h, j, x), h, j, x), result.status, _milp_bound(model, result, gap)


def _generate(run: _Run, chosen: np.ndarray, budget: float):
    """Column generation: (Lagrangian bound, duals, LP optimum's arcs and flows) of the last
    LP solved, or (-inf, None, None) if none was."""
    data = run.data
    tolerance = 1e-7 * max(1.0, float(data.penalty.max(initial=0.0)))
    clock = time.perf_counter()
    lp = _Relaxation(data)
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
        if not solved:
            break
        run.stats["lp_rounds"] = rounds
        duals = lp.duals()
        solution = lp.solution()
        clock = time.perf_counter()
        new_h, new_j, bound = _price(data, duals, chosen, tolerance)
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


def _promising(run: _Run, duals, excluded, bound, target, cap=None):
    """The (at most `cap`) omitted arcs of least reduced cost whose plans could cost less
    than `target`, and the least max(rc, 0) of the arcs not returned."""
    cap = MAX_PROMISING if cap is None else cap
    clock = time.perf_counter()
    hs, js, values, least = [], [], [], np.inf
    for start, rc in _reduced_costs(run.data, duals, excluded):
        rc = np.maximum(rc, 0.0)
        near = bound + rc < target
        h, j = np.nonzero(near)
        hs.append(h + start)
        js.append(j)
        values.append(rc[h, j])
        least = min(least, float(rc[~near].min(initial=np.inf)))
    h, j, rc = (np.concatenate(a) for a in (hs, js, values))
    order = np.argsort(rc, kind="stable")
    least = min(least, float(rc[order[cap:]].min(initial=np.inf)))
    keep = order[:cap]
    run.seconds["pricing"] += time.perf_counter() - clock
    return (h[keep], j[keep]), least


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


def _after(data: _Data, h, j, x):
    moved = np.zeros(data.stock.shape, dtype=np.int64)
    np.add.at(moved, (j, data.hp[h]), x)
    np.subtract.at(moved, (data.hi[h], data.hp[h]), x)
    return data.stock + moved


def _cost(data: _Data, h, j, x) -> float:
    """What the transfers cost by the contract's rules (recomputed, not the solver's figure)."""
    short = np.maximum(data.demand - _after(data, h, j, x), 0)
    return float((data.arc_cost(h, j) * x).sum() + (short * data.penalty[None, :]).sum())


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
    after = _after(data, h, j, x)
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
