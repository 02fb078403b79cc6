"""Static vocabulary for the demo depot: fleet mix, loan patterns, inspections, consumable use.

Per ISO 9999 code: how large a share of the reusable fleet the type is, how much of it is on
loan at a time, how long a loan lasts (log-normal: median days and spread) and how demand
swings over the year (amplitude and peak month). The figures are plausible for a Danish
municipal depot, not measured.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoanProfile:
    fleet_weight: float  # share of the reusable fleet (relative)
    utilisation: float  # share of the type's items on loan at a time
    median_days: int  # loan duration: median …
    sigma: float  # … and log-normal spread
    season: float  # amplitude of the yearly swing in demand (0.2: ±20 %)
    peak_month: int  # the month demand peaks (1 = January)
    serial: bool = True  # cheap walking aids carry no serial number
    min_days: int = 7
    max_days: int = 720
    category: str = "care"  # picks the legal bases, see LEGAL_BASIS_WEIGHTS


# fmt: off
LOAN_PROFILES: dict[str, LoanProfile] = {
    "04 33 03": LoanProfile(5, 0.30, 90, 0.8, 0.10, 1),
    "04 33 04": LoanProfile(2, 0.25, 90, 0.8, 0.10, 1),
    "04 33 06": LoanProfile(8, 0.38, 120, 0.8, 0.20, 1),
    "09 12 03": LoanProfile(7, 0.33, 90, 0.9, 0.15, 1),
    "09 12 12": LoanProfile(3, 0.25, 60, 0.9, 0.10, 1),
    "09 12 24": LoanProfile(2, 0.20, 60, 0.9, 0.10, 1),
    "09 33 03": LoanProfile(7, 0.30, 90, 0.9, 0.10, 1),
    "12 03 03": LoanProfile(4, 0.20, 30, 0.7, 0.35, 1, False, 5, 180, "walking"),
    "12 03 06": LoanProfile(4, 0.25, 35, 0.6, 0.35, 1, False, 5, 180, "walking"),
    "12 06 03": LoanProfile(5, 0.30, 60, 0.8, 0.20, 1, True, 7, 365, "walking"),
    "12 06 06": LoanProfile(14, 0.35, 90, 0.9, 0.15, 2, True, 7, 540, "walking"),
    "12 06 12": LoanProfile(2, 0.25, 45, 0.7, 0.10, 1, True, 7, 365, "walking"),
    "12 22 03": LoanProfile(12, 0.33, 45, 1.0, 0.25, 7, True, 3, 540, "mobility"),
    "12 23 06": LoanProfile(1.5, 0.50, 300, 0.6, 0.05, 5, True, 60, 900, "mobility"),
    "12 36 03": LoanProfile(4, 0.40, 150, 0.8, 0.20, 1, True, 14, 720, "lifting"),
    "12 36 04": LoanProfile(2, 0.35, 120, 0.8, 0.20, 1, True, 14, 720, "lifting"),
    "12 36 12": LoanProfile(1.5, 0.45, 240, 0.6, 0.10, 1, True, 60, 720, "lifting"),
    "12 36 21": LoanProfile(6, 0.35, 120, 0.8, 0.20, 1, True, 14, 720, "lifting"),
    "18 12 10": LoanProfile(10, 0.45, 180, 0.8, 0.25, 1, True, 21, 900, "lifting"),
}
# fmt: on
FALLBACK_PROFILE = LoanProfile(2, 0.30, 90, 0.8, 0.10, 1)


@dataclass(frozen=True)
class PlanSpec:
    interval_months: int | None
    after_every_loan: bool
    instructions: str


# Hoists (12 36 xx) and slings every 12 months, care beds every 24, powered wheelchairs after
# every loan and at least every 12 months.
INSPECTION_PLANS: dict[str, PlanSpec] = {
    **{
        code: PlanSpec(
            12,
            False,
            "Årligt lovpligtigt eftersyn efter DS/EN ISO 10535: løfteevne, bremser, "
            "nødsænkning, batteri og ophæng.",
        )
        for code in ("12 36 03", "12 36 04", "12 36 12")
    },
    "12 36 21": PlanSpec(
        12, False, "Årligt eftersyn af løftesejl: syninger, stropper, mærkning og slid."
    ),
    "18 12 10": PlanSpec(
        24, False, "Eftersyn hvert andet år: motorer, håndbetjening, sengeheste og hjul."
    ),
    "12 23 06": PlanSpec(
        12,
        True,
        "Eftersyn efter hvert udlån og mindst årligt: batteri, lader, bremser, lys og dæk.",
    ),
}

# Legal bases recorded on loans, as the lend form offers them (depot.items.forms.LEGAL_BASES).
SEL_112 = "Serviceloven §112"  # compensating a lasting impairment
SEL_113 = "Serviceloven §113"  # consumer goods
SEL_113B = "Serviceloven §113b"  # temporary impairment
SUL_TREATMENT = "Sundhedsloven (behandlingsredskab)"  # treatment aid lent by the region
REHABILITATION = "Rehabilitering"
WORK_ENVIRONMENT = "Arbejdsmiljø"  # the care staff's work environment
LEGAL_BASES = (SEL_112, SEL_113, SEL_113B, SUL_TREATMENT, REHABILITATION, WORK_ENVIRONMENT)
LEGAL_BASIS_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "walking": ((SEL_112, 0.45), (SEL_113B, 0.2), (REHABILITATION, 0.3), (SEL_113, 0.05)),
    "mobility": ((SEL_112, 0.65), (SEL_113B, 0.25), (REHABILITATION, 0.1)),
    "lifting": ((SEL_112, 0.6), (WORK_ENVIRONMENT, 0.3), (SEL_113B, 0.1)),
    "care": ((SEL_112, 0.6), (SEL_113B, 0.25), (REHABILITATION, 0.15)),
}
REGION_LEGAL_BASIS = SUL_TREATMENT

# Share of the fleet stored in the shared depot; the rest sits in the municipal depots in
# proportion to population. The region lends only from the shared depot.
SHARED_DEPOT_FLEET_SHARE = 0.30
# Share of a municipality's requests that go to the shared depot first.
SHARED_FIRST = 0.23
# Share of all requests made by the region (treatment aids after discharge).
REGION_DEMAND_SHARE = 0.09
# When neither the own nor the shared depot has an item: ask a neighbour municipality.
ASK_NEIGHBOUR = 0.35
# Share of the fleet received during the year of history (the rest is older).
RECEIVED_IN_YEAR = 0.12
# Items at scale 1 and transfers per 1,000 items and year.
ITEMS_AT_SCALE_1 = 2_000
TRANSFERS_PER_1000_ITEMS = 15

# Probabilities along an item's life.
CANCEL_RESERVATION = 0.03
SCRAP_ON_RETURN = 0.004
REPAIR_FROM_CLEANING = 0.02
FAIL_AFTER_LOAN = 0.03
FAIL_PERIODIC = 0.04
SCRAP_AFTER_REPAIR = 0.15
MISSED_INSPECTION = 0.2  # a periodic inspection done late (the item is overdue meanwhile)

FAILURE_NOTES = (
    "Bremse virker ikke korrekt",
    "Revne i svejsning på stel",
    "Slidt betræk, skal udskiftes",
    "Håndbetjening defekt",
    "Batteri holder ikke strøm",
    "Hjul slør, lejer skiftes",
    "Løftemotor støjer",
    "Mangler mærkning",
)
REPAIR_NOTES = (
    "Udskiftet bremsekabel",
    "Nyt hjul monteret",
    "Ny håndbetjening",
    "Batteri udskiftet",
    "Svejset og malet",
    "Nyt betræk",
)
SCRAP_NOTES = (
    "Kasseret: reparation ikke rentabel",
    "Kasseret: stel beskadiget",
    "Kasseret: udtjent",
    "Kasseret: reservedele udgået",
)
TRANSFER_NOTES = (
    "Omfordeling af lager",
    "Mangel i modtagende depot",
    None,
)


@dataclass(frozen=True)
class ConsumableUse:
    """Units used per week in a depot serving about 90,000 inhabitants."""

    per_week: float
    season: float = 0.0
    peak_month: int = 1
    winter_only: bool = False


# By the consumable's description in product_vocabulary.CONSUMABLE_SPECS.
CONSUMABLE_USE_BY_NAME = {
    "Engangsløftesejl": ConsumableUse(6),
    "Gummidup til stok 19 mm": ConsumableUse(8, 0.3, 1),
    "Ispig til stok": ConsumableUse(5, 0.0, 1, winter_only=True),
    "Rollator-kurv": ConsumableUse(2),
    "Rollator-bakke": ConsumableUse(1.5),
    'Slange til kørestolshjul 24"': ConsumableUse(3, 0.3, 7),
    "Betræk til siddepude": ConsumableUse(2),
    "Engangsposer til toiletstol": ConsumableUse(40, 0.1, 1),
}
FALLBACK_USE = ConsumableUse(3)
ISSUE_REASONS = (
    "Udleveret til borger",
    "Udleveret til hjemmeplejen",
    "Udleveret til plejecenter",
    "Brugt ved klargøring",
)
COUNT_REASONS = (
    "Optælling: difference",
    "Optælling: beskadiget emballage",
    "Optælling: fundet på reol",
)
OPENING_REASON = "Primobeholdning"
RECEIPT_REASON = "Varemodtagelse, ordre"
# Share of stock lines whose reordering was forgotten in the last weeks (low-stock list).
FORGOTTEN_REORDER = 0.1

# Extra depots (only when asked for more depots than one per municipality plus the shared).
EXTRA_DEPOT_SUFFIXES = ("Nord", "Syd", "Øst", "Vest", "Midt", "Centrum", "Erhvervspark")
