"""The optimizer's instance from the depots' data: depots, products, stock, demand, transport."""

from __future__ import annotations

import math
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert, update

from depot.catalogue.models import Product as CatalogueProduct
from depot.catalogue.models import ProductType
from depot.distribution import what_if
from depot.distribution.inputs import (
    DEFAULT_CONSUMABLE_M3,
    DEFAULT_ITEM_M3,
    UNLIMITED,
    build_inputs,
    covered_demand,
    poisson_quantile,
)
from depot.distribution.models import DistributionRun, TransferOrder, TransferOrderLine
from depot.extensions import db
from depot.geo import distance_km
from depot.items.models import Item, ItemEvent
from depot.items.services import send_transfer
from depot.loans.models import Loan
from depot.organisations.models import Depot
from depot.requests.models import BasicPackage, BasicPackageLine
from depot.stock.models import StockLevel, StockMovement
from procurement.optimizer.distribute import plan_distribution

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TODAY = date(2026, 3, 15)  # 24 history months: 2024-03 … 2026-02
HERNING = (56.139, 8.974)
HOLSTEBRO = (56.360, 8.616)
GODSTRUP = (56.110, 8.883)


def local(year, month, day, hour=12, minute=0) -> datetime:
    """A Danish wall-clock time as the naive UTC time the database stores."""
    moment = datetime(year, month, day, hour, minute, tzinfo=COPENHAGEN)
    return (moment - moment.utcoffset()).replace(tzinfo=None)


# --- the Poisson quantile -------------------------------------------------------------------


def _brute_quantile(mean: float, level: float) -> int:
    n, total = 0, math.exp(-mean)
    while total < level:
        n += 1
        total += math.exp(-mean) * mean**n / math.factorial(n)
    return n


def test_poisson_quantile_known_values():
    assert poisson_quantile(0, 0.95) == 0
    assert poisson_quantile(0.0, 0.999) == 0
    # λ = 2: P(X ≤ 4) = 0.947, P(X ≤ 5) = 0.983.
    assert poisson_quantile(2, 0.95) == 5
    assert poisson_quantile(2, 0.94) == 4
    # λ = 12: P(X ≤ 17) = 0.937, P(X ≤ 18) = 0.963.
    assert poisson_quantile(12, 0.95) == 18
    # P(X = 0) = e^-0.1 = 0.905 already covers 90 %.
    assert poisson_quantile(0.1, 0.9) == 0
    assert poisson_quantile(0.1, 0.95) == 1


@pytest.mark.parametrize("mean", [0.05, 0.5, 1, 2.5, 7, 19.3, 40, 100])
@pytest.mark.parametrize("level", [0.5, 0.8, 0.95, 0.99])
def test_poisson_quantile_matches_the_plain_sum(mean, level):
    assert poisson_quantile(mean, level) == _brute_quantile(mean, level)


def test_poisson_quantile_large_means_neither_underflow_nor_loop():
    # Normal approximation: λ + 1.645 √λ (+ ½ for continuity).
    assert abs(poisson_quantile(10_000, 0.95) - (10_000 + 1.645 * 100)) <= 2
    assert abs(poisson_quantile(1e6, 0.95) - (1e6 + 1.645 * 1000)) <= 3


@pytest.mark.parametrize("level", [0, 1, -0.5, 1.5, float("nan"), True])
def test_poisson_quantile_refuses_bad_levels(level):
    with pytest.raises(ValueError):
        poisson_quantile(1.0, level)


@pytest.mark.parametrize("mean", [-1, float("inf"), float("nan"), "2", None])
def test_poisson_quantile_refuses_bad_means(mean):
    with pytest.raises(ValueError):
        poisson_quantile(mean, 0.95)


def test_covered_demand_is_at_least_the_package():
    assert covered_demand(0.5, 4, 0, 0.95) == 5
    assert covered_demand(0.5, 4, 7, 0.95) == 7
    assert covered_demand(0.0, 4, 3, 0.95) == 3
    assert covered_demand(0.0, 4, 0, 0.95) == 0


