"""Demo handovers and deviation cases (issue 5).

Discharge handovers from the hospital to each municipality and admission notices the other
way, for some demo citizens, written through the real services: devices needed with their
measurements, relatives and neighbours with phone numbers, home access. The newest are sent
and still unread in the receivers' inboxes, older ones acknowledged, their devices delivered
and the discharges recorded, a few of them delayed. Deviation cases cover the two quarters
before the demo anchor in every state: opened automatically where a device was delivered by
another party than the clarification catalogue suggests (record_delivery), and by hand; the
coordinators' monthly meetings (the second Tuesday) discussed and concluded the older ones.

Runs after the clarification rules are seeded: without rules, no need has a suggestion and
only the cases opened by hand appear. Times are set relative to the anchor (the services
stamp the real clock, so the step moves their timestamps back). Flushes, never commits.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from depot.auth.models import User
from depot.citizens.models import Citizen
from depot.clarification.services import suggest_party
from depot.demo import people
from depot.demo.context import DemoContext
from depot.deviations import services as deviations
from depot.deviations.models import DeviationCase
from depot.extensions import db
from depot.handovers import services
from depot.handovers.models import DELAY_CAUSES, Handover
from depot.organisations.models import Organisation
from depot.requests import measurements

# Per municipality at scale 1; every fourth is an admission notice, the others discharges.
HANDOVERS_PER_MUNICIPALITY = 8
DRAFTS = 2  # the hospital's unfinished discharge handovers
DAYS_BACK = 118  # handovers are sent within this many days before the anchor
UNREAD_WITHIN_DAYS = 6  # sent this recently: mostly still unread
DELAY_SHARE = 0.2  # of the recorded discharges: waited for a device
OTHER_PARTY_SHARE = 0.2  # of the delivered needs: delivered by the other party
OVERRIDE_SHARE = 0.1  # of the needs: the therapist does not follow the catalogue
AGENDA_DAYS = 7  # a case is on a meeting's agenda when opened at least a week before
CASES_BY_HAND_DAYS_BACK = (112, 96, 81, 67, 52, 38, 24, 9, 3)

NEEDED_TYPES = (
    "18 12 10",  # care bed
    "04 33 06",  # pressure-relief mattress
    "09 12 03",  # commode chair
    "12 06 06",  # rollator
    "12 22 03",  # manual wheelchair
    "12 36 03",  # mobile hoist
    "12 36 21",  # sling
    "09 33 03",  # shower chair
    "12 06 03",  # walking frame
)
DEPARTMENTS = (
    "Ortopædkirurgisk afdeling, Gødstrup",
    "Medicinsk afdeling, Gødstrup",
    "Neurologisk afdeling, Gødstrup",
    "Geriatrisk afsnit, Gødstrup",
    "Akutafdelingen, Gødstrup",
)
RELATIONS = ("datter", "søn", "ægtefælle", "nabo", "barnebarn", "bror", "søster", "nabo")
HOME_SITUATIONS = (
    "Bor alene i lejlighed. Hjemmepleje morgen og aften.",
    "Bor med ægtefælle i parcelhus, soveværelse på 1. sal.",
    "Bor alene i rækkehus i ét plan. Datter kommer dagligt.",
    "Bor i ældrebolig med nødkald.",
    "Bor med ægtefælle, som selv er gangbesværet.",
)
ACCESS_NOTES = (
    "Smal entré, dørtrin ved terrassedør.",
    "Nøgle i nøgleboks ved hoveddøren.",
    "Parkering bag huset, indgang fra gården.",
    None,
)
FLOORS = ("stuen", "1. sal", "2. sal", "kælder + stue")
DURATIONS = (None, None, 42, 90, 180)
# Typical measurements of a citizen, per measurement (within the request rules' bounds).
MEASUREMENT_RANGES = {
    "seat_width_cm": (38, 52),
    "seat_depth_cm": (38, 50),
    "seat_height_cm": (40, 55),
    "length_cm": (190, 210),
    "width_cm": (80, 100),
    "height_cm": (40, 80),
    "max_user_weight_kg": (55, 140),
    "user_height_cm": (150, 192),
}
OVERRIDE_REASONS = (
    "Udskrivning fredag eftermiddag: kommunen kan først levere mandag.",
    "Aftalt med kommunens terapeut i telefonen.",
    "Borgeren har brug for den i genoptræningen på sygehuset.",
)
CAUSE_WEIGHTS = (
    ("catalogue_unclear", 3),
    ("handover_error", 2),
    ("municipality_late", 3),
    ("after_hours", 3),
    ("other", 1),
)
CAUSE_NOTES = {
    "catalogue_unclear": "Kataloget skelner ikke mellem midlertidigt og varigt behov her.",
    "handover_error": "Forkert leverandør angivet i udskrivningsrapporten.",
    "municipality_late": "Kommunens depot havde ingen ledig i størrelsen før udskrivningen.",
    "after_hours": "Udskrivning efter kl. 15: regionen leverede for at undgå ventetid.",
    "other": "Borgeren skiftede kommune under indlæggelsen.",
}
CONCLUSIONS = {
    "taken_over": ("Afklaret: den ansvarlige part overtager hjælpemidlet og betaler for det.",),
    "returned": ("Hjælpemidlet returneres til leverandørens depot; ingen betaling.",),
    "none": (
        "Afklaringskataloget præciseres på næste møde.",
        "Enighed om ansvaret; ingen videre handling.",
    ),
}


def _users(ctx: DemoContext) -> dict[tuple[int, str], User]:
    return {(u.organisation_id, u.role): u for u in ctx.users}


def _meetings(anchor: date) -> list[date]:
    """The coordinators' meetings: the second Tuesday of the five months before the anchor."""
    days = []
    year, month = anchor.year, anchor.month
    for _ in range(5):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        first = date(year, month, 1)
        tuesday = first + timedelta(days=(1 - first.weekday()) % 7 + 7)
        if tuesday < anchor:
            days.append(tuesday)
    return sorted(days)


