"""Transfer of an item's ownership to the organisation that borrowed it."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items.models import Item, ItemEvent
from depot.loans.models import OwnershipTransfer
from depot.loans.settlement import EVENT_KIND, transfer_ownership
from tests.loans.settlement_support import Setting, local


@pytest.fixture
def setting(make, herning, holstebro, region):
    return Setting(make, herning, holstebro, region)


@pytest.fixture
def loan(setting):
    """Holstebro has borrowed a Herning chair since 3 March 2025 (still on loan)."""
    loan_id, item = setting.loan(start=local(2025, 3, 3, 10))
    return loan_id, item


def _url(loan_id, month="2025-03"):
    return f"/settlement/loans/{loan_id}/transfer-ownership?month={month}"


def _count(app, model, **by):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**by))


def test_the_form_is_prefilled_with_the_list_price(client, login_as, loan, herning):
    login_as("procurement", herning)
    response = client.get(_url(loan[0]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="6995,00"' in page
    assert 'data-testid="owner">Herning Kommune' in page
    assert 'data-testid="lender">Holstebro Kommune' in page
    assert "Hans Hemmelig" not in page


def test_the_owner_transfers_the_item(client, app, login_as, loan, herning, holstebro):
    loan_id, item = loan
    user = login_as("procurement", herning)
    response = client.post(_url(loan_id), data={"amount": "4.500,50", "note": "Købt efter 1 år"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "month=2025-03" in location and f"lender={holstebro.id}" in location
    with app.app_context():
        stored = db.session.get(Item, item.id)
        assert stored.owner_id == holstebro.id
        (transfer,) = db.session.scalars(select(OwnershipTransfer)).all()
        assert (transfer.item_id, transfer.loan_id) == (item.id, loan_id)
        assert (transfer.from_organisation_id, transfer.to_organisation_id) == (
            herning.id,
            holstebro.id,
        )
        assert transfer.amount == Decimal("4500.50") and transfer.by_id == user.id
        assert transfer.note == "Købt efter 1 år"
        (event,) = db.session.scalars(select(ItemEvent).filter_by(kind=EVENT_KIND)).all()
        assert event.item_id == item.id and event.loan_id == loan_id
        assert event.from_status == event.to_status == "on_loan" == stored.status
        assert event.user_id == user.id
        assert "Herning Kommune → Holstebro Kommune" in event.note
    # The item's timeline shows it.
    page = client.get(f"/depot/items/{item.id}").get_data(as_text=True)
    assert f'data-kind="{EVENT_KIND}"' in page
    # A second attempt: the item is no longer Herning's.
    response = client.post(_url(loan_id), data={"amount": "1"})
    assert response.status_code == 409
    assert _count(app, OwnershipTransfer) == 1
    # The form says so instead of offering the transfer again.
    page = client.get(_url(loan_id)).get_data(as_text=True)
    assert 'data-testid="refusal"' in page and 'data-testid="transfer-form"' not in page


def test_the_rent_stops_at_the_transfer(client, app, login_as, setting, herning, holstebro):
    loan_id, _item = setting.loan(start=local(2025, 3, 3, 10))
    with app.app_context():
        transfer_ownership(
            loan_id=loan_id, amount=Decimal("0"), user=None, at=local(2025, 3, 8, 10, 0, 1)
        )
        db.session.commit()
    login_as("procurement", herning)
    page = client.get(
        f"/settlement/?month=2025-03&lender={holstebro.id}&owner={herning.id}"
    ).get_data(as_text=True)
    assert re.search(r'data-testid="line-days">6<', page)  # 5 days and 1 second: 6 days
    assert 'data-testid="transfer-row"' in page
    page = client.get("/settlement/?month=2025-04").get_data(as_text=True)
    assert 'data-testid="pair-row"' not in page


@pytest.mark.parametrize(
    ("role", "actor", "status"),
    [
        ("procurement", "holstebro", 403),  # the lender sees the loan but does not own it
        ("admin", "holstebro", 403),
        ("procurement", "region", 403),  # sees every pair, owns nothing here
        ("procurement", "ikast", 404),  # not a party: the loan is not found
        ("admin", "ikast", 404),
        ("coordinator", "herning", 403),
        ("therapist", "herning", 403),
        ("depot_staff", "herning", 403),
    ],
)
def test_who_may_not_transfer(
    client, app, make, login_as, loan, herning, holstebro, region, role, actor, status
):
    orgs = {"herning": herning, "holstebro": holstebro, "region": region}
    organisation = orgs.get(actor) or make.organisation(name="Ikast-Brande Kommune")
    login_as(role, organisation)
    assert client.get(_url(loan[0])).status_code == status
    assert client.post(_url(loan[0]), data={"amount": "100"}).status_code == status
    assert _count(app, OwnershipTransfer) == 0


@pytest.mark.parametrize(("role", "actor"), [("admin", "herning"), ("admin", "region")])
def test_who_may_transfer(client, app, login_as, loan, herning, region, role, actor):
    login_as(role, {"herning": herning, "region": region}[actor])
    assert client.post(_url(loan[0]), data={"amount": "100"}).status_code == 302
    assert _count(app, OwnershipTransfer) == 1


def test_a_returned_loan_can_be_settled_by_transfer(
    client, app, login_as, setting, herning, holstebro
):
    loan_id, item = setting.loan(start=local(2025, 3, 3), end=local(2025, 3, 20))
    login_as("procurement", herning)
    assert client.post(_url(loan_id), data={"amount": "10"}).status_code == 302
    with app.app_context():
        stored = db.session.get(Item, item.id)
        assert stored.owner_id == holstebro.id and stored.status == "returned"


def test_unknown_and_own_loans_are_not_found(client, login_as, setting, herning):
    own_loan, _ = setting.loan(start=local(2025, 3, 3), lender=herning)
    login_as("procurement", herning)
    assert client.get(_url(own_loan)).status_code == 404
    assert client.post(_url(own_loan), data={"amount": "1"}).status_code == 404
    assert client.get(_url(999999)).status_code == 404
    assert client.get("/settlement/loans/0/transfer-ownership").status_code == 404
    assert client.get("/settlement/loans/99999999999/transfer-ownership").status_code == 404


def test_a_scrapped_item_cannot_change_owner(client, app, login_as, setting, herning):
    loan_id, item = setting.loan(start=local(2025, 3, 3), end=local(2025, 3, 4))
    with app.app_context():
        db.session.execute(update(Item).where(Item.id == item.id).values(status="scrapped"))
        db.session.commit()
    login_as("procurement", herning)
    page = client.get(_url(loan_id)).get_data(as_text=True)
    assert 'data-testid="refusal"' in page
    response = client.post(_url(loan_id), data={"amount": "1"})
    assert response.status_code == 409
    assert _count(app, OwnershipTransfer) == 0
    with app.app_context():
        assert db.session.get(Item, item.id).owner_id == herning.id


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "This field is required."),
        ("-1", "Enter an amount from 0 to"),
        ("abc", "Enter an amount like 1234,50."),
        ("1e5", "Enter an amount like 1234,50."),
        ("NaN", "Enter an amount like 1234,50."),
        ("12,345", "Use at most two decimals."),
        ("99999999999", "Enter an amount from 0 to"),
    ],
)
def test_bad_amounts_are_form_errors(client, app, login_as, loan, herning, amount, message):
    login_as("procurement", herning)
    client.post("/language/en")
    response = client.post(_url(loan[0]), data={"amount": amount, "note": "x"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app, OwnershipTransfer) == 0


def test_a_long_note_is_a_form_error_and_a_bad_month_is_ignored(
    client, app, login_as, loan, herning
):
    login_as("procurement", herning)
    response = client.post(_url(loan[0], month="junk"), data={"amount": "1", "note": "x" * 1001})
    assert response.status_code == 200 and _count(app, OwnershipTransfer) == 0
    response = client.post(_url(loan[0], month="junk"), data={"amount": "1", "note": "ok\x00"})
    assert response.status_code == 302 and "month=junk" not in response.headers["Location"]


def test_the_service_refuses_what_the_state_forbids(app, setting, herning, holstebro):
    loan_id, item = setting.loan(start=local(2025, 3, 3))
    own_loan, _ = setting.loan(start=local(2025, 3, 3), lender=herning)
    with app.app_context():
        with pytest.raises(DomainError):
            transfer_ownership(loan_id=own_loan, amount=Decimal("1"), user=None)
        with pytest.raises(DomainError):
            transfer_ownership(loan_id=loan_id, amount=Decimal("-1"), user=None)
        with pytest.raises(DomainError):
            transfer_ownership(loan_id=loan_id, amount=Decimal("NaN"), user=None)
        with pytest.raises(DomainError) as missing:
            transfer_ownership(loan_id=123456, amount=Decimal("1"), user=None)
        assert missing.value.status_code == 404
        # Someone else changed the owner meanwhile: the conditional update finds no row.
        db.session.execute(update(Item).where(Item.id == item.id).values(owner_id=holstebro.id))
        with pytest.raises(Conflict):
            transfer_ownership(loan_id=loan_id, amount=Decimal("1"), user=None)
        db.session.rollback()


def test_an_item_on_another_loan_is_not_transferred(app, setting, herning, make):
    ikast = make.organisation(name="Ikast-Brande Kommune")
    old_loan, item = setting.loan(start=local(2025, 1, 3), end=local(2025, 2, 1))
    setting.loan(start=local(2025, 3, 3), lender=ikast, item=item)
    with app.app_context(), pytest.raises(Conflict):
        transfer_ownership(loan_id=old_loan, amount=Decimal("1"), user=None)