# --- the world ------------------------------------------------------------------------------


class World:
    """Three depots with coordinates (plus one inactive, one without), types, items, history."""

    def __init__(self, make, herning, holstebro, region):
        self.make, self.app = make, make.app
        self.citizen = make.citizen(municipality=herning)
        self.depot_h = self._depot(make, herning, "Herning Depot", HERNING, 500)
        self.depot_s = self._depot(make, holstebro, "Holstebro Depot", HOLSTEBRO, None)
        self.depot_g = self._depot(make, region, "Gødstrup Depot", GODSTRUP, 2000)
        self.closed = self._depot(make, herning, "Lukket Depot", HERNING, 100, active=False)
        self.unplaced = self._depot(make, holstebro, "Ukendt Depot", None, 100)
        self.owner = herning

        # Wheelchairs: a volume and handling on the type; median active price 6000.
        self.chairs = make.product_type(iso_code="12 22 03", title_da="Manuelle kørestole")
        self._type(self.chairs, volume_m3=0.6, handling_factor=1.5)
        self.chair = make.product(product_type=self.chairs, list_price=Decimal("5000"))
        make.product(product_type=self.chairs, list_price=Decimal("7000"))
        old = make.product(product_type=self.chairs, list_price=Decimal("100000"))
        self._inactive(old)
        # Walkers: volume from the products' dimensions (0.2 and 1.0 m³; one unmeasured).
        self.walkers = make.product_type(iso_code="12 06 06", title_da="Rollatorer")
        self.walker = make.product(
            product_type=self.walkers,
            list_price=Decimal("1000"),
            length_cm=100,
            width_cm=50,
            height_cm=40,
        )
        make.product(
            product_type=self.walkers,
            list_price=Decimal("2000"),
            length_cm=200,
            width_cm=100,
            height_cm=50,
        )
        make.product(
            product_type=self.walkers, list_price=Decimal("3000"), length_cm=90, width_cm=60
        )
        # Toilet chairs: nothing known → the default volume.
        self.commodes = make.product_type(iso_code="09 12 03", title_da="Toiletstole")
        self.commode = make.product(product_type=self.commodes, list_price=Decimal("800"))
        # Consumables: one with dimensions, one without.
        self.pads = make.product_type(iso_code="09 30 12", title_da="Bleer", reusable=False)
        self._type(self.pads, handling_factor=2.0)
        self.pad = make.product(
            product_type=self.pads,
            reusable=False,
            name="Ble str. M",
            list_price=Decimal("50"),
            length_cm=20,
            width_cm=10,
            height_cm=10,
        )
        self.glove = make.product(
            product_type=self.pads, reusable=False, name="Handske", list_price=Decimal("2")
        )

        # Stock: Herning 3 counted chairs (+ overdue, on loan, reserved), Holstebro 2.
        self.items(self.chair, self.depot_h, 3)
        self.items(self.chair, self.depot_h, 1, next_inspection_due=TODAY - timedelta(days=1))
        self.items(
            self.chair, self.depot_h, 1, next_inspection_due=TODAY
        )  # due today: inside the pick margin
        self.items(self.chair, self.depot_h, 1, status="on_loan")
        self.items(self.chair, self.depot_h, 1, status="reserved")
        self.items(self.chair, self.depot_s, 2)
        self.items(self.chair, self.closed, 5)
        self.items(self.chair, self.unplaced, 5)
        self.items(self.walker, self.depot_g, 6)
        self.stock(self.depot_g, self.pad, 40)
        self.stock(self.depot_h, self.glove, 5)
        self.stock(self.closed, self.glove, 9)

        # Walker loans. Herning: two in January, one on 1 February just after local midnight
        # (still 31 January in UTC); one went out from Herning but the item is now at
        # Holstebro — its lend event says where it went out from.
        self.loan(self.walker, self.depot_h, local(2026, 1, 5))
        self.loan(self.walker, self.depot_s, local(2026, 1, 20), lend_event_depot=self.depot_h)
        self.loan(self.walker, self.depot_h, local(2026, 2, 1, 0, 30))
        # Holstebro: one in February (no lend event: the item's depot counts).
        self.loan(self.walker, self.depot_s, local(2026, 2, 10))
        # Outside the window: before the history and in the current month.
        self.loan(self.walker, self.depot_h, local(2024, 2, 20))
        self.loan(self.walker, self.depot_h, local(2026, 3, 2))
        # From depots outside the instance.
        self.loan(self.walker, self.closed, local(2026, 1, 5))
        # Pads: 3 issued every month of the history at Gødstrup (SES → 3.0 per month), plus
        # movements that are not issues.
        with self.app.app_context():
            level = db.session.get(StockLevel, self.pad_level)
            for k in range(24):
                year, month = divmod(2024 * 12 + 2 + k, 12)
                db.session.add(self._movement(level, "issue", -3, local(year, month + 1, 10)))
            db.session.add(self._movement(level, "transfer_out", -10, local(2026, 2, 3)))
            db.session.add(self._movement(level, "adjust", -4, local(2026, 2, 4)))
            db.session.commit()

        # Basic package: 2 wheelchairs and 1 toilet chair per set.
        with self.app.app_context():
            package = BasicPackage(name="Udskrivelse")
            package.lines.append(BasicPackageLine(product_type_id=self.chairs.id, quantity=2))
            package.lines.append(BasicPackageLine(product_type_id=self.commodes.id, quantity=1))
            db.session.add(package)
            db.session.commit()
            self.package_id = package.id
        self.organisation = region

    @staticmethod
    def _depot(make, owner, name, point, capacity, active=True):
        depot = make.depot(owner=owner, name=name, capacity_m3=capacity)
        with make.app.app_context():
            db.session.execute(
                update(Depot)
                .where(Depot.id == depot.id)
                .values(
                    latitude=point[0] if point else None,
                    longitude=point[1] if point else None,
                    active=active,
                )
            )
            db.session.commit()
        return depot

    def _type(self, kind, **values):
        with self.app.app_context():
            db.session.execute(
                update(ProductType).where(ProductType.id == kind.id).values(**values)
            )
            db.session.commit()

    def _inactive(self, product):
        with self.app.app_context():
            db.session.execute(
                update(CatalogueProduct)
                .where(CatalogueProduct.id == product.id)
                .values(active=False)
            )
            db.session.commit()

    def items(self, product, depot, count, status="available", next_inspection_due=None):
        items = self.make.items(product=product, depot=depot, owner=self.owner, count=count)
        with self.app.app_context():
            db.session.execute(
                update(Item)
                .where(Item.id.in_([i.id for i in items]))
                .values(status=status, next_inspection_due=next_inspection_due)
            )
            db.session.commit()
        return items

    def stock(self, depot, product, quantity):
        with self.app.app_context():
            level = StockLevel(depot_id=depot.id, product_id=product.id, quantity=quantity)
            db.session.add(level)
            db.session.commit()
            if product.id == self.pad.id:
                self.pad_level = level.id

    @staticmethod
    def _movement(level, kind, delta, at):
        return StockMovement(
            stock_level_id=level.id, kind=kind, quantity=delta, balance_after=0, at=at
        )

    def loan(self, product, depot, started_at, lend_event_depot=None):
        """A returned loan of a fresh item that now sits (returned) at `depot`."""
        (item,) = self.items(product, depot, 1, status="returned")
        with self.app.app_context():
            loan = Loan(
                item_id=item.id,
                citizen_id=self.citizen.id,
                lender_id=self.owner.id,
                owner_id=self.owner.id,
                started_at=started_at,
                returned_at=started_at + timedelta(days=3),
            )
            db.session.add(loan)
            db.session.flush()
            if lend_event_depot is not None:
                db.session.add(
                    ItemEvent(
                        item_id=item.id,
                        at=started_at,
                        kind="lend",
                        from_status="reserved",
                        to_status="on_loan",
                        depot_id=lend_event_depot.id,
                        loan_id=loan.id,
                    )
                )
            db.session.commit()

    def run(self, **values) -> DistributionRun:
        fields = dict(
            title="Fordeling",
            organisation_id=self.organisation.id,
            horizon_months=4,
            cost_per_km=Decimal("2.50"),
            shortage_penalty_factor=0.2,
            service_package_id=self.package_id,
            service_sets=2,
            time_limit_seconds=30,
        )
        fields.update(values)
        run = DistributionRun(**fields)
        db.session.add(run)
        db.session.flush()
        return run


