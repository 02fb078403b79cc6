"""Catalogue services called directly: validation, uniqueness, price breaks, queries."""

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from depot.catalogue import contract_services, services, validation
from depot.catalogue.models import Contract, ContractLine, PriceBreak, Product, ProductType
from depot.catalogue.validation import Duplicate, Invalid
from depot.errors import Conflict, DomainError
from depot.extensions import db

D = Decimal


@pytest.fixture
def app_ctx(app_ctx):
    """The app context, in English so that messages read as their msgids."""
    with force_locale("en"):
        yield app_ctx


# --- unit_price_for: the all-units rule ------------------------------------------------------


def _line(*breaks):
    line = ContractLine(pack_size=1, moq=0, lead_time_days=14)
    for min_qty, price in breaks:
        line.price_breaks.append(PriceBreak(min_qty=min_qty, unit_price=D(price)))
    return line


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (0, None),
        (1, "100.00"),
        (9, "100.00"),
        (10, "90.00"),
        (49, "90.00"),
        (50, "80.00"),
        (10_000, "80.00"),
    ],
)
def test_unit_price_for_applies_the_reached_break_to_all_units(quantity, expected):
    line = _line((1, "100.00"), (10, "90.00"), (50, "80.00"))
    assert line.unit_price_for(quantity) == (D(expected) if expected else None)


def test_unit_price_for_has_no_price_below_the_first_break():
    line = _line((5, "70.00"))
    assert line.unit_price_for(4) is None
    assert line.unit_price_for(5) == D("70.00")


def test_all_units_makes_the_break_cheaper_in_total_than_just_below():
    line = _line((1, "100.00"), (10, "85.00"))
    assert 10 * line.unit_price_for(10) < 9 * line.unit_price_for(9)


# --- clean_price_breaks ----------------------------------------------------------------------


def test_clean_price_breaks_keeps_rising_breaks_and_rounds_to_ore(app_ctx):
    assert contract_services.clean_price_breaks(breaks=[(1, D("100")), (10, D("90.5"))]) == [
        (1, D("100.00")),
        (10, D("90.50")),
    ]


@pytest.mark.parametrize(
    ("breaks", "words"),
    [
        ([], "at least one"),
        ([(10, D("90")), (1, D("100"))], "rise"),
        ([(1, D("100")), (1, D("90"))], "rise"),
        ([(0, D("100"))], "1 unit or more"),
        ([(-3, D("100"))], "1 unit or more"),
        ([(True, D("100"))], "1 unit or more"),
        ([(1, D("-0.01"))], "negative"),
        ([(1, D("1.005"))], "two decimals"),
        ([(1, D("NaN"))], "amount"),
        ([(1, "abc")], "amount"),
        ([(validation.QUANTITY_MAX + 1, D("1"))], "too large"),
    ],
)
def test_clean_price_breaks_refuses(app_ctx, breaks, words):
    with pytest.raises(Invalid) as refused:
        contract_services.clean_price_breaks(breaks=breaks)
    assert words in str(refused.value.message)
    assert refused.value.field == "breaks"
    assert refused.value.status_code == 400


# --- product types ---------------------------------------------------------------------------


def _new_type(**overrides):
    values = {
        "iso_code": "12 22 03",
        "iso_edition": 2022,
        "title_da": "Manuelle kørestole",
        "title_en": "Manual wheelchairs",
        "reusable": True,
        "measurement_fields": ["max_user_weight_kg", "seat_width_cm"],
    }
    values.update(overrides)
    return services.create_product_type(**values)


def test_create_product_type_flushes_but_does_not_commit(app_ctx):
    product_type = _new_type()
    assert product_type.id is not None
    # Kept in the catalogue's order of measurements.
    assert product_type.measurement_fields == "seat_width_cm,max_user_weight_kg"
    db.session.rollback()
    assert db.session.scalar(select(ProductType)) is None


