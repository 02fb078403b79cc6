"""The demo's handovers and deviation cases: every state, deterministic, no personal data."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from depot.citizens.models import Citizen
from depot.demo.context import DEMO_ANCHOR
from depot.demo.generator import seed_demo_data
from depot.demo.seed import DEFAULT_PASSWORD
from depot.deviations.models import DeviationCase
from depot.deviations.quarters import Quarter, quarter_of
from depot.deviations.services import opened_on
from depot.extensions import db
from depot.handovers.models import Handover, HandoverContact, HandoverDevice


@pytest.fixture
def seeded(app_ctx):
    """The whole demo, whose steps include the catalogue's rules and then the handovers."""
    return seed_demo_data(password=DEFAULT_PASSWORD)


def test_handovers_in_every_state(seeded):
    states = Counter(db.session.execute(select(Handover.kind, Handover.status)).tuples().all())
    assert states[("discharge", "sent")] >= 6
    assert states[("discharge", "acknowledged")] >= 20
    assert states[("discharge", "draft")] == 2
    assert states[("admission", "sent")] >= 1 and states[("admission", "acknowledged")] >= 1
    assert seeded.organisations == 7
    # Every municipality has an unread discharge handover in its inbox.
    unread = db.session.scalars(
        select(Handover.receiver_id).where(
            Handover.kind == "discharge", Handover.status == "sent", Handover.read_at.is_(None)
        )
    ).all()
    assert len(set(unread)) == 6
    sent = db.session.scalars(select(Handover).where(Handover.status != "draft")).all()
    assert all(h.sent_at.date() < DEMO_ANCHOR for h in sent)
    assert all(h.sent_at.date() >= date(2026, 7, 1) for h in sent)
    # The pilot's favourites: relatives with phones and measurements of the needed devices.
    contacts = db.session.scalars(select(HandoverContact)).all()
    assert len(contacts) > 40 and all(c.phone for c in contacts)
    assert any(c.has_key for c in contacts)
    needs = db.session.scalars(
        select(HandoverDevice).where(HandoverDevice.section == "needed")
    ).all()
    assert sum(d.measurements != "{}" for d in needs) > len(needs) / 2
    assert {d.actual_party for d in needs} == {None, "region", "municipality"}
    delayed = db.session.scalars(select(Handover).where(Handover.delay_hours > 0)).all()
    assert len(delayed) >= 3 and all(h.delay_cause for h in delayed)


def test_cases_in_every_state_over_two_quarters(seeded):
    cases = db.session.scalars(select(DeviationCase)).all()
    assert {c.status for c in cases} == {"open", "discussed", "concluded"}
    automatic = [c for c in cases if c.opened_automatically]
    assert len(automatic) >= 5 and len(cases) - len(automatic) >= 5
    assert {quarter_of(opened_on(c)) for c in cases} == {Quarter(2026, 3), Quarter(2026, 4)}
    for case in cases:
        assert case.opened_at.date() < DEMO_ANCHOR
        if case.status != "open":
            assert case.cause and case.meeting_date >= opened_on(case)
            assert case.meeting_date < DEMO_ANCHOR
        if case.status == "concluded":
            assert case.conclusion and case.concluded_at.date() < DEMO_ANCHOR
    assert any(c.settlement == "taken_over" and c.settlement_amount for c in cases)
    names = set(db.session.scalars(select(Citizen.name)).all())
    assert not any(c.cause_note in names or c.conclusion in names for c in cases)
