"""The demo requests: basic packages, requests in every state, consistent with the items."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from depot.citizens.models import Citizen
from depot.demo.generator import seed_demo_data
from depot.extensions import db
from depot.items.models import Item
from depot.loans.models import Loan
from depot.requests.models import BasicPackage, DeviceRequest, Reservation


@pytest.fixture
def summary(app_ctx, demo_password):
    return seed_demo_data(password=demo_password)


def test_packages_and_requests_in_every_state(summary):
    assert summary.packages == db.session.scalar(select(func.count(BasicPackage.id))) == 3
    home = db.session.scalar(
        select(BasicPackage).where(BasicPackage.name == "Udskrivning til eget hjem")
    )
    assert len(home.lines) == 4
    states = Counter(db.session.scalars(select(DeviceRequest.status)).all())
    assert sum(states.values()) == summary.requests == 48
    assert {"open", "back_ordered", "reserved", "delivered"} <= set(states)
    urgencies = set(db.session.scalars(select(DeviceRequest.urgency)).all())
    assert urgencies == {"normal", "urgent", "after_hours"}


def test_reservations_agree_with_the_items_and_loans(summary):
    for reservation in db.session.scalars(select(Reservation)).all():
        item = db.session.get(Item, reservation.item_id)
        if reservation.status == "reserved":
            assert item.status == "reserved"
            assert reservation.line.request.status in ("open", "back_ordered", "reserved")
        else:
            loan = db.session.get(Loan, reservation.loan_id)
            assert loan.citizen_id == reservation.line.request.citizen_id
            assert loan.lender_id == reservation.line.request.organisation_id
    answered = db.session.scalars(select(DeviceRequest).where(DeviceRequest.status != "open")).all()
    assert all(r.responded_at and r.responded_at >= r.created_at for r in answered)


def test_citizens_have_positions_and_some_loans_await_pickup(summary):
    assert db.session.scalar(select(func.count()).where(Citizen.latitude.is_(None))) == 0
    pickups = db.session.scalar(
        select(func.count(Loan.id)).where(
            Loan.pickup_requested_at.is_not(None), Loan.returned_at.is_(None)
        )
    )
    assert pickups >= 5
