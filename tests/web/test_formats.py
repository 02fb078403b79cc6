from datetime import date, datetime
from decimal import Decimal

from depot.catalogue.models import Supplier
from depot.extensions import db
from depot.web import i18n


def test_danish_formats(app):
    with app.test_request_context():
        assert i18n.dkk(Decimal("12345.5")).replace("\xa0", " ") == "12.345,50 kr."
        assert i18n.day(date(2026, 3, 7)) == "07-03-2026"
        # Stored in UTC, shown in Copenhagen time (UTC+1 in winter).
        assert i18n.moment(datetime(2026, 1, 15, 23, 30)) == "16-01-2026 00:30"
        assert i18n.number(1234567) == "1.234.567"
        assert i18n.dkk(None) == "–"


def test_english_formats(app, client):
    with app.test_request_context():
        from flask import session

        session["lang"] = "en"
        assert i18n.number(1234567) == "1,234,567"


def test_money_is_stored_exactly(app_ctx):
    supplier = Supplier(name="Øre A/S", order_cost=Decimal("1234.565"))
    db.session.add(supplier)
    db.session.flush()
    db.session.expire_all()
    loaded = db.session.get(Supplier, supplier.id)
    assert loaded.order_cost == Decimal("1234.57")  # rounded half up to whole øre
    raw = db.session.execute(db.text("SELECT order_cost FROM supplier")).scalar()
    assert raw == 123457


def test_unknown_page_is_a_clear_404(client, login_as, make):
    login_as("therapist", make.organisation())
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert 'data-testid="error"' in response.get_data(as_text=True)


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_assets_are_served_locally(client, login_as, make):
    login_as("therapist", make.organisation())
    page = client.get("/").get_data(as_text=True)
    assert "cdn." not in page and "https://" not in page
    for asset in ("/bootstrap/static/css/bootstrap.min.css", "/static/app.css"):
        with client.get(asset) as response:
            assert response.status_code == 200
