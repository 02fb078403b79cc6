"""Unicode, HTML, SQL and over-long text in every catalogue form: stored as typed, shown escaped."""

import pytest

from depot.catalogue.models import Contract, Product, ProductType, Supplier
from tests.catalogue.conftest import NASTY_TEXTS, text_of

SCRIPT = NASTY_TEXTS["html"]
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def forms(make):
    """For each form: its URL, valid data, the model it creates, and its free-text fields."""
    product_type, supplier = make.product_type(), make.supplier()
    return {
        "product_type": (
            "/catalogue/types/new",
            ProductType,
            {
                "iso_code": "12 22 03",
                "iso_edition": "2022",
                "title_da": "Kørestole",
                "title_en": "Wheelchairs",
            },
            ("title_da", "title_en"),
        ),
        "supplier": (
            "/catalogue/suppliers/new",
            Supplier,
            {"name": "Leverandør", "order_cost": "0"},
            ("name",),
        ),
        "product": (
            "/catalogue/products/new",
            Product,
            {
                "name": "Rollator",
                "product_type_id": product_type.id,
                "supplier_id": supplier.id,
                "list_price": "100",
            },
            ("name", "description"),
        ),
        "contract": (
            "/catalogue/contracts/new",
            Contract,
            {
                "reference": "RA-1",
                "title": "Aftale",
                "supplier_id": supplier.id,
                "valid_from": "2026-01-01",
                "valid_to": "2026-12-31",
            },
            ("reference", "title", "notes"),
        ),
    }


CASES = [
    (form, field)
    for form, fields in {
        "product_type": ("title_da", "title_en"),
        "supplier": ("name",),
        "product": ("name", "description"),
        "contract": ("reference", "title", "notes"),
    }.items()
    for field in fields
]


@pytest.mark.parametrize(("form", "field"), CASES)
@pytest.mark.parametrize("kind", ["unicode", "html", "sql"])
def test_text_is_stored_as_typed_and_shown_escaped(client, officer, forms, peek, form, field, kind):
    url, model, data, _fields = forms[form]
    value = NASTY_TEXTS[kind]
    if field == "reference":
        value = value[:40]
    response = client.post(url, data=data | {field: value})
    assert response.status_code == 302, text_of(response)
    row = peek.all(model)[-1]
    assert getattr(row, field) == value
    # Follow to where the value is shown (list or detail), and to the list pages.
    page = text_of(client.get(response.headers["Location"]))
    lists = "".join(
        text_of(client.get(u))
        for u in (
            "/catalogue/types",
            "/catalogue/suppliers",
            "/catalogue/products",
            "/catalogue/contracts",
        )
    )
    if kind == "html":
        assert SCRIPT not in page and SCRIPT not in lists
        assert ESCAPED_SCRIPT in page + lists
    else:
        shown = value.replace("'", "&#39;")
        assert shown in page + lists
    assert peek.count(Product) >= 0  # the product table is still there


@pytest.mark.parametrize(("form", "field"), CASES)
def test_over_long_text_is_refused(client, officer, forms, english, peek, form, field):
    url, model, data, _fields = forms[form]
    before = peek.count(model)
    english()
    response = client.post(url, data=data | {field: "æ" * 5001})
    assert response.status_code == 200
    assert "Field cannot be longer than" in text_of(response)
    assert peek.count(model) == before


@pytest.mark.parametrize(("form", "field"), CASES)
def test_nul_characters_are_dropped(client, officer, forms, peek, form, field):
    url, model, data, _fields = forms[form]
    response = client.post(url, data=data | {field: "A\x00B"})
    assert response.status_code == 302
    assert getattr(peek.all(model)[-1], field) == "AB"


@pytest.mark.parametrize("form", ["product_type", "supplier", "product", "contract"])
def test_an_empty_form_is_refused_without_error_pages(client, officer, forms, english, peek, form):
    url, model, _data, _fields = forms[form]
    before = peek.count(model)
    english()
    response = client.post(url, data={})
    assert response.status_code == 200
    assert "This field is required." in text_of(response)
    assert peek.count(model) == before


def test_search_box_echoes_text_escaped(client, officer):
    for url in (
        "/catalogue/products",
        "/catalogue/types",
        "/catalogue/suppliers",
        "/catalogue/contracts",
    ):
        response = client.get(url, query_string={"q": SCRIPT})
        assert response.status_code == 200
        page = text_of(response)
        assert SCRIPT not in page and ESCAPED_SCRIPT in page


def test_product_names_are_escaped_in_choices_and_flashes(client, officer, make):
    product = make.product(name=SCRIPT)
    contract = make.contract(supplier=make.supplier(name=SCRIPT))
    for url in (
        f"/catalogue/contracts/{contract.id}/lines/new",
        f"/catalogue/products/{product.id}",
        f"/catalogue/suppliers/{product.supplier_id}",
    ):
        page = text_of(client.get(url))
        assert SCRIPT not in page, url
    response = client.post(f"/catalogue/products/{product.id}/deactivate", follow_redirects=True)
    assert SCRIPT not in text_of(response) and ESCAPED_SCRIPT in text_of(response)


def test_pages_carry_no_inline_script_or_style(client, officer, make):
    product = make.product()
    contract = make.contract(products=[product])
    urls = [
        "/catalogue/products",
        "/catalogue/types",
        "/catalogue/suppliers",
        "/catalogue/contracts",
        f"/catalogue/products/{product.id}",
        f"/catalogue/suppliers/{product.supplier_id}",
        f"/catalogue/contracts/{contract.id}",
        "/catalogue/products/new",
        "/catalogue/types/new",
        "/catalogue/suppliers/new",
        "/catalogue/contracts/new",
        f"/catalogue/contracts/{contract.id}/lines/new",
        f"/catalogue/contracts/{contract.id}/lines/{contract.lines[0].id}/edit",
    ]
    for url in urls:
        page = text_of(client.get(url))
        assert "style=" not in page, url
        assert " on" + "click=" not in page, url
        scripts = page.count("<script")
        assert scripts == page.count("<script src="), url