def test_product_type_code_and_edition_are_unique_together(app_ctx):
    _new_type()
    _new_type(iso_edition=2016)  # another edition is another type
    with pytest.raises(Duplicate) as refused:
        _new_type(title_da="Igen")
    assert refused.value.field == "iso_code"
    assert isinstance(refused.value, Conflict)


@pytest.mark.parametrize(
    "code",
    [
        "12-22-03",
        "122203",
        "12 22 3",
        "12 22 03 1",
        "ab cd ef",
        "١٢ ٢٢ ٠٣",
        "12 22\n03",
        "12  22 03",
        "",
    ],
)
def test_product_type_code_must_be_three_pairs_of_ascii_digits(app_ctx, code):
    with pytest.raises(Invalid) as refused:
        _new_type(iso_code=code)
    assert refused.value.field == "iso_code"


def test_product_type_code_is_trimmed(app_ctx):
    assert _new_type(iso_code=" 12 22 03\n").iso_code == "12 22 03"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"iso_edition": 1989}, "iso_edition"),
        ({"iso_edition": 2101}, "iso_edition"),
        ({"iso_edition": "2022"}, "iso_edition"),
        ({"title_da": "   "}, "title_da"),
        ({"title_en": "x" * 201}, "title_en"),
        ({"title_en": "a\x00b"}, "title_en"),
        ({"measurement_fields": ["seat_width_cm", "colour"]}, "measurement_fields"),
    ],
)
def test_product_type_refusals_name_the_field(app_ctx, overrides, field):
    with pytest.raises(Invalid) as refused:
        _new_type(**overrides)
    assert refused.value.field == field


def test_update_product_type_may_keep_its_own_code(app_ctx):
    product_type = _new_type()
    services.update_product_type(
        product_type=product_type,
        iso_code="12 22 03",
        iso_edition=2022,
        title_da="Ny",
        title_en="New",
        reusable=False,
        measurement_fields=[],
    )
    assert (product_type.title_da, product_type.reusable, product_type.measurement_list) == (
        "Ny",
        False,
        [],
    )


# --- suppliers -------------------------------------------------------------------------------


def test_supplier_name_is_unique_ignoring_case(app_ctx):
    services.create_supplier(name="Invacare A/S", cvr="12345678", order_cost=D("250"))
    with pytest.raises(Duplicate) as refused:
        services.create_supplier(name="INVACARE a/s")
    assert refused.value.field == "name"


def test_supplier_cvr_is_optional_but_unique(app_ctx):
    services.create_supplier(name="A", cvr=None)
    services.create_supplier(name="B", cvr="  ")  # empty counts as none
    services.create_supplier(name="C", cvr="12345678")
    with pytest.raises(Duplicate) as refused:
        services.create_supplier(name="D", cvr="12345678")
    assert refused.value.field == "cvr"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cvr": "1234567"}, "cvr"),
        ({"cvr": "123456789"}, "cvr"),
        ({"cvr": "1234567a"}, "cvr"),
        ({"order_cost": D("-1")}, "order_cost"),
        ({"order_cost": D("Infinity")}, "order_cost"),
        ({"name": ""}, "name"),
        ({"phone": "1" * 31}, "phone"),
    ],
)
def test_supplier_refusals(app_ctx, overrides, field):
    values = {"name": "Leverandør", "order_cost": D("0")} | overrides
    with pytest.raises(Invalid) as refused:
        services.create_supplier(**values)
    assert refused.value.field == field


# --- products --------------------------------------------------------------------------------


@pytest.fixture
def type_and_supplier(make):
    return make.product_type(), make.supplier()


def _new_product(type_and_supplier, **overrides):
    product_type, supplier = type_and_supplier
    values = {
        "name": "Rollator Let",
        "hmi_number": "12345",
        "product_type_id": product_type.id,
        "supplier_id": supplier.id,
        "list_price": D("2495.50"),
        "measurements": {"seat_height_cm": 60},
    }
    values.update(overrides)
    return services.create_product(**values)


