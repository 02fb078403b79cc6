"""The stored plan of a round, read for people: orders per contract, savings, the splits."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from depot.catalogue.models import ContractLine, Product, Supplier
from depot.extensions import db
from depot.organisations.models import Organisation
from depot.purchasing.models import PurchaseRound
from depot.purchasing.services import stored_plan


def _money(value) -> Decimal:
    return Decimal(str(round(float(value or 0), 2)))


def _pct(part: Decimal, whole: Decimal) -> float | None:
    return float(part / whole * 100) if whole else None


@dataclass
class OrderRow:
    line: ContractLine | None  # None: the contract line was removed after the solve
    product: Product | None
    quantity: int
    unit_price: Decimal
    list_price: Decimal  # the first break's price
    break_min_qty: int  # the break reached
    break_number: int  # 1 = no discount
    cost: Decimal


@dataclass
class ContractOrders:
    line_contract: object  # None: lines removed from their contract since the solve
    supplier: Supplier | None
    rows: list[OrderRow] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((r.cost for r in self.rows), Decimal(0))


@dataclass
class ProductRow:
    product: Product
    demand: int
    bought: int
    together: Decimal
    alone: Decimal

    @property
    def saving(self) -> Decimal:
        return self.alone - self.together

    @property
    def saving_pct(self) -> float | None:
        return _pct(self.saving, self.alone)


@dataclass
class OrganisationRow:
    organisation: Organisation
    alone: Decimal
    proportional: Decimal
    shapley: Decimal | None
    budget: Decimal | None
    units: int
    value_at_joint_prices: Decimal

    @property
    def saving(self) -> Decimal:
        return self.alone - (self.shapley if self.shapley is not None else self.proportional)

    @property
    def saving_pct(self) -> float | None:
        return _pct(self.saving, self.alone)

    @property
    def pays(self) -> Decimal:
        return self.shapley if self.shapley is not None else self.proportional

    @property
    def over_budget(self) -> Decimal | None:
        if self.budget is None or self.pays <= self.budget:
            return None
        return self.pays - self.budget


@dataclass
class RoundResult:
    status: str
    gap: float | None
    solver: str
    message: str
    seconds: dict
    total: Decimal
    alone_total: Decimal
    contracts: list[ContractOrders]
    products: list[ProductRow]
    organisations: list[OrganisationRow]
    order_cost_together: Decimal
    order_cost_alone: Decimal
    in_core: bool | None
    core_group: list[Organisation]
    core_excess: Decimal | None
    late_lines: list[ContractLine]
    # Units per product and organisation: [(product, {organisation id: units})].
    allocation: list = field(default_factory=list)

    @property
    def saving(self) -> Decimal:
        return self.alone_total - self.total

    @property
    def saving_pct(self) -> float | None:
        return _pct(self.saving, self.alone_total)

    @property
    def has_shapley(self) -> bool:
        return any(o.shapley is not None for o in self.organisations)


def _break_reached(line: ContractLine, quantity: int) -> tuple[int, int]:
    breaks = sorted(line.price_breaks, key=lambda b: b.min_qty)
    number, min_qty = 1, breaks[0].min_qty if breaks else 0
    for index, b in enumerate(breaks, start=1):
        if b.min_qty <= quantity:
            number, min_qty = index, b.min_qty
    return number, min_qty


class _Offers:
    """What each offer was when the optimizer ran (stored with the plan), falling back on the
    contract lines as they are now; a removed line never breaks the page."""

    def __init__(self, plan: dict, lines: dict[int, ContractLine]):
        self.info = plan.get("offers") or {}
        self.lines = lines

    def product(self, offer_id) -> int | None:
        if str(offer_id) in self.info:
            return self.info[str(offer_id)]["product"]
        line = self.lines.get(offer_id)
        return line.product_id if line else None

    def supplier_cost(self, offer_id) -> tuple[int | None, Decimal]:
        if str(offer_id) in self.info:
            info = self.info[str(offer_id)]
            return info["supplier"], _money(info["order_cost"])
        line = self.lines.get(offer_id)
        if line is None:
            return None, Decimal(0)
        return line.contract.supplier_id, line.contract.supplier.order_cost

    def cost_by_product(self, orders: list[dict]) -> dict[int, Decimal]:
        costs: dict[int, Decimal] = {}
        for order in orders:
            product_id = self.product(order["offer"])
            costs[product_id] = costs.get(product_id, Decimal(0)) + _money(
                order["quantity"] * order["unit_price"]
            )
        return costs

    def order_costs(self, orders: list[dict]) -> Decimal:
        paid = dict(self.supplier_cost(o["offer"]) for o in orders if o["quantity"] > 0)
        return sum(paid.values(), Decimal(0))


def read_result(purchase_round: PurchaseRound) -> RoundResult | None:
    """The round's plan with names and per-product and per-organisation figures."""
    plan = stored_plan(purchase_round)
    if plan is None or plan.get("total_cost") is None:
        return None
    alone_orders = plan.get("standalone_orders") or {}
    offer_ids = {o["offer"] for o in plan["orders"]}
    for orders in alone_orders.values():
        offer_ids.update(o["offer"] for o in orders)
    offer_ids.update(plan.get("late_contract_lines") or [])
    lines = {
        line.id: line
        for line in db.session.scalars(select(ContractLine).where(ContractLine.id.in_(offer_ids)))
    }
    offers = _Offers(plan, lines)
    product_ids = {offers.product(i) for i in offer_ids} - {None}
    products = {
        p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(product_ids)))
    }
    contracts: dict[int | None, ContractOrders] = {}
    for order in sorted(plan["orders"], key=lambda o: o["offer"]):
        line = lines.get(order["offer"])
        if line is None:
            group = contracts.setdefault(None, ContractOrders(None, None))
            number, min_qty, list_price = 1, 0, _money(order["unit_price"])
        else:
            group = contracts.setdefault(
                line.contract_id, ContractOrders(line.contract, line.contract.supplier)
            )
            number, min_qty = _break_reached(line, order["quantity"])
            breaks = sorted(line.price_breaks, key=lambda b: b.min_qty)
            list_price = breaks[0].unit_price if breaks else _money(order["unit_price"])
        group.rows.append(
            OrderRow(
                line=line,
                product=products.get(offers.product(order["offer"])),
                quantity=order["quantity"],
                unit_price=_money(order["unit_price"]),
                list_price=list_price,
                break_min_qty=min_qty,
                break_number=number,
                cost=_money(order["quantity"] * order["unit_price"]),
            )
        )
    together = offers.cost_by_product(plan["orders"])
    alone: dict[int, Decimal] = {}
    order_cost_alone = Decimal(0)
    for orders in alone_orders.values():
        for product_id, cost in offers.cost_by_product(orders).items():
            alone[product_id] = alone.get(product_id, Decimal(0)) + cost
        order_cost_alone += offers.order_costs(orders)
    demand: dict[int, int] = {}
    units_of: dict[int, int] = {}
    for line in purchase_round.demand_lines:
        if line.quantity > 0:
            demand[line.product_id] = demand.get(line.product_id, 0) + line.quantity
    bought: dict[int, int] = {}
    for order in plan["orders"]:
        product_id = offers.product(order["offer"])
        bought[product_id] = bought.get(product_id, 0) + order["quantity"]
    price_of = {o["offer"]: o["unit_price"] for o in plan["orders"]}
    value_of: dict[int, Decimal] = {}
    allocated: dict[int, dict[int, int]] = {}
    for allocation in plan["allocation"]:
        organisation_id = int(allocation["organisation"])
        per_product = allocated.setdefault(offers.product(allocation["offer"]), {})
        per_product[organisation_id] = per_product.get(organisation_id, 0) + allocation["quantity"]
        units_of[organisation_id] = units_of.get(organisation_id, 0) + allocation["quantity"]
        value_of[organisation_id] = value_of.get(organisation_id, Decimal(0)) + _money(
            allocation["quantity"] * price_of[allocation["offer"]]
        )
    products = {
        p.id: p
        for p in db.session.scalars(
            select(Product).where(Product.id.in_(set(together) | set(alone)))
        )
    }
    product_rows = sorted(
        (
            ProductRow(
                product=products[pid],
                demand=demand.get(pid, 0),
                bought=bought.get(pid, 0),
                together=together.get(pid, Decimal(0)),
                alone=alone.get(pid, Decimal(0)),
            )
            for pid in (set(together) | set(alone)) & set(products)
        ),
        key=lambda r: (-(r.alone - r.together), r.product.name),
    )
    shapley = plan.get("shapley") or {}
    budgets = {p.organisation_id: p.budget for p in purchase_round.participants}
    organisation_rows = [
        OrganisationRow(
            organisation=participant.organisation,
            alone=_money(plan["standalone_cost"].get(str(participant.organisation_id))),
            proportional=_money(plan["cost_share"].get(str(participant.organisation_id))),
            shapley=_money(shapley[str(participant.organisation_id)])
            if str(participant.organisation_id) in shapley
            else None,
            budget=budgets.get(participant.organisation_id),
            units=units_of.get(participant.organisation_id, 0),
            value_at_joint_prices=value_of.get(participant.organisation_id, Decimal(0)),
        )
        for participant in purchase_round.participants
    ]
    violation = plan.get("core_violation") or {}
    group_ids = [int(i) for i in violation.get("organisations", [])]
    names = {o.organisation.id: o.organisation for o in organisation_rows}
    return RoundResult(
        status=plan["status"],
        gap=plan.get("gap"),
        solver=plan.get("solver", ""),
        message=plan.get("message", ""),
        seconds=plan.get("seconds", {}),
        total=_money(plan["total_cost"]),
        alone_total=sum((o.alone for o in organisation_rows), Decimal(0)),
        contracts=list(contracts.values()),
        products=product_rows,
        organisations=organisation_rows,
        order_cost_together=offers.order_costs(plan["orders"]),
        order_cost_alone=order_cost_alone,
        in_core=plan.get("in_core"),
        core_group=[names[i] for i in group_ids if i in names],
        core_excess=_money(violation["excess"]) if violation else None,
        late_lines=[lines[i] for i in plan.get("late_contract_lines") or [] if i in lines],
        allocation=sorted(
            ((products[pid], units) for pid, units in allocated.items() if pid in products),
            key=lambda row: row[0].name,
        ),
    )
