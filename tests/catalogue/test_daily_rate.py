"""The product type's daily rate (rent per day when lent to another organisation)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from depot.catalogue import services
from depot.catalogue.models import ProductType
from depot.catalogue.validation import Invalid
from depot.demo import product_vocabulary as pv
from depot.demo.context import DemoContext
from depot.demo.reference import load_reference
from depot.demo.steps_catalogue import create_product_types, daily_rate
from depot.extensions import db
from tests.catalogue.conftest import text_of


# The product type views pass the form's daily rate to the services once
# depot/catalogue/views.py has `daily_rate=form.daily_rate.data` (see the settlement report).
def _form(**overrides):
    data = {
        "iso_code": "12 22 03",
        "iso_edition": "2022",
        "title_da": "Manuelle kørestole",
        "title_en": "Manual wheelchairs",
        "reusable": "y",
        "measurement_fields": ["seat_width_cm"],
    }
    data.update(overrides)
    return data


def test_create_with_a_danish_daily_rate(client, officer, peek):
    response = client.post("/catalogue/types/new", data=_form(daily_rate="12,50"))
    assert response.status_code == 302
    assert peek.one(ProductType, iso_code="12 22 03").daily_rate == Decimal("12.50")


def test_edit_changes_and_clears_the_daily_rate(client, officer, make, peek):
    product_type = make.product_type(iso_code="12 22 03")
    url = f"/catalogue/types/{product_type.id}/edit"
    assert client.post(url, data=_form(daily_rate="1.234,5")).status_code == 302
    assert peek.one(ProductType, id=product_type.id).daily_rate == Decimal("1234.50")
    assert client.post(url, data=_form(daily_rate="")).status_code == 302
    assert peek.one(ProductType, id=product_type.id).daily_rate is None


def test_create_without_a_daily_rate_uses_the_default(client, officer, peek):
    assert client.post("/catalogue/types/new", data=_form()).status_code == 302
    assert peek.one(ProductType, iso_code="12 22 03").daily_rate is None


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("-5", "Enter an amount from 0 to"),
        ("-0,01", "Enter an amount from 0 to"),
        ("abc", "Enter an amount like 1234,50."),
        ("1e3", "Enter an amount like 1234,50."),
        ("Infinity", "Enter an amount like 1234,50."),
        ("12,345", "Use at most two decimals."),
        ("100000,01", "Enter an amount from 0 to"),
        ("<b>5</b>", "Enter an amount like 1234,50."),
    ],
)
def test_bad_daily_rates_are_form_errors(client, officer, english, peek, rate, message):
    english()
    response = client.post("/catalogue/types/new", data=_form(daily_rate=rate))
    assert response.status_code == 200
    page = text_of(response)
    assert message in page
    assert "<b>5</b>" not in page
    assert peek.count(ProductType) == 0


def test_the_edit_form_shows_the_rate_in_danish(client, officer, make, app):
    product_type = make.product_type(iso_code="12 22 03")
    with app.app_context():
        db.session.get(ProductType, product_type.id).daily_rate = Decimal("12.50")
        db.session.commit()
    page = text_of(client.get(f"/catalogue/types/{product_type.id}/edit"))
    assert 'name="daily_rate"' in page and 'value="12,50"' in page


def test_the_list_shows_rates_or_the_default(client, officer, english, make, app):
    rated = make.product_type(iso_code="12 22 03")
    make.product_type(iso_code="18 12 10")
    with app.app_context():
        db.session.get(ProductType, rated.id).daily_rate = Decimal("1234.50")
        db.session.commit()
    page = text_of(client.get("/catalogue/types"))
    assert 'data-testid="daily-rate">1.234,50' in page
    english()
    page = text_of(client.get("/catalogue/types"))
    assert "Default" in page


# --- services -------------------------------------------------------------------------------


def _create(**overrides):
    values = {
        "iso_code": "12 22 03",
        "iso_edition": 2022,
        "title_da": "Kørestole",
        "title_en": "Wheelchairs",
    }
    values.update(overrides)
    return services.create_product_type(**values)


def test_services_store_the_rate(app_ctx):
    product_type = _create(daily_rate=Decimal("7.5"))
    assert product_type.daily_rate == Decimal("7.50")
    values = {
        "product_type": product_type,
        "iso_code": "12 22 03",
        "iso_edition": 2022,
        "title_da": "Kørestole",
        "title_en": "Wheelchairs",
        "reusable": True,
        "measurement_fields": [],
    }
    services.update_product_type(**values)  # no rate given: kept
    assert product_type.daily_rate == Decimal("7.50")
    services.update_product_type(**values, daily_rate=Decimal("0"))
    assert product_type.daily_rate == Decimal("0.00")
    services.update_product_type(**values, daily_rate=None)
    assert product_type.daily_rate is None
    db.session.commit()
    stored = db.session.scalar(
        select(ProductType.daily_rate).where(ProductType.id == product_type.id)
    )
    assert stored is None


@pytest.mark.parametrize(
    "rate", [Decimal("-1"), Decimal("NaN"), Decimal("100000.01"), "1.234", "x"]
)
def test_services_refuse_bad_rates(app_ctx, rate):
    with pytest.raises(Invalid) as refused:
        _create(daily_rate=rate)
    assert refused.value.field == "daily_rate"


# --- demo -----------------------------------------------------------------------------------


def test_demo_rates_are_a_small_share_of_the_list_price():
    for spec in [*pv.TYPE_SPECS.values(), pv.FALLBACK_SPEC]:
        typical = Decimal(sum(spec.price)) / 2
        rate = daily_rate(spec)
        assert rate == rate.quantize(Decimal("0.5")) and rate > 0
        assert Decimal("0.001") <= rate / typical <= Decimal("0.003"), (spec, rate)
    assert daily_rate(pv.FALLBACK_SPEC) == daily_rate(pv.FALLBACK_SPEC)


def test_demo_gives_reusable_types_a_rate(app_ctx):
    ctx = DemoContext(seed=1, scale=1, password_hash="x", reference=load_reference())
    create_product_types(ctx)
    types = db.session.scalars(select(ProductType)).all()
    assert types
    for product_type in types:
        if product_type.reusable:
            assert product_type.daily_rate is not None and product_type.daily_rate > 0
        else:
            assert product_type.daily_rate is None
    db.session.rollback()
