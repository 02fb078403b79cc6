"""Read-only queries behind the depot pages: item search, history, open loans and transfers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from depot.catalogue.models import Product
from depot.extensions import db
from depot.items.models import InspectionPlan, Item, ItemEvent, Transfer
from depot.loans.models import Loan

ITEM_SORTS = {
    "tag": (Item.asset_tag,),
    "-tag": (Item.asset_tag.desc(),),
    "since": (Item.status_changed_at, Item.id),
    "-since": (Item.status_changed_at.desc(), Item.id.desc()),
    "due": (Item.next_inspection_due.is_(None), Item.next_inspection_due, Item.id),
}


def item_query(
    *,
    search: str | None = None,
    depot_id: int | None = None,
    product_type_id: int | None = None,
    product_id: int | None = None,
    status: str | None = None,
    owner_id: int | None = None,
    sort: str = "tag",
):
    """Items matching the filters (None means any), with product, depot and owner loaded.

    The search matches an asset tag or serial exactly or by prefix, or a product name anywhere.
    """
    from sqlalchemy.orm import joinedload

    stmt = select(Item).options(
        joinedload(Item.product), joinedload(Item.depot), joinedload(Item.owner)
    )
    if search:
        term = search.strip()
        # Product ids first, as a plain list: a subquery would be re-run for every item row.
        named = db.session.scalars(
            select(Product.id).where(Product.name.icontains(term, autoescape=True))
        ).all()
        stmt = stmt.where(
            or_(
                Item.asset_tag.startswith(term.upper(), autoescape=True),
                Item.serial.startswith(term, autoescape=True),
                Item.product_id.in_(named),
            )
        )
    if depot_id is not None:
        stmt = stmt.where(Item.depot_id == depot_id)
    if product_type_id is not None:
        of_type = select(Product.id).where(Product.product_type_id == product_type_id)
        stmt = stmt.where(Item.product_id.in_(of_type))
    if product_id is not None:
        stmt = stmt.where(Item.product_id == product_id)
    if status is not None:
        stmt = stmt.where(Item.status == status)
    if owner_id is not None:
        stmt = stmt.where(Item.owner_id == owner_id)
    return stmt.order_by(*ITEM_SORTS.get(sort, ITEM_SORTS["tag"]))


def item_history(*, item_id: int) -> list[ItemEvent]:
    """The item's events, newest first, with user and depot loaded."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            select(ItemEvent)
            .options(selectinload(ItemEvent.user), selectinload(ItemEvent.depot))
            .where(ItemEvent.item_id == item_id)
            .order_by(ItemEvent.at.desc(), ItemEvent.id.desc())
        )
    )


def open_loan(*, item_id: int) -> Loan | None:
    """The item's open loan, if it is lent out, with citizen and lender loaded."""
    from sqlalchemy.orm import joinedload

    return db.session.scalar(
        select(Loan)
        .options(joinedload(Loan.citizen), joinedload(Loan.lender))
        .where(Loan.item_id == item_id, Loan.returned_at.is_(None))
    )


def open_transfer(*, item_id: int) -> Transfer | None:
    """The item's transfer that has not been received yet."""
    return db.session.scalar(
        select(Transfer).where(Transfer.item_id == item_id, Transfer.received_at.is_(None))
    )


def open_transfers(*, depot_id: int) -> dict[str, list[Transfer]]:
    """Transfers not yet received, to and from a depot, oldest first."""
    from sqlalchemy.orm import joinedload

    query = (
        select(Transfer)
        .options(
            joinedload(Transfer.item).joinedload(Item.product),
            joinedload(Transfer.from_depot),
            joinedload(Transfer.to_depot),
        )
        .where(
            Transfer.received_at.is_(None),
            or_(Transfer.to_depot_id == depot_id, Transfer.from_depot_id == depot_id),
        )
        .order_by(Transfer.sent_at, Transfer.id)
    )
    transfers = db.session.scalars(query).all()
    return {
        "incoming": [t for t in transfers if t.to_depot_id == depot_id],
        "outgoing": [t for t in transfers if t.from_depot_id == depot_id],
    }


def items_by_tags(*, tags: Sequence[str]) -> dict[str, Item]:
    """The items with the given asset tags (case-insensitive), keyed by their upper-case tag."""
    from sqlalchemy.orm import joinedload

    wanted = {t.strip().upper() for t in tags if t and t.strip()}
    if not wanted:
        return {}
    items = db.session.scalars(
        select(Item).options(joinedload(Item.product)).where(Item.asset_tag.in_(wanted))
    ).all()
    return {item.asset_tag: item for item in items}


def items_by_ids(*, ids: Sequence[int]) -> list[Item]:
    """The items with the given ids, in asset-tag order, with product loaded."""
    from sqlalchemy.orm import joinedload

    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Item)
            .options(joinedload(Item.product))
            .where(Item.id.in_(list(ids)))
            .order_by(Item.asset_tag)
        )
    )


def inspection_plan_rows():
    """Every reusable product type with its inspection plan (or None), by ISO code."""
    from depot.catalogue.models import ProductType

    return db.session.execute(
        select(ProductType, InspectionPlan)
        .outerjoin(InspectionPlan, InspectionPlan.product_type_id == ProductType.id)
        .where(or_(ProductType.reusable, InspectionPlan.id.is_not(None)))
        .order_by(ProductType.iso_code, ProductType.iso_edition.desc())
    ).all()


def citizen_by_cpr(*, cpr: str):
    """The registered citizen with this (normalised) CPR number, or None."""
    from depot.citizens.models import Citizen

    return db.session.scalar(select(Citizen).where(Citizen.cpr == cpr))
