"""Demo requests (issue 4): basic packages, citizens on the map, requests in every state.

The requests are made in the days before the demo anchor by each organisation's therapist
and answered through the real services (reserve, back-order, deliver), so the item events,
loans and request states are those the app itself would write.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select

from depot.catalogue.models import Product
from depot.demo.context import DemoContext
from depot.demo.depot_vocabulary import LEGAL_BASES
from depot.extensions import db
from depot.geo import POSTCODE_CENTRES
from depot.items.models import Item, ItemEvent
from depot.loans.models import Loan
from depot.requests import services
from depot.requests.models import BasicPackage, BasicPackageLine

# (name, description, [(ISO code, quantity)])
BASIC_PACKAGES = (
    (
        "Udskrivning til eget hjem",
        "Plejeseng, madras til forebyggelse af tryksår, toiletstol og rollator: det en borger "
        "typisk skal have klar derhjemme ved udskrivning.",
        (("18 12 10", 1), ("04 33 06", 1), ("09 12 03", 1), ("12 06 06", 1)),
    ),
    (
        "Forflytning i hjemmet",
        "Mobil personløfter med løftesejl til borgere, der ikke selv kan forflytte sig.",
        (("12 36 03", 1), ("12 36 21", 2)),
    ),
    (
        "Bad og toilet",
        "Badestol, toiletforhøjer og armstøtter.",
        (("09 33 03", 1), ("09 12 12", 1), ("09 12 24", 1)),
    ),
)
# Requests per municipality at scale 1, and the share answered in each way.
REQUESTS_PER_MUNICIPALITY = 8
# (state, weight): open, back-ordered, reserved (ready for a run), delivered.
OUTCOMES = (("open", 3), ("back_ordered", 1), ("reserved", 3), ("delivered", 2))
PICKUP_SHARE = 0.04  # of the open loans: the therapist has asked for a pick-up


def create_packages(ctx: DemoContext) -> None:
    """The basic packages a therapist can request in one step."""
    for name, description, lines in BASIC_PACKAGES:
        package = BasicPackage(name=name, description=description, active=True)
        for code, quantity in lines:
            product_type = ctx.product_types.get(code)
            if product_type is not None:
                package.lines.append(
                    BasicPackageLine(product_type_id=product_type.id, quantity=quantity)
                )
        if package.lines:
            db.session.add(package)
            ctx.packages.append(package)
    db.session.flush()


def place_citizens(ctx: DemoContext) -> None:
    """Each citizen's home near their postcode's centre, for ordering delivery stops."""
    rng = ctx.rng("citizen_positions")
    for citizen in ctx.citizens:
        centre = POSTCODE_CENTRES.get(citizen.postcode or "")
        if centre is None:
            centre = (citizen.municipality.latitude, citizen.municipality.longitude)
        citizen.latitude = round(centre[0] + rng.uniform(-0.02, 0.02), 6)
        citizen.longitude = round(centre[1] + rng.uniform(-0.035, 0.035), 6)
    db.session.flush()


def _available_items(product_type_id: int, depot_id: int, before: datetime) -> list[int]:
    products = select(Product.id).where(Product.product_type_id == product_type_id)
    return list(
        db.session.scalars(
            select(Item.id)
            .where(
                Item.product_id.in_(products),
                Item.depot_id == depot_id,
                Item.status == "available",
                Item.status_changed_at < before,
                or_(Item.next_inspection_due.is_(None), Item.next_inspection_due > before.date()),
            )
            # `+ 0`: use the (depot, status, product) index, not a walk of the primary key.
            .order_by(Item.id + 0)
            .limit(5)
        )
    )


def create_requests(ctx: DemoContext) -> None:
    """Requests of the last days before the anchor, answered by the depot in every way."""
    rng = ctx.rng("requests")
    anchor = datetime.combine(ctx.anchor, time())
    staff = {(u.organisation_id, u.role): u for u in ctx.users}
    reusable_types = [t for t in ctx.product_types.values() if t.reusable]
    states = [state for state, _ in OUTCOMES]
    weights = [weight for _, weight in OUTCOMES]
    count = delivered_loans = 0
    events_before = db.session.scalar(select(func.count(ItemEvent.id)))
    for municipality in ctx.municipalities:
        citizens = [c for c in ctx.citizens if c.municipality_id == municipality.id]
        therapist = staff.get((municipality.id, "therapist"))
        depot_staff = staff.get((municipality.id, "depot_staff"))
        depot = services.serving_depots(organisation_id=municipality.id)[0]
        for citizen in rng.sample(
            citizens, min(len(citizens), ctx.scaled(REQUESTS_PER_MUNICIPALITY))
        ):
            created = anchor - timedelta(hours=rng.uniform(6, 120))
            if ctx.packages and rng.random() < 0.3:
                package = rng.choice(ctx.packages)
                lines = services.package_lines(package_id=package.id)
            else:
                package = None
                product_type = rng.choice(reusable_types)
                lines = [services.LineSpec(product_type_id=product_type.id)]
            urgency = rng.choices(("normal", "urgent", "after_hours"), (7, 2, 1))[0]
            request = services.create_request(
                citizen_id=citizen.id,
                organisation_id=municipality.id,
                depot_id=depot.id,
                user=therapist,
                lines=lines,
                legal_basis=rng.choice(LEGAL_BASES[:3]),
                purpose="compensation",
                needed_by=created + timedelta(days=rng.choice((1, 2, 3, 7))),
                delivery_address=citizen.address or "",
                delivery_postcode=citizen.postcode,
                delivery_town=citizen.town,
                delivery_latitude=citizen.latitude,
                delivery_longitude=citizen.longitude,
                contact_name=citizen.name,
                contact_phone=citizen.phone,
                urgency=urgency,
                expected_duration_days=rng.choice((30, 90, 180, None)),
                package_id=package.id if package else None,
                at=created,
            )
            count += 1
            outcome = rng.choices(states, weights)[0]
            if outcome == "open":
                continue
            answered = created + timedelta(hours=rng.uniform(0.5, 4))
            for line in request.lines:
                found = _available_items(line.product_type_id, depot.id, answered)
                if outcome == "back_ordered" or len(found) < line.quantity:
                    services.back_order_line(line_id=line.id, user=depot_staff, at=answered)
                    continue
                for item_id in found[: line.quantity]:
                    services.reserve_for_line(
                        line_id=line.id, item_id=item_id, user=depot_staff, at=answered
                    )
            # An exact loan count (the benchmark's volumes) leaves deliveries out.
            exact_loans = ctx.loan_count is not None
            if outcome == "delivered" and request.status == "reserved" and not exact_loans:
                delivered = min(
                    answered + timedelta(hours=rng.uniform(4, 30)), anchor - timedelta(minutes=5)
                )
                for reservation in services.active_reservations(request_id=request.id):
                    services.deliver_reservation(
                        reservation_id=reservation.id, user=depot_staff, at=delivered
                    )
                    delivered_loans += 1
    ctx.written["requests"] = count
    # The loans the deliveries started count with the history's in the summary.
    for kind in ("loans", "open loans"):
        ctx.written[kind] = ctx.written.get(kind, 0) + delivered_loans
    events = db.session.scalar(select(func.count(ItemEvent.id))) - events_before
    ctx.written["item events"] = ctx.written.get("item events", 0) + events


def request_pickups(ctx: DemoContext) -> None:
    """Therapists have asked for some open loans to be picked up."""
    rng = ctx.rng("pickups")
    anchor = datetime.combine(ctx.anchor, time())
    open_loans = db.session.scalars(
        select(Loan).where(Loan.returned_at.is_(None)).order_by(Loan.id)
    ).all()
    for loan in open_loans:
        if rng.random() < PICKUP_SHARE:
            loan.pickup_requested_at = anchor - timedelta(hours=rng.uniform(1, 72))
    db.session.flush()
