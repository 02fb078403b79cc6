"""Transfer orders: units of the shared stock moved from one depot to another.

`create_transfer_orders` turns a plan's transfers into one order per (from, to) depot pair,
its lines merged per product type (reusable items) or consumable product, numbered
OF-<year>-<5 digits> per year (a number taken meanwhile by another transaction is retried in
a savepoint, as purchase orders are). Depot staff then pick and send an open order: each picked
item goes `in transit` (a Transfer row and an ItemEvent carrying the order's number) and
consumables leave the from-depot's stock; the receiving depot receives the sent order: the
items become available there and the consumables enter its stock. Fewer than ordered may be
sent (short-picked: `sent_quantity` records it), never nothing.

Every state change of an order is a conditional UPDATE checked by its row count that bumps the
order's version, taken before anything else moves, so two people sending (or receiving, or
cancelling) one order at once cannot both succeed: the loser gets a Conflict and nothing of
theirs is kept. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from depot.auth.models import User
from depot.catalogue.models import Product, ProductType
from depot.distribution.models import (
    DistributionRun,
    TransferOrder,
    TransferOrderItem,
    TransferOrderLine,
)
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.models import Item, Transfer
from depot.items.services import STATE_LABELS, receive_transfer, send_transfer
from depot.organisations.models import Depot, utcnow
from depot.stock.services import transfer_in_stock, transfer_out_stock
from depot.web import numbering
from depot.web.i18n import current_language, local_today

NUMBER_PREFIX = "OF"
NUMBER_LOCK = 0x4F46  # "OF": the advisory lock's first key; the year is the second
QUANTITY_MAX = 100_000
NOTE_MAX = 2000
REASON_MAX = 1000

ORDER_STATE_LABELS = {
    "open": _l("To pick"),
    "sent": _l("In transit"),
    "received": _l("Received"),
    "cancelled": _l("Cancelled"),
}
ORDER_STATE_BADGES = {
    "open": "primary",
    "sent": "warning",
    "received": "success",
    "cancelled": "dark",
}


class TransferOrderNotFound(DomainError):
    status_code = 404


@dataclass(frozen=True)
class TransferLineDraft:
    """Units to move from one depot to another: of a product type (items) or a consumable."""

    from_depot_id: int
    to_depot_id: int
    product_type_id: int | None
    product_id: int | None
    quantity: int


# --- checks ---------------------------------------------------------------------------------


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**31 - 1


def _get(model, ident):
    return db.session.get(model, ident) if _is_id(ident) else None


def _checked_quantity(quantity, *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < low:
        raise DomainError(_l("The quantity must be a whole number above 0."))
    if quantity > QUANTITY_MAX:
        raise DomainError(_l("The quantity is too large: at most %(max)s.", max=QUANTITY_MAX))
    return quantity


def _clean_text(text: str | None, limit: int) -> str | None:
    if text is not None and not isinstance(text, str):
        raise DomainError(_l("Invalid text."))
    cleaned = (text or "").replace("\x00", "").strip()
    if len(cleaned) > limit:
        raise DomainError(_l("The text is too long: at most %(max)s characters.", max=limit))
    return cleaned or None


def line_label(line: TransferOrderLine, locale: str | None = None) -> str:
    """What a line moves: the product type's ISO code and title, or the consumable's name."""
    if line.product_type is not None:
        title = line.product_type.title(locale or current_language())
        return f"{line.product_type.iso_code} {title}"
    return line.product.name if line.product is not None else "–"


# --- creating orders ------------------------------------------------------------------------


def _line_key(draft: TransferLineDraft) -> tuple[str, int]:
    """The draft's product type or consumable product, checked."""
    if (draft.product_type_id is None) == (draft.product_id is None):
        raise DomainError(_l("A transfer line is either a product type or a consumable product."))
    if draft.product_type_id is not None:
        if _get(ProductType, draft.product_type_id) is None:
            raise DomainError(_l("Unknown product type."))
        return ("type", draft.product_type_id)
    product = _get(Product, draft.product_id)
    if product is None or not product.active:
        raise DomainError(_l("Unknown or inactive product."))
    if product.reusable:
        raise DomainError(
            _l(
                "%(product)s is a reusable device: transfer it by its product type.",
                product=product.name,
            )
        )
    return ("product", product.id)