def _measure(rng, product_type) -> dict[str, int]:
    values = {}
    for rule in measurements.fields_for(product_type.measurement_list):
        low, high = MEASUREMENT_RANGES.get(rule.name, (rule.minimum, rule.maximum))
        values[rule.name] = rng.randint(max(low, rule.minimum), min(high, rule.maximum))
    return values


def _contacts(rng) -> list[services.ContactSpec]:
    contacts = []
    for n in range(rng.choice((1, 1, 2, 2, 3))):
        relation = rng.choice(RELATIONS)
        contacts.append(
            services.ContactSpec(
                name=people.person_name(rng, female=rng.random() < 0.6, elderly=False),
                relation=relation,
                phone=people.phone_number(rng),
                has_key=relation == "nabo" or (n == 0 and rng.random() < 0.6),
            )
        )
    return contacts


def _home(rng) -> dict:
    stairs = rng.choice((0, 0, 3, 12, 16))
    return {
        "home_situation": rng.choice(HOME_SITUATIONS),
        "floor": rng.choice(FLOORS),
        "stairs_steps": stairs,
        "has_lift": stairs > 10 and rng.random() < 0.4,
        "door_width_cm": rng.choice((72, 77, 80, 82, 90)),
        "has_key_box": rng.random() < 0.5,
        "access_note": rng.choice(ACCESS_NOTES),
        "consent_to_contact": rng.random() < 0.9,
    }


def _in_use(handover: Handover) -> list[services.DeviceSpec]:
    """The devices in use start_handover pre-filled, as specs for save_draft."""
    return [
        services.DeviceSpec(
            section="in_use",
            product_type_id=d.product_type_id,
            quantity=d.quantity,
            note=d.note,
            item_id=d.item_id,
        )
        for d in handover.devices_in_use
    ]


