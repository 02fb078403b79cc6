"""Fixtures and helpers shared by the depot page tests (tests/items/test_views_*.py).

Import the fixtures into a test module with `from tests.items.test_views_support import …`.
"""

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from depot.citizens.models import AccessLogEntry
from depot.citizens.services import create_citizen
from depot.extensions import db
from depot.items import services
from depot.items.models import Item
from tests.conftest import log_in

CPR = "010150-1234"
OTHER_CPR = "020260-4321"

# The steps that bring a new (available) item into each state.
PATHS = {
    "available": [],
    "reserved": ["reserve"],
    "on_loan": ["reserve", "lend"],
    "returned": ["reserve", "lend", "take_back"],
    "cleaning": ["reserve", "lend", "take_back", "start_cleaning"],
    "inspection": ["reserve", "lend", "take_back", "start_cleaning", "finish_cleaning"],
    "repair": ["send_to_repair"],
    "in_transit": ["send_transfer"],
    "scrapped": ["scrap"],
}


@pytest.fixture
def world(app, make, herning, holstebro):
    """Herning's depots and items, a Holstebro depot, citizens of both municipalities."""
    depot = make.depot(owner=herning, name="Herning Depot")
    other = make.depot(owner=herning, name="Herning Nord")
    holstebro_depot = make.depot(owner=holstebro, name="Holstebro Depot")
    product = make.product(name="Kørestol Vestmo 45")
    consumable = make.product(name="Bleer", reusable=False)
    with app.app_context():
        citizen = create_citizen(cpr=CPR, name="Anna Andersen", municipality_id=herning.id)
        other_citizen = create_citizen(cpr=OTHER_CPR, name="Bo Berg", municipality_id=holstebro.id)
        db.session.commit()
        citizen_id, other_citizen_id = citizen.id, other_citizen.id
    return SimpleNamespace(
        app=app,
        herning=herning,
        holstebro=holstebro,
        depot=depot,
        other=other,
        holstebro_depot=holstebro_depot,
        product=product,
        consumable=consumable,
        citizen_id=citizen_id,
        other_citizen_id=other_citizen_id,
    )


def new_item(world, status="available", *, serial=None, depot=None, citizen_id=None, due=None):
    """A new item of the world's product, walked to `status`; returns its id."""
    depot = depot or world.depot
    with world.app.app_context():
        (item,) = services.receive_items(
            product_id=world.product.id,
            depot_id=depot.id,
            owner_id=depot.owner_id or world.herning.id,
            serials=[serial],
            user=None,
        )
        item_id = item.id
        for step in PATHS[status]:
            if step == "lend":
                services.lend_item(
                    item_id=item_id,
                    citizen_id=citizen_id or world.citizen_id,
                    lender_id=world.herning.id,
                    user=None,
                    legal_basis="Serviceloven §112",
                    expected_end=date(2030, 1, 1),
                )
            elif step == "send_transfer":
                services.send_transfer(item_id=item_id, to_depot_id=world.other.id, user=None)
            elif step == "finish_cleaning":
                services.finish_cleaning(item_id=item_id, user=None)
            else:
                services.apply_step(item_id=item_id, step_name=step, user=None)
        if due is not None:
            db.session.get(Item, item_id).next_inspection_due = due
        db.session.commit()
        return item_id


def item_state(world, item_id) -> Item:
    """The item as stored now (detached, attributes loaded)."""
    with world.app.app_context():
        item = db.session.get(Item, item_id)
        db.session.expunge(item)
        return item


def access_log(world) -> list[AccessLogEntry]:
    with world.app.app_context():
        rows = db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture
def staff(world, login_as):
    """The client logged in as Herning depot staff, who operate Herning's depots."""
    return login_as("depot_staff", world.herning)


@pytest.fixture
def as_user(app, client, make):
    """Log the client in (again) as a new user with a role in an organisation."""

    def _as(role, organisation):
        client.post("/logout")
        user = make.user(organisation=organisation, role=role)
        assert log_in(client, user.email).status_code == 302
        return user

    return _as
