"""Demo purchase rounds and purchase orders (issue 6).

A wholesaler's contract competes with the manufacturers' contracts on a third of the devices
(a little dearer per unit, deeper volume breaks, a higher order cost, longer lead times), so
the optimizer has real choices. Two rounds run by the region for every organisation in the
cluster: an accepted round for commode and shower chairs, solved here with the real
optimizer for every organisation, whose purchase orders are drafted and one of them sent (the
demo user receives it at the shared depot); and a draft round for care
beds with its forecast demand, ready for someone to run. The demo's depots hold plenty of
usable stock, so the net forecast is mostly 0: like an officer renewing the oldest fleet, the
step sets the quantities to the gross demand (the pages mark them as edited). Flushes, never
commits.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from depot.auth.models import User
from depot.catalogue.models import Contract, ContractLine, PriceBreak, Supplier
from depot.demo.context import DemoContext
from depot.extensions import db
from depot.purchasing import orders, services
from depot.purchasing.models import PurchaseRound
from procurement.optimizer.sharing import plan_purchase

WHOLESALER = "Nordisk Hjælpemiddelgrossist A/S"
WHOLESALE_SHARE = 3  # every third reusable product
ACCEPTED_ROUND_ISO = "09 33"  # bathing and showering aids
DRAFT_ROUND_ISO = "18 12"  # beds


def _procurement_officer(ctx: DemoContext) -> User | None:
    return db.session.scalar(
        select(User)
        .where(User.organisation_id == ctx.region.id, User.role == "procurement")
        .order_by(User.id)
        .limit(1)
    )


def _wholesale_contract(ctx: DemoContext) -> Contract:
    rng = ctx.rng("purchasing-wholesale")
    supplier = Supplier(
        name=WHOLESALER,
        cvr="39485721",
        email="ordre@hjaelpemiddelgrossist.example.dk",
        phone="70 20 30 40",
        order_cost=Decimal("1500"),
    )
    db.session.add(supplier)
    db.session.flush()
    first = ctx.contracts[0]
    contract = Contract(
        reference=f"RM-{first.valid_from.year}-G1",
        title="Grossistaftale, genbrugshjælpemidler (demodata)",
        supplier_id=supplier.id,
        valid_from=first.valid_from,
        valid_to=first.valid_to,
        notes="Grossist med lager i Danmark: lidt højere stykpris, dybere mængderabat.",
    )
    reusable = [p for p in ctx.products if p.reusable]
    for product in reusable[::WHOLESALE_SHARE]:
        line = ContractLine(
            product_id=product.id, pack_size=1, moq=0, lead_time_days=rng.randint(21, 42)
        )
        price = product.list_price
        for min_qty, factor in ((1, "1.04"), (10, "0.90"), (25, "0.82")):
            unit_price = (price * Decimal(factor)).quantize(Decimal(1))
            line.price_breaks.append(PriceBreak(min_qty=min_qty, unit_price=unit_price))
        contract.lines.append(line)
    db.session.add(contract)
    db.session.flush()
    ctx.suppliers.append(supplier)
    ctx.contracts.append(contract)
    return contract


def _round(ctx: DemoContext, *, title: str, iso: str, contracts, user) -> PurchaseRound:
    purchase_round = services.create_round(
        title=title,
        organisation_id=ctx.region.id,
        participant_ids=[o.id for o in ctx.organisations],
        contract_ids=[c.id for c in contracts],
        horizon_months=12,
        needed_by=None,
        delivery="shared",
        delivery_depot_id=ctx.shared_depot.id,
        time_limit_seconds=60,
        with_shapley=True,
        user=user,
        today=ctx.anchor,
        iso_prefix=iso,
    )
    # The officer's edit: the demo's depots hold plenty of usable stock, so the net forecast
    # is mostly 0; these rounds renew the oldest fleet and buy the gross demand instead.
    services.save_demand(
        purchase_round=purchase_round,
        quantities={line.id: math.ceil(line.gross_demand) for line in purchase_round.demand_lines},
    )
    return purchase_round


def create_purchasing(ctx: DemoContext) -> None:
    """The wholesaler's contract, an accepted round with its orders, and a draft round."""
    if ctx.region is None or ctx.shared_depot is None or not ctx.contracts:
        return
    user = _procurement_officer(ctx)
    _wholesale_contract(ctx)
    contracts = list(ctx.contracts)
    accepted = _round(
        ctx,
        title="Bade- og bruseudstyr 2027 (fælles indkøb)",
        iso=ACCEPTED_ROUND_ISO,
        contracts=contracts,
        user=user,
    )
    if any(line.quantity > 0 for line in accepted.demand_lines):
        instance = services.build_instance(purchase_round=accepted, today=ctx.anchor)
        plan = plan_purchase(instance, time_limit=60.0, with_shapley=True)
        if plan.status in ("optimal", "feasible"):
            accepted.status = "solved"
            accepted.result = services.plan_to_json(plan, instance=instance, late_lines=[])
            accepted.progress = 100
            db.session.flush()
            drafted = services.accept_round(purchase_round=accepted, user=user)
            if drafted:
                orders.send_order(order_id=drafted[0].id, user=user)
            _date_before_anchor(ctx, accepted, drafted)
    draft = _round(
        ctx,
        title="Plejesenge 2027 (udkast)",
        iso=DRAFT_ROUND_ISO,
        contracts=contracts,
        user=user,
    )
    draft.created_at = datetime.combine(ctx.anchor - timedelta(days=1), time(9, 0))
    db.session.flush()


def _date_before_anchor(ctx: DemoContext, purchase_round: PurchaseRound, drafted) -> None:
    """The services stamp the real clock; the demo's rounds happened a week before the anchor
    (and the same on every run, so the demo stays deterministic)."""
    solved = datetime.combine(ctx.anchor - timedelta(days=7), time(10, 0))
    purchase_round.created_at = solved - timedelta(days=2)
    purchase_round.started_at = solved
    purchase_round.finished_at = solved + timedelta(seconds=4)
    purchase_round.accepted_at = solved + timedelta(hours=3)
    for order in drafted:
        order.created_at = purchase_round.accepted_at
        lead = max((line.contract_line.lead_time_days for line in order.lines), default=14)
        order.expected_delivery = ctx.anchor + timedelta(days=lead - 7)
        if order.status == "sent":
            order.sent_at = solved + timedelta(days=1)
    db.session.flush()
