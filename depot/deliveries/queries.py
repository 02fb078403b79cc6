"""Read-only queries behind the run pages: runs of a day, what can still be planned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from depot.citizens.models import Citizen
from depot.deliveries.models import DeliveryRun, RunStop, RunStopItem
from depot.extensions import db
from depot.items.models import Item
from depot.loans.models import Loan
from depot.requests.models import DeviceRequest, RequestLine, Reservation

# The candidate lists are pick lists, not reports: the oldest needs first, this many at most.
MAX_CANDIDATES = 200


def runs_query(*, depot_ids: Sequence[int], run_date: date | None = None):
    """Runs of the given depots (on one day, when given), by date, depot and driver."""
    stmt = (
        select(DeliveryRun)
        .where(DeliveryRun.depot_id.in_(list(depot_ids)))
        .options(joinedload(DeliveryRun.depot), selectinload(DeliveryRun.stops))
        .order_by(DeliveryRun.run_date, DeliveryRun.depot_id, DeliveryRun.driver)
    )
    if run_date is not None:
        stmt = stmt.where(DeliveryRun.run_date == run_date)
    return stmt


def run_with_stops(run_id: int) -> DeliveryRun | None:
    """A run with its stops, their citizens and items loaded for the page and the sheet."""
    return db.session.scalar(
        select(DeliveryRun)
        .where(DeliveryRun.id == run_id)
        .options(
            joinedload(DeliveryRun.depot),
            selectinload(DeliveryRun.stops)
            .selectinload(RunStop.items)
            .options(
                joinedload(RunStopItem.item).joinedload(Item.product),
                joinedload(RunStopItem.reservation)
                .joinedload(Reservation.line)
                .joinedload(RequestLine.product_type),
                joinedload(RunStopItem.loan),
            ),
            selectinload(DeliveryRun.stops)
            .joinedload(RunStop.citizen)
            .joinedload(Citizen.municipality),
        )
    )


def planned_reservation_ids(reservation_ids: Sequence[int]) -> set[int]:
    """Those of the reservations that are on a planned stop already."""
    if not reservation_ids:
        return set()
    return set(
        db.session.scalars(
            select(RunStopItem.reservation_id).where(
                RunStopItem.reservation_id.in_(list(reservation_ids)),
                RunStopItem.status == "planned",
            )
        )
    )


def planned_loan_ids(loan_ids: Sequence[int]) -> set[int]:
    """Those of the loans that are on a planned stop already."""
    if not loan_ids:
        return set()
    return set(
        db.session.scalars(
            select(RunStopItem.loan_id).where(
                RunStopItem.loan_id.in_(list(loan_ids)), RunStopItem.status == "planned"
            )
        )
    )


def _unplanned_reservation():
    """Active reservations not on a planned stop (correlate with DeviceRequest)."""
    on_stop = exists().where(
        RunStopItem.reservation_id == Reservation.id, RunStopItem.status == "planned"
    )
    return (
        select(Reservation.id)
        .join(RequestLine, RequestLine.id == Reservation.line_id)
        .where(
            RequestLine.request_id == DeviceRequest.id,
            Reservation.status == "reserved",
            ~on_stop,
        )
    )


def request_belongs_to_depot(depot_id: int, handler_depot_ids: list[int] | None = None):
    """Requests the depot handles, or with items reserved on its shelves.

    `handler_depot_ids`: only requests handled by one of these depots (the planner's), so that
    staff of a depot holding another municipality's reserved item never see that citizen.
    """
    reserved_here = (
        select(Reservation.id)
        .join(RequestLine, RequestLine.id == Reservation.line_id)
        .join(Item, Item.id == Reservation.item_id)
        .where(
            RequestLine.request_id == DeviceRequest.id,
            Reservation.status == "reserved",
            Item.depot_id == depot_id,
        )
    )
    belongs = (DeviceRequest.depot_id == depot_id) | reserved_here.exists()
    if handler_depot_ids is not None:
        belongs = belongs & DeviceRequest.depot_id.in_(handler_depot_ids)
    # A cancelled or delivered request has nothing left to deliver.
    return belongs & DeviceRequest.status.not_in(("cancelled", "delivered"))


@dataclass
class CandidateRequest:
    """A request with reserved items waiting for a delivery stop."""

    request: DeviceRequest
    reservations: list[Reservation]  # active, not on a planned stop
    depot_id: int

    @property
    def here(self) -> list[Reservation]:
        return [r for r in self.reservations if r.item.depot_id == self.depot_id]

    @property
    def elsewhere(self) -> list[Reservation]:
        return [r for r in self.reservations if r.item.depot_id != self.depot_id]


def candidate_requests(
    *, run: DeliveryRun, handler_depot_ids: list[int] | None = None
) -> list[CandidateRequest]:
    """Requests of the run's depot with reserved items not yet on a planned stop."""
    requests = list(
        db.session.scalars(
            select(DeviceRequest)
            .where(
                _unplanned_reservation().exists(),
                request_belongs_to_depot(run.depot_id, handler_depot_ids),
            )
            .order_by(DeviceRequest.needed_by, DeviceRequest.id)
            .limit(MAX_CANDIDATES)
        )
    )
    if not requests:
        return []
    on_stop = exists().where(
        RunStopItem.reservation_id == Reservation.id, RunStopItem.status == "planned"
    )
    rows = db.session.execute(
        select(RequestLine.request_id, Reservation)
        .join(RequestLine, RequestLine.id == Reservation.line_id)
        .where(
            RequestLine.request_id.in_([r.id for r in requests]),
            Reservation.status == "reserved",
            ~on_stop,
        )
        .options(
            joinedload(Reservation.item).options(joinedload(Item.product), joinedload(Item.depot))
        )
        .order_by(Reservation.id)
    ).all()
    by_request: dict[int, list[Reservation]] = {}
    for request_id, reservation in rows:
        by_request.setdefault(request_id, []).append(reservation)
    return [
        CandidateRequest(request=r, reservations=by_request.get(r.id, []), depot_id=run.depot_id)
        for r in requests
    ]


def candidate_loans_query(*, depot_id: int):
    """Open loans from the depot with a pick-up requested and not yet on a planned stop."""
    on_stop = exists().where(RunStopItem.loan_id == Loan.id, RunStopItem.status == "planned")
    return (
        select(Loan)
        .join(Item, Item.id == Loan.item_id)
        .where(
            Loan.returned_at.is_(None),
            Loan.pickup_requested_at.is_not(None),
            Item.depot_id == depot_id,
            ~on_stop,
        )
        .options(
            joinedload(Loan.item).joinedload(Item.product),
            joinedload(Loan.citizen),
        )
        .order_by(Loan.pickup_requested_at, Loan.id)
    )


def candidate_loans(*, run: DeliveryRun) -> list[Loan]:
    return list(
        db.session.scalars(candidate_loans_query(depot_id=run.depot_id).limit(MAX_CANDIDATES))
    )


def citizen_pickup_loans(*, citizen_id: int, depot_id: int) -> list[Loan]:
    """All of a citizen's loans from the depot that wait for a pick-up stop."""
    return list(
        db.session.scalars(
            candidate_loans_query(depot_id=depot_id).where(Loan.citizen_id == citizen_id)
        )
    )


def request_in_depot(
    *, request_id: int, depot_id: int, handler_depot_ids: list[int] | None = None
) -> bool:
    belongs = request_belongs_to_depot(depot_id, handler_depot_ids)
    return bool(db.session.scalar(select(exists().where(DeviceRequest.id == request_id, belongs))))
