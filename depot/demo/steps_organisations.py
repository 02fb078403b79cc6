"""Demo steps for organisations, depots, users and citizens."""

from __future__ import annotations

from depot.auth.models import ROLES, User
from depot.citizens.models import Citizen
from depot.demo import people
from depot.demo import vocabulary as v
from depot.demo.context import DemoContext
from depot.extensions import db
from depot.organisations.models import Depot, DepotShare, Organisation

CITIZENS_PER_MUNICIPALITY = 40  # at scale 1
EMAIL_DOMAIN = "demo.dk"


def slugify(name: str) -> str:
    """'Ringkøbing-Skjern Kommune' -> 'ringkobing-skjern' (for email addresses)."""
    base = name.removesuffix(" Kommune").lower()
    for danish, ascii_ in (("æ", "ae"), ("ø", "o"), ("å", "aa")):
        base = base.replace(danish, ascii_)
    return "-".join("".join(c if c.isalnum() else " " for c in base).split())


def demo_email(role: str, slug: str) -> str:
    return f"{role}@{slug}.{EMAIL_DOMAIN}"


def create_organisations(ctx: DemoContext) -> None:
    """The region and the municipalities, as in the reference file."""
    for row in ctx.reference.organisations:
        organisation = Organisation(
            name=row.name,
            kind=row.kind,
            town=row.town,
            population=row.population,
            latitude=row.latitude,
            longitude=row.longitude,
        )
        db.session.add(organisation)
        if row.kind == "region":
            ctx.region = organisation  # the reference loader allows exactly one
        else:
            ctx.municipalities.append(organisation)
    db.session.flush()
    for organisation in ctx.organisations:
        slug = "region" if organisation is ctx.region else slugify(organisation.name)
        ctx.slugs[organisation.id] = slug


def _near(rng, latitude: float, longitude: float, spread: float = 0.012) -> tuple[float, float]:
    """A point within about a kilometre of the given one (an industrial area near the centre)."""
    return (
        round(latitude + rng.uniform(-spread, spread), 6),
        round(longitude + rng.uniform(-spread, spread) * 1.8, 6),
    )


def shared_depot_shares(ctx: DemoContext) -> list[tuple[Organisation, int]]:
    """Ownership shares in hundredths of a percent, summing to exactly 100.00 %.

    The region holds a fixed share; the municipalities split the rest in proportion to their
    population (largest remainder, so the rounding never loses a hundredth).
    """
    total = 100_00
    region_part = v.REGION_SHARE_PERCENT * 100 if ctx.region else 0
    rest = total - region_part
    weights = [max(m.population or 0, 1) for m in ctx.municipalities]
    exact = [rest * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[: rest - sum(parts)]:
        parts[i] += 1
    shares = list(zip(ctx.municipalities, parts, strict=True))
    if ctx.region:
        shares.insert(0, (ctx.region, region_part))
    return shares


def create_depots(ctx: DemoContext) -> None:
    """One depot per municipality, and the shared depot at Gødstrup."""
    rng = ctx.rng("depots")
    for municipality in ctx.municipalities:
        info = people.town_info(municipality.town)
        latitude, longitude = _near(rng, municipality.latitude, municipality.longitude)
        # Roughly 1 m³ per 100 inhabitants, rounded to 25 m³.
        capacity = round((municipality.population or 20_000) / 100 * rng.uniform(0.8, 1.2) / 25)
        depot = Depot(
            name=f"Hjælpemiddeldepot {municipality.town}",
            address=info.depot_address,
            postcode=info.postcode,
            town=municipality.town,
            latitude=latitude,
            longitude=longitude,
            capacity_m3=max(capacity, 4) * 25,
            opening_hours=info.opening_hours,
            owner_id=municipality.id,
        )
        db.session.add(depot)
        ctx.depots.append(depot)
    address, postcode, town = v.SHARED_DEPOT_ADDRESS
    anchor = ctx.region or ctx.municipalities[0]
    latitude, longitude = _near(rng, anchor.latitude, anchor.longitude, spread=0.003)
    shared = Depot(
        name=v.SHARED_DEPOT_NAME,
        address=address,
        postcode=postcode,
        town=town,
        latitude=latitude,
        longitude=longitude,
        capacity_m3=2_500,
        opening_hours=v.SHARED_DEPOT_HOURS,
        owner_id=None,
    )
    for organisation, hundredths in shared_depot_shares(ctx):
        shared.shares.append(DepotShare(organisation_id=organisation.id, percent=hundredths / 100))
    db.session.add(shared)
    ctx.depots.append(shared)
    ctx.shared_depot = shared
    db.session.flush()


def create_users(ctx: DemoContext) -> None:
    """Every role in every organisation: `<role>@<organisation>.demo.dk`.

    The rows are built directly rather than through auth.services.create_user, with one hash
    of the demo password shared by all: create_user hashes each password with the configured
    method (scrypt, about 0.1 s each), which would make seeding several seconds slower for
    no benefit, since every demo user has the same password anyway.
    """
    rng = ctx.rng("users")
    for organisation in ctx.organisations:
        slug = ctx.slugs[organisation.id]
        for role in ROLES:
            female = rng.random() < 0.6
            user = User(
                email=demo_email(role, slug),
                name=people.person_name(rng, female=female, elderly=False),
                password_hash=ctx.password_hash,
                role=role,
                organisation_id=organisation.id,
                active=True,
            )
            db.session.add(user)
            ctx.users.append(user)
    db.session.flush()


def create_citizens(ctx: DemoContext) -> None:
    """Synthetic citizens living in each municipality's town, with unique synthetic CPRs."""
    rng = ctx.rng("citizens")
    taken: set[str] = set()
    for municipality in ctx.municipalities:
        for _ in range(ctx.scaled(CITIZENS_PER_MUNICIPALITY)):
            born = people.birth_date(rng)
            female = rng.random() < 0.58  # most long-term borrowers are women
            cpr = people.synthetic_cpr(rng, born, female=female, taken=taken)
            address, postcode = people.street_address(rng, municipality.town)
            citizen = Citizen(
                cpr=cpr,
                name=people.person_name(rng, female=female, elderly=born.year <= 1960),
                address=address,
                postcode=postcode,
                town=municipality.town,
                phone=people.phone_number(rng) if rng.random() < 0.9 else None,
                municipality_id=municipality.id,
            )
            ctx.citizens.append(citizen)
    db.session.add_all(ctx.citizens)
    db.session.flush()
