"""Where requests meet items and runs: nothing stranded, nothing shown across tenants."""

from datetime import date

import pytest
from sqlalchemy import func, select

from depot.deliveries import queries as run_queries
from depot.deliveries import services as runs
from depot.deliveries.models import RunStop, RunStopItem
from depot.extensions import db
from depot.items.models import Item
from depot.requests import services
from depot.requests.models import RequestLine


@pytest.fixture
def world(make, herning, holstebro):
    depot = make.depot(owner=herning, name="Herning depot")
    holstebro_depot = make.depot(owner=holstebro, name="Holstebro depot")
    product_type = make.product_type()
    product = make.product(product_type=product_type)
    herning_items = make.items(product=product, depot=depot, owner=herning, count=2)
    holstebro_items = make.items(product=product, depot=holstebro_depot, owner=holstebro, count=1)
    citizen = make.citizen(municipality=herning, name="Anna Hemmelig")
    request = make.request(
        citizen=citizen, organisation=herning, depot=depot, product_type=product_type
    )
    return {
        "depot": depot,
        "holstebro_depot": holstebro_depot,
        "items": [i.id for i in herning_items],
        "holstebro_item": holstebro_items[0].id,
        "line": request.lines[0].id,
        "request": request.id,
        "type": product_type,
    }


def _planned_run(world):
    run = runs.create_run(depot_id=world["depot"].id, run_date=date.today(), driver="Bo", user=None)
    runs.add_delivery_stop(run_id=run.id, request_id=world["request"])
    return run


def test_releasing_takes_the_item_off_its_planned_stop(app_ctx, world):
    reservation = services.reserve_for_line(
        line_id=world["line"], item_id=world["items"][0], user=None
    )
    run = _planned_run(world)
    assert db.session.scalar(select(func.count(RunStopItem.id))) == 1
    services.release_reservation(reservation_id=reservation.id, user=None)
    assert db.session.scalar(select(func.count(RunStopItem.id))) == 0
    assert db.session.scalar(select(func.count(RunStop.id)).where(RunStop.run_id == run.id)) == 0
    # The item can be reserved and planned again.
    services.reserve_for_line(line_id=world["line"], item_id=world["items"][0], user=None)
    runs.add_delivery_stop(run_id=run.id, request_id=world["request"])


def test_cancelling_a_planned_request_clears_the_stop_and_the_line(app_ctx, world):
    services.reserve_for_line(line_id=world["line"], item_id=world["items"][0], user=None)
    _planned_run(world)
    services.cancel_request(request_id=world["request"], user=None)
    line = db.session.get(RequestLine, world["line"])
    assert (line.status, line.allocated) == ("cancelled", 0)
    assert db.session.get(Item, world["items"][0]).status == "available"
    assert db.session.scalar(select(func.count(RunStopItem.id))) == 0


def test_another_municipalitys_depot_never_sees_the_request_on_its_runs(app_ctx, world, holstebro):
    # Herning reserves an item that sits in Holstebro's own depot.
    services.reserve_for_line(line_id=world["line"], item_id=world["holstebro_item"], user=None)
    run = runs.create_run(
        depot_id=world["holstebro_depot"].id, run_date=date.today(), driver="Ib", user=None
    )
    holstebro_handles = [world["holstebro_depot"].id]
    assert run_queries.candidate_requests(run=run, handler_depot_ids=holstebro_handles) == []
    with pytest.raises(runs.NotFound):
        runs.add_delivery_stop(
            run_id=run.id, request_id=world["request"], handler_depot_ids=holstebro_handles
        )


def test_the_item_page_will_not_cancel_a_requests_reservation(
    app, client, login_as, world, herning
):
    with app.app_context():
        services.reserve_for_line(line_id=world["line"], item_id=world["items"][0], user=None)
        db.session.commit()
    login_as("depot_staff", herning)
    item_id = world["items"][0]
    with client.post(f"/depot/items/{item_id}/steps/cancel_reservation", data={}) as response:
        assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Item, item_id).status == "reserved"


def test_a_request_on_a_run_says_so_in_the_queue(app, client, login_as, world, herning):
    with app.app_context():
        services.reserve_for_line(line_id=world["line"], item_id=world["items"][0], user=None)
        _planned_run(world)
        db.session.commit()
    login_as("depot_staff", herning)
    with client.get("/depot/requests/?status=reserved") as page:
        assert 'data-testid="on-run"' in page.get_data(as_text=True)


def test_cancelling_the_rest_keeps_the_time_of_the_delivery(app_ctx, make, world, herning):
    depot, product_type = world["depot"], world["type"]
    citizen = make.citizen(municipality=herning)
    request = make.request(
        citizen=citizen, organisation=herning, depot=depot, product_type=product_type, quantity=2
    )
    reservation = services.reserve_for_line(
        line_id=request.lines[0].id, item_id=world["items"][1], user=None
    )
    loan = services.deliver_reservation(reservation_id=reservation.id, user=None)
    done = services.cancel_request(request_id=request.id, user=None)
    assert done.status == "delivered"
    assert done.delivered_at == loan.started_at
