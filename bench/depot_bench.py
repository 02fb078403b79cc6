"""Issue 3's performance target: depot pages at 1,000,000 items on PostgreSQL.

    .venv/bin/python bench/depot_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_depot \\
        --items 1000000 --loans 200000 --depots 20

Creates the database if missing, runs the migrations, generates the data with the demo
generator (or keeps it with --reuse), analyses the tables, then times the pages through the
Flask test client logged in as depot staff: p50/p95/max per page against the targets.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine, make_url

from depot.app import create_app
from depot.catalogue.models import Product
from depot.demo.generator import seed_demo_data
from depot.extensions import db
from depot.items.models import Item
from depot.loans.models import Loan
from depot.organisations.models import Depot

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_depot"
PASSWORD = "bench-password-2026"  # noqa: S105  (a throw-away benchmark database)
STAFF_EMAIL = "depot_staff@herning.demo.dk"
REFUSED_DATABASES = {"test", "postgres", "template0", "template1"}
LOOKUP_TARGET_MS, PAGE_TARGET_MS = 20.0, 150.0
BULK_TABLES = (
    "item",
    "loan",
    "item_event",
    "inspection",
    "transfer",
    "stock_level",
    "stock_movement",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--loans", type=int, default=200_000)
    parser.add_argument("--depots", type=int, default=20)
    parser.add_argument(
        "--scale", type=float, default=10, help="demo scale for the rest (citizens, products)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data when the database already has it"
    )
    parser.add_argument("--generate-only", action="store_true", help="no timing")
    parser.add_argument(
        "--check-foreign-keys",
        action="store_true",
        help="let PostgreSQL check foreign keys row by row while loading (about 2x slower); "
        "by default a superuser loads without and checks every reference afterwards",
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument(
        "--sql", action="store_true", help="also print the slowest SQL statements per page"
    )
    return parser.parse_args(argv)


def ensure_database(url) -> None:
    """Create the database through the maintenance database if it does not exist."""
    if url.get_backend_name() != "postgresql":
        return
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
            print(f"Created database {url.database}.")
    engine.dispose()


def bench_config(url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-only",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
    }


def reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade()


def generate(args: argparse.Namespace) -> None:
    started = last = time.perf_counter()

    def progress(label: str) -> None:
        nonlocal last
        now = time.perf_counter()
        print(f"  {label:<20} {now - last:7.1f} s", flush=True)
        last = now

    print(
        f"Generating {args.items:,} items, {args.loans:,} loans, {args.depots} depots "
        f"(seed {args.seed}, scale {args.scale:g}) ..."
    )
    unchecked = not args.check_foreign_keys and _is_postgres_superuser()
    if unchecked:
        # Foreign-key checks are triggers, which the replica role skips; the references are
        # checked in bulk afterwards (check_references).
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    summary = seed_demo_data(
        seed=args.seed,
        scale=args.scale,
        password=PASSWORD,
        progress=progress,
        items=args.items,
        loans=args.loans,
        depots=args.depots,
    )
    db.session.commit()
    print(f"  {'commit':<20} {time.perf_counter() - last:7.1f} s")
    counts = ", ".join(f"{n:,} {what}" for what, n in summary.counts().items())
    print(f"Generated in {time.perf_counter() - started:.1f} s: {counts}")
    if unchecked:
        check_references()


def _is_postgres_superuser() -> bool:
    if db.engine.dialect.name != "postgresql":
        return False
    return bool(
        db.session.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    )


def check_references() -> None:
    """Every foreign key of the bulk-loaded tables points at an existing row (anti-joins)."""
    started = time.perf_counter()
    orphans = []
    for name in BULK_TABLES:
        table = db.metadata.tables[name]
        for key in table.foreign_keys:
            column, target = key.parent, key.column
            missing = db.session.scalar(
                select(func.count())
                .select_from(table.outerjoin(target.table, column == target))
                .where(column.is_not(None), target.is_(None))
            )
            if missing:
                orphans.append(f"{name}.{column.name}: {missing}")
    db.session.rollback()
    if orphans:
        sys.exit(f"Broken references: {', '.join(orphans)}")
    print(
        f"Checked every reference of {', '.join(BULK_TABLES)} in "
        f"{time.perf_counter() - started:.1f} s: none broken."
    )


def analyse() -> None:
    started = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    print(f"Analysed the tables in {time.perf_counter() - started:.1f} s")


@dataclass
class Page:
    name: str
    target_ms: float
    expected_status: int
    urls: Callable[[random.Random], str]


def pages(rng: random.Random) -> list[Page]:
    """The timed pages, with their request parameters drawn from the generated data."""
    low, high = db.session.execute(select(func.min(Item.id), func.max(Item.id))).one()
    depots = list(db.session.scalars(select(Depot.id).order_by(Depot.id)))
    products = list(
        db.session.scalars(select(Product.id).where(Product.reusable).order_by(Product.id))
    )
    words = sorted(
        {
            word
            for name in db.session.scalars(select(Product.name).where(Product.reusable))
            for word in name.split()
            if len(word) >= 4 and word.isalpha()
        }
    )
    sample_ids = [rng.randint(low, high) for _ in range(2_000)]
    tags = list(db.session.scalars(select(Item.asset_tag).where(Item.id.in_(sample_ids))))
    return [
        Page("lookup by code (scan)", LOOKUP_TARGET_MS, 302,
             lambda r: f"/depot/scan?code={r.choice(tags)}"),
        Page("search q+status+depot", PAGE_TARGET_MS, 200,
             lambda r: f"/depot/items?q={r.choice(words)}&status=available"
                       f"&depot={r.choice(depots)}"),
        Page("search product filter", PAGE_TARGET_MS, 200,
             lambda r: f"/depot/items?product={r.choice(products)}&status=available"),
        Page("search product+depot", PAGE_TARGET_MS, 200,
             lambda r: f"/depot/items?product={r.choice(products)}&depot={r.choice(depots)}"),
        Page("overview, all depots", PAGE_TARGET_MS, 200, lambda r: "/depot/overview?depot=all"),
        Page("overview, one depot", PAGE_TARGET_MS, 200,
             lambda r: f"/depot/overview?depot={r.choice(depots)}"),
    ]  # fmt: skip


class SqlTimer:
    """Total time per SQL statement while active (for --sql)."""

    def __init__(self) -> None:
        self.active = False
        self.totals: dict[str, list[float]] = defaultdict(list)

    def install(self) -> None:
        @event.listens_for(Engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(Engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            if self.active:
                elapsed = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
                self.totals[statement].append(elapsed * 1000)

    def report(self, top: int = 4) -> None:
        ranked = sorted(self.totals.items(), key=lambda kv: -sum(kv[1]))[:top]
        for statement, times in ranked:
            flat = " ".join(statement.split())
            print(
                f"    {len(times):4d}× mean {statistics.fmean(times):7.2f} ms  "
                f"max {max(times):7.2f} ms  {flat[:160]}"
            )
        self.totals.clear()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def time_pages(app, args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    client = app.test_client()
    response = client.post("/login", data={"email": STAFF_EMAIL, "password": PASSWORD})
    if response.status_code != 302:
        sys.exit(f"Logging in as {STAFF_EMAIL} failed ({response.status_code}).")
    with app.app_context():
        timed = pages(rng)
    timer = SqlTimer()
    if args.sql:
        timer.install()
    rows, all_passed = [], True
    for page in timed:
        statuses: dict[int, int] = defaultdict(int)
        for _ in range(args.warmup):
            with client.get(page.urls(rng)) as response:
                statuses[response.status_code] += 1
        timer.active = args.sql
        times = []
        for _ in range(args.requests):
            url = page.urls(rng)
            started = time.perf_counter()
            with client.get(url) as response:
                response.get_data()
            times.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] += 1
        timer.active = False
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        wrong = {s: n for s, n in statuses.items() if s != page.expected_status}
        passed = p95 < page.target_ms and not wrong
        all_passed &= passed
        rows.append((page, p50, p95, max(times), wrong, passed))
        if args.sql:
            print(f"  SQL of {page.name}:")
            timer.report()
    print_table(rows, args.requests)
    return all_passed


def print_table(rows, requests: int) -> None:
    print()
    print(f"{'page':<26} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>12}  result")
    print("-" * 80)
    for page, p50, p95, worst, wrong, passed in rows:
        note = f"  unexpected status {wrong}" if wrong else ""
        print(
            f"{page.name:<26} {requests:>5} {p50:8.1f} {p95:8.1f} {worst:8.1f} "
            f"{'p95 < ' + format(page.target_ms, 'g'):>12}  {'PASS' if passed else 'FAIL'}{note}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = make_url(args.database_url)
    if url.database in REFUSED_DATABASES or not url.database:
        sys.exit(f"Refusing to use the database {url.database!r}: name a benchmark database.")
    ensure_database(url)
    app = create_app(bench_config(url.render_as_string(hide_password=False)))
    with app.app_context():
        upgrade()
        present = db.session.scalar(select(func.count(Item.id)))
        if args.reuse and present:
            loans = db.session.scalar(select(func.count(Loan.id)))
            depots = db.session.scalar(select(func.count(Depot.id)))
            print(f"Reusing the data: {present:,} items, {loans:,} loans, {depots} depots.")
            db.session.rollback()
        else:
            if present or db.session.scalar(text("SELECT count(*) FROM organisation")):
                print("Replacing the existing data.")
            db.session.rollback()
            reset_schema()
            generate(args)
            analyse()
        db.session.remove()
    if args.generate_only:
        return 0
    print(f"Timing {args.requests} requests per page after {args.warmup} warm-up requests ...")
    return 0 if time_pages(app, args) else 1


if __name__ == "__main__":
    sys.exit(main())
