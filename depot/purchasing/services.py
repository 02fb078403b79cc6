"""Purchase round services: prepare a round, edit its demand, hand it to the optimizer, accept.

The optimizer itself is pure (procurement.optimizer); this module turns a round into its
instance (contract lines → offers, demand lines → demand), and the stored plan back into
purchase orders. The background job's bookkeeping lives in depot.purchasing.jobs.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from depot.auth.models import User
from depot.catalogue.models import Contract, ContractLine, Product, ProductType
from depot.catalogue.models import Supplier as CatalogueSupplier
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.organisations.models import Depot, Organisation, utcnow
from depot.purchasing import forecasting
from depot.purchasing.models import (
    DELIVERY_MODES,
    PurchaseRound,
    PurchaseRoundContract,
    PurchaseRoundDemand,
    PurchaseRoundParticipant,
)
from depot.purchasing.orders import OrderLineDraft, create_orders
from depot.web import job_rows
from depot.web.i18n import dkk
from procurement.optimizer.model import (
    Demand,
    Offer,
    PriceBreak,
    PurchaseInstance,
    PurchasePlan,
    Supplier,
)

MAX_PARTICIPANTS = 20
QUANTITY_MAX = 1_000_000
BUDGET_MAX = Decimal("1000000000")
# A job that has not reported back within its time limit plus this is taken as lost.
RUNNABLE_FROM = ("draft", "solved", "failed")


class RoundNotFound(DomainError):
    status_code = 404


def _participant_depot(organisation_id: int) -> int | None:
    """The organisation's own first active depot: where its units go by default."""
    return db.session.scalar(
        select(Depot.id)
        .where(Depot.owner_id == organisation_id, Depot.active)
        .order_by(Depot.id)
        .limit(1)
    )


def delivery_depots(organisation_id: int | None) -> list[Depot]:
    """Where an organisation's units may be delivered: shared depots and its own depots."""
    query = select(Depot).where(Depot.active)
    if organisation_id is None:
        query = query.where(Depot.owner_id.is_(None))
    else:
        query = query.where((Depot.owner_id.is_(None)) | (Depot.owner_id == organisation_id))
    return list(db.session.scalars(query.order_by(Depot.owner_id.is_not(None), Depot.name)))


def _check_settings(
    *, horizon_months: int, time_limit_seconds: int, delivery: str, delivery_depot_id: int | None
) -> None:
    if not 1 <= horizon_months <= 24:
        raise DomainError(_l("The horizon must be between 1 and 24 months."))
    if not 5 <= time_limit_seconds <= 3600:
        raise DomainError(_l("The time limit must be between 5 and 3600 seconds."))
    if delivery not in DELIVERY_MODES:
        raise DomainError(_l("Unknown delivery."))
    if delivery == "shared":
        depot = db.session.get(Depot, delivery_depot_id) if delivery_depot_id else None
        if depot is None or not depot.active:
            raise DomainError(_l("Choose the depot the shared delivery goes to."))


def create_round(
    *,
    title: str,
    organisation_id: int,
    participant_ids: list[int],
    contract_ids: list[int],
    horizon_months: int,
    needed_by: date | None,
    delivery: str,
    delivery_depot_id: int | None,
    time_limit_seconds: int,
    with_shapley: bool,
    user: User | None,
    today: date,
    iso_prefix: str = "",
) -> PurchaseRound:
    """Create a round with its participants and contracts, and forecast its demand."""
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("Give the round a title."))
    participant_ids = sorted(set(participant_ids))
    if not participant_ids:
        raise DomainError(_l("Choose at least one participant."))
    if len(participant_ids) > MAX_PARTICIPANTS:
        raise DomainError(_l("At most %(n)s participants.", n=MAX_PARTICIPANTS))
    found = set(
        db.session.scalars(
            select(Organisation.id).where(Organisation.id.in_(participant_ids), Organisation.active)
        )
    )
    if found != set(participant_ids):
        raise DomainError(_l("Unknown participant."))
    contract_ids = sorted(set(contract_ids))
    contracts = list(db.session.scalars(select(Contract).where(Contract.id.in_(contract_ids))))
    if not contracts or len(contracts) != len(contract_ids):
        raise DomainError(_l("Choose at least one contract."))
    expired = [c.reference for c in contracts if c.valid_to < today]
    if expired:
        raise DomainError(_l("Contracts expired: %(refs)s", refs=", ".join(expired)))
    if needed_by is not None and needed_by <= today:
        raise DomainError(_l("The delivery date must be after today."))
    _check_settings(
        horizon_months=horizon_months,
        time_limit_seconds=time_limit_seconds,
        delivery=delivery,
        delivery_depot_id=delivery_depot_id,
    )
    if delivery == "shared" and delivery_depot_id not in {
        d.id for d in delivery_depots(organisation_id)
    }:
        raise DomainError(_l("Deliver to a shared depot or one of your own depots."))
    purchase_round = PurchaseRound(
        title=title[:200],
        status="draft",
        organisation_id=organisation_id,
        created_by_id=user.id if user else None,
        horizon_months=horizon_months,
        needed_by=needed_by,
        delivery=delivery,
        delivery_depot_id=delivery_depot_id if delivery == "shared" else None,
        time_limit_seconds=time_limit_seconds,
        with_shapley=with_shapley,
    )
    for organisation_id_ in participant_ids:
        purchase_round.participants.append(
            PurchaseRoundParticipant(
                organisation_id=organisation_id_, depot_id=_participant_depot(organisation_id_)
            )
        )
    for contract in contracts:
        purchase_round.contracts.append(PurchaseRoundContract(contract_id=contract.id))
    db.session.add(purchase_round)
    db.session.flush()
    products = round_products(purchase_round=purchase_round, iso_prefix=iso_prefix)
    usable, _late = eligible_lines(purchase_round, today)
    in_time = {line.product_id for line in usable}
    products = [p for p in products if p.id in in_time]
    if not products:
        raise DomainError(
            _l("The chosen contracts can deliver no product of that kind by the date needed.")
        )
    _store_forecast(purchase_round, [p.id for p in products], today)
    return purchase_round