def _needs(ctx: DemoContext, rng, needed_by: datetime) -> list[services.DeviceSpec]:
    types = [ctx.product_types[c] for c in NEEDED_TYPES if c in ctx.product_types]
    specs = []
    for product_type in rng.sample(types, min(len(types), rng.choice((1, 2, 2, 3)))):
        duration = rng.choice(DURATIONS)
        suggestion = suggest_party(product_type=product_type, expected_duration_days=duration).party
        delivered_by, reason = None, None
        if suggestion is None:  # the catalogue can't say: the therapist decides, with a reason
            delivered_by, reason = "municipality", OVERRIDE_REASONS[1]
        elif rng.random() < OVERRIDE_SHARE:
            delivered_by = "region" if suggestion == "municipality" else "municipality"
            reason = rng.choice(OVERRIDE_REASONS)
        specs.append(
            services.DeviceSpec(
                section="needed",
                product_type_id=product_type.id,
                measurements=_measure(rng, product_type),
                needed_by=needed_by,
                expected_duration_days=duration,
                delivered_by=delivered_by,
                override_reason=reason,
            )
        )
    return specs


def _backdate(handover: Handover, *, created: datetime, sent: datetime | None) -> None:
    handover.created_at = created
    handover.updated_at = sent or created
    if sent is not None:
        handover.sent_at = sent
    db.session.flush()  # before a service refreshes the handover


def _discharge(ctx, rng, citizen: Citizen, region: Organisation, nurse: User, sent: datetime):
    admitted = sent - timedelta(days=rng.uniform(2, 12))
    expected = sent + timedelta(hours=rng.uniform(20, 96))
    handover = services.start_handover(
        kind="discharge", citizen_id=citizen.id, sender_id=region.id, user=nurse
    )
    services.save_draft(
        handover=handover,
        expected_version=None,
        user=nurse,
        fields={
            "department": rng.choice(DEPARTMENTS),
            "contact_name": nurse.name,
            "contact_phone": f"78 43 {rng.randrange(100):02d} {rng.randrange(100):02d}",
            "admitted_at": admitted.replace(microsecond=0),
            "expected_discharge_at": expected.replace(minute=0, second=0, microsecond=0),
            "note": "Ring til kontaktpersonen før levering." if rng.random() < 0.3 else None,
            **_home(rng),
        },
        devices=_in_use(handover) + _needs(ctx, rng, expected),
        contacts=_contacts(rng),
    )
    return handover


def _deliver(rng, handover: Handover, anchor: datetime) -> list[DeviationCase]:
    """Record who delivered each need before the discharge; cases open where it deviates."""
    opened = []
    for device in handover.devices_needed:
        if device.delivered_by is None:
            continue
        at = handover.expected_discharge_at - timedelta(hours=rng.uniform(1, 18))
        at = min(max(at, handover.sent_at + timedelta(hours=1)), anchor - timedelta(hours=1))
        party = device.delivered_by
        if rng.random() < OTHER_PARTY_SHARE:
            party = "region" if party == "municipality" else "municipality"
        case = services.record_delivery(device=device, party=party, user=None, at=at)
        if case is not None:
            case.opened_at = at  # the case opened when the delivery was recorded
            db.session.flush()
            opened.append(case)
    return opened


def _record_discharge(rng, handover: Handover, nurse: User, anchor: datetime) -> None:
    delay = rng.choice((2, 4, 6, 18, 24, 30, 48)) if rng.random() < DELAY_SHARE else 0
    discharged = handover.expected_discharge_at + timedelta(hours=delay)
    if discharged >= anchor:
        return
    cause = rng.choice(DELAY_CAUSES) if delay else None
    services.record_discharge(
        handover=handover,
        discharged_at=discharged,
        delay_hours=delay,
        delay_cause=cause,
        delay_note="Ventede på hjælpemidler fra depotet." if delay and rng.random() < 0.5 else None,
        user=nurse,
    )
    handover.updated_at = discharged
    db.session.flush()


