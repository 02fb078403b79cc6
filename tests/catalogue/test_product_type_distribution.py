"""A product type's volume and handling factor, used by the stock distribution."""

import pytest

from depot.catalogue.models import ProductType
from tests.catalogue.test_daily_rate import _form


def test_volume_and_handling_are_saved_and_default_to_sizes_and_one(client, officer, peek):
    response = client.post("/catalogue/types/new", data=_form(volume_m3="1.2", handling_factor="2"))
    assert response.status_code == 302
    saved = peek.one(ProductType, iso_code="12 22 03")
    assert saved.volume_m3 == pytest.approx(1.2) and saved.handling_factor == pytest.approx(2.0)
    url = f"/catalogue/types/{saved.id}/edit"
    assert client.post(url, data=_form(volume_m3="", handling_factor="")).status_code == 302
    cleared = peek.one(ProductType, id=saved.id)
    assert cleared.volume_m3 is None and cleared.handling_factor == pytest.approx(1.0)


@pytest.mark.parametrize(
    "field, value",
    [
        ("volume_m3", "-1"),
        ("volume_m3", "51"),
        ("volume_m3", "x"),
        ("handling_factor", "0"),
        ("handling_factor", "21"),
        ("handling_factor", "nan"),
    ],
)
def test_bad_volumes_and_factors_are_refused(client, officer, peek, field, value):
    response = client.post("/catalogue/types/new", data=_form(**{field: value}))
    # The catalogue's forms show their errors again (200), as for every other field.
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    assert peek.all(ProductType) == []
