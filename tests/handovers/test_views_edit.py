"""The handover form: pre-filled rows, what a save stores, optimistic locking, bad input."""

import pytest

from depot.extensions import db
from depot.handovers.services import MAX_DEVICES
from depot.items import services as item_services
from depot.requests.measurements import parse
from tests.handovers import test_views_support as support
from tests.handovers.test_views_support import (
    access_log,
    as_user,
    discharge_draft,
    form_data,
    handover_of,
    in_use,
    need,
    save,
    sent_discharge,
    today,
    version_of,
)

world = support.world
nurse = support.nurse


def _lend(world, citizen_id) -> int:
    """An item of a hoist product lent to the citizen; returns the item's id."""
    product = world.make.product(product_type=world.hoist, name="Molift Smart 150")
    with world.app.app_context():
        (item,) = item_services.receive_items(
            product_id=product.id,
            depot_id=world.herning_depot.id,
            owner_id=world.herning.id,
            serials=[None],
            user=None,
        )
        item_services.reserve_item(item_id=item.id, user=None)
        item_services.lend_item(
            item_id=item.id, citizen_id=citizen_id, lender_id=world.herning.id, user=None
        )
        db.session.commit()
        return item.id


def test_devices_on_loan_are_prefilled_and_keep_their_item(world, client, nurse):
    item_id = _lend(world, world.citizen.id)
    handover_id = discharge_draft(world)
    html = client.get(f"/handovers/{handover_id}/edit").get_data(as_text=True)
    assert "Molift Smart 150" in html
    assert f'name="devices-0-item_id" type="hidden" value="{item_id}"' in html
    assert html.count('data-section="in_use"') == 2  # the loan, and a blank row
    data = form_data(
        version_of(world, handover_id),
        devices=[
            in_use(world.hoist, item_id=item_id, note="Molift Smart 150", max_user_weight_kg=80)
        ],
    )
    assert save(client, handover_id, data).status_code == 302
    (row,) = handover_of(world, handover_id).devices
    assert (row.section, row.item_id, parse(row.measurements)) == (
        "in_use",
        item_id,
        {"max_user_weight_kg": 80},
    )


