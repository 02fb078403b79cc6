"""Run services: stops from requests and loans, order and length, delivering and picking up."""

from datetime import date

import pytest
from sqlalchemy import select

from depot.deliveries import queries, services
from depot.deliveries.models import DeliveryRun, RunStop, RunStopItem
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.models import Item
from depot.loans.models import Loan
from depot.requests import services as requests
from depot.requests.models import DeviceRequest, Reservation
from tests.deliveries.helpers import new_run, open_loan, reserved_request

pytestmark = pytest.mark.usefixtures("english")


def _request(w, item_ids, **kwargs):
    return reserved_request(
        w.app,
        citizen=w.citizen,
        organisation=w.herning,
        depot=w.depot,
        product_type=w.type,
        item_ids=item_ids,
        **kwargs,
    )


# --- runs -----------------------------------------------------------------------------------


def test_create_run_and_refuse_a_second_for_the_same_driver(app_ctx, w):
    run = services.create_run(
        depot_id=w.depot.id, run_date=date(2030, 3, 1), driver="  Bent   Kørsel ", user=None
    )
    assert run.driver == "Bent Kørsel" and run.status == "planned" and run.total_km == 0
    with pytest.raises(Conflict, match="already has a run"):
        services.create_run(
            depot_id=w.depot.id, run_date=date(2030, 3, 1), driver="bent kørsel", user=None
        )
    # Another day, or another depot, is fine.
    services.create_run(
        depot_id=w.depot.id, run_date=date(2030, 3, 2), driver="Bent Kørsel", user=None
    )
    services.create_run(
        depot_id=w.other.id, run_date=date(2030, 3, 1), driver="Bent Kørsel", user=None
    )


@pytest.mark.parametrize("driver", ["", "   ", "x" * 121])
def test_create_run_refuses_bad_drivers(app_ctx, w, driver):
    with pytest.raises(DomainError):
        services.create_run(
            depot_id=w.depot.id, run_date=date(2030, 3, 1), driver=driver, user=None
        )


def test_create_run_refuses_unknown_depot(app_ctx, w):
    with pytest.raises(DomainError, match="Unknown depot"):
        services.create_run(depot_id=999999, run_date=date(2030, 3, 1), driver="A", user=None)


# --- delivery stops -------------------------------------------------------------------------


def test_delivery_stop_copies_the_request_and_plans_items_of_this_depot(app_ctx, w):
    request_id = _request(w, [w.here[0], w.there[0]], measurements={"seat_width_cm": 45})
    run_id = new_run(w.app, depot=w.depot)
    planned = services.add_delivery_stop(run_id=run_id, request_id=request_id)
    stop = planned.stop
    assert (stop.kind, stop.address, stop.postcode, stop.town) == (
        "delivery",
        "Åbrinken 7",
        "7400",
        "Herning",
    )
    assert (stop.contact_name, stop.contact_phone) == ("Jørgen Østergård", "29 99 88 77")
    assert stop.note == "Nøglen ligger under måtten"
    assert stop.citizen_id == w.citizen.id and stop.request_id == request_id
    assert [i.item_id for i in stop.items] == [w.here[0]]
    assert all(i.reservation_id and i.loan_id is None for i in stop.items)
    assert [r.item_id for r in planned.left_out] == [w.there[0]]
    assert "Herning Nord" in services.describe_items(planned.left_out)
    # Postcode 7400's centre is ~5 km from the depot: there and back.
    run = db.session.get(DeliveryRun, run_id)
    assert 5 < run.total_km < 15


def test_delivery_of_items_only_in_another_depot_is_refused_with_names(app_ctx, w):
    request_id = _request(w, [w.there[0]])
    run_id = new_run(w.app, depot=w.depot)
    with pytest.raises(Conflict) as refused:
        services.add_delivery_stop(run_id=run_id, request_id=request_id)
    assert w.tags[w.there[0]] in str(refused.value.message)
    assert "Herning Nord" in str(refused.value.message)
    db.session.rollback()
    assert db.session.scalars(select(RunStop)).all() == []


