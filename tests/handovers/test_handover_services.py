"""Handover services: drafts with optimistic locking, sending, needs to requests, deliveries."""

from datetime import datetime

import pytest
from flask_babel import force_locale

from depot.deviations.models import DeviationCase
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.handovers import services
from depot.handovers.models import Handover
from depot.requests.models import DeviceRequest


@pytest.fixture
def setting(app, make, region, herning):
    hoist_type = make.product_type(
        iso_code="12 36 03", title_da="Mobil personløfter", measurement_fields="max_user_weight_kg"
    )
    chair_type = make.product_type(
        iso_code="12 22 03", title_da="Manuel kørestol", measurement_fields="seat_width_cm"
    )
    make.rule(iso_code="12 36", responsible_party="municipality")
    make.rule(
        iso_code="12 22 03",
        responsible_party="municipality",
        duration_threshold_days=180,
        short_term_party="region",
    )
    citizen = make.citizen(municipality=herning, name="Grethe Handover")
    nurse = make.user(organisation=region, role="therapist")
    return {"hoist": hoist_type, "chair": chair_type, "citizen": citizen, "nurse": nurse}


def test_suggestions_follow_the_catalogue(app, make, region, setting):
    handover = make.handover(
        citizen=setting["citizen"],
        sender=region,
        needs=[
            (setting["hoist"], {"measurements": {"max_user_weight_kg": 90}}),
            (setting["chair"], {"expected_duration_days": 42}),
            (setting["chair"], {"expected_duration_days": None}),
        ],
    )
    with app.app_context():
        rows = db.session.get(Handover, handover.id).devices_needed
        assert [r.suggested_party for r in rows] == ["municipality", "region", "municipality"]
        assert [r.delivered_by for r in rows] == ["municipality", "region", "municipality"]
        assert "42" in rows[1].suggestion_reason


def test_second_save_of_the_same_version_conflicts(app, make, region, setting):
    handover = make.handover(citizen=setting["citizen"], sender=region)
    with app.app_context():
        h = db.session.get(Handover, handover.id)
        loaded = h.version
        services.save_draft(
            handover=h,
            expected_version=loaded,
            user=setting["nurse"],
            fields={"note": "first"},
            devices=[],
            contacts=[],
        )
        db.session.commit()
        with pytest.raises(services.HandoverConflict):
            services.save_draft(
                handover=h,
                expected_version=loaded,
                user=setting["nurse"],
                fields={"note": "second"},
                devices=[],
                contacts=[],
            )
        db.session.rollback()
        assert db.session.get(Handover, handover.id).note == "first"


def test_send_needs_a_complete_handover(app, make, region, setting):
    handover = make.handover(citizen=setting["citizen"], sender=region, contact_phone=None)
    with app.app_context():
        h = db.session.get(Handover, handover.id)
        with pytest.raises(DomainError):
            services.send_handover(handover=h, expected_version=None, user=None)


def test_region_delivering_a_municipal_device_opens_a_case(app, make, region, herning, setting):
    handover = make.handover(
        citizen=setting["citizen"],
        sender=region,
        send=True,
        needs=[(setting["hoist"], {"delivered_by": "region", "override_reason": "weekend"})],
    )
    depot = make.depot(owner=region)
    municipal_user = make.user(organisation=herning, role="therapist")
    with app.app_context():
        h = db.session.get(Handover, handover.id)
        services.acknowledge(handover=h, user=municipal_user)
        with pytest.raises(Conflict):
            services.acknowledge(handover=h, user=municipal_user)
        nurse = db.session.get(type(setting["nurse"]), setting["nurse"].id)
        row = h.devices_needed[0]
        assert services.requestable_needs(h, nurse.organisation) == [row]
        [request] = services.create_requests(
            handover=h, device_ids=[row.id], depot_id=depot.id, user=nurse
        )
        assert request.organisation_id == region.id
        assert row.request_line_id == request.lines[0].id
        services.record_line_delivered(line_id=row.request_line_id)
        case = db.session.query(DeviationCase).one()
        assert (case.delivered_by, case.should_have_been) == ("region", "municipality")
        assert case.municipality_id == herning.id
        db.session.commit()
        assert db.session.query(DeviceRequest).count() == 1


