"""Actions on a sent handover: send from the page, acknowledge, turn needs into requests,
record who delivered (a deviation case when it was the other party), record the discharge."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from depot.extensions import db
from depot.requests.models import DeviceRequest
from tests.handovers import test_views_support as support
from tests.handovers.test_views_support import (
    access_log,
    as_user,
    cases,
    discharge_draft,
    handover_of,
    sent_discharge,
    today,
)

world = support.world
nurse = support.nurse


def requests_of(world) -> list[DeviceRequest]:
    with world.app.app_context():
        rows = db.session.scalars(select(DeviceRequest).order_by(DeviceRequest.id)).all()
        for row in rows:
            _ = row.lines
        db.session.expunge_all()
        return rows


@pytest.fixture
def municipal(world, app):
    """A second client, logged in as a Herning therapist (the receiver)."""
    client = app.test_client()
    client.user = as_user(world, client, "therapist", world.herning)
    return client


# --- send and acknowledge from the page -------------------------------------------------------


def test_send_from_the_page_checks_version_and_completeness(world, client, nurse):
    incomplete = discharge_draft(world, contact_phone=None, needs=[(world.hoist, {})])
    version = handover_of(world, incomplete).version
    html = client.get(f"/handovers/{incomplete}").get_data(as_text=True)
    assert 'data-testid="missing"' in html and "A phone number of the contact therapist." in html
    response = client.post(f"/handovers/{incomplete}/send", data={"version": str(version)})
    assert response.status_code == 400
    assert "A phone number of the contact therapist." in response.get_data(as_text=True)
    assert handover_of(world, incomplete).status == "draft"

    ready = discharge_draft(world, needs=[(world.hoist, {})])
    version = handover_of(world, ready).version
    stale = client.post(f"/handovers/{ready}/send", data={"version": str(version - 1)})
    assert stale.status_code == 409 and "saved this handover" in stale.get_data(as_text=True)
    for junk in ({}, {"version": "abc"}, {"version": "-1"}):
        assert client.post(f"/handovers/{ready}/send", data=junk).status_code == 400
    assert handover_of(world, ready).status == "draft"
    response = client.post(f"/handovers/{ready}/send", data={"version": str(version)})
    assert response.status_code == 302
    assert handover_of(world, ready).status == "sent"
    again = client.post(f"/handovers/{ready}/send", data={"version": str(version + 1)})
    assert again.status_code == 409 and handover_of(world, ready).status == "sent"


def test_acknowledge_is_the_receivers_once(world, client, nurse, municipal):
    handover_id = sent_discharge(world)
    assert client.post(f"/handovers/{handover_id}/acknowledge").status_code == 403  # the sender
    assert municipal.post(f"/handovers/{handover_id}/acknowledge").status_code == 302
    again = municipal.post(f"/handovers/{handover_id}/acknowledge")
    assert again.status_code == 409 and "already been acknowledged" in again.get_data(as_text=True)
    assert handover_of(world, handover_id).acknowledged_by_id == municipal.user.id
    assert [e.criterion for e in access_log(world) if e.action == "change"] == [
        f"handover {handover_id} acknowledged"
    ]


# --- needs to requests ------------------------------------------------------------------------


def test_each_side_requests_the_needs_it_delivers(world, client, nurse, municipal):
    handover_id = sent_discharge(world)
    hoist_row, chair_row = handover_of(world, handover_id).devices_needed
    html = municipal.get(f"/handovers/{handover_id}").get_data(as_text=True)
    section = html.split('data-testid="requests-form"')[1].split("</form>")[0]
    assert f'name="device_ids" value="{hoist_row.id}"' in section
    assert f'name="device_ids" value="{chair_row.id}"' not in section
    assert "checked" in section  # chosen by default
    assert "Herning Hjælpemidler" in section

    response = municipal.post(
        f"/handovers/{handover_id}/requests",
        data={"device_ids": [str(hoist_row.id)], "depot_id": str(world.herning_depot.id)},
    )
    assert response.status_code == 302
    (made,) = requests_of(world)
    assert (made.organisation_id, made.citizen_id, made.depot_id) == (
        world.herning.id,
        world.citizen.id,
        world.herning_depot.id,
    )
    assert made.lines[0].measurements == '{"max_user_weight_kg":95}'
    page = municipal.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/requests/{made.id}" data-testid="new-request-link"' in page
    assert 'data-testid="requests-form"' not in page  # nothing left to request
    assert f'href="/requests/{made.id}" data-testid="request-link"' in page
    assert handover_of(world, handover_id).devices_needed[0].request_line_id == made.lines[0].id
    assert access_log(world)[-2].criterion == f"handover {handover_id} requests {made.id}"

    # The hospital requests the short-term wheelchair it delivers itself.
    html = client.get(f"/handovers/{handover_id}").get_data(as_text=True)
    assert (
        f'name="device_ids" value="{chair_row.id}"' in html.split('data-testid="requests-form"')[1]
    )
    assert f"#{made.id}" in html and f'href="/requests/{made.id}"' not in html  # not the region's
    response = client.post(
        f"/handovers/{handover_id}/requests",
        data={"device_ids": [str(chair_row.id)], "depot_id": str(world.region_depot.id)},
    )
    assert response.status_code == 302
    assert [r.organisation_id for r in requests_of(world)] == [world.herning.id, world.region.id]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"depot_id": "DEPOT"},
        {"device_ids": ["abc"], "depot_id": "DEPOT"},
        {"device_ids": ["99999999999"], "depot_id": "DEPOT"},
        {"device_ids": ["CHAIR"], "depot_id": "DEPOT"},  # the region's to deliver
        {"device_ids": ["HOIST"]},
        {"device_ids": ["HOIST"], "depot_id": "abc"},
        {"device_ids": ["HOIST"], "depot_id": "REGION_DEPOT"},  # not one serving Herning
    ],
)
def test_bad_request_forms_create_nothing(world, municipal, data):
    handover_id = sent_discharge(world)
    hoist_row, chair_row = handover_of(world, handover_id).devices_needed
    values = {
        "DEPOT": str(world.herning_depot.id),
        "REGION_DEPOT": str(world.region_depot.id),
        "HOIST": str(hoist_row.id),
        "CHAIR": str(chair_row.id),
    }
    posted = {
        key: [values.get(v, v) for v in value]
        if isinstance(value, list)
        else values.get(value, value)
        for key, value in data.items()
    }
    response = municipal.post(f"/handovers/{handover_id}/requests", data=posted)
    assert response.status_code == 400
    assert 'data-testid="requests-form"' in response.get_data(as_text=True)
    assert requests_of(world) == []


def test_a_need_chosen_twice_is_requested_once(world, municipal):
    handover_id = sent_discharge(world)
    hoist_row = handover_of(world, handover_id).devices_needed[0]
    data = {
        "device_ids": [str(hoist_row.id), str(hoist_row.id)],
        "depot_id": str(world.herning_depot.id),
    }
    assert municipal.post(f"/handovers/{handover_id}/requests", data=data).status_code == 302
    (made,) = requests_of(world)
    assert len(made.lines) == 1


def test_requests_only_after_sending_and_only_once(world, client, nurse, municipal):
    draft_id = discharge_draft(
        world, needs=[(world.hoist, {"delivered_by": "region", "override_reason": "x"})]
    )
    row = handover_of(world, draft_id).devices_needed[0]
    data = {"device_ids": [str(row.id)], "depot_id": str(world.region_depot.id)}
    assert client.post(f"/handovers/{draft_id}/requests", data=data).status_code == 409
    handover_id = sent_discharge(world)
    hoist_row = handover_of(world, handover_id).devices_needed[0]
    data = {"device_ids": [str(hoist_row.id)], "depot_id": str(world.herning_depot.id)}
    assert municipal.post(f"/handovers/{handover_id}/requests", data=data).status_code == 302
    assert municipal.post(f"/handovers/{handover_id}/requests", data=data).status_code == 409
    assert len(requests_of(world)) == 1


# --- who delivered ----------------------------------------------------------------------------


def test_the_region_delivering_a_municipal_device_opens_a_deviation_case(
    world, client, nurse, municipal
):
    handover_id = sent_discharge(world)
    hoist_row, chair_row = handover_of(world, handover_id).devices_needed
    response = client.post(
        f"/handovers/{handover_id}/devices/{chair_row.id}/delivery", data={"party": "region"}
    )
    assert response.status_code == 302
    assert cases(world) == []  # the region was to deliver the chair
    response = client.post(
        f"/handovers/{handover_id}/devices/{hoist_row.id}/delivery", data={"party": "region"}
    )
    assert response.status_code == 302
    (case,) = cases(world)
    assert (case.delivered_by, case.should_have_been, case.handover_id, case.status) == (
        "region",
        "municipality",
        handover_id,
        "open",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"deviation case {case.id} is opened" in page
    assert f'data-testid="deviation-case" data-id="{case.id}"' in page
    assert 'data-testid="case-status" data-state="open"' in page
    # The receiver sees the case too, read-only, and who delivered.
    html = municipal.get(f"/handovers/{handover_id}").get_data(as_text=True)
    assert f'data-testid="deviation-case" data-id="{case.id}"' in html
    assert html.count('data-testid="actual-party" data-party="region"') == 2
    assert 'data-testid="delivery-form"' not in html
    again = municipal.post(
        f"/handovers/{handover_id}/devices/{hoist_row.id}/delivery", data={"party": "municipality"}
    )
    assert again.status_code == 409
    assert handover_of(world, handover_id).devices_needed[0].actual_party == "region"


def test_bad_delivery_forms(world, client, nurse):
    handover_id = sent_discharge(world)
    other_id = sent_discharge(world)
    hoist_row = handover_of(world, handover_id).devices_needed[0]
    other_row = handover_of(world, other_id).devices_needed[0]
    url = f"/handovers/{handover_id}/devices/{hoist_row.id}/delivery"
    for data in ({}, {"party": "nobody"}, {"party": "depends"}, {"party": "x" * 1000}):
        response = client.post(url, data=data)
        assert response.status_code == 400, data
        assert 'data-testid="error-party"' in response.get_data(as_text=True)
    assert (
        client.post(
            f"/handovers/{handover_id}/devices/{other_row.id}/delivery", data={"party": "region"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/handovers/{handover_id}/devices/99999999/delivery", data={"party": "region"}
        ).status_code
        == 404
    )
    in_use_draft = discharge_draft(world, needs=[(world.hoist, {})])
    row = handover_of(world, in_use_draft).devices[0]
    response = client.post(
        f"/handovers/{in_use_draft}/devices/{row.id}/delivery", data={"party": "region"}
    )
    assert response.status_code == 409
    assert all(d.actual_party is None for d in handover_of(world, handover_id).devices)


# --- the discharge ----------------------------------------------------------------------------


def _admitted_last_week(world) -> int:
    admitted = datetime.combine(today() - timedelta(days=7), datetime.min.time())
    return sent_discharge(
        world, admitted_at=admitted, expected_discharge_at=admitted + timedelta(days=5)
    )


def test_record_the_discharge_and_its_delay(world, client, nurse, municipal):
    handover_id = _admitted_last_week(world)
    form = client.get(f"/handovers/{handover_id}/discharge")
    assert form.status_code == 200 and 'name="delay_cause"' in form.get_data(as_text=True)
    day = today() - timedelta(days=1)
    response = client.post(
        f"/handovers/{handover_id}/discharge",
        data={
            "discharged_date": day.isoformat(),
            "discharged_time": "14:00",
            "delay_hours": "20",
            "delay_cause": "device_not_ready",
            "delay_note": "Plejesengen kom dagen efter",
        },
    )
    assert response.status_code == 302
    saved = handover_of(world, handover_id)
    assert (saved.delay_hours, saved.delay_cause, saved.delay_note) == (
        20,
        "device_not_ready",
        "Plejesengen kom dagen efter",
    )
    assert saved.discharged_at.date() == day
    page = municipal.get(f"/handovers/{handover_id}").get_data(as_text=True)
    assert "20 hours" in page and "The device was not ready" in page
    # No delay: the cause is not kept.
    response = municipal.post(
        f"/handovers/{handover_id}/discharge",
        data={"discharged_date": day.isoformat(), "delay_hours": "0", "delay_cause": "other"},
    )
    assert response.status_code == 302
    saved = handover_of(world, handover_id)
    assert (saved.delay_hours, saved.delay_cause, saved.delay_note) == (0, None, None)
    assert [e.criterion for e in access_log(world) if e.action == "change"] == [
        f"handover {handover_id} discharge recorded"
    ] * 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"delay_hours": "0"}, "Enter the date of the discharge."),
        ({"discharged_date": "YESTERDAY", "delay_hours": "5"}, "Give the cause of the delay."),
        ({"discharged_date": "YESTERDAY", "delay_hours": ""}, "Enter the delay in hours"),
        ({"discharged_date": "YESTERDAY", "delay_hours": "-1"}, "from 0 to 8760"),
        ({"discharged_date": "YESTERDAY", "delay_hours": "8761"}, "from 0 to 8760"),
        ({"discharged_date": "YESTERDAY", "delay_hours": "abc"}, "Not a valid integer value."),
        (
            {"discharged_date": "YESTERDAY", "delay_hours": "1", "delay_cause": "weather"},
            "Not a valid choice.",
        ),
        (
            {"discharged_date": "2021-01-01", "delay_hours": "0"},
            "The discharge cannot be before the admission.",
        ),
        ({"discharged_date": "0001-01-01", "delay_hours": "0"}, "Enter a date from 2000 onwards."),
        ({"discharged_date": "TOMORROW", "delay_hours": "0"}, "The date is too far ahead."),
        ({"discharged_date": "2024-02-30", "delay_hours": "0"}, "Not a valid date value."),
        (
            {"discharged_date": "YESTERDAY", "discharged_time": "99:99", "delay_hours": "0"},
            "Not a valid time value.",
        ),
        (
            {
                "discharged_date": "YESTERDAY",
                "delay_hours": "3",
                "delay_cause": "other",
                "delay_note": "x" * 1001,
            },
            "longer than 1000 characters",
        ),
    ],
)
def test_bad_discharge_forms(world, client, nurse, data, message):
    handover_id = _admitted_last_week(world)
    days = {"YESTERDAY": today() - timedelta(days=1), "TOMORROW": today() + timedelta(days=1)}
    data = {k: days[v].isoformat() if v in days else v for k, v in data.items()}
    response = client.post(f"/handovers/{handover_id}/discharge", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert handover_of(world, handover_id).discharged_at is None


def test_only_sent_discharge_handovers_record_a_discharge(world, client, nurse, app):
    draft_id = discharge_draft(world)
    assert client.get(f"/handovers/{draft_id}/discharge").status_code == 409
    municipal = app.test_client()
    as_user(world, municipal, "therapist", world.herning)
    admission = world.make.handover(
        citizen=world.citizen,
        sender=world.herning,
        kind="admission",
        send=True,
        needs=[(world.bed, {})],
    )
    assert municipal.get(f"/handovers/{admission.id}/discharge").status_code == 404
    assert 'data-testid="record-discharge"' not in municipal.get(
        f"/handovers/{admission.id}"
    ).get_data(as_text=True)
