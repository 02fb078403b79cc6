"""What `seed_demo_data` puts in the database at scale 1."""

import csv
from collections import Counter
from decimal import Decimal
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from depot.auth.models import ROLES, User
from depot.catalogue.models import Contract, Product, ProductType, Supplier
from depot.citizens.models import Citizen
from depot.citizens.services import cpr_birth_date, normalise_cpr
from depot.demo.generator import seed_demo_data
from depot.demo.reference import reference_dir
from depot.extensions import db
from depot.organisations.models import Depot, Organisation


def _csv(name):
    with (reference_dir() / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def summary(app_ctx, demo_password):
    return seed_demo_data(password=demo_password)


def _all(model):
    return db.session.scalars(select(model).order_by(model.id)).all()


def test_organisations_from_the_reference_file(summary):
    organisations = {o.name: o for o in _all(Organisation)}
    rows = _csv("vestklyngen.csv")
    assert len(organisations) == len(rows) == summary.organisations == 7
    for row in rows:
        organisation = organisations[row["organisation"]]
        assert organisation.kind == row["kind"]
        assert organisation.town == row["town"]
        expected = int(row["population_approx"]) if row["population_approx"] else None
        assert organisation.population == expected
        assert organisation.latitude == pytest.approx(float(row["latitude"]))
        assert organisation.longitude == pytest.approx(float(row["longitude"]))
    assert Counter(o.kind for o in organisations.values()) == {"region": 1, "municipality": 6}


def test_one_depot_per_municipality_and_a_shared_one(summary):
    depots = _all(Depot)
    assert len(depots) == summary.depots == 7
    owned = [d for d in depots if d.owner_id is not None]
    municipalities = {o.id: o for o in _all(Organisation) if o.kind == "municipality"}
    assert sorted(d.owner_id for d in owned) == sorted(municipalities)
    for depot in owned:
        owner = municipalities[depot.owner_id]
        assert depot.town == owner.town
        assert abs(depot.latitude - owner.latitude) < 0.05
        assert abs(depot.longitude - owner.longitude) < 0.05
        assert depot.capacity_m3 > 0 and len(depot.postcode) == 4
        assert depot.opening_hours.startswith("Man")
    (shared,) = [d for d in depots if d.is_shared]
    assert "Gødstrup" in shared.name
    assert len(shared.shares) == 7
    assert {s.organisation_id for s in shared.shares} == {o.id for o in _all(Organisation)}
    assert sum(round(s.percent * 100) for s in shared.shares) == 100_00
    region_share = next(s for s in shared.shares if s.organisation.kind == "region")
    assert region_share.percent == 30
    # The municipalities' shares follow their population.
    by_population = sorted(
        (s for s in shared.shares if s.organisation.kind == "municipality"),
        key=lambda s: s.organisation.population,
    )
    assert [s.percent for s in by_population] == sorted(s.percent for s in by_population)


def test_every_iso_code_is_a_product_type(summary):
    types = _all(ProductType)
    expected = {(r["code"], int(r["edition"]), r["title_da"]) for r in _csv("iso9999.csv")}
    assert {(t.iso_code, t.iso_edition, t.title_da) for t in types} == expected
    assert summary.product_types == len(types)
    fields = {t.iso_code: t.measurement_list for t in types}
    assert fields["12 22 03"] == ["seat_width_cm", "seat_depth_cm", "max_user_weight_kg"]
    assert fields["18 12 10"] == ["length_cm", "width_cm", "max_user_weight_kg"]
    assert fields["12 36 03"] == ["max_user_weight_kg"]
    assert fields["04 33 06"] == ["length_cm", "width_cm"]
    assert "max_user_weight_kg" in fields["12 06 06"]


PRICE_RANGES = {
    "12 06 06": (1_500, 4_000),
    "12 22 03": (6_000, 25_000),
    "12 23 06": (40_000, 120_000),
    "18 12 10": (12_000, 30_000),
    "12 36 03": (25_000, 60_000),
    "12 36 12": (30_000, 70_000),
    "12 36 21": (1_000, 3_500),
    "09 12 03": (2_500, 9_000),
    "04 33 06": (3_000, 25_000),
    "12 03 03": (150, 500),
}


def test_products_cover_every_type_with_realistic_prices_and_measurements(summary):
    products = _all(Product)
    assert len(products) == summary.products >= 55
    consumables = [p for p in products if not p.reusable]
    assert len(consumables) == summary.consumables >= 5
    assert {p.product_type_id for p in products} == {t.id for t in _all(ProductType)}
    hmi = [p.hmi_number for p in products]
    assert len(set(hmi)) == len(hmi)
    assert all(n.isdigit() and len(n) == 6 for n in hmi)
    assert len({p.name for p in products}) == len(products)
    for product in products:
        if not product.reusable:
            continue
        code = product.product_type.iso_code
        for field in product.product_type.measurement_list:
            assert getattr(product, field) is not None, (product.name, field)
        if code in PRICE_RANGES:
            low, high = PRICE_RANGES[code]
            assert low <= product.list_price <= high, (product.name, product.list_price)
        if product.seat_width_cm:
            assert 35 <= product.seat_width_cm <= 60
        if product.max_user_weight_kg:
            assert 100 <= product.max_user_weight_kg <= 300


def test_suppliers_have_contracts_with_decreasing_price_breaks(summary):
    suppliers = _all(Supplier)
    # Three manufacturers and the wholesaler competing on a third of their devices.
    assert len(suppliers) == summary.suppliers == 4
    assert len({s.cvr for s in suppliers}) == 4
    for supplier in suppliers:
        assert len(supplier.cvr) == 8 and supplier.cvr.isdigit()
        assert Decimal(400) <= supplier.order_cost <= Decimal(1_500)
        assert "@" in supplier.email and supplier.phone
    contracts = _all(Contract)
    assert len(contracts) == summary.contracts == 4
    assert {c.supplier_id for c in contracts} == {s.id for s in suppliers}
    wholesale = [c for c in contracts if c.reference.endswith("-G1")]
    assert len(wholesale) == 1
    for contract in contracts:
        assert contract.reference.startswith("RM-2026-")
        assert str(contract.valid_from) == "2026-01-01"
        assert str(contract.valid_to) == "2027-12-31"
        offered = {line.product_id for line in contract.lines}
        own = {p.id for p in _all(Product) if p.supplier_id == contract.supplier_id}
        if contract in wholesale:
            assert not own and offered and all(line.product.reusable for line in contract.lines)
        else:
            assert offered == own
        for line in contract.lines:
            product = line.product
            assert line.pack_size == 1 if product.reusable else line.pack_size > 1
            assert line.moq >= 0 and line.lead_time_days > 0
            breaks = line.price_breaks
            assert 2 <= len(breaks) <= 4
            assert breaks[0].min_qty == 1
            if contract in wholesale:  # a little dearer per unit, deeper volume breaks
                assert breaks[0].unit_price > product.list_price
                assert breaks[-1].unit_price < product.list_price * Decimal("0.85")
            else:
                assert breaks[0].unit_price == product.list_price
                assert breaks[-1].unit_price >= product.list_price * Decimal("0.8")
            quantities = [b.min_qty for b in breaks]
            prices = [b.unit_price for b in breaks]
            assert quantities == sorted(set(quantities))
            assert all(a > b for a, b in pairwise(prices)), prices
    total_lines = sum(len(c.lines) for c in contracts)
    assert total_lines == summary.contract_lines
    assert total_lines - sum(len(c.lines) for c in wholesale) == summary.products


def test_every_role_in_every_organisation_with_the_demo_password(summary, demo_password):
    users = _all(User)
    organisations = _all(Organisation)
    assert len(users) == summary.users == len(ROLES) * len(organisations) == 35
    assert {(u.role, u.organisation_id) for u in users} == {
        (role, o.id) for role in ROLES for o in organisations
    }
    emails = {u.email for u in users}
    assert {"admin@herning.demo.dk", "depot_staff@region.demo.dk"} <= emails
    assert "therapist@ringkobing-skjern.demo.dk" in emails
    assert len({u.password_hash for u in users}) == 1
    assert check_password_hash(users[0].password_hash, demo_password)
    assert all(u.active and " " in u.name for u in users)
    assert [login.role for login in summary.logins] == list(ROLES)
    assert {login.email for login in summary.logins} <= emails
    assert all(login.password == demo_password for login in summary.logins)


def test_citizens_have_valid_unique_cprs_in_their_municipality(summary):
    citizens = _all(Citizen)
    assert len(citizens) == summary.citizens == 6 * 40
    cprs = [c.cpr for c in citizens]
    assert len(set(cprs)) == len(cprs)
    assert all(normalise_cpr(cpr) == cpr for cpr in cprs)
    births = [cpr_birth_date(cpr) for cpr in cprs]
    assert all(1925 <= b.year <= 2006 for b in births)
    assert sum(b.year <= 1960 for b in births) >= 0.7 * len(births)
    towns = {o.id: o.town for o in _all(Organisation)}
    per_municipality = Counter(c.municipality_id for c in citizens)
    assert set(per_municipality.values()) == {40}
    for citizen in citizens:
        assert citizen.town == towns[citizen.municipality_id]
        assert citizen.address and len(citizen.postcode) == 4 and " " in citizen.name


def test_seeding_only_flushes(app_ctx, demo_password):
    seed_demo_data(password=demo_password)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Organisation.id))) == 0
