"""Supplier pages: list with search and pages, detail, create, edit."""

import re
from decimal import Decimal

import pytest

from depot.catalogue.models import Supplier
from tests.catalogue.conftest import text_of


def _names(page: str) -> list[str]:
    return re.findall(
        r'<tr data-testid="supplier-row".*?<a href="/catalogue/suppliers/\d+">'
        r"(.*?)</a>",
        page,
        re.S,
    )


def _form(**overrides):
    data = {
        "name": "Invacare A/S",
        "cvr": "12345678",
        "email": "salg@invacare.dk",
        "phone": "+45 70 10 20 30",
        "order_cost": "750,00",
    }
    data.update(overrides)
    return data


def test_list_search_and_pages(app, client, officer, make, english):
    for name in ("Alfa Care", "Beta Medical", "Gamma Care", "Delta Care"):
        make.supplier(name=name)
    page = text_of(client.get("/catalogue/suppliers"))
    assert _names(page) == ["Alfa Care", "Beta Medical", "Delta Care", "Gamma Care"]
    assert 'data-testid="supplier-search"' in page and 'data-testid="supplier-table"' in page
    assert _names(text_of(client.get("/catalogue/suppliers?q=CARE"))) == [
        "Alfa Care",
        "Delta Care",
        "Gamma Care",
    ]
    app.config["PAGE_SIZE"] = 2
    english()
    page = text_of(client.get("/catalogue/suppliers?q=care&page=2"))
    assert _names(page) == ["Gamma Care"] and "page 2 of 2" in page
    assert client.get("/catalogue/suppliers?page=x&q=" + "y" * 300).status_code == 200


def test_detail_shows_contracts_and_products(client, officer, make):
    supplier = make.supplier(name="Invacare A/S", order_cost=Decimal("1250.00"))
    product = make.product(name="Rollator Let", supplier=supplier)
    make.product(name="Andet firmas produkt")
    contract = make.contract(supplier=supplier, reference="RA-2026-01")
    page = text_of(client.get(f"/catalogue/suppliers/{supplier.id}"))
    assert "Invacare A/S" in page and "1.250,00" in page
    assert f'href="/catalogue/contracts/{contract.id}"' in page and "RA-2026-01" in page
    assert f'href="/catalogue/products/{product.id}"' in page
    assert "Andet firmas produkt" not in page


def test_create_supplier(client, officer, peek):
    response = client.post("/catalogue/suppliers/new", data=_form())
    assert response.status_code == 302
    supplier = peek.one(Supplier, name="Invacare A/S")
    assert response.headers["Location"].endswith(f"/catalogue/suppliers/{supplier.id}")
    assert (supplier.cvr, supplier.email, supplier.phone, supplier.order_cost, supplier.active) == (
        "12345678",
        "salg@invacare.dk",
        "+45 70 10 20 30",
        Decimal("750.00"),
        True,
    )


def test_create_with_only_a_name_and_cost(client, officer, peek):
    data = _form(cvr="", email="", phone="", order_cost="0")
    assert client.post("/catalogue/suppliers/new", data=data).status_code == 302
    supplier = peek.one(Supplier)
    assert (supplier.cvr, supplier.email, supplier.phone) == (None, None, None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 121}, "120"),
        ({"cvr": "1234567"}, "A CVR number has exactly 8 digits."),
        ({"cvr": "123456789"}, "A CVR number has exactly 8 digits."),
        ({"cvr": "1234 567"}, "A CVR number has exactly 8 digits."),
        ({"cvr": "'; DROP TABLE product;--"}, "A CVR number has exactly 8 digits."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "<script>alert(1)</script>@x.dk"}, "Enter a valid email address."),
        ({"phone": "call me"}, "Use digits, spaces and + ( ) - only."),
        ({"order_cost": ""}, "This field is required."),
        ({"order_cost": "-100"}, "Enter an amount from 0 to"),
        ({"order_cost": "ti kroner"}, "Enter an amount like 1234,50."),
        ({"order_cost": "2000000"}, "Enter an amount from 0 to"),
    ],
)
def test_bad_input_is_refused_clearly(client, officer, english, peek, overrides, message):
    english()
    response = client.post("/catalogue/suppliers/new", data=_form(**overrides))
    assert response.status_code == 200
    assert message in text_of(response)
    assert peek.count(Supplier) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "INVACARE a/s", "cvr": ""}, "A supplier with this name exists already."),
        ({"name": "Andet navn"}, "A supplier with this CVR number exists already."),
    ],
)
def test_duplicates_are_clear_conflicts(client, officer, english, peek, overrides, message):
    english()
    assert client.post("/catalogue/suppliers/new", data=_form()).status_code == 302
    response = client.post("/catalogue/suppliers/new", data=_form(**overrides))
    assert response.status_code == 409
    assert message in text_of(response)
    assert peek.count(Supplier) == 1


def test_edit_and_deactivate_supplier(client, officer, make, english, peek):
    supplier = make.supplier(name="Gammel A/S")
    other = make.supplier(name="Optaget A/S")
    url = f"/catalogue/suppliers/{supplier.id}/edit"
    page = text_of(client.get(url))
    assert 'value="Gammel A/S"' in page and 'name="active"' in page
    response = client.post(url, data=_form(name="Ny A/S", cvr=supplier.cvr, active=""))
    assert response.status_code == 302
    saved = peek.one(Supplier, id=supplier.id)
    assert saved.name == "Ny A/S" and not saved.active
    english()
    response = client.post(url, data=_form(name=other.name, cvr=""))
    assert response.status_code == 409
    assert "A supplier with this name exists already." in text_of(response)
    # The new-supplier form has no active switch: a new supplier is active.
    assert 'name="active"' not in text_of(client.get("/catalogue/suppliers/new"))