def test_discharge_delay_needs_a_cause(app, make, region, setting):
    handover = make.handover(
        citizen=setting["citizen"], sender=region, send=True, needs=[(setting["hoist"], {})]
    )
    with app.app_context():
        h = db.session.get(Handover, handover.id)
        with pytest.raises(DomainError):
            services.record_discharge(
                handover=h,
                discharged_at=datetime(2030, 1, 11),
                delay_hours=20,
                delay_cause=None,
                delay_note=None,
                user=None,
            )
        services.record_discharge(
            handover=h,
            discharged_at=datetime(2030, 1, 11),
            delay_hours=20,
            delay_cause="device_not_ready",
            delay_note="seng",
            user=None,
        )
        assert h.delay_hours == 20


def test_requests_from_a_handover_carry_the_access_and_the_relatives(
    app, make, region, herning, setting
):
    citizen = make.citizen(municipality=herning, name="Uden Telefon")
    with app.app_context():
        stored = db.session.get(type(citizen), citizen.id)
        stored.phone = None
        db.session.commit()
    handover = make.handover(
        citizen=citizen,
        sender=region,
        send=True,
        needs=[(setting["hoist"], {})],
        contacts=[
            {"name": "Nabo Niels", "relation": "nabo", "phone": "11223344"},
            {"name": "Datter Dorte", "relation": "datter", "phone": "55667788", "has_key": True},
        ],
        floor="2. sal",
        has_lift=False,
        has_key_box=True,
        consent_to_contact=True,
    )
    depot = make.depot(owner=herning)
    therapist = make.user(organisation=herning, role="therapist")
    with app.app_context(), force_locale("en"):
        h = db.session.get(Handover, handover.id)
        user = db.session.get(type(therapist), therapist.id)
        [request] = services.create_requests(
            handover=h, device_ids=[h.devices_needed[0].id], depot_id=depot.id, user=user
        )
        assert request.contact_phone == "55667788"  # the relative with a key
        assert "Datter Dorte" in request.contact_name
        assert "floor 2. sal" in request.note and "lift: no" in request.note
        assert "key box: yes" in request.note
        assert "Nabo Niels: nabo, 11223344" in request.note


def test_reading_does_not_change_the_version_and_cancelled_needs_come_back(
    app, make, region, herning, setting
):
    handover = make.handover(
        citizen=setting["citizen"],
        sender=region,
        send=True,
        needs=[(setting["hoist"], {"delivered_by": "region", "override_reason": "weekend"})],
    )
    depot = make.depot(owner=region)
    reader = make.user(organisation=herning, role="therapist")
    with app.app_context():
        h = db.session.get(Handover, handover.id)
        version = h.version
        services.mark_read(handover=h, user=db.session.get(type(reader), reader.id))
        assert h.read_at is not None and h.version == version
        nurse = db.session.get(type(setting["nurse"]), setting["nurse"].id)
        row = h.devices_needed[0]
        [request] = services.create_requests(
            handover=h, device_ids=[row.id], depot_id=depot.id, user=nurse
        )
        assert request.legal_basis == "Sundhedsloven (behandlingsredskab)"  # the region lends
        assert services.requestable_needs(h, nurse.organisation) == []
        from depot.requests import services as request_services

        request_services.cancel_request(request_id=request.id, user=nurse, reason="fejl")
        db.session.expire_all()
        h = db.session.get(Handover, handover.id)
        assert [r.id for r in services.requestable_needs(h, nurse.organisation)] == [row.id]
        services.create_requests(handover=h, device_ids=[row.id], depot_id=depot.id, user=nurse)
        db.session.commit()
        assert db.session.query(DeviceRequest).count() == 2


def test_region_depot_staff_do_not_see_citizens_of_handover_drafts(
    app, make, region, herning, setting
):
    from depot.citizens.access import can_view_citizen
    from depot.citizens.models import Citizen

    make.handover(citizen=setting["citizen"], sender=region)
    staff = make.user(organisation=region, role="depot_staff")
    with app.app_context():
        citizen = db.session.get(Citizen, setting["citizen"].id)
        assert not can_view_citizen(db.session.get(type(staff), staff.id), citizen)
        nurse = db.session.get(type(setting["nurse"]), setting["nurse"].id)
        assert can_view_citizen(nurse, citizen)
