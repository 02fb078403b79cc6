"""Depot overview queries: items per product and state, items out longest, fleet utilisation.

The counts per state sum `item_count` (depot × product × owner × state, kept in step with
the items by database triggers): a few thousand rows instead of a million items per request.
The items out longest use ix_item_status_changed (status, status_changed_at).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from depot.catalogue.models import Product, ProductType
from depot.extensions import db
from depot.items.models import ITEM_STATES, Item, ItemCount
from depot.organisations.models import Depot, Organisation

# The share of the fleet on loan: on_loan among the items not scrapped.
ON_LOAN = "on_loan"
GONE = "scrapped"


@dataclass
class Utilisation:
    """Items on loan among the items not scrapped."""

    on_loan: int = 0
    fleet: int = 0

    @property
    def share(self) -> float | None:
        return self.on_loan / self.fleet if self.fleet else None

    def add(self, status: str, n: int) -> None:
        if status == ON_LOAN:
            self.on_loan += n
        if status != GONE:
            self.fleet += n


@dataclass
class ProductRow:
    """One product's item counts per state."""

    product_id: int
    name: str
    hmi_number: str | None
    type_id: int
    type_code: str
    type_title_da: str
    type_title_en: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def type_title(self, locale: str) -> str:
        return self.type_title_en if locale == "en" else self.type_title_da


@dataclass
class TypeRow:
    """A product type's utilisation, summed over its products."""

    type_id: int
    type_code: str
    type_title_da: str
    type_title_en: str
    utilisation: Utilisation = field(default_factory=Utilisation)

    def type_title(self, locale: str) -> str:
        return self.type_title_en if locale == "en" else self.type_title_da


@dataclass
class StateCounts:
    """Counts per product × state, with the totals per state and utilisation per type."""

    rows: list[ProductRow]
    totals: dict[str, int]
    by_type: list[TypeRow]
    utilisation: Utilisation

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def _filters(
    *, depot_id: int | None, product_type_id: int | None, owner_id: int | None, model=Item
) -> list:
    """Filter conditions on Item, or on ItemCount (which has the same key columns)."""
    conditions = []
    if depot_id is not None:
        conditions.append(model.depot_id == depot_id)
    if product_type_id is not None:
        conditions.append(
            model.product_id.in_(
                select(Product.id).where(Product.product_type_id == product_type_id)
            )
        )
    if owner_id is not None:
        conditions.append(model.owner_id == owner_id)
    return conditions


def _count_filters(**filters) -> list:
    return [*_filters(model=ItemCount, **filters), ItemCount.n > 0]


def state_counts(
    *,
    depot_id: int | None = None,
    product_type_id: int | None = None,
    owner_id: int | None = None,
) -> StateCounts:
    """Items per product and state (one depot or all), grouped by product type, in one query."""
    counted = (
        select(ItemCount.product_id, ItemCount.status, func.sum(ItemCount.n).label("n"))
        .where(
            *_count_filters(depot_id=depot_id, product_type_id=product_type_id, owner_id=owner_id)
        )
        .group_by(ItemCount.product_id, ItemCount.status)
        .subquery()
    )
    query = (
        select(
            counted.c.product_id,
            counted.c.status,
            counted.c.n,
            Product.name,
            Product.hmi_number,
            ProductType.id,
            ProductType.iso_code,
            ProductType.title_da,
            ProductType.title_en,
        )
        .join(Product, Product.id == counted.c.product_id)
        .join(ProductType, ProductType.id == Product.product_type_id)
        .order_by(ProductType.iso_code, ProductType.id, Product.name, Product.id)
    )
    rows: dict[int, ProductRow] = {}
    types: dict[int, TypeRow] = {}
    totals = dict.fromkeys(ITEM_STATES, 0)
    overall = Utilisation()
    for product_id, status, n, name, hmi, type_id, code, title_da, title_en in db.session.execute(
        query
    ):
        row = rows.get(product_id)
        if row is None:
            row = rows[product_id] = ProductRow(
                product_id, name, hmi, type_id, code, title_da, title_en
            )
        row.counts[status] = n
        totals[status] = totals.get(status, 0) + n
        type_row = types.get(type_id)
        if type_row is None:
            type_row = types[type_id] = TypeRow(type_id, code, title_da, title_en)
        type_row.utilisation.add(status, n)
        overall.add(status, n)
    return StateCounts(
        rows=list(rows.values()), totals=totals, by_type=list(types.values()), utilisation=overall
    )


def utilisation_by_depot(
    *, product_type_id: int | None = None, owner_id: int | None = None
) -> list[tuple[Depot, Utilisation]]:
    """Share of items on loan among those not scrapped, per depot (depots with items)."""
    counted = db.session.execute(
        select(ItemCount.depot_id, ItemCount.status, func.sum(ItemCount.n))
        .where(*_count_filters(depot_id=None, product_type_id=product_type_id, owner_id=owner_id))
        .group_by(ItemCount.depot_id, ItemCount.status)
    ).all()
    per_depot: dict[int, Utilisation] = {}
    for depot_id, status, n in counted:
        per_depot.setdefault(depot_id, Utilisation()).add(status, n)
    if not per_depot:
        return []
    depots = db.session.scalars(
        select(Depot).where(Depot.id.in_(per_depot)).order_by(Depot.name, Depot.id)
    )
    return [(depot, per_depot[depot.id]) for depot in depots]


def out_longest(
    *,
    depot_id: int | None = None,
    product_type_id: int | None = None,
    owner_id: int | None = None,
    limit: int = 20,
) -> list[Item]:
    """The items on loan with the oldest state change, with product and depot loaded."""
    return list(
        db.session.scalars(
            select(Item)
            .options(joinedload(Item.product), joinedload(Item.depot), joinedload(Item.owner))
            .where(
                Item.status == ON_LOAN,
                *_filters(depot_id=depot_id, product_type_id=product_type_id, owner_id=owner_id),
            )
            .order_by(Item.status_changed_at, Item.id)
            .limit(limit)
        )
    )


def days_since(moment: datetime, *, today: date) -> int:
    """Whole days from a stored time to today (0 for today or later)."""
    return max((today - moment.date()).days, 0)


def reusable_product_types() -> list[ProductType]:
    """Product types that have reusable products, for the overview's filter."""
    return list(
        db.session.scalars(
            select(ProductType)
            .where(ProductType.id.in_(select(Product.product_type_id).where(Product.reusable)))
            .order_by(ProductType.iso_code, ProductType.iso_edition.desc())
        )
    )


def owner_organisations() -> list[Organisation]:
    """The active organisations, for the owner filter."""
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.active).order_by(Organisation.name)
        )
    )
