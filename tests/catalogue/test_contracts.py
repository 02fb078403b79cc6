"""Framework contract pages: list, detail, create, edit; lines with their price breaks."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from depot.catalogue.models import Contract, ContractLine, PriceBreak
from tests.catalogue.conftest import text_of

D = Decimal


def _refs(page: str) -> list[str]:
    return re.findall(
        r'<tr data-testid="contract-row".*?<a href="/catalogue/contracts/\d+">'
        r"(.*?)</a>",
        page,
        re.S,
    )


def _contract_form(supplier, **overrides):
    data = {
        "reference": "RA-2026-01",
        "title": "Kørestole og rollatorer",
        "supplier_id": supplier.id,
        "valid_from": "2026-01-01",
        "valid_to": "2027-12-31",
        "notes": "Option på forlængelse i 2 år.",
    }
    data.update(overrides)
    return data


def _line_form(product, rows=((1, "100,00"), (10, "90,00")), **overrides):
    data = {"product_id": product.id, "pack_size": "2", "moq": "4", "lead_time_days": "10"}
    for n, (min_qty, price) in enumerate(rows):
        data[f"breaks-{n}-min_qty"] = str(min_qty)
        data[f"breaks-{n}-unit_price"] = price
    data.update(overrides)
    return data


def _breaks(peek, line_id):
    return sorted((b.min_qty, b.unit_price) for b in peek.all(PriceBreak, line_id=line_id))


# --- list and detail -------------------------------------------------------------------------


def test_list_filters(client, officer, make):
    today = date.today()
    acme = make.supplier(name="Acme")
    make.contract(
        supplier=acme,
        reference="RA-OLD",
        valid_from=today - timedelta(days=800),
        valid_to=today - timedelta(days=400),
    )
    make.contract(
        reference="RA-NOW",
        valid_from=today - timedelta(days=10),
        valid_to=today + timedelta(days=300),
    )
    make.contract(
        supplier=acme,
        reference="RA-NEXT",
        valid_from=today + timedelta(days=30),
        valid_to=today + timedelta(days=400),
    )
    page = text_of(client.get("/catalogue/contracts"))
    assert _refs(page) == ["RA-NEXT", "RA-NOW", "RA-OLD"]
    assert 'data-testid="contract-search"' in page and 'data-testid="contract-table"' in page
    assert _refs(text_of(client.get("/catalogue/contracts?valid_today=y"))) == ["RA-NOW"]
    assert _refs(text_of(client.get(f"/catalogue/contracts?supplier={acme.id}"))) == [
        "RA-NEXT",
        "RA-OLD",
    ]
    assert _refs(text_of(client.get("/catalogue/contracts?q=ra-o"))) == ["RA-OLD"]
    assert _refs(text_of(client.get("/catalogue/contracts?q=Rammeaftale"))) == [
        "RA-NEXT",
        "RA-NOW",
        "RA-OLD",
    ]
    for odd in (
        "supplier=abc",
        "supplier=99999999999999999999",
        "valid_today=maybe",
        "page=0",
        "q=%25%25",
    ):
        assert client.get(f"/catalogue/contracts?{odd}").status_code == 200


def test_detail_shows_lines_price_breaks_and_the_all_units_rule(client, officer, make, english):
    product = make.product(name="Kørestol Alfa")
    contract = make.contract(
        reference="RA-77", products=[product], breaks=((1, "100.00"), (10, "90.00"), (50, "80.00"))
    )
    page = text_of(client.get(f"/catalogue/contracts/{contract.id}"))
    assert "100,00" in page and "80,00" in page
    english()
    page = text_of(client.get(f"/catalogue/contracts/{contract.id}"))
    rule = re.search(r'data-testid="all-units-rule">(.*?)</div>', page, re.S).group(1)
    assert "applies to every unit in the order" in rule
    breaks = re.search(r'data-testid="price-breaks">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", breaks) == [
        "from 1 unit: DKK100.00",
        "from 10 units: DKK90.00",
        "from 50 units: DKK80.00",
    ]
    words = re.search(r'data-testid="line-rule">(.*?)</td>', page, re.S).group(1)
    assert "Example: 50 units cost DKK4,000.00 (DKK80.00 each)." in words
    assert "49 units cost DKK4,410.00 (DKK90.00 each)." in words
    assert f'href="/catalogue/products/{product.id}"' in page


def test_detail_without_lines(client, officer, make, english):
    contract = make.contract()
    english()
    page = text_of(client.get(f"/catalogue/contracts/{contract.id}"))
    assert "The contract has no lines yet." in page


# --- contracts -------------------------------------------------------------------------------


def test_create_and_edit_contract(client, officer, make, peek):
    supplier = make.supplier()
    response = client.post("/catalogue/contracts/new", data=_contract_form(supplier))
    assert response.status_code == 302
    contract = peek.one(Contract, reference="RA-2026-01")
    assert (contract.valid_from, contract.valid_to) == (date(2026, 1, 1), date(2027, 12, 31))
    assert response.headers["Location"].endswith(f"/catalogue/contracts/{contract.id}")
    url = f"/catalogue/contracts/{contract.id}/edit"
    assert 'value="RA-2026-01"' in text_of(client.get(url))
    data = _contract_form(supplier, title="Nye vilkår", valid_to="2026-01-01", notes="")
    assert client.post(url, data=data).status_code == 302
    saved = peek.one(Contract, id=contract.id)
    assert (saved.title, saved.valid_to, saved.notes) == ("Nye vilkår", date(2026, 1, 1), None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reference": ""}, "This field is required."),
        ({"reference": "R" * 41}, "40"),
        ({"title": " "}, "This field is required."),
        ({"supplier_id": ""}, "Choose a supplier."),
        ({"supplier_id": "abc"}, "Invalid Choice: could not coerce."),
        ({"valid_from": ""}, "This field is required."),
        ({"valid_from": "01-01-2026"}, "Not a valid date value."),
        ({"valid_to": "2026-02-30"}, "Not a valid date value."),
        ({"valid_to": "2025-12-31"}, "The contract must end on or after the day it starts."),
        ({"valid_from": "0001-01-01"}, "Enter a date between 1990 and 2100."),
        ({"notes": "x" * 5001}, "5000"),
    ],
)
def test_bad_contract_input_is_refused_clearly(
    client, officer, make, english, peek, overrides, message
):
    supplier = make.supplier()
    english()
    response = client.post("/catalogue/contracts/new", data=_contract_form(supplier, **overrides))
    assert response.status_code in (200, 400)
    assert message in text_of(response)
    assert peek.count(Contract) == 0


def test_duplicate_reference_is_a_clear_conflict(client, officer, make, english, peek):
    make.contract(reference="RA-2026-01")
    english()
    response = client.post(
        "/catalogue/contracts/new", data=_contract_form(make.supplier(), reference="ra-2026-01")
    )
    assert response.status_code == 409
    assert "A contract with this reference exists already." in text_of(response)
    assert peek.count(Contract) == 1


# --- lines -----------------------------------------------------------------------------------


def test_add_line_with_breaks_ignoring_blank_rows(client, officer, make, peek):
    supplier = make.supplier()
    own = make.product(name="Egen rollator", supplier=supplier)
    foreign = make.product(name="Fremmed rollator")
    contract = make.contract(supplier=supplier)
    url = f"/catalogue/contracts/{contract.id}/lines/new"
    page = text_of(client.get(url))
    assert page.count('data-testid="break-row"') == 5
    # The contract supplier's products come first, the others after.
    assert page.index("Egen rollator") < page.index("Fremmed rollator")
    rows = [("", ""), (1, "100,00"), ("", ""), (10, "90"), (100, "1.234,5")]
    response = client.post(url, data=_line_form(own, rows=rows))
    assert response.status_code == 302
    line = peek.one(ContractLine, contract_id=contract.id)
    assert (line.product_id, line.pack_size, line.moq, line.lead_time_days) == (own.id, 2, 4, 10)
    assert _breaks(peek, line.id) == [(1, D("100.00")), (10, D("90.00")), (100, D("1234.50"))]
    # A product of another supplier may be offered too.
    assert client.post(url, data=_line_form(foreign)).status_code == 302
    assert peek.count(ContractLine) == 2


@pytest.mark.parametrize(
    ("rows", "overrides", "message"),
    [
        ([], {}, "Enter at least one price break."),
        ([("", ""), ("", "")], {}, "Enter at least one price break."),
        ([(10, "90"), (1, "100")], {}, "must rise from row to row (1 is not more than 10)"),
        ([(1, "100"), (1, "90")], {}, "must rise from row to row (1 is not more than 1)"),
        ([(0, "100")], {}, "Enter a whole number from 1 to 1000000."),
        ([(-5, "100")], {}, "Enter a whole number from 1 to 1000000."),
        ([("abc", "100")], {}, "Not a valid integer value."),
        ([(1, "-1")], {}, "Enter an amount from 0 to"),
        ([(1, "gratis")], {}, "Enter an amount like 1234,50."),
        ([(1, "1,005")], {}, "Use at most two decimals."),
        ([(1, "")], {}, "Enter the price, or empty the row."),
        ([("", "100")], {}, "Enter the quantity, or empty the row."),
        ([(1, "100")], {"product_id": ""}, "Choose a product."),
        ([(1, "100")], {"product_id": "999999"}, "Not a valid choice."),
        ([(1, "100")], {"pack_size": "0"}, "Enter a whole number from 1 to 10000."),
        ([(1, "100")], {"moq": "-1"}, "Enter a whole number from 0 to 1000000."),
        ([(1, "100")], {"lead_time_days": "1.5"}, "Not a valid integer value."),
        ([(1, "100")], {"lead_time_days": ""}, "This field is required."),
        (
            [(1, "100")],
            {"lead_time_days": "'; DROP TABLE product;--"},
            "Not a valid integer value.",
        ),
    ],
)
def test_bad_line_input_is_refused_clearly(
    client, officer, make, english, peek, rows, overrides, message
):
    product = make.product()
    contract = make.contract()
    english()
    response = client.post(
        f"/catalogue/contracts/{contract.id}/lines/new",
        data=_line_form(product, rows=rows, **overrides),
    )
    assert response.status_code in (200, 400)
    assert message in text_of(response)
    assert peek.count(ContractLine) == 0 and peek.count(PriceBreak) == 0


def test_out_of_order_breaks_keep_what_was_typed(client, officer, make, english):
    product, contract = make.product(), make.contract()
    english()
    response = client.post(
        f"/catalogue/contracts/{contract.id}/lines/new",
        data=_line_form(product, rows=[(10, "90,00"), (5, "95,00")]),
    )
    assert response.status_code == 400
    page = text_of(response)
    assert 'data-testid="breaks-error"' in page
    assert 'name="breaks-0-min_qty"' in page and 'value="10"' in page and 'value="95,00"' in page


def test_the_same_product_twice_is_a_clear_conflict(client, officer, make, english, peek):
    product = make.product()
    contract = make.contract(products=[product])
    english()
    response = client.post(
        f"/catalogue/contracts/{contract.id}/lines/new", data=_line_form(product)
    )
    assert response.status_code == 409
    assert "The contract offers this product already: edit its line." in text_of(response)
    assert peek.count(ContractLine) == 1


def test_edit_line_replaces_its_breaks(client, officer, make, peek):
    product = make.product()
    contract = make.contract(products=[product], breaks=((1, "100.00"), (10, "90.00")))
    line_id = contract.lines[0].id
    url = f"/catalogue/contracts/{contract.id}/lines/{line_id}/edit"
    page = text_of(client.get(url))
    assert 'name="breaks-1-min_qty"' in page and 'value="10"' in page
    assert page.count('data-testid="break-row"') == 5
    response = client.post(
        url,
        data=_line_form(
            product,
            rows=[(1, "99"), (5, "95"), (10, "88")],
            pack_size="1",
            moq="0",
            lead_time_days="0",
        ),
    )
    assert response.status_code == 302
    assert _breaks(peek, line_id) == [(1, D("99.00")), (5, D("95.00")), (10, D("88.00"))]
    line = peek.one(ContractLine, id=line_id)
    assert (line.pack_size, line.moq, line.lead_time_days) == (1, 0, 0)


def test_edit_line_may_not_take_another_lines_product(client, officer, make, english, peek):
    first, second = make.product(), make.product()
    contract = make.contract(products=[first, second])
    line_id = contract.lines[1].id
    english()
    response = client.post(
        f"/catalogue/contracts/{contract.id}/lines/{line_id}/edit",
        data=_line_form(first, rows=[(1, "1")]),
    )
    assert response.status_code == 409
    assert peek.one(ContractLine, id=line_id).product_id == second.id
    assert _breaks(peek, line_id) == [(1, D("100.00"))]


def test_edit_line_shows_spare_rows_beyond_five_breaks(client, officer, make):
    product = make.product()
    breaks = tuple((n, f"{100 - n}.00") for n in (1, 2, 3, 4, 5, 6))
    contract = make.contract(products=[product], breaks=breaks)
    page = text_of(
        client.get(f"/catalogue/contracts/{contract.id}/lines/{contract.lines[0].id}/edit")
    )
    assert page.count('data-testid="break-row"') == 8


def test_remove_line(client, officer, make, peek):
    product = make.product()
    contract = make.contract(products=[product])
    line_id = contract.lines[0].id
    page = text_of(client.get(f"/catalogue/contracts/{contract.id}/lines/{line_id}/edit"))
    assert 'data-testid="line-remove"' in page
    response = client.post(f"/catalogue/contracts/{contract.id}/lines/{line_id}/remove")
    assert response.status_code == 302
    assert peek.count(ContractLine) == 0 and peek.count(PriceBreak) == 0
    assert peek.count(Contract) == 1


def test_detail_words_for_a_first_break_above_one_and_singulars(client, officer, make, english):
    from_five = make.contract(products=[make.product()], breaks=((5, "70.00"),))
    from_one = make.contract(products=[make.product()], breaks=((1, "10.00"), (2, "9.00")))
    english()
    page = text_of(client.get(f"/catalogue/contracts/{from_five.id}"))
    assert "Orders under 5 units have no contract price." in page
    assert "Example: 5 units cost DKK350.00 (DKK70.00 each)." in page
    page = text_of(client.get(f"/catalogue/contracts/{from_one.id}"))
    assert "from 1 unit: DKK10.00" in page and "from 2 units: DKK9.00" in page
    assert "1 unit costs DKK10.00 (DKK10.00 each)." in page
    assert "Orders under" not in page