@pytest.fixture
def world(make, herning, holstebro, region) -> World:
    return World(make, herning, holstebro, region)


def t(kind) -> str:
    return f"t{kind.id}"


def p(product) -> str:
    return f"p{product.id}"


def test_depots_with_coordinates_and_capacities(app_ctx, world):
    w = world
    inputs = build_inputs(run=w.run(), today=TODAY)
    depots = {d.id: d.capacity for d in inputs.instance.depots}
    assert depots == {w.depot_h.id: 500.0, w.depot_s.id: UNLIMITED, w.depot_g.id: 2000.0}
    assert inputs.depot_names == {
        w.depot_h.id: "Herning Depot",
        w.depot_s.id: "Holstebro Depot",
        w.depot_g.id: "Gødstrup Depot",
    }


def test_products_volumes_penalties_handling_and_labels(app_ctx, world):
    w = world
    inputs = build_inputs(run=w.run(), today=TODAY)
    products = {x.id: x for x in inputs.instance.products}
    assert set(products) == {t(w.chairs), t(w.walkers), t(w.commodes), p(w.pad), p(w.glove)}
    chairs = products[t(w.chairs)]
    assert chairs.volume == 0.6  # the type's own volume
    assert chairs.handling == 1.5
    assert chairs.shortage_penalty == pytest.approx(0.2 * 6000)  # median of the active ones
    walkers = products[t(w.walkers)]
    assert walkers.volume == pytest.approx(0.6)  # median of 0.2 and 1.0 m³
    assert walkers.shortage_penalty == pytest.approx(0.2 * 2000)
    assert walkers.handling == 1.0
    assert products[t(w.commodes)].volume == DEFAULT_ITEM_M3
    assert products[t(w.commodes)].shortage_penalty == pytest.approx(0.2 * 800)
    pad = products[p(w.pad)]
    assert pad.volume == pytest.approx(0.002)
    assert pad.shortage_penalty == pytest.approx(10.0)
    assert pad.handling == 2.0  # its type's
    assert products[p(w.glove)].volume == DEFAULT_CONSUMABLE_M3
    assert inputs.labels[t(w.chairs)] == "12 22 03 Manuelle kørestole"
    assert inputs.labels[p(w.pad)] == "Ble str. M"


