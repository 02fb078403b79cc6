"""The purchase problem and its plan as plain dataclasses (no Flask, no database).

Ids are the JSON scalars the instance gives (strings or integers); they are passed through
unchanged into the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Id = str | int


@dataclass(frozen=True)
class PriceBreak:
    min_qty: int
    unit_price: float


@dataclass(frozen=True)
class Supplier:
    id: Id
    order_cost: float = 0.0


@dataclass(frozen=True)
class Offer:
    """A product on a supplier's contract: pack size, minimum order and all-units breaks."""

    id: Id
    supplier: Id
    product: Id
    pack_size: int
    moq: int
    price_breaks: tuple[PriceBreak, ...]  # sorted by min_qty, strictly increasing

    def unit_price(self, quantity: int) -> float:
        """All-units discount: the price of the highest break reached by `quantity`."""
        price = self.price_breaks[0].unit_price
        for b in self.price_breaks:
            if b.min_qty <= quantity:
                price = b.unit_price
        return price

    def allows(self, quantity: int) -> bool:
        """0, or a multiple of the pack size at or above the MOQ and the first break."""
        if quantity == 0:
            return True
        return (
            quantity > 0
            and quantity % self.pack_size == 0
            and quantity >= self.moq
            and quantity >= self.price_breaks[0].min_qty
        )


@dataclass(frozen=True)
class Demand:
    organisation: Id
    product: Id
    quantity: int


@dataclass(frozen=True)
class PurchaseInstance:
    organisations: tuple[Id, ...]
    suppliers: tuple[Supplier, ...]
    products: tuple[Id, ...]
    offers: tuple[Offer, ...]
    demand: tuple[Demand, ...]

    def demand_of(self, organisations) -> dict[Id, int]:
        """Total demand per product of a group of organisations."""
        members = set(organisations)
        totals: dict[Id, int] = {}
        for d in self.demand:
            if d.organisation in members and d.quantity > 0:
                totals[d.product] = totals.get(d.product, 0) + d.quantity
        return totals


@dataclass(frozen=True)
class Order:
    offer: Id
    quantity: int
    unit_price: float


@dataclass(frozen=True)
class Allocation:
    organisation: Id
    offer: Id
    quantity: int


@dataclass
class Solution:
    """One solve: the orders that cover a demand at least cost, and how sure the solver is."""

    status: str  # optimal | feasible (time limit, with gap) | infeasible | not_solved
    total_cost: float | None
    orders: list[Order] = field(default_factory=list)
    gap: float | None = None
    solver: str = ""
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    message: str = ""


@dataclass
class PurchasePlan:
    status: str
    total_cost: float | None
    orders: list[Order]
    allocation: list[Allocation]
    standalone_cost: dict[str, float]
    saving: float | None
    cost_share: dict[str, float]
    # Each organisation's own optimal orders when buying alone (for the per-product saving).
    standalone_orders: dict[str, list[Order]] = field(default_factory=dict)
    shapley: dict[str, float] | None = None
    in_core: bool | None = None
    core_violation: dict | None = None  # the group that would pay less alone, if any
    gap: float | None = None
    solver: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    message: str = ""
