"""Bad input on every stock form and URL: a clear refusal (400/404), never a 500 or a change."""

import pytest

from depot.stock.forms import REASON_MAX
from depot.stock.models import StockLevel, StockMovement
from tests.stock import test_views as base

# The fixtures of the stock page tests, by name.
app_config = base.app_config
peek = base.peek
staff = base.staff
state = base.state
stock_world = base.stock_world
count_testid = base.count_testid

NOT_NUMBERS = [
    "",
    " ",
    "abc",
    "1.5",
    "1,5",
    "1e3",
    "0x10",
    "١٢",  # Arabic-Indic digits: int() would take them, the form does not
    "１",  # a full-width digit
    "<script>alert(1)</script>",
    "1; DROP TABLE stock_level;--",
    "NaN",
    "Infinity",
    "9" * 40,
]
TOO_BIG = ["1000001", "99999999999", "-99999999999"]
NASTY_TEXTS = {
    "unicode": "Bleer æøå 尿布 🧷",
    "html": "<b>fed</b><script>alert(1)</script>",
    "sql": "'; DROP TABLE stock_movement;--",
}


@pytest.mark.parametrize("value", [*NOT_NUMBERS, *TOO_BIG, "0", "-1", "-0"])
def test_issue_refuses_every_bad_quantity(client, staff, stock_world, state, value):
    level_id = stock_world["level_id"]
    response = client.post(f"/depot/stock/{level_id}/issue", data={"quantity": value})
    assert response.status_code == 400, value
    assert count_testid(response, "issue-field-error") >= 1
    assert state(level_id) == (10, 10, 1)


@pytest.mark.parametrize("value", [*NOT_NUMBERS, *TOO_BIG, "0", "-0", "+0"])
def test_adjust_refuses_every_bad_change(client, staff, stock_world, state, value):
    level_id = stock_world["level_id"]
    data = {"delta": value, "reason": "Optælling"}
    response = client.post(f"/depot/stock/{level_id}/adjust", data=data)
    assert response.status_code == 400, value
    assert count_testid(response, "adjust-field-error") >= 1
    assert state(level_id) == (10, 10, 1)


@pytest.mark.parametrize("value", [*NOT_NUMBERS, *TOO_BIG, "-1"])
def test_reorder_point_refuses_every_bad_value(client, staff, stock_world, peek, value):
    level_id = stock_world["level_id"]
    url = f"/depot/stock/{level_id}/reorder-point"
    assert client.post(url, data={"reorder_point": value}).status_code == 400, value
    assert peek.one(StockLevel, id=level_id).reorder_point == 0


@pytest.mark.parametrize("value", [*NOT_NUMBERS, *TOO_BIG, "0", "-5"])
def test_receive_refuses_every_bad_quantity(client, staff, stock_world, peek, value):
    data = {
        "depot_id": stock_world["depot"].id,
        "product_id": stock_world["product"].id,
        "quantity": value,
    }
    assert client.post("/depot/stock/receive", data=data).status_code == 400, value
    assert peek.count(StockMovement) == 2


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "1.0", "9" * 30, "<b>", "' OR 1=1--"])
def test_receive_refuses_bad_depot_and_product_ids(client, staff, stock_world, peek, value):
    good = {
        "depot_id": stock_world["depot"].id,
        "product_id": stock_world["product"].id,
        "quantity": "1",
    }
    for field in ("depot_id", "product_id"):
        response = client.post("/depot/stock/receive", data=good | {field: value})
        assert response.status_code == 400, (field, value)
    assert peek.count(StockMovement) == 2


def test_reasons_may_not_be_too_long_and_adjustments_need_one(client, staff, stock_world, state):
    level_id = stock_world["level_id"]
    long = "x" * (REASON_MAX + 1)
    assert (
        client.post(
            f"/depot/stock/{level_id}/issue", data={"quantity": "1", "reason": long}
        ).status_code
        == 400
    )
    for reason in ("", "   ", "\x00", long):
        response = client.post(
            f"/depot/stock/{level_id}/adjust", data={"delta": "1", "reason": reason}
        )
        assert response.status_code == 400, repr(reason)
    ok = client.post(
        f"/depot/stock/{level_id}/issue", data={"quantity": "1", "reason": "x" * REASON_MAX}
    )
    assert ok.status_code == 302
    assert state(level_id) == (9, 9, 2)


@pytest.mark.parametrize("kind", sorted(NASTY_TEXTS))
def test_reasons_are_stored_as_typed_and_shown_escaped(client, staff, stock_world, peek, kind):
    level_id, text = stock_world["level_id"], NASTY_TEXTS[kind]
    for action, data in (
        ("issue", {"quantity": "1", "reason": text}),
        ("adjust", {"delta": "-1", "reason": text}),
    ):
        assert client.post(f"/depot/stock/{level_id}/{action}", data=data).status_code == 302
    response = client.post(
        "/depot/stock/receive",
        data={
            "depot_id": stock_world["depot"].id,
            "product_id": stock_world["product"].id,
            "quantity": "2",
            "reason": "  " + text + "\x00 ",
        },
    )
    assert response.status_code == 302
    reasons = [m.reason for m in peek.all(StockMovement, stock_level_id=level_id)]
    assert reasons[1:] == [text, text, text]
    html = client.get(f"/depot/stock/{level_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<b>fed</b>" not in html


@pytest.mark.parametrize(
    "path", ["999999", "0", "-1", "abc", "99999999999", "1.5", "%00", "%3Cb%3E"]
)
def test_unknown_or_malformed_stock_line_ids_are_404(client, staff, path):
    assert client.get(f"/depot/stock/{path}").status_code == 404
    for action in ("issue", "adjust", "reorder-point"):
        response = client.post(f"/depot/stock/{path}/{action}", data={"quantity": "1"})
        assert response.status_code == 404, (path, action)


def test_get_on_an_action_is_405(client, staff, stock_world):
    for action in ("issue", "adjust", "reorder-point"):
        assert client.get(f"/depot/stock/{stock_world['level_id']}/{action}").status_code == 405


@pytest.mark.parametrize(
    "query",
    [
        "depot=abc",
        "depot=0",
        "depot=-1",
        "depot=99999999999",
        "depot=999999",
        "type=abc",
        "type=999999",
        "low=maybe",
        "page=-1",
        "page=abc",
        "page=99999999999",
        "q=" + "x" * 500,
        "q=%27%3B+DROP+TABLE+stock_level%3B--",
        "q=%3Cscript%3E",
        "q=%00",
        "depot=all&page=999",
    ],
)
def test_list_filters_ignore_junk(client, staff, stock_world, query):
    for url in ("/depot/stock", "/depot/stock/low"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200, (url, query)
        assert "<script>" not in response.get_data(as_text=True).split("</nav>", 1)[1]


def test_receive_form_prefill_ignores_junk(client, staff):
    for query in ("depot=abc", "product=-1", "depot=99999999999999", "product=%3Cb%3E"):
        assert client.get(f"/depot/stock/receive?{query}").status_code == 200
