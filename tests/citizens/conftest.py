"""Fixtures of the citizen page tests: citizens of Herning and Holstebro, loans, log helpers."""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from depot.citizens.models import AccessLogEntry
from depot.citizens.services import create_citizen
from depot.extensions import db
from depot.items import services as item_services
from tests.conftest import log_in

CPR = "010150-1234"
OTHER_CPR = "020260-4321"
FREE_CPR = "150385-2468"  # valid, registered nowhere

# Every URL a page produces: links, form actions, redirects.
_URL_ATTRS = re.compile(r'(?:href|action|formaction|src)="([^"]*)"')


@pytest.fixture
def world(app, make, region, herning, holstebro):
    """Anna (Herning) and Bo (Holstebro), a Herning depot with a product."""
    depot = make.depot(owner=herning, name="Herning Depot (citizens)")
    product = make.product(name="Rollator Gemino (citizens)")
    with app.app_context():
        anna = create_citizen(
            cpr=CPR,
            name="Anna Ærø",
            municipality_id=herning.id,
            address="Skolegade 1",
            postcode="7400",
            town="Herning",
        )
        bo = create_citizen(
            cpr=OTHER_CPR,
            name="Bo Berg",
            municipality_id=holstebro.id,
            address="Nørregade 2",
            postcode="7500",
            town="Holstebro",
        )
        db.session.commit()
        anna_id, bo_id = anna.id, bo.id
    return SimpleNamespace(
        app=app,
        make=make,
        region=region,
        herning=herning,
        holstebro=holstebro,
        depot=depot,
        product=product,
        anna_id=anna_id,
        bo_id=bo_id,
    )


def new_loan(world, citizen_id, *, returned=False, expected_end=date(2030, 1, 1)) -> int:
    """An item of the world's product lent to the citizen (and taken back if `returned`)."""
    with world.app.app_context():
        (item,) = item_services.receive_items(
            product_id=world.product.id,
            depot_id=world.depot.id,
            owner_id=world.herning.id,
            serials=[None],
            user=None,
        )
        item_services.reserve_item(item_id=item.id, user=None)
        loan = item_services.lend_item(
            item_id=item.id,
            citizen_id=citizen_id,
            lender_id=world.herning.id,
            user=None,
            legal_basis="Serviceloven §112",
            expected_end=expected_end,
        )
        loan_id = loan.id
        if returned:
            item_services.take_back_item(item_id=item.id, user=None)
        db.session.commit()
        return loan_id


def access_log(world) -> list[AccessLogEntry]:
    with world.app.app_context():
        rows = db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def urls_in(html: str) -> list[str]:
    return _URL_ATTRS.findall(html)


def assert_no_cpr_in_urls(html: str, *cprs: str) -> None:
    for url in urls_in(html):
        for cpr in cprs or (CPR, OTHER_CPR, FREE_CPR):
            assert cpr not in url and cpr.replace("-", "") not in url, url


@pytest.fixture
def as_user(app, client, make):
    """Log the client in (again) as a new user with a role in an organisation."""

    def _as(role, organisation):
        client.post("/logout")
        user = make.user(organisation=organisation, role=role)
        assert log_in(client, user.email).status_code == 302
        # English pages: the messages below are the msgids.
        client.post("/language/en")
        return user

    return _as


@pytest.fixture
def therapist(world, as_user):
    """The client logged in as a Herning therapist."""
    return as_user("therapist", world.herning)
