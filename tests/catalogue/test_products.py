"""Product pages: list with search, filters, sorting and pages; detail; create; edit."""

import re
from decimal import Decimal

import pytest

from depot.catalogue.models import Product
from tests.catalogue.conftest import text_of

D = Decimal


def _row_names(page: str) -> list[str]:
    rows = re.findall(r'<tr data-testid="product-row".*?</tr>', page, re.S)
    return [re.search(r'<a href="/catalogue/products/\d+">(.*?)</a>', r).group(1) for r in rows]


@pytest.fixture
def shelf(make):
    """Three wheelchairs from two suppliers and one consumable, one wheelchair inactive."""
    chairs = make.product_type(iso_code="12 22 03", title_da="Manuelle kørestole")
    pads = make.product_type(iso_code="09 30 12", reusable=False, title_da="Underlag")
    acme = make.supplier(name="Acme Hjælpemidler")
    other = make.supplier(name="Anden Leverandør")
    made = {
        "chair_a": make.product(
            name="Kørestol Alfa", product_type=chairs, supplier=acme, list_price=D("7000")
        ),
        "chair_b": make.product(
            name="Kørestol Beta", product_type=chairs, supplier=other, list_price=D("5000")
        ),
        "pad": make.product(
            name="Underlag Sky",
            product_type=pads,
            supplier=acme,
            reusable=False,
            list_price=D("45.50"),
        ),
        "old": make.product(
            name="Kørestol Gammel", product_type=chairs, supplier=acme, list_price=D("100")
        ),
    }
    return {"chairs": chairs, "pads": pads, "acme": acme, "other": other, **made}


@pytest.fixture
def shelf_with_inactive(app, shelf):
    from depot.extensions import db

    with app.app_context():
        db.session.get(Product, shelf["old"].id).active = False
        db.session.commit()
    return shelf


def test_list_shows_active_products_by_name(client, officer, shelf_with_inactive):
    page = text_of(client.get("/catalogue/products"))
    assert _row_names(page) == ["Kørestol Alfa", "Kørestol Beta", "Underlag Sky"]
    assert 'data-testid="product-search"' in page
    assert 'data-testid="product-table"' in page
    assert "7.000,00" in page  # Danish amounts


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Kørestol Alfa", "Kørestol Beta", "Underlag Sky"]),
        ("q=STOL", ["Kørestol Alfa", "Kørestol Beta"]),
        ("q=+beta+", ["Kørestol Beta"]),
        ("q=%25", []),
        ("q=_", []),
        ("status=inactive", ["Kørestol Gammel"]),
        (
            "status=all&sort=-name",
            ["Underlag Sky", "Kørestol Gammel", "Kørestol Beta", "Kørestol Alfa"],
        ),
        ("kind=consumable", ["Underlag Sky"]),
        ("kind=reusable", ["Kørestol Alfa", "Kørestol Beta"]),
        ("sort=price", ["Underlag Sky", "Kørestol Beta", "Kørestol Alfa"]),
        ("sort=-price", ["Kørestol Alfa", "Kørestol Beta", "Underlag Sky"]),
    ],
)
def test_list_search_filter_sort(client, officer, shelf_with_inactive, query, expected):
    response = client.get(f"/catalogue/products?{query}")
    assert response.status_code == 200
    assert _row_names(text_of(response)) == expected


def test_list_filters_by_type_supplier_and_hmi(client, officer, shelf):
    page = text_of(client.get(f"/catalogue/products?type={shelf['pads'].id}"))
    assert _row_names(page) == ["Underlag Sky"]
    page = text_of(client.get(f"/catalogue/products?supplier={shelf['other'].id}"))
    assert _row_names(page) == ["Kørestol Beta"]
    page = text_of(client.get(f"/catalogue/products?q={shelf['chair_b'].hmi_number}"))
    assert _row_names(page) == ["Kørestol Beta"]
    page = text_of(
        client.get(
            f"/catalogue/products?type={shelf['chairs'].id}&supplier={shelf['acme'].id}"
            "&status=all&sort=price"
        )
    )
    assert _row_names(page) == ["Kørestol Gammel", "Kørestol Alfa"]


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-1",
        "page=0",
        "page=1.5",
        "page=99999999999999999999999",
        "page=%C2%B2",
        "type=abc",
        "type=999999",
        "type=99999999999999999999999",
        "supplier=x",
        "kind=metal",
        "status=deleted",
        "sort=id;DROP TABLE product",
        "q=" + "x" * 500,
        "q=%00",
        "type=&supplier=",
        "q=%27%3B+DROP+TABLE+product%3B--",
        "valid_today=1",
    ],
)
def test_odd_query_parameters_never_fail(client, officer, shelf, query):
    response = client.get(f"/catalogue/products?{query}")
    assert response.status_code == 200
    assert 'data-testid="result-count"' in text_of(response)