def test_stock_counts_available_items_and_consumables(app_ctx, world):
    w = world
    inputs = build_inputs(run=w.run(), today=TODAY)
    assert inputs.instance.stock == {
        # 3 available; not the one due today (within the pick list's inspection margin), nor
        # the overdue, on-loan or reserved ones.
        (w.depot_h.id, t(w.chairs)): 3,
        (w.depot_h.id, p(w.glove)): 5,
        (w.depot_s.id, t(w.chairs)): 2,
        (w.depot_g.id, t(w.walkers)): 6,
        (w.depot_g.id, p(w.pad)): 40,
    }


def test_what_is_on_its_way_counts_where_it_goes(app_ctx, world):
    w = world
    chairs = w.items(w.chair, w.depot_h, 2)
    for item in chairs:
        send_transfer(item_id=item.id, to_depot_id=w.depot_s.id, user=None)
    order = TransferOrder(
        number="OF-2026-99999", from_depot_id=w.depot_g.id, to_depot_id=w.depot_h.id, status="sent"
    )
    order.lines.append(
        TransferOrderLine(product_id=w.pad.id, quantity=10, sent_quantity=8, received_quantity=0)
    )
    db.session.add(order)
    db.session.flush()
    stock = build_inputs(run=w.run(), today=TODAY).instance.stock
    # The two chairs left Herning (still 3 there) and count at Holstebro (2 + 2).
    assert stock[w.depot_h.id, t(w.chairs)] == 3
    assert stock[w.depot_s.id, t(w.chairs)] == 4
    # Eight pads sent to Herning count there; none before.
    assert stock[w.depot_h.id, p(w.pad)] == 8


