"""Purchase orders: created from an accepted round, sent, received into the depots, cancelled.

`create_orders` turns a plan's lines into one order per supplier and contract, numbered
IO-<year>-<5 digits> per year (a number taken meanwhile by another transaction is retried in a
savepoint). Every state change is a conditional UPDATE checked by its row count, and bumps the
order's version, so two people acting at once cannot both succeed: the loser gets a Conflict.
Receiving first takes the order (sent or partly received → partly received), which serialises
receipts and cancellation of one order; then each line's `received_quantity` grows only while
it stays within the ordered quantity. Reusable products become items in the line's depot,
owned by the line's organisation; consumables become stock movements. Services flush, never
commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update

from depot.auth.models import User
from depot.catalogue.models import Contract, ContractLine, Product, Supplier
from depot.catalogue.validation import PRICE_MAX, QUANTITY_MAX
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.services import receive_items
from depot.organisations.models import Depot, Organisation, utcnow
from depot.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseRound,
)
from depot.stock.services import receive_stock
from depot.web import numbering
from depot.web.i18n import local_today

NUMBER_PREFIX = "IO"
NUMBER_LOCK = 0x494F  # "IO": the advisory lock's first key; the year is the second
REASON_MAX = 1000
NOTE_MAX = 2000
SERIAL_MAX = 60  # the item's serial column
CENT = Decimal("0.01")
OPEN_STATES = ("sent", "partly_received")  # receipts possible

ORDER_STATE_LABELS = {
    "draft": _l("Draft"),
    "sent": _l("Sent"),
    "partly_received": _l("Partly received"),
    "received": _l("Received"),
    "cancelled": _l("Cancelled"),
}
ORDER_STATE_BADGES = {
    "draft": "secondary",
    "sent": "primary",
    "partly_received": "warning",
    "received": "success",
    "cancelled": "dark",
}


class OrderNotFound(DomainError):
    status_code = 404


@dataclass(frozen=True)
class OrderLineDraft:
    """One line of an accepted plan: units of a product for an organisation, to a depot."""

    supplier_id: int
    contract_id: int | None
    contract_line_id: int | None
    product_id: int
    organisation_id: int
    depot_id: int
    quantity: int
    unit_price: Decimal


@dataclass
class _Merged:
    product: Product
    organisation_id: int
    depot_id: int
    contract_line: ContractLine | None
    unit_price: Decimal
    quantity: int


# --- checks ---------------------------------------------------------------------------------


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**31 - 1


def _checked_quantity(quantity, *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < low:
        raise DomainError(_l("The quantity must be a whole number above 0."))
    if quantity > QUANTITY_MAX:
        raise DomainError(_l("The quantity is too large."))
    return quantity


def _checked_price(value) -> Decimal:
    try:
        price = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        price = None
    if isinstance(value, bool) or price is None or not price.is_finite():
        raise DomainError(_l("The unit price must be an amount."))
    if not Decimal(0) <= price <= PRICE_MAX:
        raise DomainError(_l("The unit price must be from 0 to %(max)s DKK.", max=PRICE_MAX))
    return price.quantize(CENT, rounding=ROUND_HALF_UP)


def _get(model, ident):
    return db.session.get(model, ident) if _is_id(ident) else None


def _clean_text(text: str | None, limit: int) -> str | None:
    cleaned = (text or "").replace("\x00", "").strip()
    if len(cleaned) > limit:
        raise DomainError(_l("The text is too long: at most %(max)s characters.", max=limit))
    return cleaned or None


# --- creating orders ------------------------------------------------------------------------


def _merge(drafts: Sequence[OrderLineDraft]) -> dict[tuple, dict[tuple, _Merged]]:
    """The drafts checked and grouped per (supplier, contract), merged per (product, org, depot)."""
    groups: dict[tuple, dict[tuple, _Merged]] = {}
    for draft in drafts:
        if not isinstance(draft, OrderLineDraft):
            raise DomainError(_l("Invalid order line."))
        quantity = _checked_quantity(draft.quantity)
        price = _checked_price(draft.unit_price)
        supplier = _get(Supplier, draft.supplier_id)
        if supplier is None or not supplier.active:
            raise DomainError(_l("Unknown or inactive supplier."))
        contract = None
        if draft.contract_id is not None:
            contract = _get(Contract, draft.contract_id)
            if contract is None or contract.supplier_id != supplier.id:
                raise DomainError(_l("Unknown contract, or a contract with another supplier."))
        product = _get(Product, draft.product_id)
        if product is None or not product.active:
            raise DomainError(_l("Unknown or inactive product."))
        contract_line = None
        if draft.contract_line_id is not None:
            contract_line = _get(ContractLine, draft.contract_line_id)
            if (
                contract_line is None
                or contract is None
                or contract_line.contract_id != contract.id
                or contract_line.product_id != product.id
            ):
                raise DomainError(
                    _l("The contract line does not offer %(product)s.", product=product.name)
                )
        if _get(Organisation, draft.organisation_id) is None:
            raise DomainError(_l("Unknown organisation."))
        depot = _get(Depot, draft.depot_id)
        if depot is None or not depot.active:
            raise DomainError(_l("Unknown or inactive depot."))
        lines = groups.setdefault((supplier.id, draft.contract_id), {})
        key = (product.id, draft.organisation_id, depot.id)
        merged = lines.get(key)
        if merged is None:
            lines[key] = _Merged(
                product, draft.organisation_id, depot.id, contract_line, price, quantity
            )
            continue
        if merged.unit_price != price:
            raise DomainError(
                _l("%(product)s has two different unit prices on one order.", product=product.name)
            )
        merged.quantity = _checked_quantity(merged.quantity + quantity)
        merged.contract_line = merged.contract_line or contract_line
    return groups


def _insert_numbered(fields: dict, year: int) -> PurchaseOrder:
    """Insert the order with the year's next free number (IO-2026-00001)."""
    return numbering.insert_numbered(
        PurchaseOrder,
        code=NUMBER_PREFIX,
        year=year,
        lock=NUMBER_LOCK,
        fields=fields,
        refused=_l("No order number could be reserved. Try again."),
    )


