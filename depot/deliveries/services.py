"""Run services: create a run, add delivery and pick-up stops, order them, mark them done.

A delivery stop hands over a request's reserved items that sit in the run's depot; a pick-up
stop fetches a citizen's loaned items whose pick-up was requested and that went out from the
run's depot (the item comes back to where it belongs, so each depot plans its own pick-ups).
The partial unique index on planned stop items keeps an item off two planned stops at once.
After every change of the stops the run's straight-line length is recomputed. Services flush,
never commit; on an error the caller rolls the whole change back (the app does, per request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from depot import geo
from depot.auth.models import User
from depot.deliveries import queries, routing
from depot.deliveries.models import DeliveryRun, RunStop, RunStopItem
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.items import services as items
from depot.loans.models import Loan
from depot.organisations.models import Depot, utcnow
from depot.requests import services as requests
from depot.requests.models import DeviceRequest, Reservation

DRIVER_MAX = 120
VEHICLE_MAX = 60
MAX_STOPS = 60


class NotFound(DomainError):
    status_code = 404


@dataclass
class DeliveryPlanned:
    """A delivery stop and the reservations that could not go on it (items elsewhere)."""

    stop: RunStop
    left_out: list[Reservation] = field(default_factory=list)


# --- positions and length -------------------------------------------------------------------


def depot_position(depot: Depot) -> routing.Point | None:
    point, _approximate = geo.position(
        latitude=depot.latitude, longitude=depot.longitude, postcode=depot.postcode
    )
    return point


def stop_position(stop: RunStop) -> tuple[routing.Point | None, bool]:
    """Where the stop is: its coordinates, else its postcode's or municipality's centre."""
    municipality = stop.citizen.municipality if stop.citizen else None
    fallback = (municipality.latitude, municipality.longitude) if municipality else None
    return geo.position(
        latitude=stop.latitude,
        longitude=stop.longitude,
        postcode=stop.postcode,
        fallback=fallback,
    )


def ordered_stops(run: DeliveryRun) -> list[RunStop]:
    return sorted(run.stops, key=lambda s: (s.position, s.id or 0))


def refresh_total(run: DeliveryRun) -> None:
    """Recompute the run's straight-line km: depot → stops in their order → depot."""
    home = depot_position(run.depot)
    points = [stop_position(stop)[0] for stop in ordered_stops(run)]
    run.total_km = round(routing.route_km(points, start=home, end=home), 2)
    db.session.flush()


def _renumber(stops: list[RunStop]) -> None:
    for position, stop in enumerate(stops):
        stop.position = position


# --- runs -----------------------------------------------------------------------------------


def _run_for_update(run_id: int) -> DeliveryRun:
    run = db.session.get(DeliveryRun, run_id, populate_existing=True)
    if run is None:
        raise NotFound(_l("No such run."))
    return run


def _check_planned(run: DeliveryRun) -> None:
    if run.status != "planned":
        raise Conflict(_l("The run is finished: plan a new run."))


def _stop_of(run: DeliveryRun, stop_id: int) -> RunStop:
    stop = db.session.get(RunStop, stop_id, populate_existing=True)
    if stop is None or stop.run_id != run.id:
        raise NotFound(_l("No such stop on this run."))
    return stop


def create_run(
    *,
    depot_id: int,
    run_date: date,
    driver: str,
    user: User | None,
    vehicle: str | None = None,
    note: str | None = None,
) -> DeliveryRun:
    """Plan a driver's run from a depot on a day (one per depot, day and driver)."""
    depot = db.session.get(Depot, depot_id)
    if depot is None or not depot.active:
        raise DomainError(_l("Unknown depot."))
    driver = " ".join((driver or "").split())
    if not driver:
        raise DomainError(_l("Name the driver."))
    if len(driver) > DRIVER_MAX or (vehicle and len(vehicle) > VEHICLE_MAX):
        raise DomainError(_l("The driver's name or the vehicle is too long."))
    duplicate = db.session.scalar(
        select(DeliveryRun.id).where(
            DeliveryRun.depot_id == depot_id,
            DeliveryRun.run_date == run_date,
            func.lower(DeliveryRun.driver) == driver.lower(),
        )
    )
    if duplicate is not None:
        raise Conflict(_l("%(driver)s already has a run from this depot that day.", driver=driver))
    run = DeliveryRun(
        depot_id=depot_id,
        run_date=run_date,
        driver=driver,
        vehicle=vehicle or None,
        note=note or None,
        status="planned",
        total_km=0.0,
        created_by_id=user.id if user else None,
    )
    db.session.add(run)
    try:
        db.session.flush()
    except IntegrityError as exc:  # planned by someone else at the same moment
        raise Conflict(
            _l("%(driver)s already has a run from this depot that day.", driver=driver)
        ) from exc
    return run