def test_forecast_rates_per_depot(app_ctx, world):
    w = world
    inputs = build_inputs(run=w.run(), today=TODAY)
    # Herning: 2 in January, 1 in February → the last 6 months [0, 0, 0, 0, 2, 1], mean 0.5.
    # Holstebro: [0, 0, 0, 0, 0, 1] → 1/6. Gødstrup pads: 3 every month (SES) → 3.
    assert inputs.rates == {
        (w.depot_h.id, t(w.walkers)): pytest.approx(0.5),
        (w.depot_s.id, t(w.walkers)): pytest.approx(1 / 6),
        (w.depot_g.id, p(w.pad)): pytest.approx(3.0),
    }


def test_demand_is_the_service_level_quantity_and_at_least_the_package(app_ctx, world):
    w = world
    inputs = build_inputs(run=w.run(), today=TODAY)
    package = {t(w.chairs): 4, t(w.commodes): 2}  # 2 sets of (2 chairs, 1 toilet chair)
    assert inputs.service == {
        (depot.id, key): units
        for depot in (w.depot_h, w.depot_s, w.depot_g)
        for key, units in package.items()
    }
    demand = inputs.instance.demand
    # Herning walkers: λ = 0.5 × 4 = 2 → 5 at 95 %. Holstebro: λ = 2/3 → 2.
    assert demand[w.depot_h.id, t(w.walkers)] == 5
    assert demand[w.depot_s.id, t(w.walkers)] == 2
    # Pads: λ = 12 → 18.
    assert demand[w.depot_g.id, p(w.pad)] == 18
    for depot in (w.depot_h, w.depot_s, w.depot_g):
        assert demand[depot.id, t(w.chairs)] == 4
        assert demand[depot.id, t(w.commodes)] == 2
    assert len(demand) == 9
    # A stricter service level needs more.
    strict = build_inputs(run=w.run(), today=TODAY, service_level=0.99)
    assert strict.instance.demand[w.depot_h.id, t(w.walkers)] == 6  # P(X ≤ 5) = 0.983
    with pytest.raises(ValueError):
        build_inputs(run=w.run(), today=TODAY, service_level=1.0)


def test_without_a_package_only_the_forecast_counts(app_ctx, world):
    w = world
    for run in (w.run(service_package_id=None), w.run(service_sets=0)):
        inputs = build_inputs(run=run, today=TODAY)
        assert inputs.service == {}
        assert set(inputs.instance.demand) == {
            (w.depot_h.id, t(w.walkers)),
            (w.depot_s.id, t(w.walkers)),
            (w.depot_g.id, p(w.pad)),
        }
        # Toilet chairs are neither stocked nor in demand any more.
        assert t(w.commodes) not in {x.id for x in inputs.instance.products}


def test_transport_costs_from_straight_line_distances(app_ctx, world):
    w = world
    inputs = build_inputs(run=w.run(), today=TODAY)
    costs = {(x.from_, x.to): x.cost_per_unit for x in inputs.instance.transport}
    points = {w.depot_h.id: HERNING, w.depot_s.id: HOLSTEBRO, w.depot_g.id: GODSTRUP}
    assert set(costs) == {(a, b) for a in points for b in points if a != b}
    for (a, b), cost in costs.items():
        assert cost == pytest.approx(distance_km(points[a], points[b]) * 2.5)
    # Herning–Holstebro is about 34 km in a straight line.
    assert 32 * 2.5 < costs[w.depot_h.id, w.depot_s.id] < 36 * 2.5


