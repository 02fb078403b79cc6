"""Access-log rows of a request that ends in an error are kept: the page still showed data."""

from sqlalchemy import func, select

from depot.citizens.models import AccessLogEntry
from depot.extensions import db
from depot.requests import services


def _rows(app, citizen_id, action=None):
    with app.app_context():
        query = select(func.count(AccessLogEntry.id)).where(AccessLogEntry.citizen_id == citizen_id)
        if action:
            query = query.where(AccessLogEntry.action == action)
        return db.session.scalar(query)


def test_a_409_page_with_the_citizen_keeps_its_view_row(app, client, make, login_as, herning):
    depot = make.depot(owner=herning)
    citizen = make.citizen(municipality=herning, name="Anna Hemmelig")
    request = make.request(
        citizen=citizen, organisation=herning, depot=depot, product_type=make.product_type()
    )
    with app.app_context():
        services.cancel_request(request_id=request.id, user=None)
        db.session.commit()
    login_as("therapist", herning)
    before = _rows(app, citizen.id, "view")
    with client.post(f"/requests/{request.id}/cancel", data={"reason": ""}) as response:
        assert response.status_code == 409
        assert "Anna Hemmelig" in response.get_data(as_text=True)
    assert _rows(app, citizen.id, "view") == before + 1


def test_a_denied_view_is_logged_once(app, client, make, login_as, herning, holstebro):
    citizen = make.citizen(municipality=herning)
    login_as("therapist", holstebro)
    with client.get(f"/citizens/{citizen.id}") as response:
        assert response.status_code == 404
    assert _rows(app, citizen.id) == 1
    assert _rows(app, citizen.id, "view_denied") == 1