def test_request_of_another_depot_is_not_found(app_ctx, w, make, holstebro):
    foreign_depot = make.depot(owner=holstebro)
    foreign_items = make.items(product=w.product, depot=foreign_depot, owner=holstebro)
    citizen = make.citizen(municipality=holstebro)
    request_id = reserved_request(
        w.app,
        citizen=citizen,
        organisation=holstebro,
        depot=foreign_depot,
        product_type=w.type,
        item_ids=[foreign_items[0].id],
    )
    run_id = new_run(w.app, depot=w.depot)
    with pytest.raises(services.NotFound):
        services.add_delivery_stop(run_id=run_id, request_id=request_id)
    with pytest.raises(services.NotFound):
        services.add_delivery_stop(run_id=run_id, request_id=987654)


def test_request_of_another_depot_with_items_here_is_a_candidate(app_ctx, w, make):
    # Handled by Herning Nord, but the reserved item sits on this depot's shelf.
    request_id = reserved_request(
        w.app,
        citizen=w.citizen,
        organisation=w.herning,
        depot=w.other,
        product_type=w.type,
        item_ids=[w.here[1]],
    )
    run_id = new_run(w.app, depot=w.depot)
    run = db.session.get(DeliveryRun, run_id)
    assert [c.request.id for c in queries.candidate_requests(run=run)] == [request_id]
    stop = services.add_delivery_stop(run_id=run_id, request_id=request_id).stop
    assert [i.item_id for i in stop.items] == [w.here[1]]
    assert queries.candidate_requests(run=run) == []


def test_the_same_request_cannot_be_planned_twice(app_ctx, w):
    request_id = _request(w, [w.here[0]])
    first = new_run(w.app, depot=w.depot, driver="A")
    second = new_run(w.app, depot=w.depot, driver="B")
    services.add_delivery_stop(run_id=first, request_id=request_id)
    db.session.commit()
    with pytest.raises(Conflict):
        services.add_delivery_stop(run_id=second, request_id=request_id)
    db.session.rollback()
    with pytest.raises(Conflict):
        services.add_delivery_stop(run_id=first, request_id=request_id)


def test_a_race_is_stopped_by_the_unique_index(app_ctx, w, monkeypatch):
    """Two people planning the same item at once: the partial unique index decides (409)."""
    request_id = _request(w, [w.here[0]])
    first = new_run(w.app, depot=w.depot, driver="A")
    second = new_run(w.app, depot=w.depot, driver="B")
    services.add_delivery_stop(run_id=first, request_id=request_id)
    db.session.commit()
    # The second planner's check ran before the first committed: it saw nothing planned.
    monkeypatch.setattr(queries, "planned_reservation_ids", lambda ids: set())
    with pytest.raises(Conflict, match="on another planned stop"):
        services.add_delivery_stop(run_id=second, request_id=request_id)
    db.session.rollback()
    assert db.session.scalars(select(RunStopItem)).all().__len__() == 1


def test_a_failed_stop_frees_the_items_for_another_run(app_ctx, w):
    request_id = _request(w, [w.here[0]])
    run_id = new_run(w.app, depot=w.depot)
    stop = services.add_delivery_stop(run_id=run_id, request_id=request_id).stop
    services.fail_stop(run_id=run_id, stop_id=stop.id, reason="Ingen hjemme", user=None)
    assert stop.status == "failed" and "Ingen hjemme" in stop.note
    assert stop.note.startswith("Nøglen ligger under måtten")
    assert [i.status for i in stop.items] == ["failed"]
    assert db.session.get(Reservation, stop.items[0].reservation_id).status == "reserved"
    assert db.session.get(DeliveryRun, run_id).status == "done"  # its only stop is made
    db.session.commit()
    again = new_run(w.app, depot=w.depot, driver="Næste")
    assert services.add_delivery_stop(run_id=again, request_id=request_id).stop


