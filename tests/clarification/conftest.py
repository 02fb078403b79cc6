"""Helpers for the clarification-catalogue tests: sessions in English, database peeks."""

import pytest
from sqlalchemy import select

from depot.clarification.models import ClarificationRule
from depot.extensions import db


@pytest.fixture
def coordinator(client, login_as, region):
    """Log in as a coordinator (who may edit the catalogue), with English pages."""
    user = login_as("coordinator", region)
    client.post("/language/en")
    return user


@pytest.fixture
def stored(app):
    """The stored rules by ISO code, read in a fresh app context."""

    def _stored() -> dict[str, ClarificationRule]:
        with app.app_context():
            rules = db.session.scalars(select(ClarificationRule)).all()
            return {r.iso_code: r for r in rules}

    return _stored


def text_of(response) -> str:
    return response.get_data(as_text=True)
