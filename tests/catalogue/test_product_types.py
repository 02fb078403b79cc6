"""Product type pages: list with product counts, create, edit, uniqueness."""

import re

import pytest

from depot.catalogue.models import ProductType
from tests.catalogue.conftest import text_of


def _form(**overrides):
    data = {
        "iso_code": "12 22 03",
        "iso_edition": "2022",
        "title_da": "Manuelle kørestole",
        "title_en": "Manual wheelchairs",
        "reusable": "y",
        "measurement_fields": ["seat_width_cm", "max_user_weight_kg"],
    }
    data.update(overrides)
    return data


def test_list_shows_types_with_product_counts(client, officer, make):
    chairs = make.product_type(iso_code="12 22 03", title_da="Manuelle kørestole")
    beds = make.product_type(iso_code="18 12 10", title_da="Plejesenge")
    for _ in range(3):
        make.product(product_type=chairs)
    response = client.get("/catalogue/types")
    assert response.status_code == 200
    page = text_of(response)
    rows = re.findall(
        r'<tr data-testid="product-type-row" data-id="(\d+)".*?'
        r'data-testid="product-count">\s*<a [^>]*>(\d+)</a>',
        page,
        re.S,
    )
    assert rows == [(str(chairs.id), "3"), (str(beds.id), "0")]
    assert f"/catalogue/products?type={chairs.id}&amp;status=all" in page


def test_list_search(client, officer, make):
    make.product_type(iso_code="12 22 03", title_da="Manuelle kørestole")
    make.product_type(iso_code="18 12 10", title_da="Plejesenge")
    page = text_of(client.get("/catalogue/types?q=pleje"))
    assert "Plejesenge" in page and "Manuelle" not in page
    page = text_of(client.get("/catalogue/types?q=12+22"))
    assert "Manuelle" in page and "Plejesenge" not in page


def test_create_product_type(client, officer, peek):
    response = client.post("/catalogue/types/new", data=_form())
    assert response.status_code == 302
    product_type = peek.one(ProductType, iso_code="12 22 03")
    assert product_type.iso_edition == 2022 and product_type.reusable
    assert product_type.measurement_list == ["seat_width_cm", "max_user_weight_kg"]


def test_create_without_measurements_and_not_reusable(client, officer, peek):
    data = _form(reusable="", measurement_fields=[])
    assert client.post("/catalogue/types/new", data=data).status_code == 302
    product_type = peek.one(ProductType, iso_code="12 22 03")
    assert not product_type.reusable and product_type.measurement_fields == ""


def test_the_same_code_and_edition_twice_is_a_form_error(client, officer, english, peek):
    english()
    assert client.post("/catalogue/types/new", data=_form()).status_code == 302
    response = client.post("/catalogue/types/new", data=_form(title_da="Andet"))
    assert response.status_code == 409
    assert "Product type 12 22 03 of the 2022 edition exists already." in text_of(response)
    assert 'value="Andet"' in text_of(response)  # the form keeps what was typed
    # Another edition of the same code is another product type.
    assert client.post("/catalogue/types/new", data=_form(iso_edition="2016")).status_code == 302
    assert peek.count(ProductType) == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"iso_code": ""}, "This field is required."),
        ({"iso_code": "12-22-03"}, "Write the ISO 9999 code as three pairs of digits: 12 22 03."),
        ({"iso_code": "122203"}, "Write the ISO 9999 code as three pairs of digits: 12 22 03."),
        ({"iso_code": "١٢ ٢٢ ٠٣"}, "Write the ISO 9999 code as three pairs of digits: 12 22 03."),
        ({"iso_code": "<script>alert(1)</script>"}, "8"),
        ({"iso_edition": ""}, "This field is required."),
        ({"iso_edition": "abc"}, "Not a valid integer value."),
        ({"iso_edition": "-2022"}, "Enter a whole number from 1990 to 2100."),
        ({"iso_edition": "99999999999999999999999"}, "Enter a whole number from 1990 to 2100."),
        ({"title_da": "   "}, "This field is required."),
        ({"title_en": "x" * 201}, "200"),
        ({"measurement_fields": ["seat_width_cm", "colour"]}, "not a valid choice"),
    ],
)
def test_bad_input_is_refused_clearly(client, officer, english, peek, overrides, message):
    english()
    response = client.post("/catalogue/types/new", data=_form(**overrides))
    assert response.status_code == 200
    assert message in text_of(response)
    assert peek.count(ProductType) == 0


def test_edit_product_type(client, officer, make, english, peek):
    product_type = make.product_type(
        iso_code="12 22 03", measurement_fields="seat_width_cm,weight_kg"
    )
    make.product_type(iso_code="18 12 10")
    url = f"/catalogue/types/{product_type.id}/edit"
    page = text_of(client.get(url))
    assert 'value="12 22 03"' in page
    assert re.search(r'checked[^>]*value="seat_width_cm"|value="seat_width_cm"[^>]*checked', page)
    assert not re.search(r'checked[^>]*value="length_cm"|value="length_cm"[^>]*checked', page)
    data = _form(
        iso_code="12 22 06",
        iso_edition="2016",
        title_en="Power wheelchairs",
        measurement_fields=["length_cm"],
    )
    assert client.post(url, data=data).status_code == 302
    saved = peek.one(ProductType, id=product_type.id)
    assert (saved.iso_code, saved.title_en, saved.measurement_list) == (
        "12 22 06",
        "Power wheelchairs",
        ["length_cm"],
    )
    english()
    response = client.post(url, data=_form(iso_code="18 12 10", iso_edition="2016"))
    assert response.status_code == 409
    assert "exists already" in text_of(response)
    assert peek.one(ProductType, id=product_type.id).iso_code == "12 22 06"
