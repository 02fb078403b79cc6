"""A Herning depot with wheelchairs, a second depot, citizens with Danish names."""

from types import SimpleNamespace

import pytest
from flask_babel import force_locale


@pytest.fixture
def w(make, herning):
    depot = make.depot(owner=herning, name="Herning Hjælpemiddeldepot")
    other = make.depot(owner=herning, name="Herning Nord")
    product_type = make.product_type(measurement_fields="seat_width_cm,max_user_weight_kg")
    product = make.product(
        product_type=product_type, name="Kørestol Æbelø", seat_width_cm=45, max_user_weight_kg=135
    )
    citizen = make.citizen(
        municipality=herning, name="Søren Ærø", address="Åbrinken 7", postcode="7400"
    )
    here = make.items(product=product, depot=depot, owner=herning, count=6)
    there = make.items(product=product, depot=other, owner=herning, count=2)
    return SimpleNamespace(
        app=make.app,
        herning=herning,
        depot=depot,
        other=other,
        type=product_type,
        product=product,
        citizen=citizen,
        here=[i.id for i in here],
        there=[i.id for i in there],
        tags={i.id: i.asset_tag for i in [*here, *there]},
    )


@pytest.fixture
def english(app_ctx):
    """Messages in English, so that assertions don't depend on the Danish catalogue."""
    with force_locale("en"):
        yield