def create_orders(
    *,
    drafts: list[OrderLineDraft],
    organisation_id: int,
    user: User | None,
    round_id: int | None = None,
    note: str | None = None,
) -> list[PurchaseOrder]:
    """Create draft purchase orders, one per supplier and contract, from a plan's lines."""
    if not drafts:
        raise DomainError(_l("There is nothing to order."))
    if _get(Organisation, organisation_id) is None:
        raise DomainError(_l("Unknown organisation."))
    if round_id is not None and _get(PurchaseRound, round_id) is None:
        raise DomainError(_l("Unknown purchase round."))
    note = _clean_text(note, NOTE_MAX)
    groups = _merge(drafts)
    today = local_today()
    orders = []
    charged: set[int] = set()  # a supplier's order cost is paid once, as the optimizer counts it
    for (supplier_id, contract_id), lines in groups.items():
        supplier = db.session.get(Supplier, supplier_id)
        order_cost = Decimal(0) if supplier_id in charged else supplier.order_cost
        charged.add(supplier_id)
        lead_times = [m.contract_line.lead_time_days for m in lines.values() if m.contract_line]
        order = _insert_numbered(
            {
                "round_id": round_id,
                "supplier_id": supplier_id,
                "contract_id": contract_id,
                "organisation_id": organisation_id,
                "status": "draft",
                "order_cost": order_cost,
                "created_at": utcnow(),
                "created_by_id": user.id if user else None,
                "expected_delivery": today + timedelta(days=max(lead_times))
                if lead_times
                else None,
                "note": note,
            },
            today.year,
        )
        for merged in lines.values():
            order.lines.append(
                PurchaseOrderLine(
                    product_id=merged.product.id,
                    contract_line_id=merged.contract_line.id if merged.contract_line else None,
                    organisation_id=merged.organisation_id,
                    depot_id=merged.depot_id,
                    quantity=merged.quantity,
                    unit_price=merged.unit_price,
                    received_quantity=0,
                )
            )
        db.session.flush()
        orders.append(order)
    return orders


# --- state changes --------------------------------------------------------------------------


def _reload(order_id: int) -> PurchaseOrder:
    order = db.session.get(PurchaseOrder, order_id, populate_existing=True)
    for line in order.lines:
        db.session.expire(line)
    return order