def _merge(drafts: Sequence[TransferLineDraft]) -> dict[tuple[int, int], dict[tuple, int]]:
    """The drafts checked and grouped per (from, to) depot pair, merged per type or product."""
    depots: dict[int, Depot | None] = {}

    def active_depot(ident) -> Depot:
        if ident not in depots:
            depots[ident] = _get(Depot, ident)
        depot = depots[ident]
        if depot is None or not depot.active:
            raise DomainError(_l("Unknown or inactive depot."))
        return depot

    groups: dict[tuple[int, int], dict[tuple, int]] = {}
    for draft in drafts:
        if not isinstance(draft, TransferLineDraft):
            raise DomainError(_l("Invalid transfer line."))
        source, target = active_depot(draft.from_depot_id), active_depot(draft.to_depot_id)
        if source.id == target.id:
            raise DomainError(_l("A transfer goes from one depot to another depot."))
        quantity = _checked_quantity(draft.quantity)
        lines = groups.setdefault((source.id, target.id), {})
        key = _line_key(draft)
        lines[key] = _checked_quantity(lines.get(key, 0) + quantity)
    return groups


def _insert_numbered(fields: dict, year: int) -> TransferOrder:
    """Insert the order with the year's next free number (OF-2026-00001)."""
    return numbering.insert_numbered(
        TransferOrder,
        code=NUMBER_PREFIX,
        year=year,
        lock=NUMBER_LOCK,
        fields=fields,
        refused=_l("No transfer order number could be reserved. Try again."),
    )


def create_transfer_orders(
    *,
    drafts: list[TransferLineDraft],
    user: User | None,
    run_id: int | None = None,
    note: str | None = None,
) -> list[TransferOrder]:
    """Create open transfer orders, one per (from, to) depot pair, from a plan's transfers."""
    if not drafts:
        raise DomainError(_l("There is nothing to transfer."))
    if run_id is not None and _get(DistributionRun, run_id) is None:
        raise DomainError(_l("Unknown distribution run."))
    note = _clean_text(note, NOTE_MAX)
    groups = _merge(drafts)
    year = local_today().year
    orders = []
    for (from_depot_id, to_depot_id), lines in groups.items():
        order = _insert_numbered(
            {
                "run_id": run_id,
                "from_depot_id": from_depot_id,
                "to_depot_id": to_depot_id,
                "status": "open",
                "created_at": utcnow(),
                "created_by_id": user.id if user else None,
                "note": note,
            },
            year,
        )
        for (kind, ident), quantity in lines.items():
            order.lines.append(
                TransferOrderLine(
                    product_type_id=ident if kind == "type" else None,
                    product_id=ident if kind == "product" else None,
                    quantity=quantity,
                    sent_quantity=0,
                    received_quantity=0,
                )
            )
        db.session.flush()
        orders.append(order)
    return orders


# --- state changes --------------------------------------------------------------------------


def _reload(order_id: int) -> TransferOrder:
    order = db.session.get(TransferOrder, order_id, populate_existing=True)
    for line in order.lines:
        db.session.expire(line)
    return order