def round_products(*, purchase_round: PurchaseRound, iso_prefix: str = "") -> list[Product]:
    """The active products on the round's contracts (optionally of one ISO class)."""
    contract_ids = [c.contract_id for c in purchase_round.contracts]
    offered = select(ContractLine.product_id).where(ContractLine.contract_id.in_(contract_ids))
    query = (
        select(Product)
        .join(ProductType, ProductType.id == Product.product_type_id)
        .where(Product.id.in_(offered), Product.active)
        .order_by(ProductType.iso_code, Product.name)
    )
    prefix = (iso_prefix or "").strip()
    if prefix:
        query = query.where(ProductType.iso_code.startswith(prefix, autoescape=True))
    return list(db.session.scalars(query))


def _store_forecast(purchase_round: PurchaseRound, product_ids: list[int], today: date) -> None:
    purchase_round.forecast_on = today
    organisation_ids = [p.organisation_id for p in purchase_round.participants]
    for row in forecasting.forecast_demand(
        organisation_ids=organisation_ids,
        product_ids=product_ids,
        horizon_months=purchase_round.horizon_months,
        today=today,
    ):
        db.session.add(
            PurchaseRoundDemand(
                round_id=purchase_round.id,
                organisation_id=row.organisation_id,
                product_id=row.product_id,
                method=row.method,
                gross_demand=row.gross,
                expected_returns=row.expected_returns,
                usable_stock=row.usable_stock,
                on_order=row.on_order,
                forecast_quantity=row.net,
                quantity=row.net,
                history=",".join(str(n) for n in row.history),
            )
        )
    db.session.flush()


def _require_editable(purchase_round: PurchaseRound) -> None:
    if purchase_round.status not in RUNNABLE_FROM:
        raise Conflict(
            _l("The round can no longer be changed (it is %(s)s).", s=purchase_round.status)
        )


def refresh_forecast(*, purchase_round: PurchaseRound, today: date) -> None:
    """Forecast the round's demand again from today's history; edits are replaced."""
    _require_editable(purchase_round)
    product_ids = sorted({d.product_id for d in purchase_round.demand_lines})
    for line in list(purchase_round.demand_lines):
        db.session.delete(line)
    db.session.flush()
    db.session.expire(purchase_round, ["demand_lines"])
    _store_forecast(purchase_round, product_ids, today)
    _invalidate_result(purchase_round)


def _invalidate_result(purchase_round: PurchaseRound) -> None:
    """A change of the inputs makes the last plan stale: back to draft."""
    if purchase_round.status in ("solved", "failed"):
        purchase_round.status = "draft"
        purchase_round.result = None
        purchase_round.error = None
        purchase_round.progress = 0
    db.session.flush()


def save_demand(*, purchase_round: PurchaseRound, quantities: dict[int, int]) -> int:
    """Set the quantities the optimizer buys for (demand line id → units); returns changes."""
    _require_editable(purchase_round)
    lines = {line.id: line for line in purchase_round.demand_lines}
    unknown = set(quantities) - set(lines)
    if unknown:
        raise DomainError(_l("Unknown demand line."))
    changed = 0
    for line_id, quantity in quantities.items():
        if not 0 <= quantity <= QUANTITY_MAX:
            raise DomainError(_l("Quantities must be between 0 and %(max)s.", max=QUANTITY_MAX))
        if lines[line_id].quantity != quantity:
            lines[line_id].quantity = quantity
            changed += 1
    if changed:
        _invalidate_result(purchase_round)
    return changed


