"""Acting on items through the depot pages: receive, steps, transfers, inspections, plans."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from depot.extensions import db
from depot.items.models import InspectionPlan, Item, ItemEvent, Transfer
from depot.organisations.models import utcnow
from tests.items import test_views_support as support
from tests.items.test_views_support import item_state, new_item

# The shared fixtures, by name.
as_user = support.as_user
staff = support.staff
world = support.world


def _count_items(world) -> int:
    with world.app.app_context():
        return db.session.scalar(select(func.count(Item.id)))


def _items(world) -> list[Item]:
    with world.app.app_context():
        items = db.session.scalars(select(Item).order_by(Item.id)).all()
        for item in items:
            db.session.expunge(item)
        return items


def receive(client, world, **data):
    form = {"product_id": world.product.id, "depot_id": world.depot.id, **data}
    return client.post("/depot/receive", data=form)


# --- receive --------------------------------------------------------------------------------


def test_receive_a_batch_with_serials_shows_the_new_tags_and_label_buttons(world, client, staff):
    response = receive(client, world, serials="SN-1\r\n  SN-2  \n\n", note="Levering 42")
    assert response.status_code == 302
    items = _items(world)
    assert [i.serial for i in items] == ["SN-1", "SN-2"]
    assert {i.owner_id for i in items} == {world.herning.id}
    assert {i.note for i in items} == {"Levering 42"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for item in items:
        assert f">{item.asset_tag}</a>" in page
    assert 'data-testid="print-labels"' in page
    assert f'value="{items[0].asset_tag} {items[1].asset_tag}"' in page
    with world.app.app_context():
        events = db.session.scalars(select(ItemEvent)).all()
        assert [(e.kind, e.user_id) for e in events] == [("received", staff.id)] * 2


def test_receive_a_count_of_items_without_serials(world, client, staff):
    response = receive(client, world, count="3")
    assert response.status_code == 302
    assert [i.serial for i in _items(world)] == [None, None, None]
    assert "received=1-3" in response.headers["Location"]


def test_receive_into_a_shared_depot_defaults_the_owner_to_the_users_organisation(
    world, client, make
):
    from tests.conftest import log_in

    shared = make.depot(shares=[(world.herning, 60), (world.holstebro, 40)])
    user = make.user(organisation=world.holstebro, role="depot_staff")
    log_in(client, user.email)
    assert receive(client, world, depot_id=shared.id, count="1").status_code == 302
    assert _items(world)[0].owner_id == world.holstebro.id
    response = receive(client, world, depot_id=shared.id, count="1", owner_id=world.herning.id)
    assert response.status_code == 302
    assert _items(world)[1].owner_id == world.herning.id


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"serials": "", "count": ""},
        {"count": "0"},
        {"count": "-1"},
        {"count": "501"},
        {"count": "abc"},
        {"count": "1.5"},
        {"count": "1e3"},
        {"count": "2", "serials": "A\nB\nC"},
        {"serials": "\n".join(f"S{i}" for i in range(501))},
        {"serials": "x" * 61},
        {"serials": "DUP\nDUP"},
        {"count": "1", "product_id": ""},
        {"count": "1", "product_id": "999999"},
        {"count": "1", "product_id": "abc"},
        {"count": "1", "depot_id": ""},
        {"count": "1", "depot_id": "999999"},
        {"count": "1", "depot_id": "<script>"},
        {"count": "1", "owner_id": "999999"},
        {"count": "1", "note": "n" * 1001},
    ],
)
def test_receive_refuses_bad_input_with_a_message(world, client, staff, data):
    response = receive(client, world, **data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert _count_items(world) == 0


def test_receive_refuses_a_consumable_and_an_inactive_product(world, client, staff, app):
    response = receive(client, world, product_id=world.consumable.id, count="1")
    assert response.status_code == 200
    assert _count_items(world) == 0


def test_receive_refuses_a_serial_already_registered_with_409(world, client, staff):
    new_item(world, serial="TAKEN-1")
    response = receive(client, world, serials="NEW-1\nTAKEN-1")
    assert response.status_code == 409
    assert "TAKEN-1" in response.get_data(as_text=True)
    assert _count_items(world) == 1


def test_receive_stores_unicode_and_markup_serials_and_shows_them_escaped(world, client, staff):
    response = receive(client, world, serials="Æøå-1 ☃\n<b>x</b>'--", note="<i>n</i>")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Æøå-1 ☃" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_receive_into_another_municipalitys_depot_is_403(world, client, staff):
    response = receive(client, world, depot_id=world.holstebro_depot.id, count="1")
    assert response.status_code == 403
    assert _count_items(world) == 0


def test_a_depot_staff_member_without_depots_is_told_so(world, client, as_user, make):
    as_user("depot_staff", make.organisation())
    page = client.get("/depot/receive").get_data(as_text=True)
    assert 'data-testid="no-operable-depot"' in page


# --- steps ----------------------------------------------------------------------------------


def test_a_step_moves_the_item_and_records_the_note(world, client, staff):
    item_id = new_item(world)
    response = client.post(
        f"/depot/items/{item_id}/steps/reserve", data={"note": "Til <b>Anna</b>"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/depot/items/{item_id}")
    assert item_state(world, item_id).status == "reserved"
    page = client.get(f"/depot/items/{item_id}").get_data(as_text=True)
    assert "Til &lt;b&gt;Anna&lt;/b&gt;" in page
    with world.app.app_context():
        event = db.session.scalars(select(ItemEvent).order_by(ItemEvent.id.desc())).first()
        assert (event.kind, event.user_id, event.from_status) == ("reserve", staff.id, "available")


def test_the_whole_cycle_through_the_steps(world, client, staff):
    item_id = new_item(world, "on_loan")
    for step, state in (
        ("take_back", "returned"),
        ("start_cleaning", "cleaning"),
        ("finish_cleaning", "inspection"),
        ("send_to_repair", "repair"),
        ("repaired", "inspection"),
        ("scrap", "scrapped"),
    ):
        assert client.post(f"/depot/items/{item_id}/steps/{step}").status_code == 302, step
        assert item_state(world, item_id).status == state, step


@pytest.mark.parametrize("step", ["fly", "lend", "pass_inspection", "send_transfer", "RESERVE"])
def test_an_unknown_or_non_manual_step_is_404(world, client, staff, step):
    item_id = new_item(world)
    assert client.post(f"/depot/items/{item_id}/steps/{step}").status_code == 404
    assert item_state(world, item_id).status == "available"


def test_an_invalid_transition_is_409_with_the_reason(world, client, staff):
    item_id = new_item(world)
    response = client.post(f"/depot/items/{item_id}/steps/take_back")
    assert response.status_code == 409
    assert f"HM{item_id:07d}" in response.get_data(as_text=True)
    assert 'data-testid="error"' in response.get_data(as_text=True)
    assert item_state(world, item_id).status == "available"


def test_reserving_a_reserved_item_is_409(world, client, staff):
    item_id = new_item(world, "reserved")
    assert client.post(f"/depot/items/{item_id}/steps/reserve").status_code == 409


def test_an_item_overdue_for_inspection_cannot_be_reserved(world, client, staff):
    item_id = new_item(world, due=utcnow().date() - timedelta(days=1))
    response = client.post(f"/depot/items/{item_id}/steps/reserve")
    assert response.status_code == 409
    assert item_state(world, item_id).status == "available"


def test_an_over_long_note_is_refused_on_the_page(world, client, staff):
    item_id = new_item(world)
    response = client.post(f"/depot/items/{item_id}/steps/reserve", data={"note": "n" * 1001})
    assert response.status_code == 200
    assert 'data-testid="error-note"' in response.get_data(as_text=True)
    assert item_state(world, item_id).status == "available"


def test_steps_on_unknown_items_are_404(world, client, staff):
    for url in (
        "/depot/items/999999/steps/reserve",
        "/depot/items/999999/lend",
        "/depot/items/999999/transfer",
        "/depot/items/999999/receive-transfer",
        "/depot/items/999999/inspection",
    ):
        assert client.post(url).status_code == 404, url


def test_actions_answer_get_with_405(world, client, staff):
    item_id = new_item(world)
    assert client.get(f"/depot/items/{item_id}/steps/reserve").status_code == 405
    assert client.get(f"/depot/items/{item_id}/lend").status_code == 405


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("depot_staff", "holstebro"),
        ("therapist", "herning"),
        ("procurement", "herning"),
        ("coordinator", "herning"),
        ("admin", "herning"),
    ],
)
def test_only_staff_of_the_items_depot_may_act(world, client, as_user, role, org):
    available = new_item(world)
    reserved = new_item(world, "reserved")
    inspection = new_item(world, "inspection")
    in_transit = new_item(world, "in_transit")
    as_user(role, getattr(world, org))
    for url, data in (
        (f"/depot/items/{available}/steps/reserve", {}),
        (f"/depot/items/{reserved}/lend", {"cpr": "010150-1234", "legal_basis": "Rehabilitering"}),
        (f"/depot/items/{available}/transfer", {"to_depot_id": world.other.id}),
        (f"/depot/items/{in_transit}/receive-transfer", {}),
        (f"/depot/items/{inspection}/inspection", {"passed": "1"}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    assert item_state(world, available).status == "available"
    assert item_state(world, reserved).status == "reserved"
    assert item_state(world, in_transit).status == "in_transit"
    assert item_state(world, inspection).status == "inspection"


# --- transfers ------------------------------------------------------------------------------


def test_send_and_receive_a_transfer(world, client, staff):
    item_id = new_item(world)
    response = client.post(
        f"/depot/items/{item_id}/transfer", data={"to_depot_id": world.other.id, "note": "Bil 2"}
    )
    assert response.status_code == 302
    assert item_state(world, item_id).status == "in_transit"
    response = client.post(f"/depot/items/{item_id}/receive-transfer", data={"back": "transfers"})
    assert response.status_code == 302
    assert f"/depot/transfers?depot={world.other.id}" in response.headers["Location"]
    item = item_state(world, item_id)
    assert (item.status, item.depot_id) == ("available", world.other.id)
    with world.app.app_context():
        transfer = db.session.scalar(select(Transfer))
        assert transfer.received_by_id == staff.id


def test_a_transfer_to_another_municipalitys_depot_is_received_there(world, client, as_user):
    item_id = new_item(world)
    as_user("depot_staff", world.herning)
    client.post(f"/depot/items/{item_id}/transfer", data={"to_depot_id": world.holstebro_depot.id})
    # Herning's staff sent it but cannot receive it in Holstebro.
    assert client.post(f"/depot/items/{item_id}/receive-transfer").status_code == 403
    as_user("depot_staff", world.holstebro)
    page = client.get(f"/depot/items/{item_id}").get_data(as_text=True)
    assert 'data-testid="receive-transfer-submit"' in page
    assert client.post(f"/depot/items/{item_id}/receive-transfer").status_code == 302
    assert item_state(world, item_id).depot_id == world.holstebro_depot.id


@pytest.mark.parametrize("to_depot", ["", "abc", "999999", "-1", "self", "1.5"])
def test_transfer_refuses_bad_destinations(world, client, staff, to_depot):
    item_id = new_item(world)
    value = str(world.depot.id) if to_depot == "self" else to_depot
    response = client.post(f"/depot/items/{item_id}/transfer", data={"to_depot_id": value})
    assert response.status_code == 200
    assert 'data-testid="error-to_depot_id"' in response.get_data(as_text=True)
    assert item_state(world, item_id).status == "available"


def test_transferring_an_item_that_is_not_available_is_409(world, client, staff):
    item_id = new_item(world, "reserved")
    response = client.post(f"/depot/items/{item_id}/transfer", data={"to_depot_id": world.other.id})
    assert response.status_code == 409


def test_receiving_an_item_not_in_transit_is_409(world, client, staff):
    item_id = new_item(world)
    assert client.post(f"/depot/items/{item_id}/receive-transfer").status_code == 409


# --- inspections ----------------------------------------------------------------------------


def test_inspection_passed_and_failed(world, client, staff):
    passed = new_item(world, "inspection")
    failed = new_item(world, "inspection")
    response = client.post(f"/depot/items/{passed}/inspection", data={"passed": "1", "note": "OK"})
    assert response.status_code == 302
    assert item_state(world, passed).status == "available"
    response = client.post(f"/depot/items/{failed}/inspection", data={"passed": "0"})
    assert response.status_code == 302
    assert item_state(world, failed).status == "repair"


def test_an_overdue_item_passes_inspection_and_gets_a_new_due_date(world, client, staff, app):
    with app.app_context():
        db.session.add(
            InspectionPlan(product_type_id=world.product.product_type_id, interval_months=12)
        )
        db.session.commit()
    item_id = new_item(world, due=utcnow().date() - timedelta(days=5))
    assert (
        client.post(f"/depot/items/{item_id}/inspection", data={"passed": "1"}).status_code == 302
    )
    assert item_state(world, item_id).next_inspection_due > utcnow().date() + timedelta(days=300)


@pytest.mark.parametrize("passed", [None, "", "2", "yes", "<b>"])
def test_inspection_needs_a_result(world, client, staff, passed):
    item_id = new_item(world, "inspection")
    data = {} if passed is None else {"passed": passed}
    response = client.post(f"/depot/items/{item_id}/inspection", data=data)
    assert response.status_code == 200
    assert 'data-testid="error-passed"' in response.get_data(as_text=True)
    assert item_state(world, item_id).status == "inspection"


def test_inspecting_an_item_on_loan_is_409(world, client, staff):
    item_id = new_item(world, "on_loan")
    assert (
        client.post(f"/depot/items/{item_id}/inspection", data={"passed": "1"}).status_code == 409
    )


# --- inspection plans -----------------------------------------------------------------------


def _plan(world):
    with world.app.app_context():
        plan = db.session.scalar(select(InspectionPlan))
        if plan is not None:
            db.session.expunge(plan)
        return plan


@pytest.mark.parametrize("role", ["depot_staff", "admin"])
def test_depot_staff_and_admins_save_inspection_plans(world, client, as_user, role):
    as_user(role, world.herning)
    data = {
        "product_type_id": world.product.product_type_id,
        "interval_months": "12",
        "after_every_loan": "y",
        "instructions": "Løft <b>100 kg</b>",
    }
    response = client.post("/depot/inspection-plans", data=data)
    assert response.status_code == 302
    plan = _plan(world)
    assert (plan.interval_months, plan.after_every_loan) == (12, True)
    response = client.post("/depot/inspection-plans", data={**data, "interval_months": "6"})
    assert response.status_code == 302
    assert _plan(world).interval_months == 6
    page = client.get("/depot/inspection-plans").get_data(as_text=True)
    assert "Løft &lt;b&gt;100 kg&lt;/b&gt;" in page


@pytest.mark.parametrize("role", ["therapist", "procurement", "coordinator"])
def test_other_roles_cannot_save_plans(world, client, as_user, role):
    as_user(role, world.herning)
    data = {"product_type_id": world.product.product_type_id, "interval_months": "12"}
    assert client.post("/depot/inspection-plans", data=data).status_code == 403
    assert _plan(world) is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"interval_months": "12"},
        {"product_type_id": "TYPE"},
        {"product_type_id": "999999", "interval_months": "12"},
        {"product_type_id": "TYPE", "interval_months": "0"},
        {"product_type_id": "TYPE", "interval_months": "121"},
        {"product_type_id": "TYPE", "interval_months": "-1"},
        {"product_type_id": "TYPE", "interval_months": "twelve"},
        {"product_type_id": "TYPE", "interval_months": "12", "instructions": "i" * 5001},
    ],
)
def test_inspection_plan_refuses_bad_input(world, client, staff, data):
    data = {k: (str(world.product.product_type_id) if v == "TYPE" else v) for k, v in data.items()}
    response = client.post("/depot/inspection-plans", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page or 'data-testid="form-error"' in page
    assert _plan(world) is None


def test_a_plan_for_a_consumable_type_is_refused(world, client, staff, make):
    consumables = make.product_type(reusable=False)
    page = client.get("/depot/inspection-plans").get_data(as_text=True)
    assert f'data-type="{consumables.id}"' not in page
    data = {"product_type_id": consumables.id, "interval_months": "12"}
    assert client.post("/depot/inspection-plans", data=data).status_code == 200
    assert _plan(world) is None
