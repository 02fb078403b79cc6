"""Issue 4's performance target: the proposal of matching items for a request line at
1,000,000 items, p95 < 100 ms on PostgreSQL.

    .venv/bin/python bench/request_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_depot --reuse

Builds (or, with --reuse, keeps) the 1,000,000-item database exactly as bench/depot_bench.py
does, adds a few hundred realistic requests (product types of the demo catalogue, with
measurements taken from its products, some for a specific product, some that nothing fits),
then times `depot.requests.proposals.propose_items` for every request line, each call in a
fresh session as a web request would have it. Also times the counts the detail page shows and
the depot staff's detail page itself. Prints n, p50, p95 and max in milliseconds; no asserts.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from depot_bench import (  # the sibling script: same database, same generator
    PASSWORD,
    REFUSED_DATABASES,
    analyse,
    bench_config,
    ensure_database,
    generate,
    percentile,
    reset_schema,
)
from flask_migrate import upgrade
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

from depot.app import create_app
from depot.auth.models import User
from depot.catalogue.models import Product, ProductType
from depot.citizens.models import Citizen
from depot.extensions import db
from depot.items.models import Item
from depot.organisations.models import Depot, utcnow
from depot.requests import measurements, proposals, services
from depot.requests.models import DeviceRequest, RequestLine

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_depot"
MARKER = "request_bench"  # the note on the requests this script makes (replaced on each run)
TARGET_MS = 100.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--loans", type=int, default=200_000)
    parser.add_argument("--depots", type=int, default=20)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data when the database already has it"
    )
    parser.add_argument("--check-foreign-keys", action="store_true")
    parser.add_argument("--requests", type=int, default=300, help="requests to create and time")
    parser.add_argument("--warmup", type=int, default=20, help="untimed proposals first")
    parser.add_argument("--limit", type=int, default=10, help="items per proposal")
    parser.add_argument("--pages", type=int, default=100, help="detail pages to time (0: none)")
    return parser.parse_args(argv)


# --- the requests -----------------------------------------------------------------------------


def _measurements_for(rng: random.Random, product_type: ProductType, products) -> dict[str, int]:
    """What a therapist would measure: mostly a real product's sizes, sometimes anything."""
    fields = product_type.measurement_list
    rules = [measurements.RULES[f] for f in fields if f in measurements.RULES]
    if not rules or rng.random() < 0.25:
        return {}  # e.g. a basic package line: no measurements
    model = rng.choice(products)
    values = {}
    for rule in rules:
        value = getattr(model, rule.name)
        if value is None or rng.random() < 0.1:
            value = rng.randint(rule.minimum, rule.maximum)  # may well fit nothing
        elif rule.kind == "at_least":
            value = max(rule.minimum, value - rng.choice((0, 0, 10, 20)))
        values[rule.name] = min(max(value, rule.minimum), rule.maximum)
    return values


def create_requests(rng: random.Random, count: int) -> list[int]:
    """Requests of random citizens for random reusable types; returns the line ids."""
    db.session.execute(
        delete(RequestLine).where(
            RequestLine.request_id.in_(select(DeviceRequest.id).where(DeviceRequest.note == MARKER))
        )
    )
    db.session.execute(delete(DeviceRequest).where(DeviceRequest.note == MARKER))
    types = list(
        db.session.scalars(select(ProductType).where(ProductType.reusable).order_by(ProductType.id))
    )
    products = {
        t.id: list(
            db.session.scalars(
                select(Product).where(Product.product_type_id == t.id, Product.active)
            )
        )
        for t in types
    }
    types = [t for t in types if products[t.id]]
    citizen_ids = list(db.session.scalars(select(Citizen.id).order_by(Citizen.id)))
    created_at = utcnow() - timedelta(hours=6)
    for _ in range(count):
        citizen = db.session.get(Citizen, rng.choice(citizen_ids))
        depot = services.serving_depots(organisation_id=citizen.municipality_id)[0]
        lines = []
        for _ in range(rng.choice((1, 1, 1, 2, 4))):
            product_type = rng.choice(types)
            specific = rng.random() < 0.1
            lines.append(
                services.LineSpec(
                    product_type_id=product_type.id,
                    quantity=rng.choice((1, 1, 1, 2)),
                    product_id=rng.choice(products[product_type.id]).id if specific else None,
                    measurements=_measurements_for(rng, product_type, products[product_type.id]),
                )
            )
        services.create_request(
            citizen_id=citizen.id,
            organisation_id=citizen.municipality_id,
            depot_id=depot.id,
            user=None,
            lines=lines,
            legal_basis="Serviceloven §112",
            purpose="compensation",
            needed_by=created_at + timedelta(days=2),
            delivery_address=citizen.address or "Vejen 1",
            delivery_postcode=citizen.postcode,
            urgency=rng.choice(("normal", "normal", "urgent", "after_hours")),
            note=MARKER,
            at=created_at,
        )
    db.session.commit()
    return list(
        db.session.scalars(
            select(RequestLine.id)
            .join(DeviceRequest)
            .where(DeviceRequest.note == MARKER)
            .order_by(RequestLine.id)
        )
    )