def test_odd_parameters_are_ignored_with_a_note(client, officer, english, shelf):
    english()
    page = text_of(client.get("/catalogue/products?type=999999&sort=zz"))
    assert "were not understood and have been ignored" in page
    assert len(_row_names(page)) == 4
    page = text_of(client.get("/catalogue/products?q=stol"))
    assert "ignored" not in page


def test_pagination(app, client, officer, make, english):
    app.config["PAGE_SIZE"] = 2
    supplier = make.supplier()
    product_type = make.product_type()
    for n in range(5):
        make.product(name=f"Rollator {n}", product_type=product_type, supplier=supplier)
    english()
    first = text_of(client.get("/catalogue/products?q=rollator"))
    assert _row_names(first) == ["Rollator 0", "Rollator 1"]
    assert "5 results" in first and "page 1 of 3" in first
    assert 'data-testid="pagination"' in first
    # The page links keep the search.
    assert "/catalogue/products?q=rollator&amp;page=2" in first
    third = text_of(client.get("/catalogue/products?q=rollator&page=3"))
    assert _row_names(third) == ["Rollator 4"]
    beyond = client.get("/catalogue/products?q=rollator&page=4")
    assert beyond.status_code == 200 and _row_names(text_of(beyond)) == []
    assert _row_names(text_of(client.get("/catalogue/products?q=rollator&page=abc"))) == [
        "Rollator 0",
        "Rollator 1",
    ]


def test_detail_shows_measurements_price_and_contract_lines(client, officer, make):
    product_type = make.product_type(measurement_fields="seat_width_cm,seat_depth_cm")
    product = make.product(
        name="Kørestol Alfa",
        product_type=product_type,
        seat_width_cm=45,
        max_user_weight_kg=135,
        list_price=D("12345.50"),
    )
    contract = make.contract(
        reference="RA-77", products=[product], breaks=((1, "100.00"), (10, "90.00"))
    )
    page = text_of(client.get(f"/catalogue/products/{product.id}"))
    assert "12.345,50" in page  # DKK, Danish format
    measurements = re.search(r'data-testid="measurements".*?</table>', page, re.S).group(0)
    assert re.search(r"measurement-seat_width_cm.*?45 cm", measurements, re.S)
    assert re.search(r"measurement-max_user_weight_kg.*?135 kg", measurements, re.S)
    # A measurement the type asks for but the product lacks is shown as unknown.
    assert re.search(r"measurement-seat_depth_cm.*?–", measurements, re.S)
    assert "measurement-weight_kg" not in measurements
    lines = re.search(r'data-testid="product-lines".*?</table>', page, re.S).group(0)
    assert f'href="/catalogue/contracts/{contract.id}"' in lines and "RA-77" in lines
    assert "100,00" in lines and "90,00" in lines


def test_detail_in_english_labels_measurements(client, officer, make, english):
    product = make.product(seat_width_cm=45, weight_kg=17)
    english()
    page = text_of(client.get(f"/catalogue/products/{product.id}"))
    assert "Seat width" in page and "45 cm" in page
    assert "Weight" in page and "17 kg" in page
    assert "No framework contract offers this product." in page


def _form(product_type, supplier, **overrides):
    data = {
        "name": "Rollator Let",
        "hmi_number": "55501",
        "product_type_id": product_type.id,
        "supplier_id": supplier.id,
        "reusable": "y",
        "list_price": "2.495,50",
        "description": "Let rollator med kurv.",
        "seat_height_cm": "60",
        "max_user_weight_kg": "150",
    }
    data.update(overrides)
    return data


def test_create_product(client, officer, make, peek):
    product_type, supplier = make.product_type(), make.supplier()
    response = client.post("/catalogue/products/new", data=_form(product_type, supplier))
    assert response.status_code == 302
    product = peek.one(Product, name="Rollator Let")
    assert response.headers["Location"].endswith(f"/catalogue/products/{product.id}")
    assert product.list_price == D("2495.50")
    assert product.measurements() == {"seat_height_cm": 60, "max_user_weight_kg": 150}
    assert product.hmi_number == "55501" and product.reusable and product.active
    page = text_of(client.get(response.headers["Location"]))
    assert "Rollator Let" in page and 'role="alert"' in page  # the flash message