def _change(order_id: int, conditions: list, values: dict, expected_version: int | None) -> bool:
    """One conditional UPDATE of the order, bumping its version; True if it applied."""
    if expected_version is not None:
        conditions = [*conditions, PurchaseOrder.version_id == expected_version]
    result = db.session.execute(
        update(PurchaseOrder)
        .where(PurchaseOrder.id == order_id, *conditions)
        .values(**values, version_id=PurchaseOrder.version_id + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refuse(order_id: int, action: str, expected_version: int | None):
    """Raise the refusal that explains why the change did not apply."""
    row = db.session.execute(
        select(PurchaseOrder.number, PurchaseOrder.status, PurchaseOrder.version_id).where(
            PurchaseOrder.id == order_id
        )
    ).first()
    if row is None:
        raise OrderNotFound(_l("No such purchase order."))
    number, status, version = row
    if status == "cancelled":
        raise Conflict(_l("Order %(number)s is cancelled.", number=number))
    if action == "send" and status != "draft":
        raise Conflict(_l("Order %(number)s has already been sent.", number=number))
    if action == "receive" and status == "draft":
        raise Conflict(
            _l("Order %(number)s has not been sent yet: nothing can be received.", number=number)
        )
    if action == "receive" and status == "received":
        raise Conflict(_l("Order %(number)s is received in full.", number=number))
    if action == "cancel" and status not in ("draft", "sent"):
        raise Conflict(
            _l(
                "Units have been received on order %(number)s: it can no longer be cancelled.",
                number=number,
            )
        )
    if expected_version is not None and version != expected_version:
        raise Conflict(
            _l(
                "Order %(number)s was changed meanwhile (or the form was sent twice). "
                "Reload the page and check it.",
                number=number,
            )
        )
    raise Conflict(_l("Order %(number)s was changed meanwhile.", number=number))


def receipt_refusal(order: PurchaseOrder) -> DomainError | None:
    """Why nothing can be received on the order in its present state, or None."""
    if order.status in OPEN_STATES:
        return None
    try:
        _refuse(order.id, "receive", None)
    except DomainError as exc:
        return exc
    return None


def check_version(order: PurchaseOrder, expected_version: int) -> None:
    """Refuse (409) a form shown before the order last changed: sent twice, or stale."""
    if order.version_id != expected_version:
        _refuse(order.id, "version", expected_version)


def send_order(
    *, order_id: int, user: User | None, expected_version: int | None = None
) -> PurchaseOrder:
    """Mark a draft order as sent to the supplier."""
    values = {"status": "sent", "sent_at": utcnow(), "sent_by_id": user.id if user else None}
    if not _change(order_id, [PurchaseOrder.status == "draft"], values, expected_version):
        _refuse(order_id, "send", expected_version)
    return _reload(order_id)


def cancel_order(
    *, order_id: int, user: User | None, reason: str, expected_version: int | None = None
) -> PurchaseOrder:
    """Cancel a draft or sent order on which nothing has been received, with a reason."""
    reason = _clean_text(reason, REASON_MAX)
    if not reason:
        raise DomainError(_l("Give a reason for cancelling the order."))
    nothing_received = ~exists().where(
        PurchaseOrderLine.order_id == order_id, PurchaseOrderLine.received_quantity > 0
    )
    order = db.session.get(PurchaseOrder, order_id)
    if order is None:
        raise OrderNotFound(_l("No such purchase order."))
    conditions = [PurchaseOrder.status.in_(("draft", "sent")), nothing_received]
    if not _change(
        order_id,
        conditions,
        {"status": "cancelled", "note": _with_reason(order.note, reason)},
        expected_version,
    ):
        _refuse(order_id, "cancel", expected_version)
    return _reload(order_id)


def _with_reason(note: str | None, reason: str) -> str:
    """The order's note with the cancellation's reason appended (kept with the order)."""
    line = f"{_l('Cancelled')}: {reason}"
    return f"{note}\n\n{line}" if note else line


def _serial_list(line: PurchaseOrderLine, quantity: int, serials) -> list[str | None]:
    """One entry per unit (None: no serial number); checked against the line's product."""
    product = line.product
    if serials is None:
        return [None] * quantity
    if isinstance(serials, str) or not isinstance(serials, Sequence):
        raise DomainError(_l("Invalid serial numbers."))
    if len(serials) != quantity:
        raise DomainError(
            _l(
                "%(product)s: give one serial number per unit received (%(n)s), or none.",
                product=product.name,
                n=quantity,
            )
        )
    cleaned = []
    for serial in serials:
        if serial is not None and not isinstance(serial, str):
            raise DomainError(_l("Invalid serial numbers."))
        text = (serial or "").replace("\x00", "").strip()
        if len(text) > SERIAL_MAX:
            raise DomainError(_l("A serial number has at most %(max)s characters.", max=SERIAL_MAX))
        cleaned.append(text or None)
    if not product.reusable and any(cleaned):
        raise DomainError(
            _l("%(product)s is a consumable: it has no serial numbers.", product=product.name)
        )
    return cleaned


def _receive_line(
    order: PurchaseOrder,
    line: PurchaseOrderLine,
    quantity: int,
    serials: list[str | None],
    user: User | None,
    note: str | None,
    at: datetime,
) -> PurchaseReceipt:
    """Count the units on the line (within what was ordered) and put them in the depot."""
    result = db.session.execute(
        update(PurchaseOrderLine)
        .where(
            PurchaseOrderLine.id == line.id,
            PurchaseOrderLine.received_quantity + quantity <= PurchaseOrderLine.quantity,
        )
        .values(received_quantity=PurchaseOrderLine.received_quantity + quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        left = db.session.scalar(
            select(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity).where(
                PurchaseOrderLine.id == line.id
            )
        )
        raise Conflict(
            _l(
                "Only %(n)s of %(product)s are left to receive on order %(number)s.",
                n=left or 0,
                product=line.product.name,
                number=order.number,
            )
        )
    if line.product.reusable:
        receive_items(
            product_id=line.product_id,
            depot_id=line.depot_id,
            owner_id=line.organisation_id,
            serials=serials,
            user=user,
            note=order.number,
            at=at,
        )
    else:
        receive_stock(
            depot_id=line.depot_id,
            product_id=line.product_id,
            quantity=quantity,
            user=user,
            reason=order.number,
        )
    receipt = PurchaseReceipt(
        line_id=line.id, quantity=quantity, at=at, by_id=user.id if user else None, note=note
    )
    db.session.add(receipt)
    return receipt


def _receive(
    order: PurchaseOrder,
    wanted: list[tuple[PurchaseOrderLine, int, list[str | None]]],
    *,
    user: User | None,
    note: str | None,
    expected_version: int | None,
) -> list[PurchaseReceipt]:
    given = [s for _line, _q, serials in wanted for s in serials if s]
    if len(set(given)) != len(given):
        raise DomainError(_l("The same serial number appears twice."))
    at = utcnow()
    with db.session.begin_nested():  # all lines or none
        # Taking the order first serialises the receipts and the cancellation of this order.
        if not _change(
            order.id,
            [PurchaseOrder.status.in_(OPEN_STATES)],
            {"status": "partly_received"},
            expected_version,
        ):
            _refuse(order.id, "receive", expected_version)
        receipts = [
            _receive_line(order, line, quantity, serials, user, note, at)
            for line, quantity, serials in sorted(wanted, key=lambda w: w[0].id)
        ]
        db.session.flush()
        left = db.session.scalar(
            select(func.count()).where(
                PurchaseOrderLine.order_id == order.id,
                PurchaseOrderLine.received_quantity < PurchaseOrderLine.quantity,
            )
        )
        if left == 0 and not _change(
            order.id,
            [PurchaseOrder.status == "partly_received"],
            {"status": "received", "received_at": at},
            None,
        ):
            _refuse(order.id, "receive", None)
    _reload(order.id)
    return receipts


def receive_line(
    *,
    line_id: int,
    quantity: int,
    serials: list[str | None] | None,
    user: User | None,
    note: str | None = None,
    expected_version: int | None = None,
) -> PurchaseReceipt:
    """Receive units of one order line into its depot (items or stock)."""
    line = _get(PurchaseOrderLine, line_id)
    if line is None:
        raise OrderNotFound(_l("No such order line."))
    quantity = _checked_quantity(quantity)
    cleaned = _serial_list(line, quantity, serials)
    (receipt,) = _receive(
        line.order,
        [(line, quantity, cleaned)],
        user=user,
        note=_clean_text(note, NOTE_MAX),
        expected_version=expected_version,
    )
    return receipt


def receive_order(
    *,
    order_id: int,
    quantities: Mapping[int, int],
    serials: Mapping[int, list[str | None] | None] | None,
    user: User | None,
    note: str | None = None,
    expected_version: int | None = None,
) -> list[PurchaseReceipt]:
    """Receive several lines of one order in one go: all of them, or none (0 skips a line)."""
    order = _get(PurchaseOrder, order_id)
    if order is None:
        raise OrderNotFound(_l("No such purchase order."))
    lines = {line.id: line for line in order.lines}
    serials = serials or {}
    wanted = []
    for line_id, quantity in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise DomainError(_l("The line is not on order %(number)s.", number=order.number))
        if _checked_quantity(quantity, allow_zero=True) == 0:
            if serials.get(line_id) and any(serials[line_id]):
                raise DomainError(_l("Serial numbers were given for a line received 0 times."))
            continue
        wanted.append((line, quantity, _serial_list(line, quantity, serials.get(line_id))))
    if set(serials) - set(quantities):
        raise DomainError(_l("Serial numbers were given for a line received 0 times."))
    if not wanted:
        raise DomainError(_l("Enter a quantity above 0 for at least one line."))
    return _receive(
        order,
        wanted,
        user=user,
        note=_clean_text(note, NOTE_MAX),
        expected_version=expected_version,
    )
