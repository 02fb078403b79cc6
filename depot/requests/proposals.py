"""Proposals of items for a request line: matching available items across the whole shared
stock, nearest depot first, the user's own organisation's items first within a depot.

Built to stay fast at a million items: the matching products are found first (a handful),
the distances to the few dozen depots are computed in Python, the trigger-kept item counts
(ItemCount) tell which depots hold any available matching item at all, and only those depots
are asked for items, nearest first, each query bounded by LIMIT on the
(depot_id, status, product_id) index, until enough items are found. The counts do not know
about overdue inspections, so the item queries still filter on the inspection date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import joinedload

from depot.catalogue.models import Product
from depot.extensions import db
from depot.geo import distance_km
from depot.items.models import InspectionPlan, Item, ItemCount
from depot.organisations.models import Depot, Organisation
from depot.requests import measurements
from depot.requests.models import RequestLine
from depot.requests.services import RequestNotFound

MAX_LIMIT = 100
# Up to this many matching items in a depot, they are fetched through the depot index and
# sorted (see _items_in_depot).
SORT_IN_MEMORY_BELOW = 2000


@dataclass
class Proposal:
    """One available item that could be reserved for a request line."""

    item_id: int
    asset_tag: str
    product_id: int
    product_name: str
    depot_id: int
    depot_name: str
    distance_km: float | None  # None: the depot has no coordinates
    owner_id: int
    owner_name: str
    own: bool  # owned by the organisation of the user who asks
    fits: bool  # the product fits the line's measurements
    # The product's values of the measurements its type is requested by: [(name, value)].
    product_measurements: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    name: str
    fits: bool
    measured: list[tuple[str, int]]


def _line(line_id: int) -> RequestLine:
    line = db.session.get(RequestLine, line_id, options=[joinedload(RequestLine.product_type)])
    if line is None:
        raise RequestNotFound(_l("No such request."))
    return line


def _candidates(line: RequestLine, *, ignore_measurements: bool) -> dict[int, _Candidate]:
    """The products whose items may serve the line, by id, with whether each fits.

    One query for plain columns: at a few dozen products per type, loading ORM objects
    would cost more than the search for items itself.
    """
    fields = [f for f in line.product_type.measurement_list if f in measurements.RULES]
    columns = [Product.id, Product.name, *(getattr(Product, f) for f in fields)]
    if line.product_id is not None:
        # A specific product was asked for: only its items will do (see item_fits_line).
        stmt = select(*columns, true()).where(Product.id == line.product_id)
    else:
        conditions = measurements.product_conditions(measurements.parse(line.measurements))
        fits = and_(*conditions) if conditions else true()
        stmt = select(*columns, fits).where(
            Product.product_type_id == line.product_type_id, Product.active
        )
        if conditions and not ignore_measurements:
            stmt = stmt.where(*conditions)
    found = {}
    for product_id, name, *values, fits in db.session.execute(stmt):
        measured = [(f, v) for f, v in zip(fields, values, strict=True) if v is not None]
        found[product_id] = _Candidate(name, bool(fits), measured)  # NULL: does not fit
    return found


def _unfitting_ids(line: RequestLine) -> list[int]:
    """Active products of the line's type that do not fit its measurements."""
    if line.product_id is not None:
        return []
    conditions = measurements.product_conditions(measurements.parse(line.measurements))
    if not conditions:
        return []
    of_type = (Product.product_type_id == line.product_type_id, Product.active)
    fitting = select(Product.id).where(*of_type, *conditions)
    return list(db.session.scalars(select(Product.id).where(*of_type, Product.id.not_in(fitting))))


def depots_by_distance(*, from_depot_id: int) -> list[tuple]:
    """The active depots (rows with id, name, latitude, longitude) with their distance from
    the given depot, nearest first.

    The depot itself comes first (0 km); depots without coordinates (or all others, when the
    depot itself has none) come last, by name.
    """
    columns = (Depot.id, Depot.name, Depot.latitude, Depot.longitude)
    depots = db.session.execute(select(*columns).where(Depot.active)).all()
    origin = next((d for d in depots if d.id == from_depot_id), None)
    if origin is None:  # an inactive depot still has a place
        origin = db.session.execute(select(*columns).where(Depot.id == from_depot_id)).first()
    here = (origin.latitude, origin.longitude) if origin is not None else None
    ranked = []
    for depot in depots:
        if depot.id == from_depot_id:
            distance = 0.0
        else:
            distance = distance_km(here, (depot.latitude, depot.longitude))
        ranked.append((depot, distance))
    ranked.sort(
        key=lambda pair: (
            pair[1] is None,
            pair[1] or 0.0,
            pair[0].id != from_depot_id,
            pair[0].name,
        )
    )
    return ranked


def _stocked(product_ids: list[int]) -> dict[int, dict[int, int]]:
    """Available items per depot and owner, from the trigger-kept counts: {depot: {owner: n}}."""
    rows = db.session.execute(
        select(ItemCount.depot_id, ItemCount.owner_id, func.sum(ItemCount.n))
        .where(
            ItemCount.product_id.in_(product_ids),
            ItemCount.status == "available",
            ItemCount.n > 0,
        )
        .group_by(ItemCount.depot_id, ItemCount.owner_id)
    ).all()
    stocked: dict[int, dict[int, int]] = defaultdict(dict)
    for depot_id, owner_id, n in rows:
        stocked[depot_id][owner_id] = int(n)
    return stocked


