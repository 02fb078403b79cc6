"""The coordinators' pages: the list, a new case, the workflow, refusals (409), roles."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from depot.deviations.services import opened_on
from depot.web.i18n import local_today
from tests.deviations.conftest import get_case, open_case


def _today(app):
    with app.app_context():
        return local_today()


def _case(app, world, **fields) -> int:
    return open_case(app, municipality=world.herning, product_type=world.hoist, **fields)


def _assess(**changes) -> dict:
    return {
        "cause": "after_hours",
        "cause_note": "Udskrevet fredag kl. 19",
        "minutes_spent": "45",
        "settlement": "taken_over",
        "settlement_amount": "1.234,50",
        **changes,
    }


def test_the_whole_workflow(app, client, world, coordinator):
    case_id = _case(app, world)
    page = client.get(f"/deviations/{case_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-testid="assess-form"' in text and 'data-testid="discuss-form"' in text
    assert 'data-testid="conclude-form"' not in text

    response = client.post(f"/deviations/{case_id}/assess", data=_assess())
    assert response.status_code == 302
    with app.app_context():
        case = get_case(case_id)
        assert (case.cause, case.minutes_spent, case.settlement) == (
            "after_hours",
            45,
            "taken_over",
        )
        assert case.settlement_amount == Decimal("1234.50")
        meeting = opened_on(case)

    response = client.post(f"/deviations/{case_id}/discuss", data={"meeting_date": str(meeting)})
    assert response.status_code == 302
    text = client.get(f"/deviations/{case_id}").get_data(as_text=True)
    assert 'data-testid="history-discussed"' in text
    assert meeting.strftime("%d-%m-%Y") in text
    assert 'data-testid="conclude-form"' in text and 'data-testid="discuss-form"' not in text

    response = client.post(f"/deviations/{case_id}/conclude", data={"conclusion": "Overtaget."})
    assert response.status_code == 302
    with app.app_context():
        case = get_case(case_id)
        assert (case.status, case.conclusion) == ("concluded", "Overtaget.")
        assert case.concluded_by_id == coordinator.id
    text = client.get(f"/deviations/{case_id}").get_data(as_text=True)
    assert 'data-testid="read-only"' in text and 'data-testid="history-concluded"' in text
    assert '<form method="post" action="/deviations/' not in text
    assert coordinator.name in text


def test_refusals_answer_409_or_400_never_500(app, client, world, coordinator):
    case_id = _case(app, world)
    today = str(_today(app))
    # Discussing needs the cause first (a refusal of the service: 400 with the message).
    response = client.post(f"/deviations/{case_id}/discuss", data={"meeting_date": today})
    assert response.status_code == 400
    assert "Give the cause" in response.get_data(as_text=True)
    # Concluding an open case clashes with its state.
    response = client.post(f"/deviations/{case_id}/conclude", data={"conclusion": "Nej"})
    assert response.status_code == 409
    assert 'data-testid="case-error"' in response.get_data(as_text=True)
    assert get_status(app, case_id) == "open"

    client.post(f"/deviations/{case_id}/assess", data=_assess())
    assert (
        client.post(f"/deviations/{case_id}/discuss", data={"meeting_date": today}).status_code
        == 302
    )
    # The same form submitted twice.
    response = client.post(f"/deviations/{case_id}/discuss", data={"meeting_date": today})
    assert response.status_code == 409
    # Concluding without a conclusion.
    response = client.post(f"/deviations/{case_id}/conclude", data={"conclusion": "  "})
    assert response.status_code == 400
    assert "Write the conclusion" in response.get_data(as_text=True)
    assert (
        client.post(f"/deviations/{case_id}/conclude", data={"conclusion": "OK"}).status_code == 302
    )
    # A concluded case is read-only: every change is a conflict.
    for action, data in (
        ("assess", _assess(minutes_spent="99")),
        ("discuss", {"meeting_date": today}),
        ("conclude", {"conclusion": "Igen"}),
        ("assess", {}),
    ):
        response = client.post(f"/deviations/{case_id}/{action}", data=data)
        assert response.status_code == 409, action
        assert "concluded" in response.get_data(as_text=True)
    with app.app_context():
        assert get_case(case_id).minutes_spent == 45


def get_status(app, case_id):
    with app.app_context():
        return get_case(case_id).status


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"minutes_spent": "-5"}, "minutes_spent"),
        ({"minutes_spent": "abc"}, "minutes_spent"),
        ({"minutes_spent": "100001"}, "minutes_spent"),
        ({"minutes_spent": ""}, "minutes_spent"),
        ({"settlement_amount": "-1"}, "settlement_amount"),
        ({"settlement_amount": "12,345"}, "settlement_amount"),
        ({"settlement_amount": "NaN"}, "settlement_amount"),
        ({"settlement_amount": "1e5"}, "settlement_amount"),
        ({"settlement_amount": "99999999"}, "settlement_amount"),
        ({"settlement": "none", "settlement_amount": "100"}, "settlement_amount"),
        ({"settlement": "sold"}, "settlement"),
        ({"cause": "weather"}, "cause"),
        ({"cause_note": "x" * 2001}, "cause_note"),
    ],
)
def test_bad_assessments_are_form_errors(app, client, world, coordinator, changes, field):
    case_id = _case(app, world)
    response = client.post(f"/deviations/{case_id}/assess", data=_assess(**changes))
    assert response.status_code == 400
    assert f'id="{field}"' in response.get_data(as_text=True)
    with app.app_context():
        assert get_case(case_id).cause is None


def test_nul_bytes_are_dropped_from_text(app, client, world, coordinator):
    case_id = _case(app, world)
    response = client.post(f"/deviations/{case_id}/assess", data=_assess(cause_note="før\x00efter"))
    assert response.status_code == 302
    with app.app_context():
        assert get_case(case_id).cause_note == "førefter"


@pytest.mark.parametrize("meeting", ["", "31-02-2026", "2026-13-01", "1999-12-31", "tomorrow"])
def test_bad_meeting_dates(app, client, world, coordinator, meeting):
    case_id = _case(app, world, cause="other")
    if meeting == "tomorrow":
        meeting = str(_today(app) + timedelta(days=1))
    response = client.post(f"/deviations/{case_id}/discuss", data={"meeting_date": meeting})
    assert response.status_code == 400
    assert get_status(app, case_id) == "open"


def test_a_meeting_before_the_case_opened_is_refused(app, client, world, coordinator):
    case_id = _case(app, world, cause="other", at=datetime(2026, 3, 2, 9))
    response = client.post(f"/deviations/{case_id}/discuss", data={"meeting_date": "2026-03-01"})
    assert response.status_code == 400
    assert "before the case was opened" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/deviations/0", "/deviations/99999", "/deviations/abc"])
def test_unknown_cases_are_not_found(client, coordinator, url):
    assert client.get(url).status_code == 404
    assert client.post(url + "/assess", data=_assess()).status_code == 404


def test_the_list_orders_and_filters(app, client, world, coordinator):
    concluded = _case(app, world, cause="other", at=datetime(2026, 1, 5, 10))
    with app.app_context():
        from depot.deviations import services
        from depot.extensions import db

        case = get_case(concluded)
        services.mark_discussed(case=case, meeting_date=opened_on(case), user=None)
        services.conclude_case(case=case, conclusion="Slut", user=None)
        db.session.commit()
    old_open = _case(app, world, at=datetime(2025, 12, 31, 23, 30))  # 1 January in Denmark
    new_open = _case(
        app, world, at=datetime(2026, 4, 2, 8), cause="catalogue_unclear", minutes_spent=15
    )
    other = open_case(
        app, municipality=world.holstebro, product_type=world.chair, at=datetime(2026, 2, 1)
    )

    def ids(query=""):
        text = client.get("/deviations/" + query).get_data(as_text=True)
        return [
            int(chunk.split('"', 1)[0])
            for chunk in text.split('data-testid="case-row" data-id="')[1:]
        ]

    assert ids() == [new_open, other, old_open, concluded]
    assert ids("?status=concluded") == [concluded]
    assert ids(f"?municipality={world.holstebro.id}") == [other]
    assert ids("?quarter=2026-Q1") == [other, old_open, concluded]
    assert ids("?quarter=2025-Q4") == []
    assert ids("?cause=unassessed") == [other, old_open]
    assert ids("?cause=catalogue_unclear&quarter=2026q2") == [new_open]
    # Junk filters are ignored (and said so), never an error.
    response = client.get(
        "/deviations/?status=lost&municipality=abc&quarter=2026-Q9&cause=x&page=-1"
    )
    assert response.status_code == 200
    assert "ignored" in response.get_data(as_text=True)


def test_new_case_by_hand(app, client, world, make, coordinator):
    handover = make.handover(
        citizen=world.citizen, sender=world.region, send=True, needs=[(world.hoist, {})]
    )
    page = client.get("/deviations/new")
    assert page.status_code == 200
    assert world.herning.name in page.get_data(as_text=True)
    response = client.post(
        "/deviations/new",
        data={
            "municipality_id": world.herning.id,
            "product_type_id": world.chair.id,
            "delivered_by": "municipality",
            "should_have_been": "region",
            "handover_id": f" {handover.id} ",
            "cause": "handover_error",
            "cause_note": "Telefon fra kommunen",
            "minutes_spent": "20",
        },
    )
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        case = get_case(case_id)
        assert (case.municipality_id, case.product_type_id) == (world.herning.id, world.chair.id)
        assert (case.delivered_by, case.should_have_been) == ("municipality", "region")
        assert (case.handover_id, case.cause, case.minutes_spent) == (
            handover.id,
            "handover_error",
            20,
        )
        assert not case.opened_automatically and case.opened_by_id == coordinator.id


@pytest.mark.parametrize(
    "changes, status, where",
    [
        ({"should_have_been": "region"}, 400, "should_have_been"),  # same parties
        ({"municipality_id": "999999"}, 400, "municipality_id"),
        ({"municipality_id": "abc"}, 400, "municipality_id"),
        ({"municipality_id": "region"}, 400, "municipality_id"),
        ({"product_type_id": "999999"}, 400, "product_type_id"),
        ({"product_type_id": "1 OR 1=1"}, 400, "product_type_id"),
        ({"delivered_by": "hospital"}, 400, "delivered_by"),
        ({"handover_id": "12a"}, 400, "handover_id"),
        ({"handover_id": "99999999999999"}, 400, "handover_id"),
        ({"handover_id": "999999"}, 400, "form-error"),
        ({"handover_id": "other"}, 400, "form-error"),  # a handover of another municipality
        ({"minutes_spent": "-1"}, 400, "minutes_spent"),
        ({"cause": "luck"}, 400, "cause"),
        ({"cause_note": "\x00" * 5 + "x" * 2001}, 400, "cause_note"),
        ({}, 302, None),
    ],
)
def test_new_case_refuses_bad_input(app, client, make, world, coordinator, changes, status, where):
    data = {
        "municipality_id": str(world.herning.id),
        "product_type_id": str(world.chair.id),
        "delivered_by": "region",
        "should_have_been": "municipality",
        "minutes_spent": "0",
        **changes,
    }
    if data["municipality_id"] == "region":
        data["municipality_id"] = str(world.region.id)
    if data.get("handover_id") == "other":
        other = make.handover(
            citizen=make.citizen(municipality=world.holstebro),
            sender=world.region,
            send=True,
            needs=[(world.hoist, {})],
        )
        data["handover_id"] = str(other.id)
    response = client.post("/deviations/new", data=data)
    assert response.status_code == status
    if where == "form-error":
        assert 'data-testid="form-error"' in response.get_data(as_text=True)
    elif where:
        assert f'id="{where}"' in response.get_data(as_text=True)
        assert "is-invalid" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["therapist", "depot_staff", "procurement", "admin"])
def test_only_coordinators_change_cases(app, client, world, login_as, role):
    case_id = _case(app, world, cause="other")
    login_as(role, world.herning)
    reading = client.get(f"/deviations/{case_id}").status_code
    assert reading == (200 if role == "admin" else 403)
    assert client.get("/deviations/new").status_code == 403
    assert client.post(f"/deviations/{case_id}/assess", data=_assess()).status_code == 403
    meeting = {"meeting_date": str(_today(app))}
    assert client.post(f"/deviations/{case_id}/discuss", data=meeting).status_code == 403
    if role == "admin":
        text = client.get(f"/deviations/{case_id}").get_data(as_text=True)
        assert 'data-testid="assess-form"' not in text
        assert 'data-testid="new-case"' not in client.get("/deviations/").get_data(as_text=True)
    assert get_status(app, case_id) == "open"


def test_no_citizen_data_on_the_pages(app, client, make, world, coordinator):
    handover = make.handover(
        citizen=world.citizen, sender=world.region, send=True, needs=[(world.hoist, {})]
    )
    case_id = _case(app, world, handover_id=handover.id)
    with app.app_context():
        from depot.citizens.models import Citizen
        from depot.extensions import db

        citizen = db.session.get(Citizen, world.citizen.id)
        secrets = [citizen.name, citizen.cpr, citizen.address, citizen.phone]
    for url in ("/deviations/", f"/deviations/{case_id}", "/deviations/stats"):
        text = client.get(url).get_data(as_text=True)
        for secret in secrets:
            assert secret not in text, (url, secret)


def test_the_settlement_chosen_when_concluding_is_kept(app, client, world, coordinator):
    """At the meeting the coordinator fills in the settlement and the conclusion together."""
    case_id = _case(app, world)
    assessed = _assess(settlement="none", settlement_amount="")
    assert client.post(f"/deviations/{case_id}/assess", data=assessed).status_code == 302
    with app.app_context():
        meeting = str(opened_on(get_case(case_id)))
    assert (
        client.post(f"/deviations/{case_id}/discuss", data={"meeting_date": meeting}).status_code
        == 302
    )
    response = client.post(
        f"/deviations/{case_id}/conclude",
        data={
            "conclusion": "Kommunen overtager liften.",
            "final_settlement": "taken_over",
            "final_amount": "4.250,50",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        case = get_case(case_id)
        assert (case.status, case.settlement) == ("concluded", "taken_over")
        assert case.settlement_amount == Decimal("4250.50")


def test_an_absurdly_long_amount_is_refused_not_a_500(app, client, world, coordinator):
    case_id = _case(app, world)
    response = client.post(
        f"/deviations/{case_id}/assess", data=_assess(settlement_amount="9" * 40)
    )
    assert response.status_code == 400
