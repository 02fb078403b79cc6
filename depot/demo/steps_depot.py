"""Demo steps for depot operations: extra depots, inspection plans and the reusable fleet.

The fleet is planned here (which product, depot, owner, serial number and receipt time each
item has) and kept in the context; the history step simulates its year and writes the rows.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from depot.demo import bulk, people
from depot.demo import depot_vocabulary as dv
from depot.demo.context import DemoContext
from depot.demo.steps_organisations import _near
from depot.demo.timeline import MINUTES_PER_DAY, Clock
from depot.extensions import db
from depot.items.models import InspectionPlan, Item
from depot.items.services import ASSET_TAG_PREFIX
from depot.organisations.models import Depot, Organisation

OLDEST_ITEM_YEARS = 6


@dataclass
class Fleet:
    """The planned items, one entry per item in every list, in id (= receipt) order."""

    clock: Clock
    first_id: int
    type_codes: list[str]  # type index -> ISO code
    type_ids: list[int]  # type index -> product type id
    product: list[int] = field(default_factory=list)
    type_index: list[int] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # organisation id
    depot: list[int] = field(default_factory=list)  # index into ctx.depots
    received: list[int] = field(default_factory=list)  # minutes on the clock
    serial: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.product)

    def asset_tag(self, index: int) -> str:
        return f"{ASSET_TAG_PREFIX}{self.first_id + index:07d}"


def own_depots(ctx: DemoContext) -> dict[int, list[int]]:
    """Municipality id -> indexes of the depots it owns (its main depot first)."""
    result: dict[int, list[int]] = defaultdict(list)
    for index, depot in enumerate(ctx.depots):
        if depot.owner_id is not None:
            result[depot.owner_id].append(index)
    return result


def _extra_depot_counts(municipalities: list[Organisation], extra: int) -> list[int]:
    """How many extra depots each municipality gets: by population, largest remainder."""
    weights = [max(m.population or 0, 1) for m in municipalities]
    exact = [extra * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: extra - sum(counts)]:
        counts[i] += 1
    return counts


def create_extra_depots(ctx: DemoContext) -> None:
    """More municipal depots when an exact depot count is asked for (the benchmark's 20)."""
    if ctx.depot_count is None or ctx.depot_count <= len(ctx.depots):
        return
    rng = ctx.rng("extra_depots")
    counts = _extra_depot_counts(ctx.municipalities, ctx.depot_count - len(ctx.depots))
    main = {d.owner_id: d for d in ctx.depots if d.owner_id is not None}
    for municipality, count in zip(ctx.municipalities, counts, strict=True):
        info = people.town_info(municipality.town)
        for n in range(count):
            suffix = (
                dv.EXTRA_DEPOT_SUFFIXES[n]
                if n < len(dv.EXTRA_DEPOT_SUFFIXES)
                else str(n + 2 - len(dv.EXTRA_DEPOT_SUFFIXES))
            )
            latitude, longitude = _near(rng, municipality.latitude, municipality.longitude, 0.05)
            street = rng.choice((*info.streets, "Industrivej", "Lagervej", "Transportvej"))
            depot = Depot(
                name=f"Hjælpemiddeldepot {municipality.town} {suffix}",
                address=f"{street} {rng.randint(1, 80)}",
                postcode=info.postcode,
                town=municipality.town,
                latitude=latitude,
                longitude=longitude,
                capacity_m3=rng.randrange(150, 801, 25),
                opening_hours=main[municipality.id].opening_hours
                if municipality.id in main
                else info.opening_hours,
                owner_id=municipality.id,
            )
            db.session.add(depot)
            ctx.depots.append(depot)
    db.session.flush()


def create_inspection_plans(ctx: DemoContext) -> None:
    """Hoists and slings every 12 months, care beds every 24, powered wheelchairs after loans."""
    count = 0
    for code, spec in dv.INSPECTION_PLANS.items():
        product_type = ctx.product_types.get(code)
        if product_type is None:
            continue
        db.session.add(
            InspectionPlan(
                product_type_id=product_type.id,
                interval_months=spec.interval_months,
                after_every_loan=spec.after_every_loan,
                instructions=spec.instructions,
            )
        )
        count += 1
    db.session.flush()
    ctx.written["inspection plans"] = count


def _serial_prefix(name: str) -> str:
    """'Vestmo Comfort 45' -> 'VES' (ASCII letters of the brand)."""
    folded = unicodedata.normalize("NFKD", name.replace("ø", "o").replace("æ", "ae"))
    letters = [c for c in folded.upper() if "A" <= c <= "Z"]
    return "".join(letters[:3]).ljust(3, "X")


def _cumulative(weights: list[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def _depot_weights(ctx: DemoContext) -> list[float]:
    """Share of the fleet per depot: the shared depot a fixed share, the rest by population."""
    owned = own_depots(ctx)
    population = sum(max(m.population or 0, 1) for m in ctx.municipalities)
    weights = []
    for depot in ctx.depots:
        if depot.owner_id is None:
            weights.append(dv.SHARED_DEPOT_FLEET_SHARE if ctx.shared_depot is not None else 0)
            continue
        owner = next(m for m in ctx.municipalities if m.id == depot.owner_id)
        depots = owned[owner.id]
        parts = 2 * 1 + (len(depots) - 1)  # the main depot holds twice as much as an extra one
        part = 2 if depots[0] == ctx.depots.index(depot) else 1
        share = (1 - dv.SHARED_DEPOT_FLEET_SHARE) * max(owner.population or 0, 1) / population
        weights.append(share * part / parts)
    return weights


def create_items(ctx: DemoContext) -> None:
    """Plan the reusable fleet: ~2,000 items at scale 1 across the depots (nothing written yet)."""
    rng = ctx.rng("items")
    clock = Clock.for_anchor(ctx.anchor)
    reusable = [p for p in ctx.products if p.reusable]
    by_type: dict[int, list] = defaultdict(list)
    for product in reusable:
        by_type[product.product_type_id].append(product)
    code_of = {t.id: code for code, t in ctx.product_types.items()}
    type_ids = [t for t in by_type if t in code_of]
    codes = [code_of[t] for t in type_ids]
    fleet = Fleet(
        clock=clock, first_id=bulk.next_id(Item.__table__), type_codes=codes, type_ids=type_ids
    )
    count = ctx.item_count if ctx.item_count is not None else ctx.scaled(dv.ITEMS_AT_SCALE_1)
    if not type_ids or count <= 0:
        ctx.fleet = fleet
        return
    profiles = [dv.LOAN_PROFILES.get(code, dv.FALLBACK_PROFILE) for code in codes]
    type_weights = _cumulative([p.fleet_weight for p in profiles])
    types = rng.choices(range(len(codes)), cum_weights=type_weights, k=count)
    depot_weights = _cumulative(_depot_weights(ctx))
    depots = rng.choices(range(len(ctx.depots)), cum_weights=depot_weights, k=count)
    # Within a type the first products are the popular ones.
    product_cum = [
        _cumulative([1 / (rank + 1) for rank in range(len(by_type[t]))]) for t in type_ids
    ]
    shares = (
        [(s.organisation_id, s.percent) for s in ctx.shared_depot.shares]
        if ctx.shared_depot is not None
        else []
    )
    share_cum = _cumulative([p for _, p in shares])
    # Products per type, and owners of the shared depot's items, drawn in one go each.
    per_type = [0] * len(codes)
    for t in types:
        per_type[t] += 1
    drawn = [
        iter(
            rng.choices(
                [p.id for p in by_type[type_ids[t]]], cum_weights=product_cum[t], k=per_type[t]
            )
        )
        for t in range(len(codes))
    ]
    depot_owner = [d.owner_id for d in ctx.depots]
    in_shared = sum(depot_owner[d] is None for d in depots)
    shared_owners = iter(
        rng.choices([o for o, _ in shares], cum_weights=share_cum, k=in_shared) if shares else []
    )
    planned = []  # (received, type, product, depot, owner)
    old_span = OLDEST_ITEM_YEARS * 365 * MINUTES_PER_DAY
    in_year: dict[tuple[int, int], list[int]] = defaultdict(list)
    for n in range(count):
        t, d = types[n], depots[n]
        product = next(drawn[t])
        owner_id = depot_owner[d]
        if owner_id is None:
            owner_id = next(shared_owners)
        if rng.random() < dv.RECEIVED_IN_YEAR:
            in_year[(d, product)].append(len(planned))
            received = 0
        else:
            day = (-old_span + rng.randrange(old_span - 14 * MINUTES_PER_DAY)) // MINUTES_PER_DAY
            received = clock.work_time(day, rng)
        planned.append([received, t, product, d, owner_id])
    # Items bought during the year arrive in deliveries of 1-8 of the same product.
    for indexes in in_year.values():
        position = 0
        while position < len(indexes):
            size = rng.randint(1, 8)
            received = clock.work_time(rng.randrange(clock.days - 1), rng)
            for index in indexes[position : position + size]:
                planned[index][0] = received
            position += size
    planned.sort(key=lambda row: row[0])
    prefixes = {p.id: _serial_prefix(p.name) for p in reusable}
    months: dict[int, str] = {}  # day -> "yymm"
    for number, (received, t, product, d, owner_id) in enumerate(planned, start=1):
        fleet.received.append(received)
        fleet.type_index.append(t)
        fleet.product.append(product)
        fleet.depot.append(d)
        fleet.owner.append(owner_id)
        if profiles[t].serial:
            day = received // MINUTES_PER_DAY
            if day not in months:
                months[day] = f"{clock.day_date(day):%y%m}"
            fleet.serial.append(f"{prefixes[product]}{months[day]}-{number:07d}")
        else:
            fleet.serial.append(None)
    ctx.fleet = fleet