def test_fail_needs_a_reason_and_a_planned_stop(app_ctx, w):
    request_id = _request(w, [w.here[0]])
    run_id = new_run(w.app, depot=w.depot)
    stop = services.add_delivery_stop(run_id=run_id, request_id=request_id).stop
    with pytest.raises(DomainError):
        services.fail_stop(run_id=run_id, stop_id=stop.id, reason="  ", user=None)
    services.fail_stop(run_id=run_id, stop_id=stop.id, reason="Lukket", user=None)
    with pytest.raises(Conflict):
        services.fail_stop(run_id=run_id, stop_id=stop.id, reason="igen", user=None)
    with pytest.raises(Conflict):
        services.complete_stop(run_id=run_id, stop_id=stop.id, user=None)


def test_complete_delivery_starts_the_loans(app_ctx, w, make):
    user = make.user(organisation=w.herning, role="depot_staff")
    request_id = _request(w, [w.here[0], w.here[1]])
    run_id = new_run(w.app, depot=w.depot)
    stop = services.add_delivery_stop(run_id=run_id, request_id=request_id).stop
    services.complete_stop(run_id=run_id, stop_id=stop.id, user=user)
    assert stop.status == "done" and stop.done_at is not None and stop.done_by_id == user.id
    assert [i.status for i in stop.items] == ["done", "done"]
    for item_id in w.here[:2]:
        assert db.session.get(Item, item_id).status == "on_loan"
        loan = db.session.scalar(select(Loan).where(Loan.item_id == item_id))
        assert loan.citizen_id == w.citizen.id and loan.returned_at is None
        assert loan.expected_end is not None
    request = db.session.get(DeviceRequest, request_id)
    assert request.status == "delivered" and request.delivered_at is not None
    assert db.session.get(DeliveryRun, run_id).status == "done"
    with pytest.raises(Conflict):
        services.add_delivery_stop(run_id=run_id, request_id=request_id)


def test_releasing_the_only_reservation_removes_the_planned_stop(app_ctx, w):
    request_id = _request(w, [w.here[0]])
    run_id = new_run(w.app, depot=w.depot)
    stop = services.add_delivery_stop(run_id=run_id, request_id=request_id).stop
    stop_id = stop.id
    requests.release_reservation(reservation_id=stop.items[0].reservation_id, user=None)
    with pytest.raises(services.NotFound):
        services.complete_stop(run_id=run_id, stop_id=stop_id, user=None)


# --- pick-up stops --------------------------------------------------------------------------


def test_pickup_stop_takes_all_the_citizens_waiting_items(app_ctx, w, make):
    first = open_loan(w.app, citizen=w.citizen, item_id=w.here[0], lender=w.herning)
    second = open_loan(w.app, citizen=w.citizen, item_id=w.here[1], lender=w.herning)
    open_loan(w.app, citizen=w.citizen, item_id=w.here[2], lender=w.herning, pickup=False)
    other_citizen = make.citizen(municipality=w.herning)
    open_loan(w.app, citizen=other_citizen, item_id=w.here[3], lender=w.herning)
    run_id = new_run(w.app, depot=w.depot)
    stop = services.add_pickup_stop(run_id=run_id, loan_id=second)
    assert stop.kind == "pickup" and stop.address == "Åbrinken 7"
    assert stop.contact_phone == w.citizen.phone
    assert sorted(i.loan_id for i in stop.items) == sorted([first, second])
    with pytest.raises(Conflict):
        services.add_pickup_stop(run_id=run_id, loan_id=first)