def _admission(ctx, rng, citizen: Citizen, municipality: Organisation, therapist: User, sent):
    handover = services.start_handover(
        kind="admission", citizen_id=citizen.id, sender_id=municipality.id, user=therapist
    )
    devices = _in_use(handover)
    if not devices:  # no loans from the depot: the citizen's own rollator
        rollator = ctx.product_types.get("12 06 06") or next(iter(ctx.product_types.values()))
        devices = [
            services.DeviceSpec(
                section="in_use", product_type_id=rollator.id, note="Egen rollator (privat)"
            )
        ]
    services.save_draft(
        handover=handover,
        expected_version=None,
        user=therapist,
        fields={
            "contact_name": therapist.name,
            "contact_phone": people.phone_number(rng),
            "admitted_at": (sent - timedelta(hours=rng.uniform(1, 8))).replace(microsecond=0),
            **_home(rng),
        },
        devices=devices,
        contacts=_contacts(rng),
    )
    return handover


def _send(handover: Handover, user: User, sent: datetime) -> None:
    services.send_handover(handover=handover, expected_version=None, user=user)
    _backdate(handover, created=sent - timedelta(minutes=40), sent=sent)


def _receive(
    rng, handover: Handover, receiver: User, sent: datetime, anchor: datetime, *, unread: bool
) -> None:
    """Recent handovers are mostly unread; older ones read and acknowledged within hours."""
    recent = anchor - sent < timedelta(days=UNREAD_WITHIN_DAYS)
    if unread or (recent and rng.random() < 0.7):
        return
    services.acknowledge(handover=handover, user=receiver)
    at = min(sent + timedelta(hours=rng.uniform(0.5, 20)), anchor - timedelta(minutes=10))
    handover.read_at = at
    handover.acknowledged_at = at
    db.session.flush()


def create_handovers(ctx: DemoContext) -> list[DeviationCase]:
    """Handovers for some citizens of each municipality; the automatic cases they opened."""
    rng = ctx.rng("handovers")
    anchor = datetime.combine(ctx.anchor, time())
    users = _users(ctx)
    region = ctx.region
    nurse = users[(region.id, "therapist")]
    cases: list[DeviationCase] = []
    count = 0
    for municipality in ctx.municipalities:
        therapist = users[(municipality.id, "therapist")]
        citizens = [c for c in ctx.citizens if c.municipality_id == municipality.id]
        chosen = rng.sample(citizens, min(len(citizens), ctx.scaled(HANDOVERS_PER_MUNICIPALITY)))
        for n, citizen in enumerate(chosen):
            # Spread over the window, the newest first: the newest discharge handover and the
            # newest admission notice of each municipality wait unread in the inboxes.
            days = 1 + (n + rng.random()) * (DAYS_BACK - 1) / max(1, len(chosen))
            sent = (anchor - timedelta(days=days)).replace(second=0, microsecond=0)
            if n % 4 != 3:
                handover = _discharge(ctx, rng, citizen, region, nurse, sent)
                _send(handover, nurse, sent)
                _receive(rng, handover, therapist, sent, anchor, unread=n == 0)
                if handover.status == "acknowledged" and handover.expected_discharge_at < anchor:
                    cases += _deliver(rng, handover, anchor)
                    _record_discharge(rng, handover, nurse, anchor)
            else:
                handover = _admission(ctx, rng, citizen, municipality, therapist, sent)
                _send(handover, therapist, sent)
                _receive(rng, handover, nurse, sent, anchor, unread=n == 3)
            count += 1
    for citizen in rng.sample(ctx.citizens, min(len(ctx.citizens), DRAFTS)):
        created = anchor - timedelta(hours=rng.uniform(2, 30))
        handover = _discharge(ctx, rng, citizen, region, nurse, created)
        _backdate(handover, created=created, sent=None)
        count += 1
    db.session.flush()
    ctx.written["handovers"] = count
    return cases