def _change(order_id: int, conditions: list, values: dict, expected_version: int | None) -> bool:
    """One conditional UPDATE of the order, bumping its version; True if it applied."""
    if expected_version is not None:
        conditions = [*conditions, TransferOrder.version_id == expected_version]
    result = db.session.execute(
        update(TransferOrder)
        .where(TransferOrder.id == order_id, *conditions)
        .values(**values, version_id=TransferOrder.version_id + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refuse(order_id: int, action: str, expected_version: int | None):
    """Raise the refusal that explains why the change did not apply."""
    row = db.session.execute(
        select(TransferOrder.number, TransferOrder.status, TransferOrder.version_id).where(
            TransferOrder.id == order_id
        )
    ).first()
    if row is None:
        raise TransferOrderNotFound(_l("No such transfer order."))
    number, status, version = row
    if status == "cancelled":
        raise Conflict(_l("Transfer order %(number)s is cancelled.", number=number))
    if action == "send" and status != "open":
        raise Conflict(_l("Transfer order %(number)s has already been sent.", number=number))
    if action == "cancel" and status != "open":
        raise Conflict(
            _l(
                "Transfer order %(number)s has been sent: it can no longer be cancelled.",
                number=number,
            )
        )
    if action == "receive" and status == "open":
        raise Conflict(
            _l(
                "Transfer order %(number)s has not been sent yet: nothing to receive.",
                number=number,
            )
        )
    if action == "receive" and status == "received":
        raise Conflict(_l("Transfer order %(number)s has already been received.", number=number))
    if expected_version is not None and version != expected_version:
        raise Conflict(
            _l(
                "Transfer order %(number)s was changed meanwhile (or the form was sent twice). "
                "Reload the page and check it.",
                number=number,
            )
        )
    raise Conflict(_l("Transfer order %(number)s was changed meanwhile.", number=number))


def _refuse_if_changed(order_id: int, expected_version: int | None) -> None:
    """Raise the send refusal if the order was sent, cancelled or changed meanwhile."""
    status, version = db.session.execute(
        select(TransferOrder.status, TransferOrder.version_id).where(TransferOrder.id == order_id)
    ).one()
    if status != "open" or expected_version not in (None, version):
        _refuse(order_id, "send", expected_version)


def refusal(order: TransferOrder, action: str) -> DomainError | None:
    """Why the action ('send', 'receive', 'cancel') is not possible in the order's state."""
    wanted = {"send": "open", "cancel": "open", "receive": "sent"}[action]
    if order.status == wanted:
        return None
    try:
        _refuse(order.id, action, None)
    except DomainError as exc:
        return exc
    return None


def _checked_picks(order: TransferOrder, picks, quantities) -> tuple[dict, dict]:
    """The picks {line: [item ids]} and consumable quantities {line: n} checked against the
    order's lines (input errors: 400)."""
    if not isinstance(picks, Mapping) or not isinstance(quantities, Mapping):
        raise DomainError(_l("Invalid picks."))
    lines = {line.id: line for line in order.lines}

    def line_of(line_id) -> TransferOrderLine:
        line = lines.get(line_id) if _is_id(line_id) else None
        if line is None:
            raise DomainError(
                _l("The line is not on transfer order %(number)s.", number=order.number)
            )
        return line

    items: dict[TransferOrderLine, list[int]] = {}
    seen: set[int] = set()
    for line_id, item_ids in picks.items():
        line = line_of(line_id)
        if line.product_type_id is None:
            raise DomainError(_l("A consumable is sent as a quantity, not as items."))
        if isinstance(item_ids, str | bytes) or not isinstance(item_ids, Sequence | set):
            raise DomainError(_l("Invalid picks."))
        ids = list(item_ids)
        if not all(_is_id(i) for i in ids):
            raise DomainError(_l("Invalid picks."))
        if seen & set(ids) or len(set(ids)) != len(ids):
            raise DomainError(_l("The same item is picked twice."))
        seen |= set(ids)
        if ids:
            items[line] = sorted(ids)
    units: dict[TransferOrderLine, int] = {}
    for line_id, quantity in quantities.items():
        line = line_of(line_id)
        if line.product_id is None:
            raise DomainError(_l("Reusable devices are sent as picked items, not as a quantity."))
        quantity = _checked_quantity(quantity, allow_zero=True)
        if quantity > line.quantity:
            raise DomainError(
                lazy_ngettext(
                    "%(what)s: at most %(num)s unit can be sent on this line.",
                    "%(what)s: at most %(num)s units can be sent on this line.",
                    line.quantity,
                    what=line_label(line),
                )
            )
        if quantity:
            units[line] = quantity
    if not items and not units:
        raise DomainError(_l("Pick at least one item or enter a quantity above 0."))
    return items, units


def _unavailable(order: TransferOrder, item: Item) -> Conflict | None:
    """Why the item cannot leave the order's from-depot now, if it cannot."""
    if item.depot_id != order.from_depot_id:
        return Conflict(
            _l(
                "%(tag)s is not in %(depot)s: it cannot be sent from there.",
                tag=item.asset_tag,
                depot=order.from_depot.name,
            )
        )
    if item.status != "available":
        return Conflict(
            _l(
                "%(tag)s is %(state)s, not available: it cannot be sent.",
                tag=item.asset_tag,
                state=STATE_LABELS.get(item.status, item.status),
            )
        )
    return None


def _check_items(order: TransferOrder, items: dict[TransferOrderLine, list[int]]) -> None:
    """Every picked item exists, is of its line's product type (400) and can leave the depot
    (409), and no line gets more than its quantity (400) -- in that order, so a scanned item
    that is reserved or in transit says so rather than hiding behind the count."""
    ids = [i for ids in items.values() for i in ids]
    found = {
        item.id: item
        for item in db.session.scalars(
            select(Item).where(Item.id.in_(ids)).options(joinedload(Item.product))
        )
    }
    for line, item_ids in items.items():
        for item_id in item_ids:
            item = found.get(item_id)
            if item is None:
                raise DomainError(_l("A picked item does not exist."))
            if item.product.product_type_id != line.product_type_id:
                raise DomainError(
                    _l(
                        "%(tag)s is not of the type %(what)s: it cannot be sent on this line.",
                        tag=item.asset_tag,
                        what=line_label(line),
                    )
                )
    for item_ids in items.values():
        for item_id in item_ids:
            if (refused := _unavailable(order, found[item_id])) is not None:
                raise refused
    for line, item_ids in items.items():
        if len(item_ids) > line.quantity:
            raise DomainError(
                lazy_ngettext(
                    "%(what)s: at most %(num)s item can be sent on this line. If you scanned "
                    "a replacement, untick the item you do not send.",
                    "%(what)s: at most %(num)s items can be sent on this line. If you scanned "
                    "replacements, untick the items you do not send.",
                    line.quantity,
                    what=line_label(line),
                )
            )


def _send_item(order: TransferOrder, line: TransferOrderLine, item_id: int, user) -> None:
    item = db.session.get(Item, item_id, populate_existing=True)
    # Checked again here: the order is taken now, and the item may have moved meanwhile.
    if (refused := _unavailable(order, item)) is not None:
        raise refused
    transfer = send_transfer(
        item_id=item_id, to_depot_id=order.to_depot_id, user=user, note=order.number
    )
    db.session.add(TransferOrderItem(line_id=line.id, item_id=item_id, transfer_id=transfer.id))


def send_order(
    *,
    order_id: int,
    picks: Mapping[int, Sequence[int]],
    quantities: Mapping[int, int],
    user: User | None,
    expected_version: int | None = None,
) -> TransferOrder:
    """Send an open order: the picked items go in transit, the consumables leave the stock."""
    order = _get(TransferOrder, order_id)
    if order is None:
        raise TransferOrderNotFound(_l("No such transfer order."))
    if order.status != "open":
        _refuse(order.id, "send", expected_version)
    items, units = _checked_picks(
        order, {} if picks is None else picks, {} if quantities is None else quantities
    )
    try:
        _check_items(order, items)
    except Conflict:
        # An item gone because someone else sent this very order: say that instead.
        _refuse_if_changed(order.id, expected_version)
        raise
    values = {"status": "sent", "sent_at": utcnow(), "sent_by_id": user.id if user else None}
    with db.session.begin_nested():  # everything or nothing
        # Taking the order first: a second sender waits here and then finds it sent.
        if not _change(order.id, [TransferOrder.status == "open"], values, expected_version):
            _refuse(order.id, "send", expected_version)
        sent: dict[int, int] = {}
        for line, item_ids in sorted(items.items(), key=lambda pair: pair[0].id):
            for item_id in item_ids:
                _send_item(order, line, item_id, user)
            sent[line.id] = len(item_ids)
        for line, quantity in sorted(units.items(), key=lambda pair: pair[0].id):
            transfer_out_stock(
                depot_id=order.from_depot_id,
                product_id=line.product_id,
                quantity=quantity,
                user=user,
                reason=order.number,
            )
            sent[line.id] = quantity
        for line_id, quantity in sent.items():
            db.session.execute(
                update(TransferOrderLine)
                .where(TransferOrderLine.id == line_id)
                .values(sent_quantity=quantity)
                .execution_options(synchronize_session=False)
            )
        db.session.flush()
    return _reload(order.id)


def receive_order(
    *, order_id: int, user: User | None, expected_version: int | None = None
) -> TransferOrder:
    """Receive a sent order at its to-depot: the items become available there, the
    consumables enter its stock."""
    order = _get(TransferOrder, order_id)
    if order is None:
        raise TransferOrderNotFound(_l("No such transfer order."))
    at = utcnow()
    values = {"status": "received", "received_at": at, "received_by_id": user.id if user else None}
    with db.session.begin_nested():
        if not _change(order.id, [TransferOrder.status == "sent"], values, expected_version):
            _refuse(order.id, "receive", expected_version)
        picked = db.session.execute(
            select(TransferOrderItem.item_id, Transfer.received_at)
            .join(Transfer, TransferOrderItem.transfer_id == Transfer.id)
            .join(TransferOrderLine, TransferOrderItem.line_id == TransferOrderLine.id)
            .where(TransferOrderLine.order_id == order.id)
            .order_by(TransferOrderItem.item_id)
        ).all()
        for item_id, received_at in picked:
            if received_at is None:  # not yet received one by one on the transfers page
                receive_transfer(item_id=item_id, user=user, note=order.number)
        lines = db.session.scalars(
            select(TransferOrderLine)
            .where(TransferOrderLine.order_id == order.id)
            .order_by(TransferOrderLine.id)
            .execution_options(populate_existing=True)
        ).all()
        for line in lines:
            if line.product_id is not None and line.sent_quantity > 0:
                transfer_in_stock(
                    depot_id=order.to_depot_id,
                    product_id=line.product_id,
                    quantity=line.sent_quantity,
                    user=user,
                    reason=order.number,
                )
        db.session.execute(
            update(TransferOrderLine)
            .where(TransferOrderLine.order_id == order.id)
            .values(received_quantity=TransferOrderLine.sent_quantity)
            .execution_options(synchronize_session=False)
        )
        db.session.flush()
    return _reload(order.id)


def cancel_order(
    *, order_id: int, user: User | None, reason: str, expected_version: int | None = None
) -> TransferOrder:
    """Cancel an open order (nothing picked yet), with a reason kept in its note."""
    reason = _clean_text(reason, REASON_MAX)
    if not reason:
        raise DomainError(_l("Give a reason for cancelling the transfer order."))
    order = _get(TransferOrder, order_id)
    if order is None:
        raise TransferOrderNotFound(_l("No such transfer order."))
    line = _("Cancelled by %(name)s: %(reason)s", name=user.name if user else "–", reason=reason)
    note = f"{order.note}\n\n{line}" if order.note else line
    if not _change(
        order.id,
        [TransferOrder.status == "open"],
        {"status": "cancelled", "note": note},
        expected_version,
    ):
        _refuse(order.id, "cancel", expected_version)
    return _reload(order.id)