def test_pickup_of_a_later_request_joins_the_citizens_planned_stop(app_ctx, w):
    first = open_loan(w.app, citizen=w.citizen, item_id=w.here[0], lender=w.herning)
    later = open_loan(w.app, citizen=w.citizen, item_id=w.here[1], lender=w.herning, pickup=False)
    run_id = new_run(w.app, depot=w.depot)
    stop = services.add_pickup_stop(run_id=run_id, loan_id=first)
    from depot.loans import services as loans

    loans.request_pickup(loan_id=later, user=None)
    again = services.add_pickup_stop(run_id=run_id, loan_id=later)
    assert again.id == stop.id and len(again.items) == 2
    assert len(db.session.get(DeliveryRun, run_id).stops) == 1


def test_pickup_refusals(app_ctx, w, make, holstebro):
    no_request = open_loan(
        w.app, citizen=w.citizen, item_id=w.here[0], lender=w.herning, pickup=False
    )
    elsewhere = open_loan(w.app, citizen=w.citizen, item_id=w.there[0], lender=w.herning)
    run_id = new_run(w.app, depot=w.depot)
    with pytest.raises(Conflict, match="No pick-up"):
        services.add_pickup_stop(run_id=run_id, loan_id=no_request)
    with pytest.raises(services.NotFound):
        services.add_pickup_stop(run_id=run_id, loan_id=elsewhere)
    with pytest.raises(services.NotFound):
        services.add_pickup_stop(run_id=run_id, loan_id=424242)
    db.session.rollback()  # SQLite: let the factory's connection write
    returned = open_loan(w.app, citizen=w.citizen, item_id=w.here[1], lender=w.herning)
    from depot.items import services as items

    items.take_back_item(item_id=w.here[1], user=None)
    with pytest.raises(Conflict, match="ended"):
        services.add_pickup_stop(run_id=run_id, loan_id=returned)


def test_pickup_needs_the_citizens_address(app_ctx, w, make):
    homeless = make.citizen(municipality=w.herning)
    with w.app.app_context():
        from depot.citizens.models import Citizen

        db.session.get(Citizen, homeless.id).address = None
        db.session.commit()
    loan_id = open_loan(w.app, citizen=homeless, item_id=w.here[0], lender=w.herning)
    run_id = new_run(w.app, depot=w.depot)
    with pytest.raises(DomainError, match="no address"):
        services.add_pickup_stop(run_id=run_id, loan_id=loan_id)


def test_complete_pickup_takes_the_items_back_to_the_runs_depot(app_ctx, w):
    first = open_loan(w.app, citizen=w.citizen, item_id=w.here[0], lender=w.herning)
    second = open_loan(w.app, citizen=w.citizen, item_id=w.here[1], lender=w.herning)
    run_id = new_run(w.app, depot=w.depot)
    stop = services.add_pickup_stop(run_id=run_id, loan_id=first)
    services.complete_stop(run_id=run_id, stop_id=stop.id, user=None)
    for loan_id, item_id in ((first, w.here[0]), (second, w.here[1])):
        assert db.session.get(Loan, loan_id).returned_at is not None
        item = db.session.get(Item, item_id)
        assert item.status == "returned" and item.depot_id == w.depot.id
    assert stop.status == "done"
    assert db.session.get(DeliveryRun, run_id).status == "done"


def test_complete_pickup_refuses_a_loan_ended_meanwhile(app_ctx, w):
    from depot.items import services as items

    loan_id = open_loan(w.app, citizen=w.citizen, item_id=w.here[0], lender=w.herning)
    run_id = new_run(w.app, depot=w.depot)
    stop = services.add_pickup_stop(run_id=run_id, loan_id=loan_id)
    items.take_back_item(item_id=w.here[0], user=None)  # brought back to the desk
    with pytest.raises(Conflict, match="ended already"):
        services.complete_stop(run_id=run_id, stop_id=stop.id, user=None)


# --- order and length -----------------------------------------------------------------------

# Around the depot at Herning (56.1, 8.9): a zig-zag order that optimising must undo.
TOWNS = [("7500", "Holstebro"), ("7330", "Brande"), ("7600", "Struer"), ("7430", "Ikast")]