def _next_position(run: DeliveryRun) -> int:
    if len(run.stops) >= MAX_STOPS:
        raise Conflict(_l("A run has at most %(max)s stops.", max=MAX_STOPS))
    return max((s.position for s in run.stops), default=-1) + 1


def _flush_planned(tags: list[str]) -> None:
    """Flush new stop items; the partial unique index refuses an item on two planned stops."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _l(
                "Already on another planned stop: %(tags)s.",
                tags=", ".join(tags),
            )
        ) from exc


# --- delivery stops -------------------------------------------------------------------------


def add_delivery_stop(
    *, run_id: int, request_id: int, handler_depot_ids: list[int] | None = None
) -> DeliveryPlanned:
    """Plan the delivery of a request's reserved items that sit in the run's depot.

    `handler_depot_ids`: the depots whose requests the planner may handle (None: any).
    """
    run = _run_for_update(run_id)
    _check_planned(run)
    request = db.session.get(DeviceRequest, request_id)
    if request is None or not queries.request_in_depot(
        request_id=request_id, depot_id=run.depot_id, handler_depot_ids=handler_depot_ids
    ):
        raise NotFound(_l("No such request for this depot."))
    active = requests.active_reservations(request_id=request.id)
    planned = queries.planned_reservation_ids([r.id for r in active])
    waiting = [r for r in active if r.id not in planned]
    if not waiting:
        raise Conflict(_l("The request has no reserved items waiting for delivery."))
    here = [r for r in waiting if r.item.depot_id == run.depot_id]
    elsewhere = [r for r in waiting if r.item.depot_id != run.depot_id]
    if not here:
        raise Conflict(
            _l(
                "None of the request's reserved items is in %(depot)s: %(items)s. "
                "Plan the delivery from the depot the items are in, or transfer them first.",
                depot=run.depot.name,
                items=describe_items(elsewhere),
            )
        )
    stop = RunStop(
        run_id=run.id,
        position=_next_position(run),
        kind="delivery",
        request_id=request.id,
        citizen_id=request.citizen_id,
        address=request.delivery_address,
        postcode=request.delivery_postcode,
        town=request.delivery_town,
        latitude=request.delivery_latitude,
        longitude=request.delivery_longitude,
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        note=request.note,
        status="planned",
    )
    for reservation in here:
        stop.items.append(RunStopItem(item_id=reservation.item_id, reservation_id=reservation.id))
    run.stops.append(stop)
    _flush_planned([r.item.asset_tag for r in here])
    refresh_total(run)
    return DeliveryPlanned(stop=stop, left_out=elsewhere)


def describe_items(reservations: list[Reservation]) -> str:
    """'HM0000012 (Herning Nord), …': reserved items and the depots they are in."""
    return ", ".join(f"{r.item.asset_tag} ({r.item.depot.name})" for r in reservations)


# --- pick-up stops --------------------------------------------------------------------------


def add_pickup_stop(*, run_id: int, loan_id: int) -> RunStop:
    """Plan fetching a loaned item, with the citizen's other items waiting for a pick-up.

    All of the citizen's open loans from the run's depot with a pick-up requested go on one
    stop; a planned pick-up stop for the citizen on this run is extended instead of doubled.
    """
    run = _run_for_update(run_id)
    _check_planned(run)
    loan = db.session.get(Loan, loan_id, populate_existing=True)
    if loan is None or loan.item.depot_id != run.depot_id:
        raise NotFound(_l("No such loan from this depot."))
    if loan.returned_at is not None:
        raise Conflict(_l("The loan has ended."))
    if loan.pickup_requested_at is None:
        raise Conflict(_l("No pick-up has been requested for this loan."))
    if queries.planned_loan_ids([loan.id]):
        raise Conflict(_l("%(tag)s is already on a planned pick-up stop.", tag=loan.item.asset_tag))
    citizen = loan.citizen
    loans = queries.citizen_pickup_loans(citizen_id=citizen.id, depot_id=run.depot_id)
    if loan not in loans:
        loans.insert(0, loan)
    stop = next(
        (
            s
            for s in ordered_stops(run)
            if s.kind == "pickup" and s.status == "planned" and s.citizen_id == citizen.id
        ),
        None,
    )
    if stop is None:
        if not citizen.address:
            raise DomainError(
                _l("The citizen has no address registered: add it on the citizen's page first.")
            )
        stop = RunStop(
            run_id=run.id,
            position=_next_position(run),
            kind="pickup",
            citizen_id=citizen.id,
            address=citizen.address,
            postcode=citizen.postcode,
            town=citizen.town,
            latitude=citizen.latitude,
            longitude=citizen.longitude,
            contact_phone=citizen.phone,
            status="planned",
        )
        run.stops.append(stop)
    for each in loans:
        stop.items.append(RunStopItem(item_id=each.item_id, loan_id=each.id))
    _flush_planned([each.item.asset_tag for each in loans])
    refresh_total(run)
    return stop


# --- order ----------------------------------------------------------------------------------


def remove_stop(*, run_id: int, stop_id: int) -> DeliveryRun:
    """Take a planned stop off the run; its items can be planned again."""
    run = _run_for_update(run_id)
    stop = _stop_of(run, stop_id)
    if stop.status != "planned":
        raise Conflict(_l("Only planned stops can be removed."))
    run.stops.remove(stop)
    db.session.flush()
    _renumber(ordered_stops(run))
    refresh_total(run)
    _refresh_run_status(run)
    return run


def move_stop(*, run_id: int, stop_id: int, direction: str) -> bool:
    """Swap a planned stop with the planned stop before or after it; False at the end."""
    if direction not in ("up", "down"):
        raise DomainError(_l("Move a stop up or down."))
    run = _run_for_update(run_id)
    _check_planned(run)
    stop = _stop_of(run, stop_id)
    if stop.status != "planned":
        raise Conflict(_l("Only planned stops can be moved."))
    planned = [s for s in ordered_stops(run) if s.status == "planned"]
    index = planned.index(stop)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(planned):
        return False
    neighbour = planned[other]
    stop.position, neighbour.position = neighbour.position, stop.position
    db.session.flush()
    refresh_total(run)
    return True


def optimise_run(*, run_id: int) -> tuple[float | None, float | None]:
    """Order the planned stops for a short route; returns the km before and after.

    Stops already made keep their places first; the rest are ordered from the last of them
    (or from the depot) and back to the depot. Stops without a known position go last.
    """
    run = _run_for_update(run_id)
    _check_planned(run)
    before = run.total_km
    stops = ordered_stops(run)
    made = [s for s in stops if s.status != "planned"]
    planned = [s for s in stops if s.status == "planned"]
    home = depot_position(run.depot)
    start = home
    for stop in reversed(made):
        point = stop_position(stop)[0]
        if point is not None:
            start = point
            break
    order = routing.plan_order([stop_position(s)[0] for s in planned], start=start, end=home)
    _renumber(made + [planned[i] for i in order])
    db.session.flush()
    refresh_total(run)
    return before, run.total_km


# --- doing the stops ------------------------------------------------------------------------


def _refresh_run_status(run: DeliveryRun) -> None:
    """A run with stops that are all done or failed is done."""
    if run.stops and all(s.status in ("done", "failed") for s in run.stops):
        run.status = "done"
    db.session.flush()


def complete_stop(
    *, run_id: int, stop_id: int, user: User | None, at: datetime | None = None
) -> RunStop:
    """The stop is made: deliveries start their loans, pick-ups take the items back.

    Any refusal (an item no longer reserved, a loan already ended) raises a Conflict, and
    the caller's rollback leaves everything as it was.
    """
    at = at or utcnow()
    run = _run_for_update(run_id)
    stop = _stop_of(run, stop_id)
    if stop.status != "planned":
        raise Conflict(_l("The stop is already marked done or failed."))
    for stop_item in stop.items:
        if stop_item.status != "planned":
            continue
        if stop.kind == "delivery":
            requests.deliver_reservation(reservation_id=stop_item.reservation_id, user=user, at=at)
        else:
            loan = db.session.get(Loan, stop_item.loan_id, populate_existing=True)
            if loan is None or loan.returned_at is not None or loan.item_id != stop_item.item_id:
                raise Conflict(
                    _l(
                        "The loan of %(tag)s has ended already: remove it from the stop.",
                        tag=stop_item.item.asset_tag,
                    )
                )
            items.take_back_item(
                item_id=stop_item.item_id,
                user=user,
                depot_id=run.depot_id,
                note=str(_l("Picked up on run %(id)s", id=run.id)),
                at=at,
            )
        stop_item.status = "done"
    stop.status = "done"
    stop.done_at = at
    stop.done_by_id = user.id if user else None
    _refresh_run_status(run)
    return stop


def fail_stop(
    *, run_id: int, stop_id: int, reason: str, user: User | None, at: datetime | None = None
) -> RunStop:
    """The stop could not be made: reservations stay active and loans open, to plan again."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_l("Say why the stop failed."))
    run = _run_for_update(run_id)
    stop = _stop_of(run, stop_id)
    if stop.status != "planned":
        raise Conflict(_l("The stop is already marked done or failed."))
    failed = str(_l("Not made: %(reason)s", reason=reason))
    stop.note = f"{stop.note}\n{failed}" if stop.note else failed
    for stop_item in stop.items:
        if stop_item.status == "planned":
            stop_item.status = "failed"
    stop.status = "failed"
    stop.done_at = at or utcnow()
    stop.done_by_id = user.id if user else None
    _refresh_run_status(run)
    return stop
