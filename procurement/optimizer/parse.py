"""Read a purchase instance from its JSON form, refusing bad input with a clear message."""

from __future__ import annotations

import itertools
import math

from procurement.optimizer.model import (
    Demand,
    Offer,
    PriceBreak,
    PurchaseInstance,
    Supplier,
)


class InstanceError(ValueError):
    """The instance is malformed: the message says where and what."""


def _list(data: dict, key: str) -> list:
    if key not in data:
        raise InstanceError(f"missing field '{key}'")
    value = data[key]
    if not isinstance(value, list):
        raise InstanceError(f"'{key}' must be a list")
    return value


def _obj(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise InstanceError(f"{where} must be an object")
    return value


def _field(obj: dict, key: str, where: str):
    if key not in obj:
        raise InstanceError(f"{where}: missing field '{key}'")
    return obj[key]


def _id(value, where: str):
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InstanceError(f"{where}: an id must be a string or an integer")
    if isinstance(value, str) and not value.strip():
        raise InstanceError(f"{where}: an id must not be empty")
    return value


def _int(value, where: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstanceError(f"{where} must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise InstanceError(f"{where} must be a whole number")
        value = int(value)
    if value < minimum:
        raise InstanceError(f"{where} must be at least {minimum}")
    return value


def _money(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InstanceError(f"{where} must be a number")
    if value < 0:
        raise InstanceError(f"{where} must not be negative")
    return float(value)


def _unique(ids: list, what: str) -> None:
    seen = set()
    for i in ids:
        if i in seen:
            raise InstanceError(f"{what} id {i!r} appears twice")
        seen.add(i)


def parse_purchase(data) -> PurchaseInstance:
    """The instance of `python -m procurement.optimizer purchase FILE.json`."""
    data = _obj(data, "the instance")
    organisations = [
        _id(
            _field(_obj(o, f"organisations[{n}]"), "id", f"organisations[{n}]"),
            f"organisations[{n}]",
        )
        for n, o in enumerate(_list(data, "organisations"))
    ]
    _unique(organisations, "organisation")
    suppliers = []
    for n, s in enumerate(_list(data, "suppliers")):
        where = f"suppliers[{n}]"
        s = _obj(s, where)
        suppliers.append(
            Supplier(
                id=_id(_field(s, "id", where), where),
                order_cost=_money(_field(s, "order_cost", where), f"{where}.order_cost"),
            )
        )
    _unique([s.id for s in suppliers], "supplier")
    products = [
        _id(_field(_obj(p, f"products[{n}]"), "id", f"products[{n}]"), f"products[{n}]")
        for n, p in enumerate(_list(data, "products"))
    ]
    _unique(products, "product")
    supplier_ids, product_ids = {s.id for s in suppliers}, set(products)
    offers = [
        _offer(o, f"offers[{n}]", supplier_ids, product_ids)
        for n, o in enumerate(_list(data, "offers"))
    ]
    _unique([o.id for o in offers], "offer")
    organisation_ids = set(organisations)
    demand = []
    seen = set()
    for n, d in enumerate(_list(data, "demand")):
        where = f"demand[{n}]"
        d = _obj(d, where)
        organisation = _id(_field(d, "organisation", where), f"{where}.organisation")
        product = _id(_field(d, "product", where), f"{where}.product")
        if organisation not in organisation_ids:
            raise InstanceError(f"{where}: unknown organisation {organisation!r}")
        if product not in product_ids:
            raise InstanceError(f"{where}: unknown product {product!r}")
        if (organisation, product) in seen:
            raise InstanceError(f"{where}: a second demand of {organisation!r} for {product!r}")
        seen.add((organisation, product))
        quantity = _int(_field(d, "quantity", where), f"{where}.quantity", minimum=0)
        demand.append(Demand(organisation, product, quantity))
    return PurchaseInstance(
        organisations=tuple(organisations),
        suppliers=tuple(suppliers),
        products=tuple(products),
        offers=tuple(offers),
        demand=tuple(demand),
    )


def _offer(o, where: str, supplier_ids: set, product_ids: set) -> Offer:
    o = _obj(o, where)
    supplier = _id(_field(o, "supplier", where), f"{where}.supplier")
    product = _id(_field(o, "product", where), f"{where}.product")
    if supplier not in supplier_ids:
        raise InstanceError(f"{where}: unknown supplier {supplier!r}")
    if product not in product_ids:
        raise InstanceError(f"{where}: unknown product {product!r}")
    raw_breaks = _field(o, "price_breaks", where)
    if not isinstance(raw_breaks, list) or not raw_breaks:
        raise InstanceError(f"{where}.price_breaks must be a non-empty list")
    breaks = []
    for n, b in enumerate(raw_breaks):
        bw = f"{where}.price_breaks[{n}]"
        b = _obj(b, bw)
        breaks.append(
            PriceBreak(
                min_qty=_int(_field(b, "min_qty", bw), f"{bw}.min_qty", minimum=0),
                unit_price=_money(_field(b, "unit_price", bw), f"{bw}.unit_price"),
            )
        )
    breaks.sort(key=lambda b: b.min_qty)
    for a, b in itertools.pairwise(breaks):
        if a.min_qty == b.min_qty:
            raise InstanceError(f"{where}: two price breaks at min_qty {a.min_qty}")
    return Offer(
        id=_id(_field(o, "id", where), f"{where}.id"),
        supplier=supplier,
        product=product,
        pack_size=_int(_field(o, "pack_size", where), f"{where}.pack_size", minimum=1),
        moq=_int(_field(o, "moq", where), f"{where}.moq", minimum=0),
        price_breaks=tuple(breaks),
    )
