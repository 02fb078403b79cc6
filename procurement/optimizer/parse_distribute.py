"""Read a distribution instance from its JSON form, refusing bad input with a clear message."""

from __future__ import annotations

from procurement.optimizer.distribute import (
    Depot,
    DistributionInstance,
    Product,
    Transport,
)
from procurement.optimizer.parse import (
    InstanceError,
    _field,
    _id,
    _int,
    _list,
    _money,
    _obj,
    _unique,
)


def parse_distribution(data) -> DistributionInstance:
    """The instance of `python -m procurement.optimizer distribute FILE.json`."""
    data = _obj(data, "the instance")
    depots = []
    for n, d in enumerate(_list(data, "depots")):
        where = f"depots[{n}]"
        d = _obj(d, where)
        depots.append(
            Depot(
                id=_id(_field(d, "id", where), f"{where}.id"),
                capacity=_money(_field(d, "capacity", where), f"{where}.capacity"),
            )
        )
    _unique([d.id for d in depots], "depot")
    products = []
    for n, p in enumerate(_list(data, "products")):
        where = f"products[{n}]"
        p = _obj(p, where)
        products.append(
            Product(
                id=_id(_field(p, "id", where), f"{where}.id"),
                volume=_money(_field(p, "volume", where), f"{where}.volume"),
                shortage_penalty=_money(
                    _field(p, "shortage_penalty", where), f"{where}.shortage_penalty"
                ),
                handling=_money(p.get("handling", 1.0), f"{where}.handling"),
            )
        )
    _unique([p.id for p in products], "product")
    depot_ids, product_ids = {d.id for d in depots}, {p.id for p in products}
    stock = _quantities(_list(data, "stock"), "stock", depot_ids, product_ids)
    demand = _quantities(_list(data, "demand"), "demand", depot_ids, product_ids)
    transport = []
    seen = set()
    for n, t in enumerate(_list(data, "transport")):
        where = f"transport[{n}]"
        t = _obj(t, where)
        source = _id(_field(t, "from", where), f"{where}.from")
        target = _id(_field(t, "to", where), f"{where}.to")
        for end in (source, target):
            if end not in depot_ids:
                raise InstanceError(f"{where}: unknown depot {end!r}")
        if source == target:
            raise InstanceError(f"{where}: a transport from depot {source!r} to itself")
        if (source, target) in seen:
            raise InstanceError(f"{where}: a second transport from {source!r} to {target!r}")
        seen.add((source, target))
        cost = _money(_field(t, "cost_per_unit", where), f"{where}.cost_per_unit")
        transport.append(Transport(from_=source, to=target, cost_per_unit=cost))
    return DistributionInstance(
        depots=tuple(depots),
        products=tuple(products),
        stock=stock,
        demand=demand,
        transport=tuple(transport),
    )


def _quantities(rows: list, key: str, depot_ids: set, product_ids: set) -> dict:
    found: dict = {}
    for n, row in enumerate(rows):
        where = f"{key}[{n}]"
        row = _obj(row, where)
        depot = _id(_field(row, "depot", where), f"{where}.depot")
        product = _id(_field(row, "product", where), f"{where}.product")
        if depot not in depot_ids:
            raise InstanceError(f"{where}: unknown depot {depot!r}")
        if product not in product_ids:
            raise InstanceError(f"{where}: unknown product {product!r}")
        if (depot, product) in found:
            raise InstanceError(f"{where}: a second {key} entry of {depot!r} for {product!r}")
        found[depot, product] = _int(_field(row, "quantity", where), f"{where}.quantity", minimum=0)
    return found
