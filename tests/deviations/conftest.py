"""Fixtures of the deviation case tests: product types with catalogue rules, a coordinator."""

from dataclasses import dataclass
from datetime import datetime

import pytest

from depot.deviations import services
from depot.deviations.models import DeviationCase
from depot.extensions import db


@dataclass
class World:
    region: object
    herning: object
    holstebro: object
    hoist: object
    chair: object
    citizen: object
    nurse: object


@pytest.fixture
def world(app, make, region, herning, holstebro) -> World:
    hoist = make.product_type(
        iso_code="12 36 03", title_da="Mobil personløfter", measurement_fields="max_user_weight_kg"
    )
    chair = make.product_type(
        iso_code="12 22 03", title_da="Manuel kørestol", measurement_fields="seat_width_cm"
    )
    make.rule(iso_code="12 36", responsible_party="municipality")
    make.rule(
        iso_code="12 22 03",
        responsible_party="municipality",
        duration_threshold_days=180,
        short_term_party="region",
    )
    return World(
        region=region,
        herning=herning,
        holstebro=holstebro,
        hoist=hoist,
        chair=chair,
        citizen=make.citizen(municipality=herning, name="Grethe Afvigelse"),
        nurse=make.user(organisation=region, role="therapist"),
    )


@pytest.fixture
def coordinator(client, login_as, region):
    """The test client logged in as the region's coordinator, the pages in English."""
    user = login_as("coordinator", region)
    client.post("/language/en")
    return user


def open_case(app, *, municipality, product_type, at: datetime | None = None, **fields) -> int:
    """A case opened by hand (committed); `fields` are open_case's optional arguments."""
    with app.app_context():
        case = services.open_case(
            municipality_id=municipality.id,
            product_type_id=product_type.id,
            delivered_by=fields.pop("delivered_by", "region"),
            should_have_been=fields.pop("should_have_been", "municipality"),
            user=None,
            at=at,
            **fields,
        )
        db.session.commit()
        return case.id


def get_case(case_id: int) -> DeviationCase:
    db.session.expire_all()
    return db.session.get(DeviationCase, case_id)
