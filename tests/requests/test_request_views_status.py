"""The therapist's request list and status page, and cancelling a request."""

from datetime import date, timedelta

import pytest

from depot.deliveries.models import DeliveryRun, RunStop
from depot.extensions import db
from depot.items.models import Item
from depot.organisations.models import utcnow
from depot.requests import services
from depot.requests.models import DeviceRequest
from tests.requests import test_request_views_support as support
from tests.requests.test_request_views_support import access_log, as_user

world = support.world
therapist = support.therapist


def _request(world, citizen=None, organisation=None, product_type=None, **kwargs):
    return world.make.request(
        citizen=citizen or world.citizen,
        organisation=organisation or world.herning,
        depot=world.depot,
        product_type=product_type or world.chair,
        **kwargs,
    )


def _status(world, request_id) -> DeviceRequest:
    with world.app.app_context():
        row = db.session.get(DeviceRequest, request_id)
        db.session.expunge(row)
        return row


# --- the status page ------------------------------------------------------------------------


def test_the_status_page_shows_lines_measurements_and_logs_the_view(world, client, therapist):
    made = _request(world, measurements={"seat_width_cm": 45}, urgency="after_hours")
    response = client.get(f"/requests/{made.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Anna Andersen" in page
    assert "Seat width (cm): 45" in page
    assert 'data-urgency="after_hours"' in page
    assert 'data-testid="no-delivery"' in page
    assert 'data-testid="cancel-form"' in page
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.user_id) == (
        "view",
        world.citizen.id,
        therapist.id,
    )


def test_a_back_ordered_request_says_so(world, client, therapist):
    made = _request(world)
    with world.app.app_context():
        services.back_order_line(line_id=made.lines[0].id, user=None)
        db.session.commit()
    page = client.get(f"/requests/{made.id}").get_data(as_text=True)
    assert 'data-testid="back-ordered"' in page
    assert 'data-state="back_ordered"' in page
    assert "Back-ordered – waiting for stock" in page
    assert "after 0 h" in page and "target 48 h" in page  # the depot's answer, in time
    assert "Late" not in page


def test_a_late_answer_is_marked(world, client, therapist):
    made = _request(world, urgency="urgent")
    with world.app.app_context():
        row = db.session.get(DeviceRequest, made.id)
        services.back_order_line(
            line_id=made.lines[0].id, user=None, at=row.created_at + timedelta(hours=5, minutes=7)
        )
        db.session.commit()
    page = client.get(f"/requests/{made.id}").get_data(as_text=True)
    assert "after 5 h 7 min; target 4 h" in page
    assert "Late" in page


def test_reserved_items_and_the_delivery_run_are_shown(world, client, therapist):
    made = _request(world)
    (item,) = world.make.items(product=world.chair_product, depot=world.depot, owner=world.herning)
    with world.app.app_context():
        reservation = services.reserve_for_line(
            line_id=made.lines[0].id, item_id=item.id, user=None
        )
        run = DeliveryRun(depot_id=world.depot.id, run_date=date(2030, 3, 4), driver="Jens Kører")
        run.stops.append(
            RunStop(
                kind="delivery",
                request_id=made.id,
                citizen_id=world.citizen.id,
                address="Skolegade 3",
            )
        )
        db.session.add(run)
        db.session.commit()
        assert reservation.id
    page = client.get(f"/requests/{made.id}").get_data(as_text=True)
    assert item.asset_tag in page and "Vestmo 45" in page and "Herning Hjælpemidler" in page
    assert 'data-testid="reservation" data-state="reserved"' in page
    assert 'data-testid="delivery-stop" data-state="planned"' in page
    assert "04-03-2030" in page and "Jens Kører" in page


def test_another_municipalitys_request_is_not_found_and_the_denial_logged(world, client):
    made = _request(world, citizen=world.other_citizen, organisation=world.holstebro)
    user = as_user(world, client, "therapist", world.herning)
    assert client.get(f"/requests/{made.id}").status_code == 404
    assert client.post(f"/requests/{made.id}/cancel").status_code == 404
    assert [(e.action, e.citizen_id, e.user_id) for e in access_log(world)] == [
        ("view_denied", world.other_citizen.id, user.id),
        ("view_denied", world.other_citizen.id, user.id),
    ]
    assert _status(world, made.id).status == "open"


def test_an_unknown_request_is_not_found(world, client, therapist):
    assert client.get("/requests/999999").status_code == 404
    assert client.get("/requests/99999999999").status_code == 404
    assert client.post("/requests/999999/cancel").status_code == 404


def test_the_municipality_sees_the_hospitals_request_but_may_not_cancel_it(world, client):
    made = _request(world, organisation=world.region)
    as_user(world, client, "therapist", world.herning)
    page = client.get(f"/requests/{made.id}").get_data(as_text=True)
    assert 'data-testid="cancel-form"' not in page
    assert client.post(f"/requests/{made.id}/cancel").status_code == 403
    assert _status(world, made.id).status == "open"