def create_cases_by_hand(ctx: DemoContext) -> list[DeviationCase]:
    """Cases the coordinators learned of outside the system (some name a handover)."""
    rng = ctx.rng("deviation_cases_by_hand")
    anchor = datetime.combine(ctx.anchor, time())
    coordinator = _users(ctx)[(ctx.region.id, "coordinator")]
    types = [ctx.product_types[c] for c in NEEDED_TYPES if c in ctx.product_types]
    cases = []
    for days in CASES_BY_HAND_DAYS_BACK:
        municipality = rng.choice(ctx.municipalities)
        at = anchor - timedelta(days=days, hours=rng.uniform(0, 8))
        handover_id = db.session.scalar(
            select(Handover.id)
            .where(
                Handover.receiver_id == municipality.id,
                Handover.kind == "discharge",
                Handover.status == "acknowledged",
                Handover.sent_at < at,
            )
            .order_by(Handover.sent_at.desc(), Handover.id)
            .limit(1)
        )
        delivered_by = rng.choice(("region", "municipality"))
        case = deviations.open_case(
            municipality_id=municipality.id,
            product_type_id=rng.choice(types).id,
            delivered_by=delivered_by,
            should_have_been="municipality" if delivered_by == "region" else "region",
            handover_id=handover_id if rng.random() < 0.6 else None,
            cause_note="Meldt af kommunens hjælpemiddelkonsulent.",
            minutes_spent=rng.choice((15, 30, 45, 60)),
            user=coordinator,
            at=at,
        )
        cases.append(case)
    return cases


def review_cases(ctx: DemoContext, cases: list[DeviationCase]) -> None:
    """The coordinators' meetings assessed, discussed and concluded the older cases."""
    rng = ctx.rng("deviation_reviews")
    coordinator = _users(ctx)[(ctx.region.id, "coordinator")]
    meetings = _meetings(ctx.anchor)
    causes = [c for c, _ in CAUSE_WEIGHTS]
    weights = [w for _, w in CAUSE_WEIGHTS]
    for case in sorted(cases, key=lambda c: (c.opened_at, c.id)):
        opened = deviations.opened_on(case)
        later = [m for m in meetings if m >= opened + timedelta(days=AGENDA_DAYS)]
        if not later and rng.random() < 0.5:
            continue  # new and not yet looked at
        cause = case.cause or rng.choices(causes, weights)[0]
        settlement, amount = "none", None
        if len(later) >= 2:  # concluded at the meeting after the one that discussed it
            settlement = rng.choice(("none", "returned", "taken_over", "taken_over"))
            if settlement == "taken_over":
                amount = Decimal(rng.choice((1850, 3200, 4975, 7600, 12400))).quantize(
                    Decimal("0.01")
                )
        deviations.assess_case(
            case=case,
            cause=cause,
            cause_note=case.cause_note or CAUSE_NOTES[cause],
            minutes_spent=case.minutes_spent + rng.choice((20, 35, 50, 75, 120)),
            settlement=settlement,
            settlement_amount=amount,
            user=coordinator,
        )
        if not later:
            continue
        meeting = later[0]
        deviations.mark_discussed(
            case=case, meeting_date=meeting, user=coordinator, at=_meeting_time(meeting)
        )
        if len(later) >= 2:
            deviations.conclude_case(
                case=case,
                conclusion=rng.choice(CONCLUSIONS[settlement]),
                user=coordinator,
                at=_meeting_time(later[1]),
            )
    db.session.flush()


def _meeting_time(day: date) -> datetime:
    return datetime.combine(day, time(13, 0))  # UTC: the afternoon meeting, Danish time


def seed_handovers(ctx: DemoContext) -> None:
    """Handovers, admission notices and deviation cases in every state; flushes."""
    cases = create_handovers(ctx)
    cases += create_cases_by_hand(ctx)
    review_cases(ctx, cases)
    ctx.written["deviation cases"] = len(cases)
    db.session.flush()
