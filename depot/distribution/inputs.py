"""The depots' data as the distribution optimizer's instance (procurement.optimizer.distribute).

Depots: the active depots with coordinates (without them no transport cost can be worked out);
capacity is `capacity_m3`, unlimited (UNLIMITED m³) when not set.

"Products": reusable items count per product type (key "t<type id>"), since the basic package
and the citizens' needs are by type; consumables per product (key "p<product id>").
- Volume per unit (m³): the type's `volume_m3`, else the median length × width × height of
  its reusable products where all three are known, else DEFAULT_ITEM_M3; a consumable's own
  dimensions, else DEFAULT_CONSUMABLE_M3.
- Handling: the type's `handling_factor` (a consumable's: its product type's).
- Shortage penalty per unit: the run's factor × the median list price of the type's active
  reusable products (all its reusable products when none is active); a consumable's own price.

Stock: available items with at least INSPECTION_MARGIN_DAYS to their next inspection (what a
pick list may propose), per depot and type; consumables: the stock level per depot. What is on
its way (items of an open transfer, consumables of a sent transfer order) counts at the depot
it goes to, so a new run does not send it again.

Demand over the horizon, per depot: the history is the last HISTORY_MONTHS full months of
loans that went out from the depot (the depot of the loan's "lend" event; the item's depot
when the loan has none) and of consumable units issued from it. Each series is trimmed as the
purchase forecast does (`_series_start`) and forecast with `procurement.forecast`. The demand
to cover is the service-level quantity: the smallest n with P(Poisson(rate × horizon) ≤ n) ≥
the service level, and at least the basic-package units (package line quantity × the run's
number of sets, for every depot, since every active depot hands out).

Transport: every ordered pair of depots, straight-line km × the run's cost per km (the optimizer
multiplies by the product's handling factor).

A handful of grouped queries; month buckets are made in Python, as the purchase forecast does.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from sqlalchemy import func, or_, select

from depot.catalogue.models import Product as CatalogueProduct
from depot.catalogue.models import ProductType
from depot.distribution.models import DistributionRun, TransferOrder, TransferOrderLine
from depot.distribution.picking import INSPECTION_MARGIN_DAYS
from depot.extensions import db
from depot.geo import distance_km
from depot.items.models import Item, ItemEvent, Transfer
from depot.loans.models import Loan
from depot.organisations.models import Depot as DepotRow
from depot.purchasing.forecasting import (
    _app_timezone,
    _Buckets,
    _months,
    _series_start,
    _utc,
)
from depot.requests.models import BasicPackageLine
from depot.stock.models import StockLevel, StockMovement
from procurement.forecast import forecast
from procurement.optimizer.distribute import Depot, DistributionInstance, Product, Transport

HISTORY_MONTHS = 24
UNLIMITED = 1e9  # m³: a depot without a recorded capacity
DEFAULT_ITEM_M3 = 0.25
DEFAULT_CONSUMABLE_M3 = 0.01
LEVEL_TOLERANCE = 1e-12  # rounding in the Poisson sums must not add a unit


@dataclass
class Inputs:
    instance: DistributionInstance
    labels: dict[str, str]  # instance product id → human name
    depot_names: dict[int, str]
    rates: dict[tuple[int, str], float]  # (depot id, product key) → forecast units per month
    service: dict[tuple[int, str], int]  # (depot id, product key) → basic-package units
    left_out: list[str] = field(
        default_factory=list
    )  # active depots without coordinates: no distances, so not in the plan


def type_key(product_type_id: int) -> str:
    return f"t{product_type_id}"


def product_key(product_id: int) -> str:
    return f"p{product_id}"


def poisson_quantile(mean: float, level: float) -> int:
    """The smallest n with P(Poisson(mean) ≤ n) ≥ level (0 < level < 1)."""
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise ValueError(f"The service level must be between 0 and 1, not {level!r}.")
    if isinstance(mean, bool) or not isinstance(mean, int | float):
        raise ValueError(f"The mean must be a number, not {mean!r}.")
    if not math.isfinite(mean) or mean < 0:
        raise ValueError(f"The mean must be finite and not negative, not {mean!r}.")
    if mean == 0:
        return 0
    # Below `n` lies a mass under e^-50: starting there, large means neither underflow nor
    # need a long loop; the terms then follow p(k + 1) = p(k) · mean / (k + 1).
    n = max(0, math.floor(mean - 10 * math.sqrt(mean) - 10))
    term = math.exp(n * math.log(mean) - mean - math.lgamma(n + 1))
    total = term
    last = mean + 20 * math.sqrt(mean) + 50  # far past any level below 1 - 1e-80
    while total < level - LEVEL_TOLERANCE and n < last:
        n += 1
        term *= mean / n
        total += term
    return n


def covered_demand(rate: float, horizon_months: int, service: int, level: float) -> int:
    """Units to hold for the horizon: the Poisson service-level quantity, at least `service`."""
    return max(poisson_quantile(rate * horizon_months, level), service)


def _volume_from_dims(length, width, height) -> float | None:
    if not length or not width or not height:
        return None
    return length * width * height / 1_000_000


def _depots() -> tuple[list[DepotRow], list[str]]:
    """Active depots with a position, and the names of those without (left out: no distances)."""
    rows = db.session.scalars(
        select(DepotRow).where(DepotRow.active.is_(True)).order_by(DepotRow.name, DepotRow.id)
    )
    placed, left_out = [], []
    for row in rows:
        if row.latitude is None or row.longitude is None:
            left_out.append(row.name)
        else:
            placed.append(row)
    return placed, left_out


def _item_stock(depot_ids: list[int], today: date) -> dict[tuple[int, str], int]:
    """Available items per depot and type that may go out now (the pick list's inspection
    margin), plus items on their way to a depot: already sent, so not to be sent again."""
    inspect_after = today + timedelta(days=INSPECTION_MARGIN_DAYS)
    rows = db.session.execute(
        select(Item.depot_id, CatalogueProduct.product_type_id, func.count())
        .join(CatalogueProduct, CatalogueProduct.id == Item.product_id)
        .where(
            Item.status == "available",
            Item.depot_id.in_(depot_ids),
            or_(Item.next_inspection_due.is_(None), Item.next_inspection_due >= inspect_after),
        )
        .group_by(Item.depot_id, CatalogueProduct.product_type_id)
    )
    stock = {(depot_id, type_key(type_id)): n for depot_id, type_id, n in rows}
    arriving = db.session.execute(
        select(Transfer.to_depot_id, CatalogueProduct.product_type_id, func.count())
        .join(Item, Item.id == Transfer.item_id)
        .join(CatalogueProduct, CatalogueProduct.id == Item.product_id)
        .where(Transfer.received_at.is_(None), Transfer.to_depot_id.in_(depot_ids))
        .group_by(Transfer.to_depot_id, CatalogueProduct.product_type_id)
    )
    for depot_id, type_id, n in arriving:
        key = (depot_id, type_key(type_id))
        stock[key] = stock.get(key, 0) + n
    return stock


def _consumable_stock(depot_ids: list[int]) -> dict[tuple[int, str], int]:
    """Consumables per depot and product, plus what sent transfer orders carry to a depot."""
    rows = db.session.execute(
        select(StockLevel.depot_id, StockLevel.product_id, func.sum(StockLevel.quantity))
        .join(CatalogueProduct, CatalogueProduct.id == StockLevel.product_id)
        .where(
            StockLevel.depot_id.in_(depot_ids),
            CatalogueProduct.reusable.is_(False),
            StockLevel.quantity > 0,
        )
        .group_by(StockLevel.depot_id, StockLevel.product_id)
    )
    stock = {(depot_id, product_key(pid)): int(n or 0) for depot_id, pid, n in rows}
    arriving = db.session.execute(
        select(
            TransferOrder.to_depot_id,
            TransferOrderLine.product_id,
            func.sum(TransferOrderLine.sent_quantity - TransferOrderLine.received_quantity),
        )
        .join(TransferOrder, TransferOrder.id == TransferOrderLine.order_id)
        .where(
            TransferOrder.status == "sent",
            TransferOrder.to_depot_id.in_(depot_ids),
            TransferOrderLine.product_id.is_not(None),
        )
        .group_by(TransferOrder.to_depot_id, TransferOrderLine.product_id)
    )
    for depot_id, product_id, n in arriving:
        if n and n > 0:
            key = (depot_id, product_key(product_id))
            stock[key] = stock.get(key, 0) + int(n)
    return stock


def _loan_history(buckets: _Buckets, depot_ids: set[int], start, end) -> None:
    # The depot a loan went out from: its "lend" event's; the item's depot (where it is, or
    # was last) only for loans recorded without one, since a returned item may have moved.
    lent_from = (
        select(ItemEvent.depot_id)
        .where(
            ItemEvent.item_id == Loan.item_id,
            ItemEvent.loan_id == Loan.id,
            ItemEvent.kind == "lend",
        )
        .order_by(ItemEvent.id)
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            func.coalesce(lent_from, Item.depot_id),
            CatalogueProduct.product_type_id,
            Loan.started_at,
        )
        .join(Item, Item.id == Loan.item_id)
        .join(CatalogueProduct, CatalogueProduct.id == Item.product_id)
        .where(Loan.started_at >= start, Loan.started_at < end)
    )
    for depot_id, type_id, started_at in rows:
        if depot_id in depot_ids:
            buckets.add(depot_id, type_key(type_id), started_at, 1)


def _issue_history(buckets: _Buckets, depot_ids: list[int], start, end) -> None:
    rows = db.session.execute(
        select(StockLevel.depot_id, StockLevel.product_id, StockMovement.at, StockMovement.quantity)
        .join(StockLevel, StockLevel.id == StockMovement.stock_level_id)
        .join(CatalogueProduct, CatalogueProduct.id == StockLevel.product_id)
        .where(
            StockMovement.kind == "issue",
            StockLevel.depot_id.in_(depot_ids),
            CatalogueProduct.reusable.is_(False),
            StockMovement.at >= start,
            StockMovement.at < end,
        )
    )
    for depot_id, product_id, at, quantity in rows:
        buckets.add(depot_id, product_key(product_id), at, -quantity)


def _service(run: DistributionRun, depot_ids: list[int]) -> dict[tuple[int, str], int]:
    if run.service_package_id is None or run.service_sets <= 0:
        return {}
    lines = db.session.execute(
        select(BasicPackageLine.product_type_id, BasicPackageLine.quantity).where(
            BasicPackageLine.package_id == run.service_package_id
        )
    ).all()
    return {
        (depot_id, type_key(type_id)): quantity * run.service_sets
        for type_id, quantity in lines
        for depot_id in depot_ids
    }


def _products(keys: set[str], penalty_factor: float) -> tuple[list[Product], dict[str, str]]:
    """The optimizer's products for the keys in use, and their labels."""
    type_ids = sorted(int(k[1:]) for k in keys if k.startswith("t"))
    product_ids = sorted(int(k[1:]) for k in keys if k.startswith("p"))
    rows = db.session.execute(
        select(
            CatalogueProduct.id,
            CatalogueProduct.product_type_id,
            CatalogueProduct.name,
            CatalogueProduct.reusable,
            CatalogueProduct.active,
            CatalogueProduct.list_price,
            CatalogueProduct.length_cm,
            CatalogueProduct.width_cm,
            CatalogueProduct.height_cm,
        ).where(
            or_(
                CatalogueProduct.product_type_id.in_(type_ids),
                CatalogueProduct.id.in_(product_ids),
            )
        )
    ).all()
    wanted = set(product_ids)
    consumables = {row.id: row for row in rows if row.id in wanted}
    all_type_ids = set(type_ids) | {row.product_type_id for row in consumables.values()}
    types = {
        t.id: t
        for t in db.session.scalars(select(ProductType).where(ProductType.id.in_(all_type_ids)))
    }
    members: dict[int, list] = defaultdict(list)
    for row in rows:
        if row.reusable and row.product_type_id in types:
            members[row.product_type_id].append(row)

    products: list[Product] = []
    labels: dict[str, str] = {}
    for type_id in type_ids:
        kind = types.get(type_id)
        if kind is None:
            continue
        found = members[type_id]
        volume = kind.volume_m3
        if volume is None:
            sizes = [
                v
                for v in (_volume_from_dims(r.length_cm, r.width_cm, r.height_cm) for r in found)
                if v is not None
            ]
            volume = median(sizes) if sizes else DEFAULT_ITEM_M3
        prices = [float(r.list_price) for r in found if r.active] or [
            float(r.list_price) for r in found
        ]
        price = median(prices) if prices else 0.0
        key = type_key(type_id)
        products.append(
            Product(
                id=key,
                volume=float(volume),
                shortage_penalty=penalty_factor * price,
                handling=float(kind.handling_factor),
            )
        )
        labels[key] = f"{kind.iso_code} {kind.title_da}"
    for product_id in product_ids:
        row = consumables.get(product_id)
        if row is None:
            continue
        volume = _volume_from_dims(row.length_cm, row.width_cm, row.height_cm)
        kind = types.get(row.product_type_id)
        key = product_key(product_id)
        products.append(
            Product(
                id=key,
                volume=DEFAULT_CONSUMABLE_M3 if volume is None else volume,
                shortage_penalty=penalty_factor * float(row.list_price),
                handling=float(kind.handling_factor) if kind else 1.0,
            )
        )
        labels[key] = row.name
    return products, labels