def _zigzag_run(w, make):
    run_id = new_run(w.app, depot=w.depot)
    stops = []
    for (postcode, town), item_id in zip(TOWNS, w.here, strict=False):
        citizen = make.citizen(municipality=w.herning, postcode=postcode)
        request_id = reserved_request(
            w.app,
            citizen=citizen,
            organisation=w.herning,
            depot=w.depot,
            product_type=w.type,
            item_ids=[item_id],
            postcode=postcode,
            town=town,
        )
        stop = services.add_delivery_stop(run_id=run_id, request_id=request_id).stop
        db.session.commit()  # SQLite: let the factories' connection write
        stops.append(stop)
    return run_id, stops


def test_optimise_shortens_the_zigzag(app_ctx, w, make):
    run_id, _stops = _zigzag_run(w, make)
    run = db.session.get(DeliveryRun, run_id)
    before = run.total_km
    assert before > 150
    was, now = services.optimise_run(run_id=run_id)
    assert was == before and now == run.total_km and now < before - 30
    towns = [s.town for s in services.ordered_stops(run)]
    assert towns.index("Holstebro") in (towns.index("Struer") - 1, towns.index("Struer") + 1)
    assert towns.index("Brande") in (towns.index("Ikast") - 1, towns.index("Ikast") + 1)
    assert [s.position for s in services.ordered_stops(run)] == [0, 1, 2, 3]


def test_move_and_remove_recompute_the_length(app_ctx, w, make):
    run_id, stops = _zigzag_run(w, make)
    run = db.session.get(DeliveryRun, run_id)
    before = run.total_km
    assert services.move_stop(run_id=run_id, stop_id=stops[1].id, direction="up")
    assert [s.town for s in services.ordered_stops(run)][:2] == ["Brande", "Holstebro"]
    assert run.total_km != before
    assert not services.move_stop(run_id=run_id, stop_id=stops[1].id, direction="up")
    assert not services.move_stop(run_id=run_id, stop_id=stops[3].id, direction="down")
    with pytest.raises(DomainError):
        services.move_stop(run_id=run_id, stop_id=stops[3].id, direction="sideways")
    services.remove_stop(run_id=run_id, stop_id=stops[2].id)
    remaining = services.ordered_stops(run)
    assert [s.town for s in remaining] == ["Brande", "Holstebro", "Ikast"]
    assert [s.position for s in remaining] == [0, 1, 2]
    assert db.session.get(RunStop, stops[2].id) is None
    assert db.session.scalar(select(RunStopItem).where(RunStopItem.item_id == w.here[2])) is None
    # Its request can be planned again.
    assert any(c.request.id == stops[2].request_id for c in queries.candidate_requests(run=run))


def test_done_stops_keep_their_place_when_optimising(app_ctx, w, make):
    run_id, stops = _zigzag_run(w, make)
    services.complete_stop(run_id=run_id, stop_id=stops[2].id, user=None)  # Struer made
    services.optimise_run(run_id=run_id)
    ordered = services.ordered_stops(db.session.get(DeliveryRun, run_id))
    assert ordered[0].town == "Struer"
    assert ordered[1].town == "Holstebro"  # nearest to Struer
    with pytest.raises(Conflict):
        services.move_stop(run_id=run_id, stop_id=stops[2].id, direction="down")
    with pytest.raises(Conflict):
        services.remove_stop(run_id=run_id, stop_id=stops[2].id)


def test_stop_of_another_run_is_not_found(app_ctx, w, make):
    _run_id, stops = _zigzag_run(w, make)
    other = new_run(w.app, depot=w.depot, driver="Anden")
    with pytest.raises(services.NotFound):
        services.remove_stop(run_id=other, stop_id=stops[0].id)
    with pytest.raises(services.NotFound):
        services.complete_stop(run_id=other, stop_id=stops[0].id, user=None)
