"""The request life cycle in the services: create, reserve, back-order, release, deliver."""

import pytest
from flask_babel import force_locale

from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.models import Item
from depot.loans.models import Loan
from depot.requests import services
from depot.requests.models import DeviceRequest, Reservation


@pytest.fixture
def setting(make, herning):
    depot = make.depot(owner=herning)
    product_type = make.product_type(measurement_fields="seat_width_cm,max_user_weight_kg")
    product = make.product(product_type=product_type, seat_width_cm=45, max_user_weight_kg=135)
    citizen = make.citizen(municipality=herning)
    items = make.items(product=product, depot=depot, owner=herning, count=3)
    return {
        "depot": depot,
        "type": product_type,
        "product": product,
        "citizen": citizen,
        "items": [i.id for i in items],
        "herning": herning,
    }


def _request(make, s, quantity=2, **kwargs):
    return make.request(
        citizen=s["citizen"],
        organisation=s["herning"],
        depot=s["depot"],
        product_type=s["type"],
        quantity=quantity,
        **kwargs,
    )


def test_reserve_two_then_deliver_both(app_ctx, make, setting):
    request = _request(make, setting)
    line_id = request.lines[0].id
    first = services.reserve_for_line(line_id=line_id, item_id=setting["items"][0], user=None)
    assert db.session.get(DeviceRequest, request.id).status == "open"
    services.reserve_for_line(line_id=line_id, item_id=setting["items"][1], user=None)
    request = db.session.get(DeviceRequest, request.id)
    assert request.status == "reserved"
    assert request.responded_at == first.reserved_at
    with pytest.raises(Conflict):
        services.reserve_for_line(line_id=line_id, item_id=setting["items"][2], user=None)
    for reservation in services.active_reservations(request_id=request.id):
        loan = services.deliver_reservation(reservation_id=reservation.id, user=None)
        assert loan.legal_basis == "Serviceloven §112"
        assert loan.expected_end is not None
        assert loan.owner_id == setting["herning"].id
    request = db.session.get(DeviceRequest, request.id)
    assert request.status == "delivered"
    assert request.lines[0].status == "delivered"
    assert db.session.get(Item, setting["items"][0]).status == "on_loan"
    assert db.session.query(Loan).count() == 2


def test_same_item_cannot_be_reserved_for_two_requests(app_ctx, make, setting):
    one, two = _request(make, setting, 1), _request(make, setting, 1)
    item_id = setting["items"][0]
    services.reserve_for_line(line_id=one.lines[0].id, item_id=item_id, user=None)
    with pytest.raises(Conflict):
        services.reserve_for_line(line_id=two.lines[0].id, item_id=item_id, user=None)


def test_back_order_then_reserve_and_release(app_ctx, make, setting):
    request = _request(make, setting, 1)
    line_id = request.lines[0].id
    services.back_order_line(line_id=line_id, user=None)
    assert db.session.get(DeviceRequest, request.id).status == "back_ordered"
    reservation = services.reserve_for_line(line_id=line_id, item_id=setting["items"][0], user=None)
    assert db.session.get(DeviceRequest, request.id).status == "reserved"
    services.release_reservation(reservation_id=reservation.id, user=None)
    assert db.session.get(Item, setting["items"][0]).status == "available"
    assert db.session.get(DeviceRequest, request.id).status == "back_ordered"
    with pytest.raises(Conflict):
        services.release_reservation(reservation_id=reservation.id, user=None)


def test_item_of_another_type_is_refused(app_ctx, make, setting, herning):
    other_product = make.product()
    (other,) = make.items(product=other_product, depot=setting["depot"], owner=herning)
    request = _request(make, setting, 1)
    with pytest.raises(DomainError):
        services.reserve_for_line(line_id=request.lines[0].id, item_id=other.id, user=None)


def test_cancel_releases_reservations(app_ctx, make, setting):
    request = _request(make, setting, 2)
    services.reserve_for_line(line_id=request.lines[0].id, item_id=setting["items"][0], user=None)
    services.cancel_request(request_id=request.id, user=None, reason="Indlagt igen")
    request = db.session.get(DeviceRequest, request.id)
    assert request.status == "cancelled"
    assert db.session.get(Item, setting["items"][0]).status == "available"
    assert db.session.query(Reservation).filter_by(status="reserved").count() == 0
    with pytest.raises(Conflict):
        services.cancel_request(request_id=request.id, user=None)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"quantity": 0}, "quantity"),
        ({"measurements": {"seat_width_cm": 5}}, "between"),
        ({"measurements": {"length_cm": 200}}, "does not apply"),
    ],
)
def test_bad_lines_are_refused(app_ctx, make, setting, spec, message):
    line = services.LineSpec(product_type_id=setting["type"].id, **spec)
    with force_locale("en"), pytest.raises(DomainError, match=message):
        services._check_line(line)


def test_consumable_type_cannot_be_requested(app_ctx, make):
    consumable = make.product_type(reusable=False)
    with pytest.raises(DomainError):
        services._check_line(services.LineSpec(product_type_id=consumable.id))