def save_participants(
    *,
    purchase_round: PurchaseRound,
    budgets: dict[int, Decimal | None],
    depots: dict[int, int | None],
) -> None:
    """Budgets (DKK, None for none) and delivery depots per participating organisation."""
    _require_editable(purchase_round)
    for participant in purchase_round.participants:
        organisation_id = participant.organisation_id
        if organisation_id in budgets:
            budget = budgets[organisation_id]
            if budget is not None and not (0 <= budget <= BUDGET_MAX):
                raise DomainError(
                    _l("A budget must be between 0 and %(max)s.", max=dkk(BUDGET_MAX))
                )
            participant.budget = budget
        if organisation_id in depots:
            depot_id = depots[organisation_id]
            allowed = {d.id for d in delivery_depots(organisation_id)}
            if depot_id is not None and depot_id not in allowed:
                raise DomainError(
                    _l("Deliver to a shared depot or one of the participant’s own depots.")
                )
            participant.depot_id = depot_id
    _invalidate_result(purchase_round)


def eligible_lines(purchase_round: PurchaseRound, today: date) -> tuple[list, list]:
    """The round's contract lines split into usable ones and those whose lead time is too long."""
    contract_ids = [c.contract_id for c in purchase_round.contracts]
    lines = list(
        db.session.scalars(
            select(ContractLine)
            .join(Contract)
            .join(CatalogueSupplier, CatalogueSupplier.id == Contract.supplier_id)
            .join(Product, Product.id == ContractLine.product_id)
            .where(
                ContractLine.contract_id.in_(contract_ids),
                Contract.valid_to >= today,
                CatalogueSupplier.active,
                Product.active,
            )
            .order_by(ContractLine.id)
        )
    )
    if purchase_round.needed_by is None:
        return lines, []
    days = (purchase_round.needed_by - today).days
    usable = [line for line in lines if line.lead_time_days <= days]
    late = [line for line in lines if line.lead_time_days > days]
    return usable, late


def build_instance(*, purchase_round: PurchaseRound, today: date) -> PurchaseInstance:
    """The round as the optimizer's instance: ids are the database ids."""
    demand = [
        Demand(organisation=line.organisation_id, product=line.product_id, quantity=line.quantity)
        for line in purchase_round.demand_lines
        if line.quantity > 0
    ]
    wanted = {d.product for d in demand}
    usable, _late = eligible_lines(purchase_round, today)
    offers = []
    suppliers = {}
    for line in usable:
        if line.product_id not in wanted or not line.price_breaks:
            continue
        supplier = line.contract.supplier
        suppliers[supplier.id] = Supplier(id=supplier.id, order_cost=float(supplier.order_cost))
        breaks = sorted(line.price_breaks, key=lambda b: b.min_qty)
        offers.append(
            Offer(
                id=line.id,
                supplier=supplier.id,
                product=line.product_id,
                pack_size=max(line.pack_size, 1),
                moq=max(line.moq, 0),
                price_breaks=tuple(PriceBreak(b.min_qty, float(b.unit_price)) for b in breaks),
            )
        )
    return PurchaseInstance(
        organisations=tuple(p.organisation_id for p in purchase_round.participants),
        suppliers=tuple(suppliers.values()),
        products=tuple(sorted(wanted)),
        offers=tuple(offers),
        demand=tuple(demand),
    )


def uncovered_products(*, purchase_round: PurchaseRound, today: date) -> list[Product]:
    """Products with demand that no usable contract line offers."""
    instance = build_instance(purchase_round=purchase_round, today=today)
    offered = {o.product for o in instance.offers}
    missing = [p for p in instance.products if p not in offered]
    return [db.session.get(Product, p) for p in missing]


def request_run(*, purchase_round: PurchaseRound, user: User | None, today: date) -> None:
    """Queue the optimizer for the round (the job is started by the caller after commit)."""
    if purchase_round.status in ("queued", "running") and not is_stale(purchase_round):
        raise Conflict(_l("The optimizer is already running for this round."))
    if purchase_round.status in ("accepted", "cancelled"):
        raise Conflict(
            _l("The round can no longer be changed (it is %(s)s).", s=purchase_round.status)
        )
    if not any(line.quantity > 0 for line in purchase_round.demand_lines):
        raise DomainError(_l("There is no demand to buy for: enter quantities first."))
    if purchase_round.delivery == "each":
        buying = {line.organisation_id for line in purchase_round.demand_lines if line.quantity}
        without = [
            p.organisation.name
            for p in purchase_round.participants
            if p.organisation_id in buying and p.depot_id is None
        ]
        if without:
            raise DomainError(
                _l("Choose a delivery depot for %(names)s first.", names=", ".join(without))
            )
    missing = uncovered_products(purchase_round=purchase_round, today=today)
    if missing:
        names = ", ".join(p.name for p in missing[:5])
        raise DomainError(
            _l(
                "No usable contract line offers %(names)s (check the contracts and the delivery "
                "date); set their quantities to 0 or choose other contracts.",
                names=names + (" …" if len(missing) > 5 else ""),
            )
        )
    if not job_rows.mark_queued(purchase_round):
        raise Conflict(_l("Someone else started or changed the round at the same time."))


