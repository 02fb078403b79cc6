"""The state shared by the demo generation steps, and the step type itself."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from depot.auth.models import User
from depot.catalogue.models import Contract, Product, ProductType, Supplier
from depot.citizens.models import Citizen
from depot.demo.reference import ReferenceData
from depot.organisations.models import Depot, Organisation

# The demo's "today": generated dates (contracts, loan history) are fixed or relative to this,
# never to the real current date, so that a seed always gives the same data. The depot history
# covers the 12 months before it; it is set close to the time the project is developed, so that
# loans, inspections due and stock levels also look current when someone opens the demo.
DEMO_ANCHOR = date(2026, 11, 1)


@dataclass
class DemoContext:
    """What earlier steps created, for later steps to build on."""

    seed: int
    scale: float
    password_hash: str
    reference: ReferenceData
    anchor: date = DEMO_ANCHOR
    region: Organisation | None = None
    municipalities: list[Organisation] = field(default_factory=list)
    slugs: dict[int, str] = field(default_factory=dict)  # organisation id -> email domain part
    depots: list[Depot] = field(default_factory=list)
    shared_depot: Depot | None = None
    users: list[User] = field(default_factory=list)
    product_types: dict[str, ProductType] = field(default_factory=dict)  # by ISO code
    suppliers: list[Supplier] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    # Pack size per product id (1 for devices): what the contract step offers them in.
    pack_sizes: dict[int, int] = field(default_factory=dict)
    contracts: list[Contract] = field(default_factory=list)
    citizens: list[Citizen] = field(default_factory=list)
    # Exact volumes instead of the scaled defaults (the benchmark's 1,000,000 items).
    item_count: int | None = None
    loan_count: int | None = None
    depot_count: int | None = None
    # The reusable fleet planned by the items step, simulated by the history step.
    fleet: Any = None
    packages: list[Any] = field(default_factory=list)  # basic packages (issue 4)
    # Rows written by the depot steps, per kind, for the summary.
    written: dict[str, int] = field(default_factory=dict)

    @property
    def organisations(self) -> list[Organisation]:
        return ([self.region] if self.region else []) + self.municipalities

    def rng(self, key: str) -> random.Random:
        """A random generator for one step, derived from the seed and the step's key.

        Each step draws from its own generator so that adding a step (or changing how much
        one step draws) leaves the data of the other steps unchanged. String seeds are
        hashed with SHA-512 by `random`, independent of PYTHONHASHSEED.
        """
        return random.Random(f"{self.seed}:{key}")

    def scaled(self, count: int) -> int:
        """A volume at scale 1 multiplied by the scale, at least 1."""
        return max(1, round(count * self.scale))


@dataclass(frozen=True)
class Step:
    """One generation step: `run` adds rows for the context and flushes."""

    key: str  # stable: it seeds the step's random generator
    label: str  # shown by the progress bar
    run: Callable[[DemoContext], None]
