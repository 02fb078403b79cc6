"""Cases that open by themselves when a handover's device is delivered by the other party."""

from datetime import datetime

from sqlalchemy import select

from depot.deviations.models import DeviationCase
from depot.extensions import db
from depot.handovers import services as handovers
from depot.handovers.models import Handover


def test_the_region_delivering_a_municipal_device_opens_a_case(app, make, world):
    handover = make.handover(
        citizen=world.citizen,
        sender=world.region,
        send=True,
        needs=[
            (world.hoist, {"measurements": {"max_user_weight_kg": 95}}),
            (world.chair, {"expected_duration_days": 30}),  # temporary: the region's
        ],
    )
    with app.app_context():
        hoist_row, chair_row = db.session.get(Handover, handover.id).devices_needed
        assert (hoist_row.suggested_party, chair_row.suggested_party) == ("municipality", "region")
        at = datetime(2026, 5, 4, 14, 0)
        case = handovers.record_delivery(device=hoist_row, party="region", user=None, at=at)
        assert handovers.record_delivery(device=chair_row, party="region", user=None) is None
        db.session.commit()
        (stored,) = db.session.scalars(select(DeviationCase)).all()
        assert stored.id == case.id
        assert stored.opened_automatically and stored.status == "open"
        assert (stored.delivered_by, stored.should_have_been) == ("region", "municipality")
        assert stored.municipality_id == world.herning.id
        assert stored.handover_id == handover.id
        assert stored.handover_device_id == hoist_row.id
        assert stored.product_type_id == world.hoist.id
        assert stored.cause is None


def test_an_overridden_need_delivered_as_planned_still_opens_one_case(app, make, world):
    handover = make.handover(
        citizen=world.citizen,
        sender=world.region,
        send=True,
        needs=[(world.hoist, {"delivered_by": "region", "override_reason": "Weekend"})],
    )
    with app.app_context():
        (row,) = db.session.get(Handover, handover.id).devices_needed
        handovers.record_delivery(device=row, party="region", user=None)
        db.session.commit()
        assert db.session.query(DeviationCase).count() == 1


def test_the_automatic_case_on_the_coordinators_pages(app, client, make, world, coordinator):
    handover = make.handover(
        citizen=world.citizen, sender=world.region, send=True, needs=[(world.hoist, {})]
    )
    with app.app_context():
        (row,) = db.session.get(Handover, handover.id).devices_needed
        case = handovers.record_delivery(device=row, party="region", user=None)
        db.session.commit()
        case_id = case.id
    listing = client.get("/deviations/").get_data(as_text=True)
    assert f'data-id="{case_id}"' in listing
    assert "Automatically" in listing
    page = client.get(f"/deviations/{case_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"No. {handover.id}" in text
    assert "12 36" in text  # the catalogue's reason names the rule
    assert "Grethe Afvigelse" not in text and "Grethe Afvigelse" not in listing
