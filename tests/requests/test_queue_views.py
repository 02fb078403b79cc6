"""The depot's request queue pages: the list, one request with its proposal, and the actions."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from depot.citizens.models import AccessLogEntry
from depot.extensions import db
from depot.items.models import Item
from depot.organisations.models import Depot, utcnow
from depot.requests.models import DeviceRequest, RequestLine, Reservation


class World:
    pass


@pytest.fixture
def w(app, make, herning, holstebro):
    w = World()
    w.app, w.make, w.herning, w.holstebro = app, make, herning, holstebro
    w.home = make.depot(owner=herning, name="Herning depot")
    w.other = make.depot(owner=holstebro, name="Holstebro depot")
    w.type = make.product_type(
        title_da="Kørestol", measurement_fields="seat_width_cm,max_user_weight_kg"
    )
    w.product = make.product(
        product_type=w.type, name="Rolli 46", seat_width_cm=46, max_user_weight_kg=135
    )
    w.narrow = make.product(
        product_type=w.type, name="Rolli 40", seat_width_cm=40, max_user_weight_kg=135
    )
    w.citizen = make.citizen(municipality=herning, name="Hans Hansen")
    w.foreign_citizen = make.citizen(municipality=holstebro, name="Grete Holst")
    return w


def new_request(w, *, depot=None, citizen=None, organisation=None, **kwargs):
    return w.make.request(
        citizen=citizen or w.citizen,
        organisation=organisation or w.herning,
        depot=depot or w.home,
        product_type=kwargs.pop("product_type", w.type),
        **kwargs,
    )


def stock(w, product=None, depot=None, owner=None, count=1):
    made = w.make.items(
        product=product or w.product, depot=depot or w.home, owner=owner or w.herning, count=count
    )
    return [i.id for i in made]


@pytest.fixture
def staff(w, login_as):
    return login_as("depot_staff", w.herning)


def fetch(w, model, id_):
    with w.app.app_context():
        obj = db.session.get(model, id_)
        db.session.expunge(obj)
        return obj


def log_rows(w, action=None):
    with w.app.app_context():
        stmt = select(AccessLogEntry).order_by(AccessLogEntry.id)
        if action:
            stmt = stmt.where(AccessLogEntry.action == action)
        rows = db.session.scalars(stmt).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def row_ids(page: str) -> list[int]:
    import re

    return [int(m) for m in re.findall(r'data-testid="queue-row" data-id="(\d+)"', page)]


# --- the queue ------------------------------------------------------------------------------


def test_queue_order_urgent_first_then_needed_by(w, client, staff):
    soon = utcnow() + timedelta(days=1)
    later = utcnow() + timedelta(days=5)
    normal_soon = new_request(w, needed_by=soon)
    normal_later = new_request(w, needed_by=later)
    urgent_later = new_request(w, urgency="urgent", needed_by=later)
    after_hours_soon = new_request(w, urgency="after_hours", needed_by=soon)
    page = client.get("/depot/requests/").get_data(as_text=True)
    assert row_ids(page) == [after_hours_soon.id, urgent_later.id, normal_soon.id, normal_later.id]


def test_queue_ties_on_needed_by_go_by_creation(w, client, staff):
    first, second = new_request(w), new_request(w)
    with w.app.app_context():
        db.session.execute(
            update(DeviceRequest)
            .where(DeviceRequest.id == first.id)
            .values(created_at=utcnow() - timedelta(hours=3))
        )
        db.session.commit()
    page = client.get("/depot/requests/").get_data(as_text=True)
    assert row_ids(page) == [first.id, second.id]


def test_queue_shows_no_citizen_names_but_the_place_and_devices(w, client, staff):
    new_request(w, quantity=2)
    page = client.get("/depot/requests/").get_data(as_text=True)
    assert "Hans Hansen" not in page
    assert "Skolegade" not in page  # the street stays on the detail page
    assert "7400 Herning" in page
    assert "Kørestol × 2" in page
    assert "Herning Kommune" in page


def test_queue_shows_only_requests_of_the_users_depots(w, client, staff):
    mine = new_request(w)
    new_request(w, depot=w.other, citizen=w.foreign_citizen, organisation=w.holstebro)
    page = client.get("/depot/requests/").get_data(as_text=True)
    assert row_ids(page) == [mine.id]


def test_queue_holds_open_back_ordered_and_reserved_requests(w, client, staff):
    item_id, extra = stock(w, count=2)
    open_request = new_request(w)
    back_ordered = new_request(w)
    reserved = new_request(w)
    delivered = new_request(w)
    cancelled = new_request(w)
    from depot.requests import services

    with w.app.app_context():
        services.back_order_line(line_id=back_ordered.lines[0].id, user=None)
        services.reserve_for_line(line_id=reserved.lines[0].id, item_id=item_id, user=None)
        services.reserve_for_line(line_id=delivered.lines[0].id, item_id=extra, user=None)
        (reservation,) = services.active_reservations(request_id=delivered.id)
        services.deliver_reservation(reservation_id=reservation.id, user=None)
        services.cancel_request(request_id=cancelled.id, user=None)
        db.session.commit()
    page = client.get("/depot/requests/").get_data(as_text=True)
    assert sorted(row_ids(page)) == sorted([open_request.id, back_ordered.id, reserved.id])
    only_reserved = client.get("/depot/requests/?status=reserved").get_data(as_text=True)
    assert row_ids(only_reserved) == [reserved.id]


def test_queue_filters(w, client, login_as):
    second = w.make.depot(owner=w.herning, name="Herning Nord")
    login_as("depot_staff", w.herning)
    urgent = new_request(w, urgency="urgent")
    normal = new_request(w, depot=second)
    page = client.get("/depot/requests/?urgency=urgent").get_data(as_text=True)
    assert row_ids(page) == [urgent.id]
    page = client.get(f"/depot/requests/?depot={second.id}").get_data(as_text=True)
    assert row_ids(page) == [normal.id]
    assert "Herning Nord" in page  # the depot column: the user works in two depots


@pytest.mark.parametrize(
    "query",
    [
        "depot=abc",
        "depot=99999999999",
        "status=delivered",
        "urgency=x",
        "status=%00",
        "page=-1",
        "depot=",
    ],
)
def test_queue_ignores_junk_filters(w, client, staff, query):
    mine = new_request(w)
    response = client.get(f"/depot/requests/?{query}")
    assert response.status_code == 200
    assert row_ids(response.get_data(as_text=True)) == [mine.id]


def test_queue_refuses_another_depots_id_as_a_filter(w, client, staff):
    mine = new_request(w)
    new_request(w, depot=w.other, citizen=w.foreign_citizen, organisation=w.holstebro)
    response = client.get(f"/depot/requests/?depot={w.other.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row_ids(page) == [mine.id]  # ignored: the user's own depots are shown
    assert "not understood" in page or "ikke forstået" in page


def test_waiting_time_against_the_target(w, client, staff):
    late = new_request(w, urgency="urgent")
    fresh = new_request(w, urgency="urgent")
    with w.app.app_context():
        db.session.execute(
            update(DeviceRequest)
            .where(DeviceRequest.id == late.id)
            .values(created_at=utcnow() - timedelta(hours=5))
        )
        db.session.commit()
    page = client.get("/depot/requests/").get_data(as_text=True)
    late_row = page.split(f'data-id="{late.id}"')[1].split("</tr>")[0]
    fresh_row = page.split(f'data-id="{fresh.id}"')[1].split("</tr>")[0]
    assert 'data-testid="over-target"' in late_row
    assert 'data-testid="over-target"' not in fresh_row


def test_an_answered_request_stops_the_clock(w, client, staff):
    item_id = stock(w)[0]
    answered = new_request(w)
    with w.app.app_context():
        from depot.requests import services

        services.reserve_for_line(line_id=answered.lines[0].id, item_id=item_id, user=None)
        db.session.execute(
            update(DeviceRequest)
            .where(DeviceRequest.id == answered.id)
            .values(
                created_at=utcnow() - timedelta(days=5),
                responded_at=utcnow() - timedelta(days=5) + timedelta(hours=3),
            )
        )
        db.session.commit()
    page = client.get("/depot/requests/").get_data(as_text=True)
    row = page.split(f'data-id="{answered.id}"')[1].split("</tr>")[0]
    assert 'data-testid="waiting" data-minutes="180"' in row
    assert 'data-testid="over-target"' not in row


def test_no_depot_no_requests(w, client, login_as):
    login_as("depot_staff", w.make.organisation(name="Struer Kommune"))
    new_request(w)
    response = client.get("/depot/requests/")
    assert response.status_code == 200
    assert row_ids(response.get_data(as_text=True)) == []


@pytest.mark.parametrize("role", ["therapist", "procurement", "coordinator", "admin"])
def test_only_depot_staff(w, client, login_as, role):
    request = new_request(w)
    login_as(role, w.herning)
    assert client.get("/depot/requests/").status_code == 403
    assert client.get(f"/depot/requests/{request.id}").status_code == 403
    line_id = request.lines[0].id
    assert client.post(f"/depot/requests/lines/{line_id}/reserve", data={}).status_code == 403


# --- one request ----------------------------------------------------------------------------


def test_detail_shows_the_citizen_and_logs_the_view(w, client, staff):
    stock(w, count=2)
    request = new_request(w, measurements={"seat_width_cm": 46}, quantity=2)
    response = client.get(f"/depot/requests/{request.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hans Hansen" in page
    assert "Skolegade 1" in page
    assert "Serviceloven §112" in page
    assert page.count('data-testid="proposal-row"') == 2
    assert 'data-testid="own"' in page
    assert "Rolli 46" in page
    (row,) = log_rows(w, "view")
    assert (row.user_id, row.citizen_id) == (staff.id, w.citizen.id)
    assert row.criterion == f"request {request.id}"


def test_detail_of_another_municipalitys_request_is_404_and_logged(w, client, staff):
    foreign = new_request(w, depot=w.other, citizen=w.foreign_citizen, organisation=w.holstebro)
    response = client.get(f"/depot/requests/{foreign.id}")
    assert response.status_code == 404
    assert "Grete Holst" not in response.get_data(as_text=True)
    (row,) = log_rows(w)
    assert (row.action, row.citizen_id, row.user_id) == (
        "view_denied",
        w.foreign_citizen.id,
        staff.id,
    )


def test_detail_of_a_missing_request_is_404(w, client, staff):
    assert client.get("/depot/requests/987654").status_code == 404
    assert client.get("/depot/requests/0").status_code == 404
    assert client.get("/depot/requests/99999999999").status_code == 404
    assert log_rows(w) == []


def test_detail_toggles_the_items_that_do_not_fit(w, client, staff):
    stock(w)
    narrow = stock(w, product=w.narrow)[0]
    request = new_request(w, measurements={"seat_width_cm": 46})
    line_id = request.lines[0].id
    page = client.get(f"/depot/requests/{request.id}").get_data(as_text=True)
    assert page.count('data-testid="proposal-row"') == 1
    assert 'data-testid="toggle-unfitting" data-count="1"' in page
    assert f"unfitting={line_id}" in page
    shown = client.get(f"/depot/requests/{request.id}?unfitting={line_id}").get_data(as_text=True)
    assert shown.count('data-testid="proposal-row"') == 2
    assert f'data-item="{narrow}" data-depot="{w.home.id}" data-unfitting="1"' in shown
    junk = client.get(f"/depot/requests/{request.id}?unfitting=abc&unfitting=-3")
    assert junk.status_code == 200


def test_detail_offers_back_order_when_nothing_is_available(w, client, staff):
    request = new_request(w)
    page = client.get(f"/depot/requests/{request.id}").get_data(as_text=True)
    assert 'data-testid="nothing-available"' in page
    assert 'data-testid="back-order"' in page


# --- reserve --------------------------------------------------------------------------------


def reserve(client, line_id, item_id):
    return client.post(f"/depot/requests/lines/{line_id}/reserve", data={"item_id": item_id})


def test_reserve_in_one_click(w, client, staff):
    item_id = stock(w)[0]
    request = new_request(w)
    line_id = request.lines[0].id
    response = reserve(client, line_id, item_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/depot/requests/{request.id}#line-{line_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "HM" in page and 'data-testid="reservation"' in page
    assert "alert-success" in page
    assert fetch(w, Item, item_id).status == "reserved"
    assert fetch(w, DeviceRequest, request.id).status == "reserved"
    with w.app.app_context():
        reservation = db.session.scalar(select(Reservation))
        assert (reservation.item_id, reservation.reserved_by_id) == (item_id, staff.id)


def test_the_same_item_cannot_be_reserved_twice(w, client, staff):
    item_id = stock(w)[0]
    one, two = new_request(w), new_request(w)
    assert reserve(client, one.lines[0].id, item_id).status_code == 302
    response = reserve(client, two.lines[0].id, item_id)
    assert response.status_code == 409
    assert "HM" in response.get_data(as_text=True)
    assert fetch(w, DeviceRequest, two.id).status == "open"


def test_reserving_an_item_of_another_type_is_refused(w, client, staff):
    other = w.make.product(product_type=w.make.product_type(), name="Seng")
    item_id = stock(w, product=other)[0]
    request = new_request(w)
    response = reserve(client, request.lines[0].id, item_id)
    assert response.status_code == 400
    assert "not of the requested kind" in response.get_data(as_text=True) or (
        "ikke af den ønskede" in response.get_data(as_text=True)
    )
    assert fetch(w, Item, item_id).status == "available"


def test_reserving_more_than_the_quantity_is_refused(w, client, staff):
    first, second = stock(w, count=2)
    request = new_request(w)
    assert reserve(client, request.lines[0].id, first).status_code == 302
    assert reserve(client, request.lines[0].id, second).status_code == 409
    assert fetch(w, Item, second).status == "available"


def test_reserving_an_item_overdue_for_inspection_is_refused(w, client, staff):
    item_id = stock(w)[0]
    with w.app.app_context():
        db.session.execute(
            update(Item)
            .where(Item.id == item_id)
            .values(next_inspection_due=utcnow().date() - timedelta(days=2))
        )
        db.session.commit()
    request = new_request(w)
    assert reserve(client, request.lines[0].id, item_id).status_code == 409


def test_reserving_for_a_request_outside_the_users_depots_is_404(w, client, staff):
    item_id = stock(w)[0]
    foreign = new_request(w, depot=w.other, citizen=w.foreign_citizen, organisation=w.holstebro)
    assert reserve(client, foreign.lines[0].id, item_id).status_code == 404
    assert fetch(w, Item, item_id).status == "available"
    assert [r.action for r in log_rows(w)] == ["change_denied"]


@pytest.mark.parametrize("junk", ["", "abc", "-1", "0", "1.5", "99999999999", "\x00", "1 OR 1=1"])
def test_reserve_with_a_tampered_item_id_is_400(w, client, staff, junk):
    request = new_request(w)
    response = reserve(client, request.lines[0].id, junk)
    assert response.status_code == 400


def test_reserve_an_unknown_item_or_line_is_404(w, client, staff):
    item_id = stock(w)[0]
    request = new_request(w)
    assert reserve(client, request.lines[0].id, 987654).status_code == 404
    assert reserve(client, 987654, item_id).status_code == 404
    assert client.post(f"/depot/requests/lines/{request.lines[0].id}/reserve").status_code == 400


def test_reserve_for_a_closed_request_is_409(w, client, staff):
    item_id = stock(w)[0]
    request = new_request(w)
    with w.app.app_context():
        from depot.requests import services

        services.cancel_request(request_id=request.id, user=None)
        db.session.commit()
    assert reserve(client, request.lines[0].id, item_id).status_code == 409


# --- back-order -----------------------------------------------------------------------------


def test_back_order_when_nothing_is_available(w, client, staff):
    stock(w, product=w.narrow)  # does not fit
    request = new_request(w, measurements={"seat_width_cm": 46})
    line_id = request.lines[0].id
    response = client.post(f"/depot/requests/lines/{line_id}/back-order")
    assert response.status_code == 302
    assert fetch(w, DeviceRequest, request.id).status == "back_ordered"
    line = fetch(w, RequestLine, line_id)
    assert line.status == "back_ordered" and line.back_ordered_at is not None
    assert fetch(w, DeviceRequest, request.id).responded_at is not None
    page = client.get(f"/depot/requests/{request.id}").get_data(as_text=True)
    assert 'data-testid="back-ordered-since"' in page
    assert 'data-testid="back-order"' not in page  # already back-ordered
    queue = client.get("/depot/requests/?status=back_ordered").get_data(as_text=True)
    assert row_ids(queue) == [request.id]


def test_back_order_when_the_only_fitting_items_are_overdue_for_inspection(w, client, staff):
    item_id = stock(w)[0]
    with w.app.app_context():
        db.session.execute(
            update(Item)
            .where(Item.id == item_id)
            .values(next_inspection_due=utcnow().date() - timedelta(days=2))
        )
        db.session.commit()
    request = new_request(w)
    page = client.get(f"/depot/requests/{request.id}").get_data(as_text=True)
    assert 'data-testid="back-order"' in page
    response = client.post(f"/depot/requests/lines/{request.lines[0].id}/back-order")
    assert response.status_code == 302


def test_showing_misfits_keeps_back_order_away_while_a_fitting_item_exists(w, client, staff):
    stock(w, product=w.narrow, count=10)  # the nearest ten do not fit
    stock(w, depot=w.other, owner=w.holstebro)  # one that fits, further down the list
    request = new_request(w, measurements={"seat_width_cm": 46})
    line_id = request.lines[0].id
    page = client.get(f"/depot/requests/{request.id}?unfitting={line_id}").get_data(as_text=True)
    assert page.count('data-unfitting="1"') == 10
    assert 'data-testid="nothing-available"' not in page
    plain = client.get(f"/depot/requests/{request.id}").get_data(as_text=True)
    assert plain.count('data-testid="proposal-row"') == 1
    assert 'data-testid="toggle-unfitting" data-count="10"' in plain


def test_back_order_is_refused_while_matching_items_are_available(w, client, staff):
    stock(w)
    request = new_request(w)
    response = client.post(f"/depot/requests/lines/{request.lines[0].id}/back-order")
    assert response.status_code == 409
    assert fetch(w, DeviceRequest, request.id).status == "open"


def test_back_order_outside_the_users_depots_is_404(w, client, staff):
    foreign = new_request(w, depot=w.other, citizen=w.foreign_citizen, organisation=w.holstebro)
    response = client.post(f"/depot/requests/lines/{foreign.lines[0].id}/back-order")
    assert response.status_code == 404
    assert fetch(w, DeviceRequest, foreign.id).status == "open"


def test_back_order_a_reserved_line_is_409(w, client, staff):
    item_id = stock(w)[0]
    request = new_request(w)
    reserve(client, request.lines[0].id, item_id)
    response = client.post(f"/depot/requests/lines/{request.lines[0].id}/back-order")
    assert response.status_code == 409


# --- release --------------------------------------------------------------------------------


def _reserved(w, client):
    item_id = stock(w)[0]
    request = new_request(w)
    assert reserve(client, request.lines[0].id, item_id).status_code == 302
    with w.app.app_context():
        reservation_id = db.session.scalar(select(Reservation.id))
    return request, item_id, reservation_id


def test_release_a_reservation(w, client, staff):
    request, item_id, reservation_id = _reserved(w, client)
    response = client.post(f"/depot/requests/reservations/{reservation_id}/release")
    assert response.status_code == 302
    assert fetch(w, Reservation, reservation_id).status == "cancelled"
    assert fetch(w, Item, item_id).status == "available"
    assert fetch(w, DeviceRequest, request.id).status == "open"
    again = client.post(f"/depot/requests/reservations/{reservation_id}/release")
    assert again.status_code == 409


def test_release_outside_the_users_depots_is_404(w, client, login_as):
    login_as("depot_staff", w.herning)
    _request, item_id, reservation_id = _reserved(w, client)
    client.post("/logout")
    login_as("depot_staff", w.holstebro)
    response = client.post(f"/depot/requests/reservations/{reservation_id}/release")
    assert response.status_code == 404
    assert fetch(w, Item, item_id).status == "reserved"
    assert client.post("/depot/requests/reservations/987654/release").status_code == 404


# --- forward --------------------------------------------------------------------------------


def test_forward_to_another_depot(w, client, staff):
    request = new_request(w)
    response = client.post(f"/depot/requests/{request.id}/forward", data={"depot_id": w.other.id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/depot/requests/")
    assert fetch(w, DeviceRequest, request.id).depot_id == w.other.id
    assert client.get(f"/depot/requests/{request.id}").status_code == 404
    assert [r.action for r in log_rows(w)] == ["view_denied"]  # the forward logged nothing


def test_forward_between_the_users_own_depots_stays_on_the_request(w, client, staff):
    second = w.make.depot(owner=w.herning, name="Herning Nord")
    request = new_request(w)
    response = client.post(f"/depot/requests/{request.id}/forward", data={"depot_id": second.id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/depot/requests/{request.id}")


@pytest.mark.parametrize("junk", ["", "abc", "-1", "99999999999", "987654"])
def test_forward_with_bad_input_is_400(w, client, staff, junk):
    request = new_request(w)
    response = client.post(f"/depot/requests/{request.id}/forward", data={"depot_id": junk})
    assert response.status_code == 400
    assert fetch(w, DeviceRequest, request.id).depot_id == w.home.id


def test_forward_to_an_inactive_or_the_same_depot_is_400(w, client, staff):
    request = new_request(w)
    with w.app.app_context():
        db.session.execute(update(Depot).where(Depot.id == w.other.id).values(active=False))
        db.session.commit()
    for depot_id in (w.other.id, w.home.id):
        response = client.post(f"/depot/requests/{request.id}/forward", data={"depot_id": depot_id})
        assert response.status_code == 400
    assert fetch(w, DeviceRequest, request.id).depot_id == w.home.id


def test_forward_a_closed_request_is_409(w, client, staff):
    request = new_request(w)
    with w.app.app_context():
        from depot.requests import services

        services.cancel_request(request_id=request.id, user=None)
        db.session.commit()
    response = client.post(f"/depot/requests/{request.id}/forward", data={"depot_id": w.other.id})
    assert response.status_code == 409


def test_forward_outside_the_users_depots_is_404(w, client, staff):
    foreign = new_request(w, depot=w.other, citizen=w.foreign_citizen, organisation=w.holstebro)
    response = client.post(f"/depot/requests/{foreign.id}/forward", data={"depot_id": w.home.id})
    assert response.status_code == 404
    assert fetch(w, DeviceRequest, foreign.id).depot_id == w.other.id