def _transport(depots: list[DepotRow], cost_per_km: float) -> list[Transport]:
    points = {d.id: (float(d.latitude), float(d.longitude)) for d in depots}
    return [
        Transport(
            from_=a.id, to=b.id, cost_per_unit=distance_km(points[a.id], points[b.id]) * cost_per_km
        )
        for a in depots
        for b in depots
        if a.id != b.id
    ]


def build_inputs(*, run: DistributionRun, today: date, service_level: float = 0.95) -> Inputs:
    """The run's optimizer instance from the depots' stock, history and basic package."""
    if not 0 < service_level < 1:
        raise ValueError(f"The service level must be between 0 and 1, not {service_level!r}.")
    horizon = run.horizon_months
    depots, left_out = _depots()
    depot_ids = [d.id for d in depots]

    stock = _item_stock(depot_ids, today) if depot_ids else {}
    if depot_ids:
        stock.update(_consumable_stock(depot_ids))

    tz = _app_timezone()
    months = _months(today, HISTORY_MONTHS)
    start, end = _utc(*months[0], tz), _utc(today.year, today.month, tz)
    buckets = _Buckets(months, tz, end)
    if depot_ids:
        _loan_history(buckets, set(depot_ids), start, end)
        _issue_history(buckets, depot_ids, start, end)
    rates: dict[tuple[int, str], float] = {}
    for pair, history in buckets.counts.items():
        rate = forecast(history[_series_start([history]) :], horizon).per_period
        if rate > 0:
            rates[pair] = rate

    service = _service(run, depot_ids)
    keys = {key for _, key in stock} | {key for _, key in rates} | {key for _, key in service}
    products, labels = _products(keys, float(run.shortage_penalty_factor))
    known = {p.id for p in products}

    demand: dict[tuple[int, str], int] = {}
    for pair in set(rates) | set(service):
        if pair[1] not in known:
            continue
        units = covered_demand(rates.get(pair, 0.0), horizon, service.get(pair, 0), service_level)
        if units > 0:
            demand[pair] = units

    instance = DistributionInstance(
        depots=tuple(
            Depot(
                id=d.id, capacity=float(d.capacity_m3) if d.capacity_m3 is not None else UNLIMITED
            )
            for d in depots
        ),
        products=tuple(sorted(products, key=lambda p: p.id)),
        stock={pair: n for pair, n in sorted(stock.items()) if n > 0 and pair[1] in known},
        demand=dict(sorted(demand.items())),
        transport=tuple(_transport(depots, float(run.cost_per_km))),
    )
    return Inputs(
        instance=instance,
        labels=labels,
        depot_names={d.id: d.name for d in depots},
        rates={pair: rate for pair, rate in rates.items() if pair[1] in known},
        service={pair: n for pair, n in service.items() if pair[1] in known},
        left_out=left_out,
    )
