"""The LP side of the distribution optimizer: the instance as arrays, the LP relaxation in
HiGHS with columns priced in, reduced costs and bounds, and rounding to a whole-unit plan.

See `procurement.optimizer.distribute` for the model and the argument.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from procurement.optimizer.distribute import DistributionInstance

SOURCES = 5  # cheapest surplus sources per shortage to start the column generation with
PER_SHORTAGE = 4  # new columns per shortage and pricing round
MAX_PROMISING = 50_000  # most arcs reopened for one MILP (the rest still count in the bound)
PRICING_CELLS = 2_000_000  # reduced costs computed in chunks of this many arcs (memory)
DEGENERACY_NUDGE = 1e-4  # units added to shortage rows in the LP (see Relaxation)


class Arrays:
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


class Relaxation:
    """The LP relaxation in HiGHS; priced-in columns are added and re-solved warm."""

    def __init__(self, data: Arrays):
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
        """Columns for the arcs holder h → depot j."""
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
        """Whether the last run ended at the LP optimum."""
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
        """Row duals: (supply per holder, shortage per depot × product, capacity per depot)."""
        data = self.data
        n_holders = len(data.hi)
        row = np.zeros(self.cap_row + len(data.depot_ids))
        found = np.asarray(self.highs.getSolution().row_dual)
        if len(found) == len(row):  # an empty model has no duals: all zero
            row = found
        # Clipped to their signs (and shortage duals to the penalty) against solver
        # tolerances: the bound in `price` holds for such duals only.
        shortage = np.zeros(data.stock.shape)
        upper = data.penalty[self.counted[1]]
        shortage[self.counted] = np.clip(row[n_holders : self.cap_row], 0.0, upper)
        return np.minimum(row[:n_holders], 0.0), shortage, np.minimum(row[self.cap_row :], 0.0)

    def solution(self):
        """The arcs the LP optimum uses and their (fractional) flows."""
        value = np.asarray(self.highs.getSolution().col_value)[self.first_arc :]
        if len(value) != len(self.h):  # an empty model
            value = np.zeros(len(self.h))
        used = value > 1e-9
        return self.h[used], self.j[used], value[used]


def _join(parts: list, dtype=np.int64) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _i32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int32)


def reduced_costs(data: Arrays, duals, excluded: np.ndarray):
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


def price(data: Arrays, duals, chosen: np.ndarray, tolerance: float):
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
    for start, rc in reduced_costs(data, duals, np.zeros_like(chosen)):
        worst = np.minimum(rc.min(axis=1, initial=np.inf), 0.0)
        bound += float((data.held[start : start + len(rc)] * worst).sum())
        rc[chosen[start : start + len(rc)]] = np.inf
        hs, js = np.nonzero(rc < -tolerance)
        found_h.append(hs + start)
        found_j.append(js)
        found_rc.append(rc[hs, js])
    h, j, rc = _join(found_h), _join(found_j), _join(found_rc, float)
    # The most negative few per shortage (target depot, product), as in multiple pricing.
    key = j * len(data.product_ids) + data.hp[h]
    order = np.lexsort((rc, key))
    key = key[order]
    first = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    rank = np.arange(len(key)) - np.repeat(first, np.diff(np.r_[first, len(key)]))
    keep = order[rank < PER_SHORTAGE]
    return h[keep], j[keep], bound


def initial_arcs(data: Arrays, sources: int) -> np.ndarray:
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
    return chosen & data.universe


def round_plan(data: Arrays, h, j, value):
    """A feasible integral plan near the LP optimum: (cost, h, j, x)."""
    i, p = data.hi[h], data.hp[h]
    v = data.volume[p]
    # Down, except flows a nudge short of a whole unit (from an LP still nudged, or noise).
    x = np.floor(value + 10 * DEGENERACY_NUDGE).astype(np.int64)
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
    after = stock_after(data, h, j, x)
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
    return plan_cost(data, h, j, x), h, j, x


def promising(data: Arrays, duals, excluded, bound, target, cap=None):
    """The (at most `cap`) omitted arcs of least reduced cost whose plans could cost less
    than `target`, in that order, their max(rc, 0), and the least max(rc, 0) of the arcs
    not returned."""
    cap = MAX_PROMISING if cap is None else cap
    hs, js, values, least = [], [], [], np.inf
    for start, rc in reduced_costs(data, duals, excluded):
        rc = np.maximum(rc, 0.0)
        near = bound + rc < target
        h, j = np.nonzero(near)
        hs.append(h + start)
        js.append(j)
        values.append(rc[h, j])
        least = min(least, float(rc[~near].min(initial=np.inf)))
    h, j, rc = _join(hs), _join(js), _join(values, float)
    order = np.argsort(rc, kind="stable")
    least = min(least, float(rc[order[cap:]].min(initial=np.inf)))
    keep = order[:cap]
    return (h[keep], j[keep]), rc[keep], least


def stock_after(data: Arrays, h, j, x):
    moved = np.zeros(data.stock.shape, dtype=np.int64)
    np.add.at(moved, (j, data.hp[h]), x)
    np.subtract.at(moved, (data.hi[h], data.hp[h]), x)
    return data.stock + moved


def plan_cost(data: Arrays, h, j, x) -> float:
    """What the transfers cost by the contract's rules (recomputed, not the solver's figure)."""
    short = np.maximum(data.demand - stock_after(data, h, j, x), 0)
    return float((data.arc_cost(h, j) * x).sum() + (short * data.penalty[None, :]).sum())
