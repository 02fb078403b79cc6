"""Helpers for the catalogue tests: an officer's session, English pages, database peeks."""

import pytest
from sqlalchemy import func, select

from depot.extensions import db

NASTY_TEXTS = {
    "unicode": "Kørestol æøå 轮椅",
    "html": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE product;--",
}


@pytest.fixture
def officer(login_as, region):
    """Log in as a procurement officer, who may edit the catalogue."""
    return login_as("procurement", region)


@pytest.fixture
def english(client):
    """Switch the session to English, so that pages show the English msgids."""

    def _english():
        client.post("/language/en")

    return _english


@pytest.fixture
def peek(app):
    """Read rows in a fresh app context: `peek.all(Model, name=...)`, `peek.count(Model)`."""

    class Peek:
        def all(self, model, **by):
            with app.app_context():
                return db.session.scalars(select(model).filter_by(**by).order_by(model.id)).all()

        def one(self, model, **by):
            rows = self.all(model, **by)
            assert len(rows) == 1, rows
            return rows[0]

        def count(self, model, **by):
            with app.app_context():
                return db.session.scalar(select(func.count()).select_from(model).filter_by(**by))

        def scalar(self, stmt):
            with app.app_context():
                return db.session.scalar(stmt)

    return Peek()


def text_of(response) -> str:
    return response.get_data(as_text=True)
