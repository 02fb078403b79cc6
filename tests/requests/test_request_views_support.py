"""Fixtures and helpers shared by the request page tests (tests/requests/test_request_views*.py).

Import the fixtures into a test module by name, as tests/items does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from depot.citizens.models import AccessLogEntry, Citizen
from depot.extensions import db
from depot.requests.models import BasicPackage, BasicPackageLine, DeviceRequest
from tests.conftest import log_in


def today() -> date:
    """Today where the users are (the app's time zone), without an app context."""
    return datetime.now(ZoneInfo("Europe/Copenhagen")).date()


def next_in_month(month: int) -> date:
    """The 15th of the month, within the next year (for summer and winter time)."""
    day = today() + timedelta(days=1)
    while not (day.month == month and day.day == 15):
        day += timedelta(days=1)
    return day


@pytest.fixture
def world(app, make, herning, holstebro, region):
    """Herning's depot, three product types (chair, bed, consumable), citizens of two towns."""
    depot = make.depot(owner=herning, name="Herning Hjælpemidler")
    chair = make.product_type(
        title_da="Kørestol", measurement_fields="seat_width_cm,max_user_weight_kg"
    )
    bed = make.product_type(title_da="Plejeseng", measurement_fields="length_cm")
    rollator = make.product_type(title_da="Rollator", measurement_fields="")
    diapers = make.product_type(title_da="Bleer", reusable=False, measurement_fields="")
    chair_product = make.product(
        product_type=chair, name="Vestmo 45", seat_width_cm=45, max_user_weight_kg=135
    )
    bed_product = make.product(product_type=bed, name="Opus Plejeseng", length_cm=200)
    citizen = make.citizen(municipality=herning, name="Anna Andersen", address="Skolegade 3")
    other_citizen = make.citizen(municipality=holstebro, name="Bo Berg")
    with app.app_context():
        package = BasicPackage(
            name="Udskrivning til eget hjem",
            description="Seng og kørestol",
            lines=[
                BasicPackageLine(product_type_id=bed.id, quantity=1),
                BasicPackageLine(product_type_id=chair.id, quantity=1),
            ],
        )
        db.session.add(package)
        db.session.commit()
        package_id = package.id
    return SimpleNamespace(
        app=app,
        make=make,
        herning=herning,
        holstebro=holstebro,
        region=region,
        depot=depot,
        chair=chair,
        bed=bed,
        rollator=rollator,
        diapers=diapers,
        chair_product=chair_product,
        bed_product=bed_product,
        citizen=citizen,
        other_citizen=other_citizen,
        package_id=package_id,
    )


@pytest.fixture
def therapist(world, client):
    return as_user(world, client, "therapist", world.herning)


def as_user(world, client, role, organisation):
    """Log `client` in as a new user, in English (the tests read messages); returns the user."""
    user = world.make.user(organisation=organisation, role=role)
    assert log_in(client, user.email).status_code == 302
    client.post("/language/en")
    return user


def details(**overrides) -> dict:
    """The non-line fields of a valid request form."""
    data = {
        "needed_by_date": (today() + timedelta(days=7)).isoformat(),
        "needed_by_time": "10:00",
        "urgency": "normal",
        "legal_basis": "Serviceloven §112",
        "purpose": "compensation",
        "expected_duration": "90",
        "delivery_address": "Skolegade 3",
        "delivery_postcode": "7400",
        "delivery_town": "Herning",
        "contact_name": "Anna Andersen",
        "contact_phone": "20 30 40 50",
        "depot_id": "",
        "note": "",
    }
    data.update(overrides)
    return data


def line(index: int, product_type, quantity=1, shown=True, **values) -> dict:
    """Form fields of one device line; `shown`: the measurement inputs were on the page."""
    data = {
        f"lines-{index}-product_type_id": str(product_type.id),
        f"lines-{index}-quantity": str(quantity),
    }
    if shown:
        data[f"lines-{index}-shown_type"] = str(product_type.id)
    for name, value in values.items():
        data[f"lines-{index}-{name}"] = str(value)
    return data


def new_url(world, citizen=None, package=None) -> str:
    url = f"/requests/new?citizen={(citizen or world.citizen).id}"
    return url + (f"&package={package}" if package is not None else "")


def send(client, world, *lines, citizen=None, package=None, **fields):
    data = details(**{"depot_id": str(world.depot.id), **fields})
    for part in lines:
        data.update(part)
    data["send"] = "1"
    return client.post(new_url(world, citizen, package), data=data)


def requests_of(world) -> list[DeviceRequest]:
    with world.app.app_context():
        rows = db.session.scalars(select(DeviceRequest).order_by(DeviceRequest.id)).all()
        for row in rows:
            _ = row.lines  # load before leaving the session
        db.session.expunge_all()
        return rows


def access_log(world) -> list[AccessLogEntry]:
    with world.app.app_context():
        rows = db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)).all()
        db.session.expunge_all()
        return rows


def set_citizen(world, **values) -> None:
    with world.app.app_context():
        citizen = db.session.get(Citizen, world.citizen.id)
        for key, value in values.items():
            setattr(citizen, key, value)
        db.session.commit()