def test_the_instance_solves_and_compares(app_ctx, world):
    w = world
    inputs = build_inputs(run=w.run(), today=TODAY)
    plan = plan_distribution(inputs.instance, time_limit=20)
    assert plan.status == "optimal"
    # Short before: chairs 1 + 2 + 4, toilet chairs 2 + 2 + 2, walkers 5 + 2 (Gødstrup's 6
    # are not needed there), pads none (40 of 18).
    assert plan.shortage_before == 20
    # The walkers are worth moving (penalty 400, transport ~25-90 per unit); no chair is spare.
    assert plan.shortage_after == 7 + 6 + 1
    current, shared = what_if.compare(
        inputs=inputs, hub_id=w.depot_g.id, current_plan=plan, horizon_months=4
    )
    assert current.shortage_units == plan.shortage_after
    assert current.transport_now == plan.transport_cost
    assert shared.stock_holding_depots == 1
    assert shared.stock_needed_units <= current.stock_needed_units


def test_few_queries(app_ctx, world):
    w = world
    run = w.run()
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        build_inputs(run=run, today=TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # Depots, items and items in transit, consumables and consumables on sent orders, loans,
    # issues, package, products, types.
    assert len(statements) <= 10, statements


def test_twenty_depots_and_five_hundred_types_stay_fast(app_ctx, make, region, herning):
    supplier = make.supplier()
    citizen = make.citizen(municipality=herning)
    depots = [
        Depot(
            name=f"Depot {n}",
            address="Vej 1",
            latitude=56.0 + n / 50,
            longitude=8.5 + n / 40,
            capacity_m3=1000,
        )
        for n in range(20)
    ]
    db.session.add_all(depots)
    db.session.flush()
    types = [
        {"iso_code": f"99 {n // 100:02d} {n % 100:02d}", "iso_edition": 2016}
        | {"title_da": f"Type {n}", "title_en": f"Type {n}", "volume_m3": 0.1}
        for n in range(500)
    ]
    type_ids = db.session.scalars(insert(ProductType).returning(ProductType.id), types).all()
    products = [
        {"name": f"Produkt {n}", "product_type_id": type_id, "supplier_id": supplier.id}
        | {"list_price": Decimal("1000"), "reusable": True}
        for n, type_id in enumerate(type_ids)
    ]
    product_ids = db.session.scalars(
        insert(CatalogueProduct).returning(CatalogueProduct.id), products
    ).all()
    items = [
        {"asset_tag": f"T{n:07d}", "product_id": product_ids[n % 500]}
        | {"owner_id": herning.id, "depot_id": depots[n // 500].id, "status": "available"}
        for n in range(10_000)
    ]
    item_ids = db.session.scalars(insert(Item).returning(Item.id), items).all()
    loans = [
        {"item_id": item_id, "citizen_id": citizen.id, "lender_id": herning.id}
        | {"owner_id": herning.id, "started_at": local(2025, 1 + n % 12, 1 + n % 27)}
        | {"returned_at": local(2025, 12, 28)}
        for n, item_id in enumerate(item_ids)
    ]
    db.session.execute(insert(Loan), loans)
    db.session.flush()
    run = DistributionRun(
        title="Stor", organisation_id=region.id, horizon_months=3, time_limit_seconds=30
    )
    db.session.add(run)
    db.session.flush()
    started = time.perf_counter()
    inputs = build_inputs(run=run, today=TODAY)
    seconds = time.perf_counter() - started
    assert len(inputs.instance.depots) == 20
    assert len(inputs.instance.products) == 500
    assert len(inputs.instance.transport) == 380
    assert len(inputs.rates) == 10_000
    assert seconds < 5, seconds
