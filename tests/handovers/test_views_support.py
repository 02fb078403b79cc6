"""Fixtures and helpers shared by the handover page tests (tests/handovers/test_views*.py).

Import the fixtures into a test module by name, as tests/requests does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from depot.citizens.models import AccessLogEntry
from depot.deviations.models import DeviationCase
from depot.extensions import db
from depot.handovers.models import Handover, HandoverDevice
from tests.conftest import log_in


def today() -> date:
    """Today where the users are (the app's time zone), without an app context."""
    return datetime.now(ZoneInfo("Europe/Copenhagen")).date()


@pytest.fixture
def world(app, make, region, herning, holstebro):
    """Hoist, wheelchair, bed and rollator types with catalogue rules; depots of the region
    and Herning; Grethe of Herning and Bo of Holstebro."""
    hoist = make.product_type(
        iso_code="12 36 03", title_da="Mobil personløfter", measurement_fields="max_user_weight_kg"
    )
    chair = make.product_type(
        iso_code="12 22 03",
        title_da="Manuel kørestol",
        measurement_fields="seat_width_cm,max_user_weight_kg",
    )
    bed = make.product_type(
        iso_code="18 12 10", title_da="Plejeseng", measurement_fields="length_cm"
    )
    rollator = make.product_type(iso_code="12 06 06", title_da="Rollator", measurement_fields="")
    make.rule(iso_code="12 36", responsible_party="municipality")
    make.rule(
        iso_code="12 22 03",
        responsible_party="municipality",
        duration_threshold_days=180,
        short_term_party="region",
    )
    make.rule(iso_code="18 12", responsible_party="municipality")
    region_depot = make.depot(owner=region, name="Hjælpemiddelenheden Vest")
    herning_depot = make.depot(owner=herning, name="Herning Hjælpemidler")
    citizen = make.citizen(
        municipality=herning, name="Grethe Hansen", cpr="120345-1234", address="Skolegade 3"
    )
    other = make.citizen(municipality=holstebro, name="Bo Berg", cpr="020260-4321")
    return SimpleNamespace(
        app=app,
        make=make,
        region=region,
        herning=herning,
        holstebro=holstebro,
        hoist=hoist,
        chair=chair,
        bed=bed,
        rollator=rollator,
        region_depot=region_depot,
        herning_depot=herning_depot,
        citizen=citizen,
        other=other,
    )


def as_user(world, client, role, organisation, **kwargs):
    """Log `client` in as a new user, in English (the tests read messages); returns the user."""
    user = world.make.user(organisation=organisation, role=role, **kwargs)
    client.post("/logout")
    assert log_in(client, user.email).status_code == 302
    client.post("/language/en")
    return user


@pytest.fixture
def nurse(world, client):
    """The client logged in as a hospital (region) therapist."""
    return as_user(world, client, "therapist", world.region, name="Nina Sygeplejerske")


def discharge_draft(world, **kwargs) -> int:
    """A discharge handover draft of the region for Grethe (or `citizen`)."""
    kwargs.setdefault("citizen", world.citizen)
    return world.make.handover(sender=world.region, **kwargs).id


def sent_discharge(world, needs=None, **kwargs) -> int:
    """A sent discharge handover with a hoist (municipality) and a short-term wheelchair
    (region), unless `needs` says otherwise."""
    if needs is None:
        needs = [
            (world.hoist, {"measurements": {"max_user_weight_kg": 95}}),
            (world.chair, {"expected_duration_days": 42, "measurements": {"seat_width_cm": 45}}),
        ]
    return discharge_draft(world, needs=needs, send=True, **kwargs)


def handover_of(world, handover_id) -> Handover | None:
    with world.app.app_context():
        handover = db.session.scalar(
            select(Handover)
            .where(Handover.id == handover_id)
            .options(
                selectinload(Handover.devices).selectinload(HandoverDevice.product_type),
                selectinload(Handover.contacts),
            )
        )
        if handover is not None:
            _ = handover.devices, handover.contacts
        db.session.expunge_all()
        return handover


def access_log(world) -> list[AccessLogEntry]:
    with world.app.app_context():
        rows = db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)).all()
        db.session.expunge_all()
        return rows


def cases(world) -> list[DeviationCase]:
    with world.app.app_context():
        rows = db.session.scalars(select(DeviationCase).order_by(DeviationCase.id)).all()
        db.session.expunge_all()
        return rows


def clear_log(world) -> None:
    with world.app.app_context():
        db.session.execute(AccessLogEntry.__table__.delete())
        db.session.commit()


def form_data(version, devices=(), contacts=(), **fields) -> dict:
    """The posted edit form: scalar fields, device rows (dicts of a row's fields, with
    "section"), contact rows."""
    data = {
        "version": str(version),
        "department": "Ortopædkirurgi",
        "contact_name": "Nina Sygeplejerske",
        "contact_phone": "78 43 00 00",
        "admitted_date": (today() - timedelta(days=3)).isoformat(),
        "admitted_time": "09:30",
        "discharge_date": (today() + timedelta(days=4)).isoformat(),
        "discharge_time": "11:00",
        "home_situation": "Bor alene i lejlighed",
        "floor": "2. sal",
        "stairs_steps": "24",
        "has_lift": "no",
        "door_width_cm": "78",
        "has_key_box": "yes",
        "access_note": "Nøgleboks ved døren",
        "consent_to_contact": "y",
        "note": "Ring før levering",
    }
    data.update(fields)
    for index, row in enumerate(devices):
        for key, value in row.items():
            if value is not None:
                data[f"devices-{index}-{key}"] = str(value)
    for index, row in enumerate(contacts):
        for key, value in row.items():
            if value is not None and value is not False:
                data[f"contacts-{index}-{key}"] = "y" if value is True else str(value)
    return data


def need(product_type, **values) -> dict:
    return {"section": "needed", "product_type_id": product_type.id, "quantity": 1, **values}


def in_use(product_type, **values) -> dict:
    return {"section": "in_use", "product_type_id": product_type.id, "quantity": 1, **values}


def save(client, handover_id, data, send=False):
    data = {**data, ("send" if send else "save"): "1"}
    return client.post(f"/handovers/{handover_id}/edit", data=data)


def version_of(world, handover_id) -> int:
    return handover_of(world, handover_id).version


def find_by_cpr(client, cpr: str) -> None:
    """A hospital therapist finds the patient by the exact CPR number (by POST), which lets
    them open the citizen's page for this session."""
    response = client.post("/citizens/", data={"q": cpr})
    assert response.status_code == 200
