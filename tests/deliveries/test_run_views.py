"""The run pages: the day's runs, a run's stops and actions, the run sheet, bad input."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from depot.citizens.models import AccessLogEntry
from depot.deliveries.models import DeliveryRun, RunStop
from depot.extensions import db
from depot.items import services as item_services
from depot.items.models import Item
from depot.loans.models import Loan
from depot.web.i18n import local_today
from tests.conftest import log_in
from tests.deliveries.helpers import new_run, open_loan, reserved_request
from tests.pdf_text import pdf_text


@pytest.fixture
def staff(client, login_as, w):
    user = login_as("depot_staff", w.herning)
    client.post("/language/en")  # assertions read the English messages
    return user


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


def _today(app):
    with app.test_request_context():
        return local_today()


def _log(app, action):
    with app.app_context():
        return db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.action == action)
        ).all()


def _stops(app, run_id):
    with app.app_context():
        return db.session.scalars(
            select(RunStop)
            .where(RunStop.run_id == run_id)
            .order_by(RunStop.position)
            .options(selectinload(RunStop.items))
        ).all()


# --- the day's runs -------------------------------------------------------------------------


def test_plan_a_run_and_see_it_in_the_days_list(app, client, staff, w):
    today = _today(app)
    page = client.get("/depot/runs/")
    assert page.status_code == 200 and b'data-testid="no-runs"' in page.data
    response = client.post(
        "/depot/runs/",
        data={
            "depot_id": w.depot.id,
            "run_date": today.isoformat(),
            "driver": "Bent Kørsel",
            "vehicle": "Varevogn 2",
            "note": "Husk sækkevogn",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        run = db.session.scalar(select(DeliveryRun))
        assert (run.depot_id, run.run_date, run.driver, run.vehicle, run.created_by_id) == (
            w.depot.id,
            today,
            "Bent Kørsel",
            "Varevogn 2",
            staff.id,
        )
    assert response.headers["Location"].endswith(f"/depot/runs/{run.id}")
    listing = client.get("/depot/runs/").get_data(as_text=True)
    assert 'data-testid="run-row"' in listing and "Bent Kørsel" in listing
    other_day = client.get(f"/depot/runs/?date={(today + timedelta(days=1)).isoformat()}")
    assert b'data-testid="run-row"' not in other_day.data
    other_depot = client.get(f"/depot/runs/?depot={w.other.id}")
    assert b'data-testid="run-row"' not in other_depot.data


def test_the_same_driver_twice_is_a_friendly_conflict(app, client, staff, w):
    today = _today(app)
    new_run(app, depot=w.depot, driver="Bent Kørsel", run_date=today)
    response = client.post(
        "/depot/runs/",
        data={"depot_id": w.depot.id, "run_date": today.isoformat(), "driver": "bent kørsel"},
    )
    assert response.status_code == 409
    assert "already has a run from this depot that day" in response.get_data(as_text=True)
    assert 'data-testid="run-form"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"driver": ""},
        {"driver": "   "},
        {"driver": "x" * 121},
        {"vehicle": "v" * 61},
        {"note": "n" * 1001},
        {"run_date": ""},
        {"run_date": "not-a-date"},
        {"run_date": "2001-01-01"},
        {"run_date": "2999-12-31"},
        {"run_date": "PAST"},
        {"run_date": "FUTURE"},
        {"depot_id": ""},
        {"depot_id": "abc"},
        {"depot_id": "99999999999999"},
        {"depot_id": "OTHER_TENANT"},
        {"driver": "Bent\x00"},
    ],
)
def test_bad_run_input_is_refused_with_a_message(app, client, staff, w, make, holstebro, data):
    today = _today(app)
    form = {"depot_id": w.depot.id, "run_date": today.isoformat(), "driver": "Bent"}
    form.update(data)
    if form["run_date"] == "PAST":
        form["run_date"] = (today - timedelta(days=31)).isoformat()
    if form["run_date"] == "FUTURE":
        form["run_date"] = (today + timedelta(days=366)).isoformat()
    if form["depot_id"] == "OTHER_TENANT":
        form["depot_id"] = make.depot(owner=holstebro).id
    if data == {}:
        form = {}
    response = client.post("/depot/runs/", data=form)
    if data == {"driver": "Bent\x00"}:
        assert response.status_code == 302  # NUL characters are dropped, the rest is fine
        return
    assert response.status_code == 400, data
    assert b"invalid-feedback" in response.data
    with app.app_context():
        assert db.session.scalar(select(DeliveryRun)) is None


def test_dates_inside_the_window_are_accepted(app, client, staff, w):
    today = _today(app)
    for days, driver in ((-30, "A"), (365, "B")):
        response = client.post(
            "/depot/runs/",
            data={
                "depot_id": w.depot.id,
                "run_date": (today + timedelta(days=days)).isoformat(),
                "driver": driver,
            },
        )
        assert response.status_code == 302


@pytest.mark.parametrize("query", ["date=junk", "date=1999-01-01", "depot=abc", "depot=424242"])
def test_junk_filters_are_ignored(client, staff, w, query):
    response = client.get(f"/depot/runs/?{query}")
    assert response.status_code == 200
    assert b"have been ignored" in response.data


def test_other_roles_get_403_and_other_depots_404(app, client, login_as, w, holstebro, make):
    run_id = new_run(app, depot=w.depot)
    login_as("therapist", w.herning)
    assert client.get("/depot/runs/").status_code == 403
    assert client.get(f"/depot/runs/{run_id}").status_code == 403
    client = app.test_client()
    user = make.user(organisation=holstebro, role="depot_staff")
    assert log_in(client, user.email).status_code == 302
    assert client.get(f"/depot/runs/{run_id}").status_code == 404
    assert client.get(f"/depot/runs/{run_id}/run-sheet.pdf").status_code == 404
    assert client.post(f"/depot/runs/{run_id}/optimise").status_code == 404
    # Holstebro's own list does not show Herning's runs.
    listing = client.get(f"/depot/runs/?depot={w.depot.id}")
    assert b'data-testid="run-row"' not in listing.data
    assert client.get("/depot/runs/999999").status_code == 404


# --- one run --------------------------------------------------------------------------------


def test_run_page_shows_candidates_without_names_and_logs_the_stops(app, client, staff, w):
    request_id = _request(w, [w.here[0], w.there[0]])
    run_id = new_run(app, depot=w.depot)
    page = client.get(f"/depot/runs/{run_id}").get_data(as_text=True)
    assert f'data-request="{request_id}"' in page
    assert "Søren Ærø" not in page  # the candidate list shows no names
    assert 'data-testid="elsewhere"' in page
    assert _log(app, "view") == []

    response = client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Delivery stop added with 1 item." in page
    assert "Not on this run, because they are in another depot" in page
    assert w.tags[w.there[0]] in page
    assert "Søren Ærø" in page and "Åbrinken 7" in page
    assert 'data-testid="add-delivery"' not in page  # what is left is in Herning Nord
    views = _log(app, "view")
    assert [(e.citizen_id, e.user_id) for e in views] == [(w.citizen.id, staff.id)]
    assert views[0].criterion == f"delivery run {run_id}"


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "1.5", "99999999999", "1e3"])
def test_junk_request_ids_show_a_message(app, client, staff, w, value):
    run_id = new_run(app, depot=w.depot)
    response = client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": value})
    assert response.status_code == 200
    assert "Choose from the list." in response.get_data(as_text=True)
    assert _stops(app, run_id) == []


@pytest.mark.parametrize("value", ["", "x", "-5", "99999999999"])
def test_junk_loan_ids_show_a_message(app, client, staff, w, value):
    run_id = new_run(app, depot=w.depot)
    response = client.post(f"/depot/runs/{run_id}/pickups", data={"loan_id": value})
    assert response.status_code == 200
    assert "Choose from the list." in response.get_data(as_text=True)


def test_unknown_and_foreign_ids_are_404(app, client, staff, w, make, holstebro):
    foreign_depot = make.depot(owner=holstebro)
    (foreign_item,) = make.items(product=w.product, depot=foreign_depot, owner=holstebro)
    citizen = make.citizen(municipality=holstebro)
    foreign_request = reserved_request(
        app,
        citizen=citizen,
        organisation=holstebro,
        depot=foreign_depot,
        product_type=w.type,
        item_ids=[foreign_item.id],
    )
    (lent,) = make.items(product=w.product, depot=foreign_depot, owner=holstebro)
    foreign_loan = open_loan(app, citizen=citizen, item_id=lent.id, lender=holstebro)
    run_id = new_run(app, depot=w.depot)
    for data in ({"request_id": foreign_request}, {"request_id": 123456}):
        assert client.post(f"/depot/runs/{run_id}/deliveries", data=data).status_code == 404
    for data in ({"loan_id": foreign_loan}, {"loan_id": 123456}):
        assert client.post(f"/depot/runs/{run_id}/pickups", data=data).status_code == 404
    for action in ("move", "remove", "done", "failed"):
        url = f"/depot/runs/{run_id}/stops/424242/{action}"
        assert client.post(url, data={"direction": "up", "reason": "x"}).status_code == 404
    assert client.get("/depot/runs/0").status_code == 404
    assert client.get("/depot/runs/99999999999").status_code == 404


def test_a_stop_of_another_run_is_404(app, client, staff, w):
    request_id = _request(w, [w.here[0]])
    run_id = new_run(app, depot=w.depot, driver="A")
    other_id = new_run(app, depot=w.depot, driver="B")
    client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    (stop,) = _stops(app, run_id)
    assert client.post(f"/depot/runs/{other_id}/stops/{stop.id}/done").status_code == 404
    assert client.post(f"/depot/runs/{other_id}/stops/{stop.id}/remove").status_code == 404


def test_planning_twice_is_409(app, client, staff, w):
    request_id = _request(w, [w.here[0]])
    run_id = new_run(app, depot=w.depot, driver="A")
    other_id = new_run(app, depot=w.depot, driver="B")
    url = f"/depot/runs/{run_id}/deliveries"
    assert client.post(url, data={"request_id": request_id}).status_code == 302
    again = client.post(f"/depot/runs/{other_id}/deliveries", data={"request_id": request_id})
    assert again.status_code == 409
    assert "no reserved items waiting" in again.get_data(as_text=True)


def test_items_only_in_another_depot_are_409_with_their_names(app, client, staff, w):
    request_id = _request(w, [w.there[0]])
    run_id = new_run(app, depot=w.depot)
    response = client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert w.tags[w.there[0]] in text and "Herning Nord" in text


def test_move_remove_optimise_through_the_pages(app, client, staff, w, make):
    run_id = new_run(app, depot=w.depot)
    for postcode, town, item_id in (
        ("7500", "Holstebro", w.here[0]),
        ("7330", "Brande", w.here[1]),
        ("7600", "Struer", w.here[2]),
    ):
        request_id = _request(w, [item_id], postcode=postcode, town=town)
        client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    stops = _stops(app, run_id)
    assert [s.town for s in stops] == ["Holstebro", "Brande", "Struer"]
    base = f"/depot/runs/{run_id}/stops/{stops[1].id}"
    for bad in ({}, {"direction": ""}, {"direction": "left"}, {"direction": "up" * 50}):
        assert client.post(f"{base}/move", data=bad).status_code == 400
    assert client.post(f"{base}/move", data={"direction": "up"}).status_code == 302
    assert [s.town for s in _stops(app, run_id)] == ["Brande", "Holstebro", "Struer"]
    edge = client.post(f"{base}/move", data={"direction": "up"}, follow_redirects=True)
    assert "already at that end" in edge.get_data(as_text=True)
    with app.app_context():
        before = db.session.get(DeliveryRun, run_id).total_km
    response = client.post(f"/depot/runs/{run_id}/optimise", follow_redirects=True)
    assert "Stops ordered for a short route" in response.get_data(as_text=True)
    with app.app_context():
        after = db.session.get(DeliveryRun, run_id).total_km
    assert after < before
    assert client.post(f"{base}/remove").status_code == 302
    assert len(_stops(app, run_id)) == 2


def test_fail_needs_a_reason_shown_at_the_stop(app, client, staff, w):
    request_id = _request(w, [w.here[0]])
    run_id = new_run(app, depot=w.depot)
    client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    (stop,) = _stops(app, run_id)
    url = f"/depot/runs/{run_id}/stops/{stop.id}/failed"
    for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "r" * 501}):
        response = client.post(url, data=bad)
        assert response.status_code == 200
        assert 'data-testid="error-reason"' in response.get_data(as_text=True)
    assert _stops(app, run_id)[0].status == "planned"
    assert client.post(url, data={"reason": "Ingen hjemme, naboen svarede ikke"}).status_code == 302
    (stop,) = _stops(app, run_id)
    assert stop.status == "failed" and "Ingen hjemme" in stop.note
    assert client.post(url, data={"reason": "igen"}).status_code == 409


def test_deliver_then_pick_up_through_the_pages(app, client, staff, w):
    request_id = _request(w, [w.here[0]])
    run_id = new_run(app, depot=w.depot)
    client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    (stop,) = _stops(app, run_id)
    done = client.post(f"/depot/runs/{run_id}/stops/{stop.id}/done", follow_redirects=True)
    assert "The loans have started." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Item, w.here[0]).status == "on_loan"
        loan = db.session.scalar(select(Loan).where(Loan.item_id == w.here[0]))
        assert db.session.get(DeliveryRun, run_id).status == "done"
    assert [e.citizen_id for e in _log(app, "deliver")] == [w.citizen.id]
    assert client.post(f"/depot/runs/{run_id}/stops/{stop.id}/done").status_code == 409

    # The citizen no longer needs it: a pick-up on tomorrow's run.
    assert client.post(f"/depot/loans/{loan.id}/pickup").status_code == 302
    pickup_run = new_run(app, depot=w.depot, run_date=_today(app) + timedelta(days=1))
    page = client.get(f"/depot/runs/{pickup_run}").get_data(as_text=True)
    assert f'data-loan="{loan.id}"' in page
    assert (
        client.post(f"/depot/runs/{pickup_run}/pickups", data={"loan_id": loan.id}).status_code
        == 302
    )
    (pickup,) = _stops(app, pickup_run)
    picked = client.post(f"/depot/runs/{pickup_run}/stops/{pickup.id}/done", follow_redirects=True)
    text = picked.get_data(as_text=True)
    assert "Picked up" in text and 'data-testid="start-cleaning"' in text
    with app.app_context():
        assert db.session.get(Item, w.here[0]).status == "returned"
        assert db.session.get(Loan, loan.id).returned_at is not None


def test_a_conflict_when_completing_changes_nothing(app, client, staff, w):
    request_id = _request(w, [w.here[0], w.here[1]])
    run_id = new_run(app, depot=w.depot)
    client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    (stop,) = _stops(app, run_id)
    with app.app_context():
        # The second item changed state meanwhile, behind the request's back.
        item_services.apply_step(item_id=w.here[1], step_name="cancel_reservation", user=None)
        db.session.commit()
    response = client.post(f"/depot/runs/{run_id}/stops/{stop.id}/done")
    assert response.status_code == 409
    assert w.tags[w.here[1]] in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Item, w.here[0]).status == "reserved"  # the first was not lent
        assert db.session.scalar(select(Loan)) is None
        assert db.session.get(RunStop, stop.id).status == "planned"


# --- the run sheet --------------------------------------------------------------------------


def test_run_sheet_lists_the_stops_and_logs_each_citizen(app, client, staff, w, make, tmp_path):
    request_id = _request(
        w, [w.here[0]], measurements={"seat_width_cm": 45, "max_user_weight_kg": 90}
    )
    other = make.citizen(municipality=w.herning, name="Åse Ødegård", address="Østergade 3")
    loan_id = open_loan(app, citizen=other, item_id=w.here[1], lender=w.herning)
    run_id = new_run(app, depot=w.depot, driver="Bent Kørsel")
    client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    client.post(f"/depot/runs/{run_id}/pickups", data={"loan_id": loan_id})
    with client.get(f"/depot/runs/{run_id}/run-sheet.pdf") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/pdf"
        pdf = response.data
    assert pdf.startswith(b"%PDF")
    printed = _log(app, "print_run_sheet")
    assert sorted(e.citizen_id for e in printed) == sorted([w.citizen.id, other.id])
    assert {e.user_id for e in printed} == {staff.id}
    text = pdf_text(pdf, tmp_path)
    for expected in (
        "Run sheet",
        "Herning Hjælpemiddeldepot",
        "Bent Kørsel",
        "Varevogn 2",
        "Søren Ærø",
        "Åbrinken 7",
        "7400 Herning",
        w.citizen.phone,
        "Jørgen Østergård",
        "29 99 88 77",
        "Nøglen ligger under måtten",
        w.tags[w.here[0]],
        "Kørestol Æbelø",
        "Seat width (cm) 45",
        "Delivery",
        "Pick-up",
        "Åse Ødegård",
        "Østergade 3",
        w.tags[w.here[1]],
        "Signature",
    ):
        assert expected in text, expected
    assert text.index("Søren Ærø") < text.index("Åse Ødegård")  # in route order


def test_run_sheet_in_danish_and_of_an_empty_run(app, client, login_as, w, tmp_path):
    login_as("depot_staff", w.herning)  # Danish: the default
    run_id = new_run(app, depot=w.depot)
    with client.get(f"/depot/runs/{run_id}/run-sheet.pdf") as response:
        assert response.status_code == 200
        pdf = response.data
    assert _log(app, "print_run_sheet") == []
    text = pdf_text(pdf, tmp_path)
    assert "Herning Hjælpemiddeldepot" in text and "Bent Kørsel" in text


def test_run_sheet_survives_hostile_text(app, client, staff, w, tmp_path):
    hostile = "<b>&amp; ☃ 𝔘 \u202e</b>"
    request_id = _request(w, [w.here[0]], note=hostile, contact_name=hostile, address="<para>Vej 1")
    run_id = new_run(app, depot=w.depot, driver="<font>Ø", vehicle="&")
    client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
    with client.get(f"/depot/runs/{run_id}/run-sheet.pdf") as response:
        assert response.status_code == 200
        pdf = response.data
    text = pdf_text(pdf, tmp_path)
    assert "<para>Vej 1" in text and "<font>Ø" in text


def test_a_long_run_sheet_breaks_pages(app, client, staff, w, make, tmp_path):
    items = make.items(product=w.product, depot=w.depot, owner=w.herning, count=14)
    run_id = new_run(app, depot=w.depot)
    for item in items:
        citizen = make.citizen(municipality=w.herning)
        request_id = reserved_request(
            app,
            citizen=citizen,
            organisation=w.herning,
            depot=w.depot,
            product_type=w.type,
            item_ids=[item.id],
        )
        added = client.post(f"/depot/runs/{run_id}/deliveries", data={"request_id": request_id})
        assert added.status_code == 302
    with client.get(f"/depot/runs/{run_id}/run-sheet.pdf") as response:
        pdf = response.data
    assert len(_log(app, "print_run_sheet")) == 14
    text = pdf_text(pdf, tmp_path)
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 3
    assert all("Page" in page for page in pages)
