"""The depot's loan list: own depots only, overdue and pick-up filters, pick-up requests."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from depot.citizens.models import AccessLogEntry
from depot.deliveries import services as runs
from depot.extensions import db
from depot.loans.models import Loan
from depot.web.i18n import local_today
from tests.conftest import log_in
from tests.deliveries.helpers import new_run, open_loan


@pytest.fixture
def lw(app, make, herning, holstebro):
    depot = make.depot(owner=herning, name="Herning Hjælpemiddeldepot")
    north = make.depot(owner=herning, name="Herning Nord")
    foreign = make.depot(owner=holstebro, name="Holstebro Depot")
    product = make.product(name="Rollator Ønskø")
    citizen = make.citizen(municipality=herning, name="Søren Ærø", postcode="7400")
    with app.test_request_context():
        today = local_today()

    def lend(depot_, *, days_left, pickup=False, owner=herning):
        (item,) = make.items(product=product, depot=depot_, owner=owner)
        loan_id = open_loan(
            app,
            citizen=citizen,
            item_id=item.id,
            lender=owner,
            pickup=pickup,
            expected_end=today + timedelta(days=days_left),
        )
        return SimpleNamespace(id=loan_id, tag=item.asset_tag)

    return SimpleNamespace(
        depot=depot,
        north=north,
        foreign_depot=foreign,
        today=today,
        herning=herning,
        holstebro=holstebro,
        citizen=citizen,
        overdue=lend(depot, days_left=-5),
        due_later=lend(depot, days_left=30, pickup=True),
        northern=lend(north, days_left=-1),
        foreign=lend(foreign, days_left=-10, owner=holstebro),
    )


@pytest.fixture
def staff(client, login_as, lw):
    user = login_as("depot_staff", lw.herning)
    client.post("/language/en")
    return user


def _rows(response) -> list[str]:
    text = response.get_data(as_text=True)
    return [part.split('"', 1)[0] for part in text.split('data-testid="loan-row" data-id="')[1:]]


def test_lists_open_loans_of_own_depots_without_names(client, staff, lw):
    response = client.get("/depot/loans/")
    assert response.status_code == 200
    rows = _rows(response)
    assert sorted(rows) == sorted(str(x.id) for x in (lw.overdue, lw.due_later, lw.northern))
    text = response.get_data(as_text=True)
    assert lw.foreign.tag not in text
    assert "Søren Ærø" not in text and "7400 Herning" in text
    # The longest overdue first.
    assert rows[0] == str(lw.overdue.id)
    assert f'data-id="{lw.overdue.id}" data-overdue="5"' in text


def test_filters(client, staff, lw):
    overdue = _rows(client.get("/depot/loans/?overdue=y"))
    assert sorted(overdue) == sorted([str(lw.overdue.id), str(lw.northern.id)])
    assert _rows(client.get("/depot/loans/?pickup=y")) == [str(lw.due_later.id)]
    assert _rows(client.get(f"/depot/loans/?depot={lw.north.id}")) == [str(lw.northern.id)]
    assert _rows(client.get(f"/depot/loans/?depot={lw.north.id}&overdue=y&pickup=y")) == []


@pytest.mark.parametrize(
    "query", ["depot=abc", "depot=999999", "depot=-1", "page=abc", "page=0", "page=99999999999"]
)
def test_junk_filters_are_ignored(client, staff, lw, query):
    response = client.get(f"/depot/loans/?{query}")
    assert response.status_code == 200


def test_another_tenants_depot_is_ignored_as_a_filter(client, staff, lw):
    response = client.get(f"/depot/loans/?depot={lw.foreign_depot.id}")
    assert response.status_code == 200
    assert b"have been ignored" in response.data
    assert lw.foreign.tag.encode() not in response.data


def test_request_and_withdraw_a_pickup(app, client, staff, lw):
    url = f"/depot/loans/{lw.overdue.id}/pickup?overdue=y&page=1"
    response = client.post(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/depot/loans/?overdue=y&page=1")
    with app.app_context():
        loan = db.session.get(Loan, lw.overdue.id)
        assert loan.pickup_requested_at is not None and loan.pickup_requested_by_id == staff.id
        actions = [
            (e.action, e.citizen_id)
            for e in db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id))
        ]
    assert ("request_pickup", lw.citizen.id) in actions
    assert client.post(f"/depot/loans/{lw.overdue.id}/pickup").status_code == 302  # idempotent
    assert client.post(f"/depot/loans/{lw.overdue.id}/pickup/cancel").status_code == 302
    with app.app_context():
        assert db.session.get(Loan, lw.overdue.id).pickup_requested_at is None
        assert db.session.scalar(
            select(AccessLogEntry).where(AccessLogEntry.action == "cancel_pickup")
        )


def test_a_pickup_on_a_planned_run_cannot_be_withdrawn(app, client, staff, lw):
    run_id = new_run(app, depot=lw.depot, run_date=lw.today)
    with app.app_context():
        runs.add_pickup_stop(run_id=run_id, loan_id=lw.due_later.id)
        db.session.commit()
    listing = client.get("/depot/loans/?pickup=y").get_data(as_text=True)
    assert 'data-testid="on-run"' in listing and 'data-testid="cancel-pickup"' not in listing
    response = client.post(f"/depot/loans/{lw.due_later.id}/pickup/cancel")
    assert response.status_code == 409
    assert "remove the stop first" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Loan, lw.due_later.id).pickup_requested_at is not None


def test_ended_loans_are_409_and_unknown_ones_404(app, client, staff, lw):
    with app.app_context():
        from depot.items import services as items

        items.take_back_item(item_id=db.session.get(Loan, lw.overdue.id).item_id, user=None)
        db.session.commit()
    assert client.post(f"/depot/loans/{lw.overdue.id}/pickup").status_code == 409
    assert client.post(f"/depot/loans/{lw.overdue.id}/pickup/cancel").status_code == 409
    assert client.post("/depot/loans/424242/pickup").status_code == 404
    assert client.post("/depot/loans/0/pickup").status_code == 404
    assert client.post("/depot/loans/99999999999/pickup").status_code == 404
    assert client.get(f"/depot/loans/{lw.due_later.id}/pickup").status_code == 405


def test_other_tenants_get_404_and_other_roles_403(app, client, login_as, lw, make):
    other = app.test_client()
    user = make.user(organisation=lw.holstebro, role="depot_staff")
    assert log_in(other, user.email).status_code == 302
    assert other.post(f"/depot/loans/{lw.overdue.id}/pickup").status_code == 404
    assert other.post(f"/depot/loans/{lw.due_later.id}/pickup/cancel").status_code == 404
    assert _rows(other.get("/depot/loans/")) == [str(lw.foreign.id)]
    login_as("therapist", lw.herning)
    assert client.get("/depot/loans/").status_code == 403
    assert client.post(f"/depot/loans/{lw.overdue.id}/pickup").status_code == 403
    with app.app_context():
        assert db.session.get(Loan, lw.overdue.id).pickup_requested_at is None


def test_pagination(app, client, staff, lw, make):
    product = make.product(name="Badebænk")
    items = make.items(product=product, depot=lw.depot, owner=lw.herning, count=30)
    for item in items:
        open_loan(
            app,
            citizen=lw.citizen,
            item_id=item.id,
            lender=lw.herning,
            expected_end=date(2031, 1, 1),
        )
    first = _rows(client.get("/depot/loans/"))
    second = _rows(client.get("/depot/loans/?page=2"))
    assert len(first) == 25 and len(second) == 8
    assert not set(first) & set(second)
