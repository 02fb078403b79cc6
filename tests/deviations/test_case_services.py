"""Deviation case services: opening by hand, the workflow and its refusals."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from depot.deviations import services
from depot.errors import Conflict, DomainError
from depot.extensions import db
from tests.deviations.conftest import get_case, open_case


@pytest.fixture(autouse=True)
def english(app):
    """The services' messages in English (they are matched below)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def _open(app, world, **fields) -> int:
    return open_case(app, municipality=world.herning, product_type=world.hoist, **fields)


def test_open_discussed_concluded(app, world):
    case_id = _open(app, world, at=datetime(2026, 3, 2, 9, 0))
    with app.app_context():
        case = get_case(case_id)
        assert (case.status, case.cause, case.opened_automatically) == ("open", None, False)
        services.assess_case(
            case=case,
            cause="after_hours",
            cause_note="Fredag aften",
            minutes_spent=40,
            settlement="taken_over",
            settlement_amount=Decimal("1234.50"),
            user=None,
        )
        services.mark_discussed(case=case, meeting_date=date(2026, 3, 10), user=None)
        assert (case.status, case.meeting_date) == ("discussed", date(2026, 3, 10))
        services.conclude_case(case=case, conclusion="  Kommunen overtager.  ", user=None)
        db.session.commit()
        case = get_case(case_id)
        assert case.status == "concluded"
        assert case.conclusion == "Kommunen overtager."
        assert case.settlement_amount == Decimal("1234.50")
        assert case.discussed_at is not None and case.concluded_at is not None


def test_refusals_of_the_workflow(app, world):
    case_id = _open(app, world)
    with app.app_context():
        case = get_case(case_id)
        with pytest.raises(DomainError, match="cause"):
            services.mark_discussed(case=case, meeting_date=date(2030, 1, 1), user=None)
        with pytest.raises(Conflict):
            services.conclude_case(case=case, conclusion="Nej", user=None)
        services.assess_case(
            case=case,
            cause="other",
            cause_note=None,
            minutes_spent=0,
            settlement="none",
            settlement_amount=None,
            user=None,
        )
        with pytest.raises(DomainError, match="before"):
            services.mark_discussed(case=case, meeting_date=date(2020, 1, 1), user=None)
        services.mark_discussed(case=case, meeting_date=services.opened_on(case), user=None)
        with pytest.raises(Conflict):  # a double submit
            services.mark_discussed(case=case, meeting_date=services.opened_on(case), user=None)
        with pytest.raises(DomainError, match="cause"):
            services.assess_case(
                case=case,
                cause=None,
                cause_note=None,
                minutes_spent=0,
                settlement="none",
                settlement_amount=None,
                user=None,
            )
        with pytest.raises(DomainError, match="conclusion"):
            services.conclude_case(case=case, conclusion="   ", user=None)
        services.conclude_case(case=case, conclusion="Afsluttet", user=None)
        with pytest.raises(Conflict):
            services.conclude_case(case=case, conclusion="Igen", user=None)
        with pytest.raises(Conflict):
            services.assess_case(
                case=case,
                cause="other",
                cause_note=None,
                minutes_spent=5,
                settlement="none",
                settlement_amount=None,
                user=None,
            )


def test_a_transition_another_session_made_meanwhile_conflicts(app, world):
    """The conditional UPDATE: a case concluded by a colleague is not concluded again."""
    case_id = _open(app, world, cause="other")
    with app.app_context():
        case = get_case(case_id)
        services.mark_discussed(case=case, meeting_date=services.opened_on(case), user=None)
        db.session.commit()
        # The colleague's request saw the case discussed; ours concludes it first.
        services.conclude_case(case=case, conclusion="Først", user=None)
        db.session.commit()
        with pytest.raises(Conflict):
            services._change(
                case,
                statuses=("discussed",),
                message="taken",
                status="concluded",
                conclusion="Anden",
            )
        db.session.rollback()
        assert get_case(case_id).conclusion == "Først"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"delivered_by": "region", "should_have_been": "region"}, "two different"),
        ({"delivered_by": "hospital"}, "Unknown party"),
        ({"minutes_spent": -1}, "minutes"),
        ({"minutes_spent": 100001}, "minutes"),
        ({"cause": "bad luck"}, "Unknown cause"),
        ({"handover_id": 2_000_000}, "No sent handover"),
    ],
)
def test_opening_by_hand_refuses_bad_input(app, world, fields, message):
    with app.app_context(), pytest.raises(DomainError, match=message):
        services.open_case(
            municipality_id=world.herning.id,
            product_type_id=world.hoist.id,
            user=None,
            **{"delivered_by": "region", "should_have_been": "municipality", **fields},
        )


def test_opening_by_hand_checks_the_municipality_type_and_handover(app, make, world):
    other = make.handover(
        citizen=make.citizen(municipality=world.holstebro),
        sender=world.region,
        send=True,
        needs=[(world.hoist, {})],
    )
    draft = make.handover(citizen=world.citizen, sender=world.region, needs=[(world.hoist, {})])
    base = {
        "municipality_id": world.herning.id,
        "product_type_id": world.hoist.id,
        "delivered_by": "region",
        "should_have_been": "municipality",
        "user": None,
    }
    with app.app_context():
        for change, message in (
            ({"municipality_id": world.region.id}, "municipality"),
            ({"municipality_id": 999_999}, "municipality"),
            ({"product_type_id": 999_999}, "product type"),
            ({"handover_id": other.id}, "another municipality"),
            ({"handover_id": draft.id}, "No sent handover"),
        ):
            with pytest.raises(DomainError, match=message):
                services.open_case(**{**base, **change})


@pytest.mark.parametrize(
    "amount, message",
    [
        (Decimal("-1"), "negative"),
        (Decimal("NaN"), "negative"),
        (Decimal("10000000.01"), "at most"),
        (Decimal("1.005"), "two decimals"),
    ],
)
def test_bad_amounts_are_refused(app, world, amount, message):
    case_id = _open(app, world)
    with app.app_context(), pytest.raises(DomainError, match=message):
        services.assess_case(
            case=get_case(case_id),
            cause="other",
            cause_note=None,
            minutes_spent=1,
            settlement="taken_over",
            settlement_amount=amount,
            user=None,
        )


def test_the_opening_date_is_the_danish_date(app, world):
    late = _open(app, world, at=datetime(2025, 12, 31, 23, 30))  # 00:30 on 1 January in Denmark
    summer = _open(app, world, at=datetime(2026, 6, 30, 22, 30))  # 00:30 on 1 July (CEST)
    with app.app_context():
        assert services.opened_on(get_case(late)) == date(2026, 1, 1)
        assert services.opened_on(get_case(summer)) == date(2026, 7, 1)