@pytest.mark.parametrize("role", ["depot_staff", "admin", "procurement", "coordinator"])
def test_other_roles_may_not_use_the_request_pages(world, client, role):
    made = _request(world)
    as_user(world, client, role, world.herning)
    assert client.get("/requests/").status_code == 403
    assert client.get(f"/requests/{made.id}").status_code == 403
    assert client.post(f"/requests/{made.id}/cancel").status_code == 403


# --- cancelling -----------------------------------------------------------------------------


def test_cancelling_releases_the_reserved_items(world, client, therapist):
    made = _request(world, quantity=2)
    (item, _other) = world.make.items(
        product=world.chair_product, depot=world.depot, owner=world.herning, count=2
    )
    with world.app.app_context():
        services.reserve_for_line(line_id=made.lines[0].id, item_id=item.id, user=None)
        db.session.commit()
    response = client.post(f"/requests/{made.id}/cancel", data={"reason": "Borgeren er flyttet"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{made.id}")
    saved = _status(world, made.id)
    assert (saved.status, saved.cancel_reason) == ("cancelled", "Borgeren er flyttet")
    with world.app.app_context():
        assert db.session.get(Item, item.id).status == "available"
    assert [(e.action, e.citizen_id) for e in access_log(world)] == [("change", world.citizen.id)]
    page = client.get(f"/requests/{made.id}").get_data(as_text=True)
    assert 'data-testid="cancelled"' in page and "Borgeren er flyttet" in page
    assert 'data-testid="cancel-form"' not in page
    # A second cancel clashes with the state: 409 with the message, nothing changes.
    response = client.post(f"/requests/{made.id}/cancel")
    assert response.status_code == 409
    assert "The request is closed." in response.get_data(as_text=True)


def test_a_too_long_reason_is_refused(world, client, therapist):
    made = _request(world)
    response = client.post(f"/requests/{made.id}/cancel", data={"reason": "x" * 201})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.get_data(as_text=True)
    assert _status(world, made.id).status == "open"


def test_a_cancel_without_a_reason(world, client, therapist):
    made = _request(world)
    assert client.post(f"/requests/{made.id}/cancel", data={"reason": "  "}).status_code == 302
    saved = _status(world, made.id)
    assert (saved.status, saved.cancel_reason) == ("cancelled", None)


# --- the list -------------------------------------------------------------------------------


def _ids(page: str) -> set[int]:
    import re

    return {int(m) for m in re.findall(r'data-testid="request-row" data-id="(\d+)"', page)}


def test_the_list_shows_the_organisations_requests_and_those_for_its_citizens(
    world, client, therapist
):
    own = _request(world, user=therapist)
    hospital = _request(world, organisation=world.region)
    foreign = _request(world, citizen=world.other_citizen, organisation=world.holstebro)
    response = client.get("/requests/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _ids(page) == {own.id, hospital.id}
    assert foreign.id not in _ids(page)
    assert "Anna Andersen" in page and "Bo Berg" not in page
    # One row per citizen shown (both requests are for the same citizen).
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.criterion) == (
        "list_requests",
        own.citizen_id,
        "requests list",
    )


def test_the_list_filters_by_status_and_by_author(world, client, therapist):
    mine = _request(world, user=therapist)
    back_ordered = _request(world)
    cancelled = _request(world)
    with world.app.app_context():
        services.back_order_line(line_id=back_ordered.lines[0].id, user=None)
        services.cancel_request(request_id=cancelled.id, user=None)
        db.session.commit()
    page = client.get("/requests/?status=back_ordered").get_data(as_text=True)
    assert _ids(page) == {back_ordered.id}
    assert "table-warning" in page  # back-ordered rows stand out
    assert _ids(client.get("/requests/?status=active").get_data(as_text=True)) == {
        mine.id,
        back_ordered.id,
    }
    assert _ids(client.get("/requests/?mine=y").get_data(as_text=True)) == {mine.id}
    assert _ids(client.get("/requests/?status=cancelled&mine=y").get_data(as_text=True)) == set()


@pytest.mark.parametrize("query", ["status=nonsense", "status=%00", "page=abc", "page=-1", "mine="])
def test_junk_filters_are_ignored(world, client, therapist, query):
    made = _request(world)
    response = client.get(f"/requests/?{query}")
    assert response.status_code == 200
    assert made.id in _ids(response.get_data(as_text=True))


def test_the_list_is_paginated(world, client, therapist):
    world.app.config["PAGE_SIZE"] = 2
    made = [_request(world, needed_by=utcnow() + timedelta(days=n)) for n in range(3)]
    first = _ids(client.get("/requests/").get_data(as_text=True))
    second = _ids(client.get("/requests/?page=2").get_data(as_text=True))
    assert len(first) == 2 and len(second) == 1
    assert first | second == {r.id for r in made}