def _not_overdue(today: date):
    return or_(Item.next_inspection_due.is_(None), Item.next_inspection_due >= today)


def _items_in_depot(
    *,
    depot_id: int,
    product_ids: list[int],
    owner_condition,
    today: date,
    limit: int,
    counted: int,
) -> list:
    """The first `limit` matching items of one depot by id; `counted` is how many there are."""
    # With few matching rows, walking the primary key in id order until `limit` rows match
    # can read the whole table (the planner misjudges depot × owner × product), so order by
    # an expression: the rows then come from ix_item_depot_status_product and are sorted,
    # at most `counted` of them. With many, the id-ordered walk stops early; let it.
    order = Item.id + 0 if counted <= SORT_IN_MEMORY_BELOW else Item.id
    return db.session.execute(
        select(Item.id, Item.asset_tag, Item.product_id, Item.owner_id)
        .where(
            Item.depot_id == depot_id,
            Item.status == "available",
            Item.product_id.in_(product_ids),
            owner_condition,
            _not_overdue(today),
        )
        .order_by(order)
        .limit(limit)
    ).all()


def propose_items(
    *,
    line_id: int,
    from_depot_id: int,
    organisation_id: int,
    today: date,
    limit: int = 10,
    ignore_measurements: bool = False,
) -> list[Proposal]:
    """Available items that could serve a request line, nearest depot first.

    Within a depot the organisation's own items come first, then by item id. Items overdue
    for inspection are left out. With `ignore_measurements`, items of the line's type that do
    not fit the measurements are proposed too (marked `fits=False`).
    """
    limit = max(1, min(limit, MAX_LIMIT))
    line = _line(line_id)
    candidates = _candidates(line, ignore_measurements=ignore_measurements)
    if not candidates:
        return []
    product_ids = sorted(candidates)
    stocked = _stocked(product_ids)
    if not stocked:
        return []
    found: list[tuple] = []
    for depot, distance in depots_by_distance(from_depot_id=from_depot_id):
        owners = stocked.get(depot.id)
        if not owners:
            continue
        # The organisation's own items first, then everyone else's (each by id).
        own = owners.get(organisation_id, 0)
        others = sum(n for owner, n in owners.items() if owner != organisation_id)
        passes = [
            (condition, counted)
            for condition, counted in (
                (Item.owner_id == organisation_id, own),
                (Item.owner_id != organisation_id, others),
            )
            if counted
        ]
        for owner_condition, counted in passes:
            rows = _items_in_depot(
                depot_id=depot.id,
                product_ids=product_ids,
                owner_condition=owner_condition,
                today=today,
                limit=limit - len(found),
                counted=counted,
            )
            found.extend((depot, distance, row) for row in rows)
            if len(found) >= limit:
                break
        if len(found) >= limit:
            break
    owner_names = _organisation_names({row.owner_id for _d, _km, row in found})
    return [
        Proposal(
            item_id=row.id,
            asset_tag=row.asset_tag,
            product_id=row.product_id,
            product_name=candidates[row.product_id].name,
            depot_id=depot.id,
            depot_name=depot.name,
            distance_km=None if distance is None else round(distance, 1),
            owner_id=row.owner_id,
            owner_name=owner_names.get(row.owner_id, ""),
            own=row.owner_id == organisation_id,
            fits=candidates[row.product_id].fits,
            product_measurements=list(candidates[row.product_id].measured),
        )
        for depot, distance, row in found
    ]


def _organisation_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return {organisation_id: name for organisation_id, name in rows}


def count_available(*, product_ids: list[int], today: date) -> int:
    """Available items of these products, not overdue for inspection, in all depots."""
    if not product_ids:
        return 0
    counted = db.session.scalar(
        select(func.coalesce(func.sum(ItemCount.n), 0)).where(
            ItemCount.product_id.in_(product_ids), ItemCount.status == "available"
        )
    )
    if not counted or not _inspected(product_ids):
        return int(counted or 0)
    # The counts include items overdue for inspection: count those apart.
    overdue = db.session.scalar(
        select(func.count()).where(
            Item.product_id.in_(product_ids),
            Item.status == "available",
            Item.next_inspection_due < today,
        )
    )
    return int(counted) - int(overdue or 0)


def _inspected(product_ids: list[int]) -> bool:
    """Whether any of the products' types has an inspection plan: only then do its items get
    due dates (items.services sets them from the plan; plans are never deleted)."""
    return (
        db.session.scalar(
            select(InspectionPlan.id)
            .join(Product, Product.product_type_id == InspectionPlan.product_type_id)
            .where(Product.id.in_(product_ids))
            .limit(1)
        )
        is not None
    )


def count_matching(*, line_id: int, today: date) -> int:
    """Available items (not overdue) in the whole shared stock that fit a request line."""
    line = _line(line_id)
    return count_available(
        product_ids=sorted(_candidates(line, ignore_measurements=False)), today=today
    )


def count_unfitting(*, line_id: int, today: date) -> int:
    """Available items (not overdue) of the line's type that do not fit its measurements."""
    return count_available(product_ids=_unfitting_ids(_line(line_id)), today=today)