is_stale = job_rows.is_stale


def cancel_round(*, purchase_round: PurchaseRound) -> None:
    """Give up a round that has not been accepted."""
    if not job_rows.mark_cancelled(
        purchase_round, from_statuses=("draft", "solved", "failed", "queued", "running")
    ):
        raise Conflict(_l("The round was accepted or cancelled already."))


def stored_plan(purchase_round: PurchaseRound) -> dict | None:
    return json.loads(purchase_round.result) if purchase_round.result else None


def plan_to_json(
    plan: PurchasePlan, *, instance: PurchaseInstance | None, late_lines: list[int]
) -> str:
    """The plan as stored on the round, with what each offer was when it was solved."""
    data = asdict(plan)
    data["late_contract_lines"] = late_lines
    if instance is not None:
        order_cost = {s.id: s.order_cost for s in instance.suppliers}
        data["offers"] = {
            str(o.id): {
                "product": o.product,
                "supplier": o.supplier,
                "order_cost": order_cost.get(o.supplier, 0.0),
                "price_breaks": [[b.min_qty, b.unit_price] for b in o.price_breaks],
            }
            for o in instance.offers
        }
    return json.dumps(data)


def _plan_still_holds(plan: dict, lines: dict[int, ContractLine]) -> bool:
    """Every ordered offer still exists with the same product, supplier and price."""
    offers = plan.get("offers") or {}
    for order in plan["orders"]:
        line = lines.get(order["offer"])
        then = offers.get(str(order["offer"]))
        if line is None or then is None or not line.price_breaks:
            return False
        if line.product_id != then["product"] or line.contract.supplier_id != then["supplier"]:
            return False
        if not line.product.active or not line.contract.supplier.active:
            return False
        breaks = sorted(line.price_breaks, key=lambda b: b.min_qty)
        price = breaks[0].unit_price
        for b in breaks:
            if b.min_qty <= order["quantity"]:
                price = b.unit_price
        if abs(float(price) - order["unit_price"]) > 0.005:
            return False
    return True


def accept_round(*, purchase_round: PurchaseRound, user: User | None) -> list:
    """Accept the solved plan: one draft purchase order per supplier and contract."""
    plan = stored_plan(purchase_round)
    if purchase_round.status != "solved" or plan is None:
        raise Conflict(_l("Only a solved round can be accepted."))
    price = {o["offer"]: Decimal(str(o["unit_price"])) for o in plan["orders"]}
    lines = {
        line.id: line
        for line in db.session.scalars(select(ContractLine).where(ContractLine.id.in_(price)))
    }
    if not _plan_still_holds(plan, lines):
        raise Conflict(
            _l(
                "The contracts have changed since the optimizer ran (a line, product, supplier "
                "or price). Run the optimizer again before accepting."
            )
        )
    depot_of = {p.organisation_id: p.depot_id for p in purchase_round.participants}
    drafts = []
    for allocation in plan["allocation"]:
        if allocation["quantity"] <= 0:
            continue
        line = lines[allocation["offer"]]
        organisation_id = int(allocation["organisation"])
        depot_id = (
            purchase_round.delivery_depot_id
            if purchase_round.delivery == "shared"
            else depot_of.get(organisation_id) or purchase_round.delivery_depot_id
        )
        if depot_id is None:
            raise DomainError(_l("Choose a delivery depot for every participant before accepting."))
        drafts.append(
            OrderLineDraft(
                supplier_id=line.contract.supplier_id,
                contract_id=line.contract_id,
                contract_line_id=line.id,
                product_id=line.product_id,
                organisation_id=organisation_id,
                depot_id=depot_id,
                quantity=allocation["quantity"],
                unit_price=price[line.id],
            )
        )
    done = db.session.execute(
        update(PurchaseRound)
        .where(PurchaseRound.id == purchase_round.id, PurchaseRound.status == "solved")
        .values(
            status="accepted",
            accepted_at=utcnow(),
            accepted_by_id=user.id if user else None,
            version_id=PurchaseRound.version_id + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise Conflict(_l("The round was accepted or changed by someone else at the same time."))
    db.session.expire(purchase_round)
    return create_orders(
        drafts=drafts,
        organisation_id=purchase_round.organisation_id,
        user=user,
        round_id=purchase_round.id,
    )