def test_a_save_stores_every_field_and_row(world, client, nurse):
    handover_id = discharge_draft(world)
    data = form_data(
        version_of(world, handover_id),
        devices=[
            need(
                world.hoist,
                max_user_weight_kg=120,
                user_height_cm=180,
                needed_date=today().isoformat(),
                needed_time="08:00",
            ),
            need(world.chair, quantity=2, duration_days=30, seat_width_cm=45),
            need(
                world.bed, length_cm=210, delivered_by="region", override_reason="Weekend discharge"
            ),
            in_use(world.rollator, note="Egen rollator"),
        ],
        contacts=[
            {
                "name": "Peter Hansen",
                "relation": "Søn",
                "phone": "+45 22 33 44 55",
                "has_key": True,
            },
            {"name": "Naboen Ib", "relation": "Nabo", "phone": "", "has_key": False},
        ],
        department="Ortopædkirurgi\x00, Gødstrup",
    )
    response = save(client, handover_id, data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    saved = handover_of(world, handover_id)
    assert saved.department == "Ortopædkirurgi, Gødstrup"  # NUL characters are dropped
    assert (
        saved.floor,
        saved.stairs_steps,
        saved.has_lift,
        saved.door_width_cm,
        saved.has_key_box,
    ) == (
        "2. sal",
        24,
        False,
        78,
        True,
    )
    assert saved.consent_to_contact is True and saved.note == "Ring før levering"
    hoist, chair, bed, rollator = saved.devices
    assert parse(hoist.measurements) == {"max_user_weight_kg": 120, "user_height_cm": 180}
    assert hoist.needed_by is not None and hoist.expected_duration_days is None
    assert (
        chair.quantity,
        chair.expected_duration_days,
        chair.suggested_party,
        chair.delivered_by,
    ) == (2, 30, "region", "region")
    assert (bed.suggested_party, bed.delivered_by, bed.override_reason) == (
        "municipality",
        "region",
        "Weekend discharge",
    )
    assert (rollator.section, rollator.note, rollator.suggested_party) == (
        "in_use",
        "Egen rollator",
        None,
    )
    assert [(c.name, c.phone, c.has_key) for c in saved.contacts] == [
        ("Peter Hansen", "+45 22 33 44 55", True),
        ("Naboen Ib", None, False),
    ]
    assert saved.version > 1
    html = client.get(f"/handovers/{handover_id}/edit").get_data(as_text=True)
    # Each need shows its stored suggestion; the bed's override and its reason are marked.
    assert html.count('data-testid="suggestion"') == 3
    assert "Suggested:" in html and "Expected to be needed for 30 days" in html
    assert html.count('data-testid="override"') == 1 and 'value="Weekend discharge"' in html
    assert html.count('data-testid="device-row" data-section="needed"') == 5  # 3 + 2 blank
    assert html.count('data-testid="contact-row"') == 4  # 2 + 2 blank
    entries = [e for e in access_log(world) if e.action == "change"]
    assert [e.criterion for e in entries] == [f"handover {handover_id} saved"]


def test_the_form_works_without_javascript_and_marks_the_types_measurements(world, client, nurse):
    handover_id = discharge_draft(world)
    html = client.get(f"/handovers/{handover_id}/edit").get_data(as_text=True)
    assert "<script>" not in html and "onclick" not in html and "onchange" not in html
    assert 'src="/static/handovers.js"' in html
    assert 'data-measurements="seat_width_cm,max_user_weight_kg,user_height_cm"' in html
    assert 'data-measurements="length_cm,user_height_cm"' in html
    assert 'name="devices-0-seat_width_cm"' in html and 'name="devices-0-length_cm"' in html
    with client.get("/static/handovers.js") as script:
        assert script.status_code == 200 and b"data-measurement" in script.data


def test_the_second_of_two_editors_gets_a_conflict_and_keeps_their_input(world, app, client, nurse):
    handover_id = discharge_draft(world)
    second = app.test_client()
    colleague = as_user(world, second, "therapist", world.region, name="Ole Kollega")
    # Both load the form: the same version.
    assert client.get(f"/handovers/{handover_id}/edit").status_code == 200
    assert second.get(f"/handovers/{handover_id}/edit").status_code == 200
    loaded = version_of(world, handover_id)

    first_data = form_data(
        loaded, devices=[need(world.hoist, max_user_weight_kg=90)], note="Første version"
    )
    assert save(second, handover_id, first_data).status_code == 302
    saved_version = version_of(world, handover_id)

    mine = form_data(
        loaded,
        devices=[need(world.bed, length_cm=205)],
        contacts=[{"name": "Karen Nabo", "phone": "11223344"}],
        note="Min egen note",
    )
    response = save(client, handover_id, mine)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in html and "Ole Kollega" in html
    assert f'href="/handovers/{handover_id}"' in html.split('data-testid="conflict"')[1][:1200]
    # What I typed is still there, and the hidden version is the saved one now.
    assert "Min egen note" in html and 'value="Karen Nabo"' in html and 'value="205"' in html
    assert f'name="version" type="hidden" value="{saved_version}"' in html
    # Nothing of the first save was lost.
    current = handover_of(world, handover_id)
    assert current.note == "Første version" and current.updated_by_id == colleague.id
    assert [d.product_type_id for d in current.devices] == [world.hoist.id]
    assert [e.action for e in access_log(world)].count("change") == 1
    # Saving again overwrites deliberately.
    response = save(client, handover_id, {**mine, "version": str(saved_version)})
    assert response.status_code == 302
    current = handover_of(world, handover_id)
    assert current.note == "Min egen note" and [d.product_type_id for d in current.devices] == [
        world.bed.id
    ]


def test_save_and_send_refuses_an_override_without_a_reason(world, client, nurse):
    handover_id = discharge_draft(world)
    data = form_data(
        version_of(world, handover_id), devices=[need(world.hoist, delivered_by="region")]
    )
    response = save(client, handover_id, data, send=True)
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    saved = handover_of(world, handover_id)
    assert saved.status == "draft" and saved.devices[0].delivered_by == "region"  # kept as a draft
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "saved but not sent" in html
    assert "A reason for not following the catalogue for Mobil personløfter." in html
    assert "Give a reason before sending." in html
    data = form_data(
        version_of(world, handover_id),
        devices=[need(world.hoist, delivered_by="region", override_reason="Weekend")],
    )
    assert (
        save(client, handover_id, data, send=True)
        .headers["Location"]
        .endswith(f"/handovers/{handover_id}")
    )
    assert handover_of(world, handover_id).status == "sent"


def test_save_and_send_lists_what_is_missing(world, client, nurse):
    handover_id = discharge_draft(world)
    data = form_data(
        version_of(world, handover_id),
        contact_phone="",
        department="",
        discharge_date="",
        discharge_time="",
    )
    response = save(client, handover_id, data, send=True)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in (
        "A phone number of the contact therapist.",
        "The expected discharge date and time.",
        "The hospital department.",
        "At least one device in use or needed.",
    ):
        assert text in html
    assert handover_of(world, handover_id).status == "draft"


def _bad(world, **overrides):
    """Form data with one bad field or row: `devices`/`contacts` replace the rows."""
    devices = overrides.pop("devices", [need(world.hoist)])
    contacts = overrides.pop("contacts", [])
    version = overrides.pop("version", 1)
    return form_data(version, devices=devices, contacts=contacts, **overrides)


BAD_INPUT = {
    "junk type": (
        lambda w: _bad(w, devices=[need(w.hoist, product_type_id="abc")]),
        "Invalid Choice",
    ),
    "unknown type": (
        lambda w: _bad(w, devices=[need(w.hoist, product_type_id="99999999")]),
        "Choose a product type from the list.",
    ),
    "huge type id": (
        lambda w: _bad(w, devices=[need(w.hoist, product_type_id="9" * 40)]),
        "Invalid Choice",
    ),
    "type missing": (
        lambda w: _bad(w, devices=[{"section": "needed", "quantity": "1", "note": "x"}]),
        "Choose a product type from the list.",
    ),
    "quantity 0": (
        lambda w: _bad(w, devices=[need(w.hoist, quantity=0)]),
        "from 1 to 20",
    ),
    "quantity 21": (
        lambda w: _bad(w, devices=[need(w.hoist, quantity=21)]),
        "from 1 to 20",
    ),
    "quantity junk": (
        lambda w: _bad(w, devices=[need(w.hoist, quantity="1e3")]),
        "Not a valid integer value.",
    ),
    "quantity empty": (
        lambda w: _bad(w, devices=[need(w.hoist, quantity="")]),
        "Enter a quantity from 1 to 20.",
    ),
    "weight too high": (
        lambda w: _bad(w, devices=[need(w.hoist, max_user_weight_kg=999)]),
        "User weight (kg): enter a value from 10 to 400.",
    ),
    "weight negative": (
        lambda w: _bad(w, devices=[need(w.hoist, max_user_weight_kg=-5)]),
        "User weight (kg): enter a value from 10 to 400.",
    ),
    "huge number": (
        lambda w: _bad(w, devices=[need(w.hoist, max_user_weight_kg="9" * 5000)]),
        "Not a valid integer value.",
    ),
    "measurement not of the type": (
        lambda w: _bad(w, devices=[need(w.chair, length_cm=200)]),
        "Length needed (cm) does not apply to Manuel kørestol",
    ),
    "measurement of a rollator": (
        lambda w: _bad(w, devices=[in_use(w.rollator, seat_width_cm=45)]),
        "Seat width (cm) does not apply to Rollator",
    ),
    "duration 0": (
        lambda w: _bad(w, devices=[need(w.chair, duration_days=0)]),
        "from 1 to 3650",
    ),
    "duration too long": (
        lambda w: _bad(w, devices=[need(w.chair, duration_days=5000)]),
        "from 1 to 3650",
    ),
    "unknown party": (
        lambda w: _bad(w, devices=[need(w.hoist, delivered_by="nobody")]),
        "Not a valid choice.",
    ),
    "needed-by junk": (
        lambda w: _bad(w, devices=[need(w.hoist, needed_date="2024-13-45")]),
        "Not a valid date value.",
    ),
    "needed-by year 1": (
        lambda w: _bad(w, devices=[need(w.hoist, needed_date="0001-01-01")]),
        "Enter a date from 2000 onwards.",
    ),
    "needed-by time only": (
        lambda w: _bad(w, devices=[need(w.hoist, needed_time="10:00")]),
        "Enter the date as well as the time.",
    ),
    "override reason too long": (
        lambda w: _bad(
            w, devices=[need(w.hoist, delivered_by="region", override_reason="x" * 301)]
        ),
        "longer than 300 characters",
    ),
    "device note too long": (
        lambda w: _bad(w, devices=[need(w.hoist, note="x" * 201)]),
        "longer than 200 characters",
    ),
    "discharge before admission": (
        lambda w: _bad(w, admitted_date=today().isoformat(), discharge_date="2020-01-01"),
        "The discharge cannot be before the admission.",
    ),
    "admitted junk": (
        lambda w: _bad(w, admitted_date="yesterday"),
        "Not a valid date value.",
    ),
    "admitted time junk": (
        lambda w: _bad(w, admitted_time="25:61"),
        "Not a valid time value.",
    ),
    "admitted year 9999": (
        lambda w: _bad(w, admitted_date="9999-12-31"),
        "The date is too far ahead.",
    ),
    "stairs too many": (
        lambda w: _bad(w, stairs_steps="501"),
        "from 0 to 500",
    ),
    "stairs negative": (
        lambda w: _bad(w, stairs_steps="-1"),
        "from 0 to 500",
    ),
    "door too narrow": (
        lambda w: _bad(w, door_width_cm="5"),
        "from 30 to 300",
    ),
    "lift junk": (
        lambda w: _bad(w, has_lift="maybe"),
        "Not a valid choice.",
    ),
    "key box junk": (
        lambda w: _bad(w, has_key_box="1"),
        "Not a valid choice.",
    ),
    "department too long": (
        lambda w: _bad(w, department="x" * 121),
        "longer than 120 characters",
    ),
    "phone letters": (
        lambda w: _bad(w, contact_phone="call me"),
        "A phone number has digits",
    ),
    "note too long": (
        lambda w: _bad(w, note="x" * 2001),
        "longer than 2000 characters",
    ),
    "home situation too long": (
        lambda w: _bad(w, home_situation="x" * 2001),
        "longer than 2000 characters",
    ),
    "contact without a name": (
        lambda w: _bad(w, contacts=[{"phone": "12345678"}]),
        "Enter the name.",
    ),
    "contact phone junk": (
        lambda w: _bad(w, contacts=[{"name": "Ib", "phone": "<script>"}]),
        "A phone number has digits",
    ),
    "contact name too long": (
        lambda w: _bad(w, contacts=[{"name": "x" * 121}]),
        "longer than 120 characters",
    ),
    "version junk": (
        lambda w: _bad(w, version="abc"),
        "lacks the version",
    ),
    "version missing": (
        lambda w: {k: v for k, v in _bad(w).items() if k != "version"},
        "lacks the version",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_answered_with_the_form_and_nothing_is_saved(world, client, nurse, case):
    handover_id = discharge_draft(world)
    before = handover_of(world, handover_id)
    build, message = BAD_INPUT[case]
    data = build(world)
    data["version"] = data.get("version", None) and (
        str(before.version) if data["version"] == "1" else data["version"]
    )
    if data["version"] is None:
        del data["version"]
    response = save(client, handover_id, data)
    assert response.status_code == 200, case
    html = response.get_data(as_text=True)
    assert "invalid-feedback" in html or 'data-testid="form-error"' in html, case
    assert message in html.replace("&#39;", "'"), case
    after = handover_of(world, handover_id)
    assert after.version == before.version and after.updated_at == before.updated_at, case


def test_too_many_rows_and_odd_row_indexes(world, client, nurse):
    handover_id = discharge_draft(world)
    version = version_of(world, handover_id)
    too_many = MAX_DEVICES + 1
    data = form_data(version, devices=[need(world.rollator) for _ in range(too_many)])
    response = save(client, handover_id, data)
    assert response.status_code == 200
    assert f"At most {MAX_DEVICES} devices" in response.get_data(as_text=True)
    data = form_data(version)
    data["devices-99999999999999-product_type_id"] = str(world.hoist.id)
    data["devices-99999999999999-section"] = "needed"
    data["devices-99999999999999-quantity"] = "1"
    data["devices-x-product_type_id"] = "junk"
    response = save(client, handover_id, data)
    assert response.status_code == 302
    assert [d.product_type_id for d in handover_of(world, handover_id).devices] == [world.hoist.id]


def test_a_forged_item_or_section_is_not_stored(world, client, nurse):
    item_id = _lend(world, world.other.id)  # Bo's hoist, not Grethe's
    handover_id = discharge_draft(world)
    data = form_data(
        version_of(world, handover_id),
        devices=[
            in_use(world.hoist, item_id=item_id),
            {**need(world.rollator), "section": "junk"},
            in_use(world.hoist, item_id="abc"),
        ],
    )
    assert save(client, handover_id, data).status_code == 302
    rows = handover_of(world, handover_id).devices
    assert [(r.section, r.item_id) for r in rows] == [
        ("in_use", None),
        ("needed", None),
        ("in_use", None),
    ]


def test_a_sent_handover_is_not_edited(world, app, client, nurse):
    sent_id = sent_discharge(world)
    response = client.get(f"/handovers/{sent_id}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/handovers/{sent_id}"
    )
    before = handover_of(world, sent_id)
    response = save(client, sent_id, form_data(before.version, devices=[need(world.bed)]))
    assert response.status_code == 302
    assert handover_of(world, sent_id).version == before.version
    receiver = app.test_client()
    as_user(world, receiver, "therapist", world.herning)
    assert receiver.get(f"/handovers/{sent_id}/edit").status_code == 403
    assert save(receiver, sent_id, form_data(before.version)).status_code == 403


def test_a_draft_sent_meanwhile_is_a_conflict_with_the_input_kept(world, app, client, nurse):
    handover_id = discharge_draft(world, needs=[(world.hoist, {})])
    loaded = version_of(world, handover_id)
    other = app.test_client()
    as_user(world, other, "therapist", world.region)
    assert (
        other.post(f"/handovers/{handover_id}/send", data={"version": str(loaded)}).status_code
        == 302
    )
    response = save(client, handover_id, form_data(loaded, note="Sent meanwhile"))
    # The edit page of a sent handover goes to the handover page; the POST is refused.
    assert response.status_code in (302, 409)
    assert handover_of(world, handover_id).note is None


def test_a_write_lost_to_a_concurrent_save_is_a_conflict_too(world, client, nurse, monkeypatch):
    """Two saves passing the version check at once: the ORM's version check refuses the
    second write (StaleDataError), answered like any other conflict."""
    from sqlalchemy.orm.exc import StaleDataError

    from depot.handovers import services

    handover_id = discharge_draft(world)
    version = version_of(world, handover_id)

    def lost(**kwargs):
        raise StaleDataError("UPDATE statement on table 'handover' expected to update 1 row")

    monkeypatch.setattr(services, "save_draft", lost)
    response = save(client, handover_id, form_data(version, note="Kept in the form"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in html and "Kept in the form" in html
    assert handover_of(world, handover_id).note is None


def test_the_missing_items_are_listed_as_a_list(world, client, nurse):
    handover_id = discharge_draft(world)
    data = form_data(version_of(world, handover_id), contact_phone="")
    response = save(client, handover_id, data, send=True)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<li>A phone number of the contact therapist.</li>" in html