# --- timing -----------------------------------------------------------------------------------


def _line_context(line_id: int) -> tuple[int, int]:
    """The handling depot and the organisation of its staff (the shared depot: the requester)."""
    line = db.session.get(RequestLine, line_id)
    depot = db.session.get(Depot, line.request.depot_id)
    return depot.id, depot.owner_id or line.request.organisation_id


def time_calls(label: str, line_ids: list[int], call, args) -> tuple:
    """Time `call(line_id)` per line, each in a fresh session (as one web request)."""
    for line_id in line_ids[: args.warmup]:
        call(line_id)
        db.session.remove()
    times, sizes = [], []
    for line_id in line_ids:
        started = time.perf_counter()
        result = call(line_id)
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(len(result) if isinstance(result, list) else result)
        db.session.remove()
    return label, times, sizes


def time_proposals(app, line_ids: list[int], args) -> list[tuple]:
    today = date.today()
    contexts = {}
    with app.app_context():
        for line_id in line_ids:
            contexts[line_id] = _line_context(line_id)
        db.session.remove()

    def propose(line_id: int, ignore: bool = False):
        depot_id, organisation_id = contexts[line_id]
        return proposals.propose_items(
            line_id=line_id,
            from_depot_id=depot_id,
            organisation_id=organisation_id,
            today=today,
            limit=args.limit,
            ignore_measurements=ignore,
        )

    def counts(line_id: int) -> int:
        return proposals.count_matching(line_id=line_id, today=today) + proposals.count_unfitting(
            line_id=line_id, today=today
        )

    with app.app_context():
        return [
            time_calls("propose_items", line_ids, propose, args),
            time_calls("propose_items, all sizes", line_ids, lambda i: propose(i, True), args),
            time_calls("count matching+unfitting", line_ids, counts, args),
        ]


def time_pages(app, args) -> tuple | None:
    """The detail page as depot staff of each request's depot see it (test client)."""
    if not args.pages:
        return None
    with app.app_context():
        rows = db.session.execute(
            select(DeviceRequest.id, Depot.owner_id, DeviceRequest.organisation_id)
            .join(Depot, Depot.id == DeviceRequest.depot_id)
            .where(DeviceRequest.note == MARKER)
            .order_by(DeviceRequest.id)
            .limit(args.pages)
        ).all()
        staff = {
            u.organisation_id: u.email
            for u in db.session.scalars(select(User).where(User.role == "depot_staff"))
        }
        db.session.remove()
    clients = {}
    times = []
    for request_id, owner_id, organisation_id in rows:
        email = staff.get(owner_id or organisation_id)
        if email is None:
            continue
        if email not in clients:
            client = app.test_client()
            client.post("/login", data={"email": email, "password": PASSWORD})
            clients[email] = client
        started = time.perf_counter()
        with clients[email].get(f"/depot/requests/{request_id}") as response:
            response.get_data()
            status = response.status_code
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            print(f"  detail page of request {request_id}: status {status}")
    return ("detail page (test client)", times, [])


def print_table(rows, dialect: str) -> None:
    print()
    print(f"{dialect}: {'timed call':<28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print("-" * 76)
    for label, times, _sizes in rows:
        print(
            f"{'':{len(dialect) + 2}}{label:<28} {len(times):>5} {percentile(times, 0.5):8.1f} "
            f"{percentile(times, 0.95):8.1f} {max(times):8.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = make_url(args.database_url)
    if url.database in REFUSED_DATABASES or not url.database:
        sys.exit(f"Refusing to use the database {url.database!r}: name a benchmark database.")
    ensure_database(url)
    app = create_app(bench_config(url.render_as_string(hide_password=False)))
    rng = random.Random(args.seed)
    with app.app_context():
        upgrade()
        present = db.session.scalar(select(func.count(Item.id)))
        if args.reuse and present:
            print(f"Reusing the data: {present:,} items.")
            db.session.rollback()
        else:
            db.session.rollback()
            reset_schema()
            generate(args)
            analyse()
        started = time.perf_counter()
        line_ids = create_requests(rng, args.requests)
        print(
            f"Created {args.requests} requests with {len(line_ids)} lines in "
            f"{time.perf_counter() - started:.1f} s."
        )
        dialect = db.engine.dialect.name
        db.session.remove()
    rows = time_proposals(app, line_ids, args)
    page = time_pages(app, args)
    if page and page[1]:
        rows.append(page)
    print_table(rows, dialect)
    found = rows[0][2]
    print(
        f"\nItems proposed per line (limit {args.limit}): "
        f"{sum(1 for n in found if n == args.limit)} full, "
        f"{sum(1 for n in found if 0 < n < args.limit)} partial, "
        f"{sum(1 for n in found if n == 0)} none. Target for propose_items: p95 < "
        f"{TARGET_MS:g} ms (PostgreSQL)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