def test_create_product(app_ctx, type_and_supplier):
    product = _new_product(type_and_supplier)
    assert product.active and product.reusable
    assert product.measurements() == {"seat_height_cm": 60}
    assert product.list_price == D("2495.50")


def test_hmi_number_is_optional_but_unique(app_ctx, type_and_supplier):
    _new_product(type_and_supplier, hmi_number=None)
    _new_product(type_and_supplier, hmi_number="")
    first = _new_product(type_and_supplier, hmi_number="777")
    with pytest.raises(Duplicate) as refused:
        _new_product(type_and_supplier, hmi_number="777")
    assert refused.value.field == "hmi_number"
    services.update_product(
        product=first,
        name="Omdøbt",
        hmi_number="777",
        product_type_id=first.product_type_id,
        supplier_id=first.supplier_id,
        list_price=D("1"),
        reusable=False,
        description=None,
        measurements={},
    )
    assert first.name == "Omdøbt" and first.measurements() == {}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"measurements": {"seat_width_cm": 0}}, "seat_width_cm"),
        ({"measurements": {"seat_width_cm": -40}}, "seat_width_cm"),
        ({"measurements": {"max_user_weight_kg": 100_000}}, "max_user_weight_kg"),
        ({"measurements": {"colour_cm": 3}}, "colour_cm"),
        ({"measurements": {"length_cm": "200"}}, "length_cm"),
        ({"list_price": D("-0.01")}, "list_price"),
        ({"list_price": D("0.001")}, "list_price"),
        ({"list_price": D("1e30")}, "list_price"),
        ({"product_type_id": 999_999}, "product_type_id"),
        ({"product_type_id": 10**30}, "product_type_id"),
        ({"supplier_id": None}, "supplier_id"),
        ({"hmi_number": "12 34"}, "hmi_number"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_product_refusals(app_ctx, type_and_supplier, overrides, field):
    with pytest.raises(Invalid) as refused:
        _new_product(type_and_supplier, **overrides)
    assert refused.value.field == field


def test_set_product_active(app_ctx, type_and_supplier):
    product = _new_product(type_and_supplier)
    services.set_product_active(product=product, active=False)
    assert not product.active
    assert product in db.session.scalars(services.product_query(active=False)).all()
    assert product not in db.session.scalars(services.product_query()).all()


def test_product_query_filters_and_sorts(make, app_ctx):
    wheelchair = make.product_type(reusable=True)
    pads = make.product_type(reusable=False)
    acme = make.supplier(name="Acme")
    make.product(name="Kørestol B", product_type=wheelchair, supplier=acme, list_price=D("9000"))
    make.product(name="kørestol a", product_type=wheelchair, list_price=D("12000"))
    make.product(name="Underlag 100%", product_type=pads, reusable=False, list_price=D("20"))

    def names(**filters):
        return [p.name for p in db.session.scalars(services.product_query(**filters))]

    assert names(search="STOL", sort="price") == ["Kørestol B", "kørestol a"]
    assert names(sort="-price")[0] == "kørestol a"
    assert names(search="100%") == ["Underlag 100%"]
    assert names(search="%") == ["Underlag 100%"]  # a literal percent sign, not a wildcard
    assert names(search="_") == []
    assert names(supplier_id=acme.id) == ["Kørestol B"]
    assert names(product_type_id=pads.id) == ["Underlag 100%"]
    assert names(reusable=False) == ["Underlag 100%"]


# --- contracts and lines ---------------------------------------------------------------------


def _new_contract(supplier, **overrides):
    values = {
        "reference": "RA-2026-01",
        "title": "Kørestole",
        "supplier_id": supplier.id,
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2027, 12, 31),
    }
    values.update(overrides)
    return contract_services.create_contract(**values)


def test_contract_reference_is_unique_ignoring_case(make, app_ctx):
    supplier = make.supplier()
    _new_contract(supplier)
    with pytest.raises(Duplicate) as refused:
        _new_contract(supplier, reference="ra-2026-01")
    assert refused.value.field == "reference"