def test_create_consumable_without_hmi_or_measurements(client, officer, make, peek):
    product_type, supplier = make.product_type(reusable=False), make.supplier()
    for name in ("Bleer A", "Bleer B"):  # two products without HMI number may coexist
        data = _form(
            product_type,
            supplier,
            name=name,
            hmi_number="  ",
            reusable="",
            list_price="12.5",
            seat_height_cm="",
            max_user_weight_kg="",
        )
        assert client.post("/catalogue/products/new", data=data).status_code == 302
    product = peek.one(Product, name="Bleer B")
    assert product.hmi_number is None and not product.reusable
    assert product.measurements() == {} and product.list_price == D("12.50")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 201}, "200"),
        ({"list_price": ""}, "This field is required."),
        ({"list_price": "-1"}, "Enter an amount from 0 to"),
        ({"list_price": "abc"}, "Enter an amount like 1234,50."),
        ({"list_price": "NaN"}, "Enter an amount like 1234,50."),
        ({"list_price": "Infinity"}, "Enter an amount like 1234,50."),
        ({"list_price": "1e5"}, "Enter an amount like 1234,50."),
        ({"list_price": "12.345"}, "Use at most two decimals."),
        ({"list_price": "99999999999"}, "Enter an amount from 0 to"),
        ({"seat_height_cm": "-5"}, "Enter a whole number from 1 to 300."),
        ({"seat_height_cm": "0"}, "Enter a whole number from 1 to 300."),
        ({"seat_height_cm": "45.5"}, "Not a valid integer value."),
        ({"seat_height_cm": "abc"}, "Not a valid integer value."),
        ({"max_user_weight_kg": "99999999999999999999"}, "Enter a whole number from 1 to 1000."),
        ({"hmi_number": "'; DROP TABLE product;--"}, "20"),
        ({"hmi_number": "12 34"}, "Use only digits, letters and hyphens."),
        ({"product_type_id": ""}, "Choose a product type."),
        ({"supplier_id": None}, "Choose a supplier."),
        ({"product_type_id": "999999"}, "Not a valid choice."),
        ({"product_type_id": "abc"}, "Invalid Choice: could not coerce."),
        ({"supplier_id": "99999999999999999999"}, "Not a valid choice."),
        ({"description": "x" * 5001}, "5000"),
    ],
)
def test_create_product_refuses_bad_input(client, officer, make, english, peek, overrides, message):
    product_type, supplier = make.product_type(), make.supplier()
    english()
    response = client.post(
        "/catalogue/products/new", data=_form(product_type, supplier, **overrides)
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert peek.count(Product) == 0


def test_duplicate_hmi_number_is_a_clear_conflict(client, officer, make, english, peek):
    existing = make.product()
    english()
    response = client.post(
        "/catalogue/products/new",
        data=_form(make.product_type(), make.supplier(), hmi_number=existing.hmi_number),
    )
    assert response.status_code == 409
    assert "Another product has this HMI number." in text_of(response)
    assert 'class="form-control is-invalid"' in text_of(response)
    assert peek.count(Product) == 1


def test_edit_product(client, officer, make, peek):
    product = make.product(name="Gammelt navn", seat_width_cm=45)
    new_type = make.product_type()
    url = f"/catalogue/products/{product.id}/edit"
    page = text_of(client.get(url))
    assert 'value="Gammelt navn"' in page and 'value="45"' in page
    data = _form(
        new_type,
        make.supplier(),
        name="Nyt navn",
        hmi_number=product.hmi_number,
        seat_width_cm="",
        list_price="0",
    )
    response = client.post(url, data=data)
    assert response.status_code == 302
    saved = peek.one(Product, id=product.id)
    assert saved.name == "Nyt navn" and saved.seat_width_cm is None
    assert saved.product_type_id == new_type.id and saved.list_price == D("0.00")


def test_edit_keeps_an_inactive_supplier_choosable(app, client, officer, make):
    from depot.catalogue.models import Supplier
    from depot.extensions import db

    product = make.product()
    with app.app_context():
        db.session.get(Supplier, product.supplier_id).active = False
        db.session.commit()
    page = text_of(client.get(f"/catalogue/products/{product.id}/edit"))
    assert f'<option selected value="{product.supplier_id}">' in page
    page = text_of(client.get("/catalogue/products/new"))
    suppliers = re.search(r'<select[^>]*name="supplier_id".*?</select>', page, re.S).group(0)
    assert f'value="{product.supplier_id}"' not in suppliers


def test_deactivate_and_reactivate(client, officer, make, peek):
    product = make.product()
    response = client.post(f"/catalogue/products/{product.id}/deactivate")
    assert response.status_code == 302
    assert not peek.one(Product, id=product.id).active
    page = text_of(client.get(f"/catalogue/products/{product.id}"))
    assert 'data-testid="reactivate"' in page and 'data-testid="inactive-badge"' in page
    assert client.post(f"/catalogue/products/{product.id}/reactivate").status_code == 302
    assert peek.one(Product, id=product.id).active
