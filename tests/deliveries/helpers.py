"""Building blocks for run and loan tests: reserved requests, open loans, runs.

Each function commits in its own app context, like tests/factories.py.
"""

from __future__ import annotations

from datetime import date, datetime

from depot.deliveries import services as runs
from depot.extensions import db
from depot.items import services as items
from depot.loans import services as loans
from depot.requests import services as requests


def reserved_request(
    app,
    *,
    citizen,
    organisation,
    depot,
    product_type,
    item_ids,
    postcode="7400",
    town="Herning",
    address="Åbrinken 7",
    latitude=None,
    longitude=None,
    contact_name="Jørgen Østergård",
    contact_phone="29 99 88 77",
    note="Nøglen ligger under måtten",
    measurements=None,
) -> int:
    """A request handled by `depot`, one line with every given item reserved for it."""
    with app.app_context():
        request = requests.create_request(
            citizen_id=citizen.id,
            organisation_id=organisation.id,
            depot_id=depot.id,
            user=None,
            lines=[
                requests.LineSpec(
                    product_type_id=product_type.id,
                    quantity=max(1, len(item_ids)),
                    measurements=measurements or {},
                )
            ],
            legal_basis="Serviceloven §112",
            purpose="compensation",
            needed_by=datetime(2030, 1, 1, 12, 0),
            delivery_address=address,
            delivery_postcode=postcode,
            delivery_town=town,
            delivery_latitude=latitude,
            delivery_longitude=longitude,
            contact_name=contact_name,
            contact_phone=contact_phone,
            note=note,
            expected_duration_days=90,
        )
        for item_id in item_ids:
            requests.reserve_for_line(line_id=request.lines[0].id, item_id=item_id, user=None)
        db.session.commit()
        return request.id


def open_loan(app, *, citizen, item_id, lender, pickup=True, expected_end=None) -> int:
    """An item lent to the citizen (with a pick-up requested, unless told otherwise)."""
    with app.app_context():
        items.reserve_item(item_id=item_id, user=None)
        loan = items.lend_item(
            item_id=item_id,
            citizen_id=citizen.id,
            lender_id=lender.id,
            user=None,
            expected_end=expected_end or date(2030, 1, 1),
        )
        if pickup:
            loans.request_pickup(loan_id=loan.id, user=None)
        db.session.commit()
        return loan.id


def new_run(app, *, depot, driver="Bent Kørsel", run_date=None, vehicle="Varevogn 2") -> int:
    with app.app_context():
        run = runs.create_run(
            depot_id=depot.id,
            run_date=run_date or date.today(),
            driver=driver,
            vehicle=vehicle,
            user=None,
        )
        db.session.commit()
        return run.id