def test_contract_may_last_one_day_but_not_end_before_it_starts(make, app_ctx):
    supplier = make.supplier()
    _new_contract(supplier, valid_to=date(2026, 1, 1))
    with pytest.raises(Invalid) as refused:
        _new_contract(supplier, reference="R2", valid_to=date(2025, 12, 31))
    assert refused.value.field == "valid_to"
    with pytest.raises(Invalid):
        _new_contract(supplier, reference="R3", valid_from=date(1, 1, 1))


def test_contract_query_valid_on_and_search(make, app_ctx):
    supplier = make.supplier()
    make.contract(
        supplier=supplier,
        reference="OLD-1",
        valid_from=date(2020, 1, 1),
        valid_to=date(2021, 12, 31),
    )
    make.contract(reference="NEW-1")
    refs = [
        c.reference
        for c in db.session.scalars(contract_services.contract_query(valid_on=date(2026, 6, 1)))
    ]
    assert refs == ["NEW-1"]
    refs = [c.reference for c in db.session.scalars(contract_services.contract_query(search="old"))]
    assert refs == ["OLD-1"]
    refs = [
        c.reference
        for c in db.session.scalars(contract_services.contract_query(supplier_id=supplier.id))
    ]
    assert refs == ["OLD-1"]


def test_contract_lines_add_update_remove(make, app_ctx):
    product = make.product()
    other = make.product()
    contract_id = make.contract().id
    contract = db.session.get(Contract, contract_id)
    line = contract_services.add_contract_line(
        contract=contract,
        product_id=product.id,
        pack_size=4,
        moq=8,
        lead_time_days=10,
        breaks=[(1, D("100")), (10, D("90")), (50, D("80"))],
    )
    assert [(b.min_qty, b.unit_price) for b in line.price_breaks] == [
        (1, D("100.00")),
        (10, D("90.00")),
        (50, D("80.00")),
    ]

    with pytest.raises(Duplicate) as refused:
        contract_services.add_contract_line(
            contract=contract, product_id=product.id, breaks=[(1, D("1"))]
        )
    assert refused.value.field == "product_id"

    # Re-using a quantity and dropping others must not clash with UNIQUE(line, min_qty).
    contract_services.update_contract_line(
        line=line,
        product_id=other.id,
        pack_size=1,
        moq=0,
        lead_time_days=0,
        breaks=[(1, D("95")), (5, D("92")), (10, D("85"))],
    )
    db.session.expire_all()
    line = db.session.get(ContractLine, line.id)
    assert line.product_id == other.id
    assert [(b.min_qty, b.unit_price) for b in line.price_breaks] == [
        (1, D("95.00")),
        (5, D("92.00")),
        (10, D("85.00")),
    ]
    assert line.unit_price_for(7) == D("92.00")

    contract_services.remove_contract_line(line=line)
    assert db.session.scalar(select(ContractLine)) is None
    assert db.session.scalar(select(PriceBreak)) is None
    assert db.session.get(Product, other.id).active  # the product itself stays


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pack_size": 0}, "pack_size"),
        ({"moq": -1}, "moq"),
        ({"lead_time_days": 10_000}, "lead_time_days"),
        ({"product_id": 0}, "product_id"),
        ({"breaks": []}, "breaks"),
        ({"breaks": [(5, D("10")), (3, D("12"))]}, "breaks"),
    ],
)
def test_contract_line_refusals(make, app_ctx, overrides, field):
    product = make.product()
    contract = db.session.get(Contract, make.contract().id)
    values = {"product_id": product.id, "breaks": [(1, D("10"))]} | overrides
    with pytest.raises(DomainError) as refused:
        contract_services.add_contract_line(contract=contract, **values)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(ContractLine)) is None


def test_counts_by(make, app_ctx):
    product_type = make.product_type()
    make.product(product_type=product_type)
    make.product(product_type=product_type)
    assert services.counts_by(Product.product_type_id, [product_type.id, 999]) == {
        product_type.id: 2
    }
    assert services.counts_by(Product.product_type_id, []) == {}
