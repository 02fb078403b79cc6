"""Per product, the cheapest way to cover its demand from each set of suppliers.

The purchase problem separates by product except for the suppliers' order costs. For one
product, "buy q units on offer o" costs q × the break price of q (all-units), with q a
multiple of the pack size at or above the MOQ and the first break. The cheapest way to cover
a demand D from a set of offers is a min-plus convolution of the offers' cost arrays, indexed
by units covered and capped at D (any total ≥ D covers). Doing it for every set of suppliers
gives the exact best plan per supplier set; the master MILP (purchase.py) then only chooses
which suppliers to pay for and one plan per product — a formulation whose LP relaxation is
tight, where the textbook disjunctive model leaves HiGHS branching on thousands of breaks.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from procurement.optimizer.model import Id, Offer

# Above this many suppliers for one product, only sets of up to SUBSET_SIZE_CAP suppliers
# are considered (2^n sets would be too many); plans then may miss exotic multi-supplier splits.
ALL_SUBSETS_MAX = 6
SUBSET_SIZE_CAP = 3


@dataclass(frozen=True)
class Option:
    """Buying on `offer` within one price break: between lo and hi packs at `unit_price`."""

    offer: Offer
    lo_packs: int
    hi_packs: int
    unit_price: float


def options(offer: Offer, demand: int) -> list[Option]:
    """The price-break options worth considering for an offer, given the product's demand.

    lo reaches the break (and the MOQ and the first break); hi stays below the next break and
    never exceeds what could be useful: the larger of lo and the demand, rounded up to a pack.
    """
    pack = offer.pack_size
    breaks = offer.price_breaks
    floor_qty = max(offer.moq, breaks[0].min_qty, 1)
    useful = -(-demand // pack)
    found = []
    for i, b in enumerate(breaks):
        lo = -(-max(b.min_qty, floor_qty) // pack)
        hi = max(lo, useful)
        if i + 1 < len(breaks):
            hi = min(hi, (breaks[i + 1].min_qty - 1) // pack)
        if lo <= hi:
            found.append(Option(offer, lo, hi, b.unit_price))
    return found


@dataclass
class _Table:
    """Cheapest cost to cover c units (c = 0..D, D meaning "D or more"), and how."""

    cost: np.ndarray
    # For a single offer: the quantity bought. For a combination: the coverage taken from the
    # left table (the right one covers the rest).
    how: np.ndarray
    left: _Table | None = None
    right: _Table | None = None
    offer: Offer | None = None
    right_index: np.ndarray | None = None  # coverage index in `right` per entry

    def quantities(self, index: int) -> list[tuple[Offer, int]]:
        if self.offer is not None:
            q = int(self.how[index])
            return [(self.offer, q)] if q else []
        return self.left.quantities(int(self.how[index])) + self.right.quantities(
            int(self.right_index[index])
        )


def _offer_table(offer: Offer, demand: int) -> _Table:
    cost = np.full(demand + 1, np.inf)
    bought = np.zeros(demand + 1, dtype=np.int64)
    cost[0] = 0.0
    for option in options(offer, demand):
        quantity = np.arange(option.lo_packs, option.hi_packs + 1, dtype=np.int64)
        quantity *= offer.pack_size
        value = quantity * option.unit_price
        covered = np.minimum(quantity, demand)
        # Several quantities may cover "D or more": the smallest is the cheapest at one price.
        covered, first = np.unique(covered, return_index=True)
        quantity, value = quantity[first], value[first]
        better = value < cost[covered]
        cost[covered[better]] = value[better]
        bought[covered[better]] = quantity[better]
    return _Table(cost=cost, how=bought, offer=offer)


def _combine(left: _Table, right: _Table, demand: int) -> _Table:
    """Min-plus convolution capped at `demand`."""
    cost = np.full(demand + 1, np.inf)
    take_left = np.zeros(demand + 1, dtype=np.int64)
    take_right = np.zeros(demand + 1, dtype=np.int64)
    for i in np.flatnonzero(np.isfinite(left.cost)):
        candidate = left.cost[i] + right.cost
        head = candidate[: demand - i]  # totals i .. D-1 exactly
        if head.size:
            window = cost[i:demand]
            better = head < window
            window[better] = head[better]
            take_left[i:demand][better] = i
            take_right[i:demand][better] = np.flatnonzero(better)
        tail = candidate[demand - i :]  # totals ≥ D
        j = int(np.argmin(tail))
        if tail[j] < cost[demand]:
            cost[demand] = tail[j]
            take_left[demand] = i
            take_right[demand] = demand - i + j
    return _Table(cost=cost, how=take_left, left=left, right=right, right_index=take_right)


@dataclass(frozen=True)
class ProductPlan:
    """The cheapest way to cover a product's demand using only `suppliers`."""

    product: Id
    suppliers: frozenset
    cost: float  # goods only; order costs are the master problem's
    quantities: tuple[tuple[Offer, int], ...]


def product_plans(product: Id, offers: list[Offer], demand: int) -> list[ProductPlan]:
    """The non-dominated plans for one product: per set of suppliers, the cheapest cover."""
    by_supplier: dict[Id, _Table] = {}
    for offer in offers:
        table = _offer_table(offer, demand)
        if offer.supplier in by_supplier:
            table = _combine(by_supplier[offer.supplier], table, demand)
        by_supplier[offer.supplier] = table
    suppliers = sorted(by_supplier, key=str)
    max_size = len(suppliers) if len(suppliers) <= ALL_SUBSETS_MAX else SUBSET_SIZE_CAP
    tables: dict[frozenset, _Table] = {frozenset([s]): by_supplier[s] for s in suppliers}
    for size in range(2, max_size + 1):
        for group in itertools.combinations(suppliers, size):
            rest = frozenset(group[:-1])
            tables[frozenset(group)] = _combine(tables[rest], by_supplier[group[-1]], demand)
    plans = [
        ProductPlan(product, group, float(t.cost[demand]), tuple(t.quantities(demand)))
        for group, t in tables.items()
        if np.isfinite(t.cost[demand])
    ]
    plans.sort(key=lambda p: (len(p.suppliers), p.cost))
    kept: list[ProductPlan] = []
    for plan in plans:
        used = frozenset(offer.supplier for offer, _ in plan.quantities)
        if any(k.suppliers <= used and k.cost <= plan.cost + 1e-9 for k in kept):
            continue  # a plan with no more suppliers is at least as cheap
        kept.append(ProductPlan(product, used, plan.cost, plan.quantities))
    return kept
