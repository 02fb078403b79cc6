"""The demo data generator: a list of steps run in order, one entry point.

Later work adds steps (items, stock, loan history) by appending to STEPS; each step reads
what earlier steps put in the DemoContext and draws from its own seeded random generator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from depot.auth.models import ROLES, User
from depot.auth.services import check_password_policy, hash_password
from depot.demo import (
    steps_catalogue,
    steps_clarification,
    steps_depot,
    steps_distribution,
    steps_handovers,
    steps_history,
    steps_organisations,
    steps_purchasing,
    steps_requests,
    steps_stock,
)
from depot.demo.context import DemoContext, Step
from depot.demo.reference import load_reference
from depot.extensions import db
from depot.items.services import rebuild_item_counts
from depot.organisations.models import Organisation

STEPS: list[Step] = [
    Step("organisations", "Organisations", steps_organisations.create_organisations),
    Step("depots", "Depots", steps_organisations.create_depots),
    Step("users", "Users", steps_organisations.create_users),
    Step("product_types", "Product types", steps_catalogue.create_product_types),
    Step("suppliers", "Suppliers", steps_catalogue.create_suppliers),
    Step("products", "Products", steps_catalogue.create_products),
    Step("contracts", "Contracts", steps_catalogue.create_contracts),
    Step("citizens", "Citizens", steps_organisations.create_citizens),
    # Depot operations (issue 3). Placed last: earlier steps' data stays unchanged.
    Step("extra_depots", "More depots", steps_depot.create_extra_depots),
    Step("inspection_plans", "Inspection plans", steps_depot.create_inspection_plans),
    Step("items", "Items", steps_depot.create_items),
    Step("history", "Loan history", steps_history.create_history),
    Step("stock", "Consumable stock", steps_stock.create_stock),
    Step("item_counts", "Item counts", lambda ctx: rebuild_item_counts()),
    # Requests and deliveries (issue 4).
    Step("packages", "Basic packages", steps_requests.create_packages),
    Step("citizen_positions", "Citizens' addresses on the map", steps_requests.place_citizens),
    Step("requests", "Requests", steps_requests.create_requests),
    Step("pickups", "Pick-up requests", steps_requests.request_pickups),
    Step(
        "clarification_rules",
        "Clarification catalogue",
        steps_clarification.seed_clarification_rules,
    ),
    Step("handovers", "Handovers and deviation cases", steps_handovers.seed_handovers),
    Step("purchasing", "Purchase rounds and purchase orders", steps_purchasing.create_purchasing),
    Step("distribution", "Stock distribution", steps_distribution.create_distribution),
]

# The organisation whose users are shown as the demo logins (one per role).
LOGIN_ORGANISATION_SLUG = "herning"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    organisation: str


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    scale: float
    organisations: int
    depots: int
    product_types: int
    products: int
    consumables: int
    suppliers: int
    contracts: int
    contract_lines: int
    price_breaks: int
    users: int
    citizens: int
    inspection_plans: int = 0
    items: int = 0
    item_events: int = 0
    loans: int = 0
    open_loans: int = 0
    inspections: int = 0
    transfers: int = 0
    stock_levels: int = 0
    stock_movements: int = 0
    packages: int = 0
    requests: int = 0
    logins: tuple[DemoLogin, ...] = field(default=())
    slugs: tuple[str, ...] = field(default=())  # email domains: <role>@<slug>.demo.dk

    def counts(self) -> dict[str, int]:
        return {
            "organisations": self.organisations,
            "depots": self.depots,
            "product types": self.product_types,
            "products": self.products,
            "of which consumables": self.consumables,
            "suppliers": self.suppliers,
            "contracts": self.contracts,
            "contract lines": self.contract_lines,
            "price breaks": self.price_breaks,
            "users": self.users,
            "citizens": self.citizens,
            "inspection plans": self.inspection_plans,
            "items": self.items,
            "item events": self.item_events,
            "loans": self.loans,
            "of which open": self.open_loans,
            "inspections": self.inspections,
            "transfers": self.transfers,
            "stock lines": self.stock_levels,
            "stock movements": self.stock_movements,
            "basic packages": self.packages,
            "requests": self.requests,
        }


def seed_demo_data(
    *,
    seed: int = 7,
    scale: float = 1.0,
    password: str,
    progress: Callable[[str], None] | None = None,
    items: int | None = None,
    loans: int | None = None,
    depots: int | None = None,
) -> DemoSummary:
    """Generate the West cluster's demo data into the session; flushes, never commits.

    The same seed and scale give identical rows. `progress` is called with each step's label
    after the step has run. `items`, `loans` and `depots` ask for exact volumes instead of the
    scaled defaults (the benchmark's 1,000,000 items, 200,000 loans, 20 depots); `loans` is
    reached exactly unless the fleet is too small to serve that many. Raises
    ReferenceDataError for a missing or malformed reference file and DomainError for a
    password the policy refuses.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    for name, value in (("items", items), ("loans", loans), ("depots", depots)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must not be negative")
    check_password_policy(password)
    reference = load_reference()
    # One hash for all demo users: see steps_organisations.create_users.
    municipalities = sum(row.kind == "municipality" for row in reference.organisations)
    if depots is not None and depots < municipalities + 1:
        raise ValueError(
            f"depots must be at least {municipalities + 1} (one per municipality and the "
            "shared depot)"
        )
    ctx = DemoContext(
        seed=seed,
        scale=scale,
        password_hash=hash_password(password),
        reference=reference,
        item_count=items,
        loan_count=loans,
        depot_count=depots,
    )
    for step in STEPS:
        step.run(ctx)
        if progress is not None:
            progress(step.label)
    return _summarise(ctx, password)


def _summarise(ctx: DemoContext, password: str) -> DemoSummary:
    login_org = next(
        (o for o in ctx.organisations if ctx.slugs[o.id] == LOGIN_ORGANISATION_SLUG),
        ctx.organisations[0],
    )
    logins = tuple(
        DemoLogin(role=u.role, email=u.email, password=password, organisation=login_org.name)
        for role in ROLES
        for u in ctx.users
        if u.organisation_id == login_org.id and u.role == role
    )
    lines = [line for contract in ctx.contracts for line in contract.lines]
    return DemoSummary(
        seed=ctx.seed,
        scale=ctx.scale,
        organisations=len(ctx.organisations),
        depots=len(ctx.depots),
        product_types=len(ctx.reference.iso_codes),
        products=len(ctx.products),
        consumables=sum(not p.reusable for p in ctx.products),
        suppliers=len(ctx.suppliers),
        contracts=len(ctx.contracts),
        contract_lines=len(lines),
        price_breaks=sum(len(line.price_breaks) for line in lines),
        users=len(ctx.users),
        citizens=len(ctx.citizens),
        inspection_plans=ctx.written.get("inspection plans", 0),
        items=ctx.written.get("items", 0),
        item_events=ctx.written.get("item events", 0),
        loans=ctx.written.get("loans", 0),
        open_loans=ctx.written.get("open loans", 0),
        inspections=ctx.written.get("inspections", 0),
        transfers=ctx.written.get("transfers", 0),
        stock_levels=ctx.written.get("stock levels", 0),
        stock_movements=ctx.written.get("stock movements", 0),
        packages=len(ctx.packages),
        requests=ctx.written.get("requests", 0),
        logins=logins,
        slugs=tuple(ctx.slugs[o.id] for o in ctx.organisations),
    )


def existing_demo_logins(*, password: str) -> tuple[DemoLogin, ...]:
    """The demo logins of an already seeded database, one per role (none if not seeded)."""
    users = db.session.scalars(
        select(User)
        .where(User.email.like(f"%@{LOGIN_ORGANISATION_SLUG}.demo.dk"))
        .options(selectinload(User.organisation))
    ).all()
    by_role = {u.role: u for u in users}
    return tuple(
        DemoLogin(
            role=r,
            email=by_role[r].email,
            password=password,
            organisation=by_role[r].organisation.name,
        )
        for r in ROLES
        if r in by_role
    )


def organisation_count() -> int:
    return db.session.scalar(select(func.count(Organisation.id)))


def delete_all_data() -> None:
    """Empty every application table, children before parents; flushes, never commits.

    The demo owns the whole database it seeds (organisations are the root of everything:
    users, depots, citizens all hang off them), so a reset removes all rows, including any
    added by hand since, and tables added by later work are covered without changes here.
    """
    db.session.flush()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.session.get_bind().dialect.name == "postgresql":
        # Ids start at 1 again, as on SQLite: a seed then gives the same rows, ids included
        # (request numbers appear in item events' notes).
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.autoincrement is not False:
                db.session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), 1, false)"),
                    {"t": table.name},
                )
    db.session.flush()
    # Objects loaded before the delete must not shadow new rows that reuse their ids.
    db.session.expunge_all()
