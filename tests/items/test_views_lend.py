"""Lending through the item page, who sees the holder (access-logged), and label sheets."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from depot.extensions import db
from depot.loans.models import Loan
from depot.organisations.models import utcnow
from depot.web.i18n import local_today
from tests.items import test_views_support as support
from tests.items.test_views_support import CPR, OTHER_CPR, access_log, item_state, new_item

# The shared fixtures, by name.
as_user = support.as_user
staff = support.staff
world = support.world

DIGITS = CPR.replace("-", "")


def _loans(world) -> list[Loan]:
    with world.app.app_context():
        loans = db.session.scalars(select(Loan).order_by(Loan.id)).all()
        for loan in loans:
            db.session.expunge(loan)
        return loans


def lend(client, item_id, **data):
    form = {"cpr": CPR, "legal_basis": "Serviceloven §112", **data}
    return client.post(f"/depot/items/{item_id}/lend", data=form)


def test_lend_a_reserved_item_to_a_registered_citizen(world, client, staff):
    item_id = new_item(world, "reserved")
    end = (utcnow().date() + timedelta(days=60)).isoformat()
    response = lend(client, item_id, expected_end=end, note="Midlertidig")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/depot/items/{item_id}")
    assert CPR not in response.headers["Location"] and DIGITS not in response.headers["Location"]
    assert item_state(world, item_id).status == "on_loan"
    (loan,) = _loans(world)
    assert (loan.citizen_id, loan.lender_id, loan.legal_basis) == (
        world.citizen_id,
        world.herning.id,
        "Serviceloven §112",
    )
    assert loan.expected_end.isoformat() == end
    actions = [(e.action, e.citizen_id, e.user_id) for e in access_log(world)]
    assert actions == [
        ("search", world.citizen_id, staff.id),
        ("change", world.citizen_id, staff.id),
    ]
    assert all(CPR not in (e.criterion or "") for e in access_log(world))


@pytest.mark.parametrize("cpr", [DIGITS, f" {CPR} "])
def test_the_cpr_number_may_be_typed_without_the_dash(world, client, staff, cpr):
    item_id = new_item(world, "reserved")
    assert lend(client, item_id, cpr=cpr).status_code == 302
    assert item_state(world, item_id).status == "on_loan"


@pytest.mark.parametrize(
    "data",
    [
        {"cpr": ""},
        {"cpr": "123"},
        {"cpr": "010150-12345"},
        {"cpr": "320150-1234"},  # no 32nd day
        {"cpr": "011350-1234"},  # no 13th month
        {"cpr": "abcdef-ghij"},
        {"cpr": "０１０１５０-１２３４"},  # full-width digits
        {"cpr": "<script>alert(1)</script>"},
        {"cpr": "' OR 1=1 --"},
        {"cpr": "1" * 500},
        {"legal_basis": ""},
        {"legal_basis": "Lovløs"},
        {"expected_end": "2020-01-01"},
        {"expected_end": "not a date"},
        {"expected_end": "2026-13-45"},
        {"note": "n" * 1001},
    ],
)
def test_lend_refuses_bad_input_with_a_message(world, client, staff, data):
    item_id = new_item(world, "reserved")
    response = lend(client, item_id, **data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page
    assert "<script>alert(1)</script>" not in page
    assert item_state(world, item_id).status == "reserved"
    assert _loans(world) == []


def test_lending_to_a_citizen_not_registered_says_so_and_logs_the_search(world, client, staff):
    item_id = new_item(world, "reserved")
    response = lend(client, item_id, cpr="050505-5555")
    assert response.status_code == 200
    assert 'data-testid="error-cpr"' in response.get_data(as_text=True)
    assert item_state(world, item_id).status == "reserved"
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id) == ("search", None)
    assert "050505" not in entry.criterion


def test_an_expected_end_today_is_accepted(world, client, staff):
    item_id = new_item(world, "reserved")
    # The app's day is Copenhagen's, which is a day ahead of UTC around midnight.
    with client.application.app_context():
        today = local_today()
    assert lend(client, item_id, expected_end=today.isoformat()).status_code == 302


def test_lending_an_item_that_is_not_reserved_is_409(world, client, staff):
    available = new_item(world)
    assert lend(client, available).status_code == 409
    on_loan = new_item(world, "on_loan")
    assert lend(client, on_loan).status_code == 409
    assert len(_loans(world)) == 1  # only the one made by new_item


def test_lending_an_overdue_item_is_409(world, client, staff):
    item_id = new_item(world, "reserved", due=utcnow().date() - timedelta(days=1))
    response = lend(client, item_id)
    assert response.status_code == 409
    assert _loans(world) == []


def test_the_lender_is_the_users_organisation(world, client, as_user, make):
    shared = make.depot(shares=[(world.herning, 50), (world.holstebro, 50)])
    item_id = new_item(world, "reserved", depot=shared)
    as_user("depot_staff", world.holstebro)
    assert lend(client, item_id, cpr=OTHER_CPR).status_code == 302
    (loan,) = _loans(world)
    assert loan.lender_id == world.holstebro.id


# --- who sees the holder --------------------------------------------------------------------


def _holder_shown(client, item_id) -> str:
    page = client.get(f"/depot/items/{item_id}").get_data(as_text=True)
    assert 'data-testid="holder"' in page
    assert CPR not in page and DIGITS not in page
    return page


def test_depot_staff_of_the_items_depot_see_the_holder_and_it_is_logged(world, client, staff):
    item_id = new_item(world, "on_loan")
    page = _holder_shown(client, item_id)
    assert 'data-testid="holder-name">Anna Andersen<' in page
    (entry,) = access_log(world)
    assert (entry.action, entry.citizen_id, entry.user_id) == ("read", world.citizen_id, staff.id)
    assert f"HM{item_id:07d}" in entry.criterion


def test_the_citizens_own_municipality_sees_the_holder(world, client, as_user):
    item_id = new_item(world, "on_loan")
    user = as_user("therapist", world.herning)
    assert "Anna Andersen" in _holder_shown(client, item_id)
    assert [(e.action, e.user_id) for e in access_log(world)] == [("read", user.id)]


@pytest.mark.parametrize(
    ("role", "org"),
    [("therapist", "holstebro"), ("depot_staff", "holstebro"), ("coordinator", "region")],
)
def test_others_see_only_the_municipality_and_nothing_is_logged(world, client, as_user, role, org):
    item_id = new_item(world, "on_loan")
    as_user(role, getattr(world, org) if org != "region" else _region(world))
    page = _holder_shown(client, item_id)
    assert "Anna Andersen" not in page
    assert 'data-testid="holder-name"' not in page
    assert world.herning.name in page.split('data-testid="holder"')[1][:300]
    assert access_log(world) == []


def _region(world):
    from tests.factories import make_organisation

    return make_organisation(world.app, name="Region X", kind="region", population=None)


def test_a_holder_of_another_municipality_is_hidden_from_the_lending_depot_too(
    world, client, as_user
):
    # Holstebro's citizen borrows from Herning's depot: Herning's staff operate the depot,
    # so they see who has it; Herning's therapists do not.
    item_id = new_item(world, "on_loan", citizen_id=world.other_citizen_id)
    as_user("depot_staff", world.herning)
    assert "Bo Berg" in _holder_shown(client, item_id)
    as_user("therapist", world.herning)
    assert "Bo Berg" not in _holder_shown(client, item_id)


def test_no_cpr_in_any_link_of_the_depot_pages(world, client, staff):
    item_id = new_item(world, "on_loan")
    for url in ("/depot/", "/depot/items", f"/depot/items/{item_id}", "/depot/transfers"):
        page = client.get(url).get_data(as_text=True)
        assert CPR not in page and DIGITS not in page, url


# --- labels ---------------------------------------------------------------------------------


def test_labels_form_is_prefilled_from_ids(world, client, staff):
    a, b = new_item(world), new_item(world)
    page = client.get(f"/depot/labels?ids={a},{b},abc,999999,-4").get_data(as_text=True)
    assert f"HM{a:07d}\nHM{b:07d}" in page
    page = client.get(f"/depot/labels?ids={a}-{b}").get_data(as_text=True)
    assert f"HM{a:07d}\nHM{b:07d}" in page


def test_labels_post_returns_a_pdf(world, client, staff):
    a = new_item(world, serial="SN-LBL")
    b = new_item(world)
    with client.post(
        "/depot/labels", data={"tags": f"hm{a:07d}\n HM{b:07d} \n\nHM{a:07d}"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == 'inline; filename="labels.pdf"'
        assert response.data.startswith(b"%PDF")


def test_labels_for_any_viewer(world, client, as_user):
    a = new_item(world)
    as_user("coordinator", world.holstebro)
    with client.post("/depot/labels", data={"tags": f"HM{a:07d}"}) as response:
        assert response.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    "tags",
    [
        "",
        "   \n  ",
        "HM9999999",
        "<script>x</script>",
        "' OR 1=1 --",
        "Æblegrød",
        "X" * 21,
        "\n".join(f"HM{i:07d}" for i in range(1, 202)),
    ],
)
def test_labels_refuse_unknown_or_too_many_tags_without_a_pdf(world, client, staff, tags):
    new_item(world)
    response = client.post("/depot/labels", data={"tags": tags})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.get_data(as_text=True)
    assert 'data-testid="error-tags"' in page
    assert "<script>x</script>" not in page


def test_unknown_tags_are_listed(world, client, staff):
    known = new_item(world)
    response = client.post("/depot/labels", data={"tags": f"HM{known:07d}\nHM0999998\nNOPE"})
    error = response.get_data(as_text=True).split('data-testid="error-tags">')[1]
    assert "HM0999998" in error and "NOPE" in error
    assert f"HM{known:07d}" not in error.split("</div>")[0]
