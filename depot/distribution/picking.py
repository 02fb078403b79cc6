"""What to pick for a transfer order: the items the pick list proposes, and scanned codes as
picks per line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from depot.catalogue.models import Product
from depot.distribution.models import TransferOrder, TransferOrderLine
from depot.errors import DomainError
from depot.extensions import db
from depot.items.models import Item
from depot.items.services import find_item_by_code
from depot.web.i18n import local_today

CODES_MAX = 2000  # asset tags in one scan
# A proposed item stays out of inspection for at least this long after it arrives: an item due
# within days would only be pulled again by the receiving depot.
INSPECTION_MARGIN_DAYS = 14


def proposed_items(*, line: TransferOrderLine, limit: int | None = None) -> list[Item]:
    """Available items of the line's type in the from-depot whose next inspection is at least
    INSPECTION_MARGIN_DAYS away (none overdue), the oldest received first: what the pick list
    suggests. A worker may still scan any available item of the type."""
    if line.product_type_id is None:
        return []
    inspect_after = local_today() + timedelta(days=INSPECTION_MARGIN_DAYS)
    query = (
        select(Item)
        .join(Product, Item.product_id == Product.id)
        .where(
            Product.product_type_id == line.product_type_id,
            Item.depot_id == line.order.from_depot_id,
            Item.status == "available",
            or_(Item.next_inspection_due.is_(None), Item.next_inspection_due >= inspect_after),
        )
        .options(joinedload(Item.product))
        .order_by(Item.received_at, Item.id)
    )
    if limit is not None:
        query = query.limit(max(limit, 0))
    return list(db.session.scalars(query))


def picks_from_codes(*, order: TransferOrder, codes: Sequence[str]) -> dict[int, list[int]]:
    """Scanned asset tags (or serial numbers) as picks per line, by each item's product type.

    Refused (400) when a code is unknown or its item's type is not on the order."""
    if len(codes) > CODES_MAX:
        raise DomainError(_l("At most %(max)s codes can be scanned at once.", max=CODES_MAX))
    lines = {line.product_type_id: line for line in order.lines if line.product_type_id}
    picks: dict[int, list[int]] = {}
    unknown, foreign = [], []
    for code in codes:
        item = find_item_by_code(code=code)
        if item is None:
            unknown.append(code)
            continue
        line = lines.get(item.product.product_type_id)
        if line is None:
            foreign.append(item.asset_tag)
            continue
        if item.id not in picks.setdefault(line.id, []):
            picks[line.id].append(item.id)
    if unknown:
        raise DomainError(_l("Unknown codes: %(codes)s", codes=", ".join(unknown[:20])))
    if foreign:
        raise DomainError(
            _l(
                "Not a product type on this order: %(tags)s",
                tags=", ".join(foreign[:20]),
            )
        )
    return picks
