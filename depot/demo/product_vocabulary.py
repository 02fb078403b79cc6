"""Static vocabulary for the demo catalogue: per ISO 9999 code, what its products look like.

Prices are realistic Danish list prices in DKK (excl. VAT); measurements are in the
catalogue's units (see depot.catalogue.models.MEASUREMENTS). Model names are invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Index into vocabulary.SUPPLIERS.
MOBILITY, LIFTING, HYGIENE = 0, 1, 2


@dataclass(frozen=True)
class TypeSpec:
    """What the devices of one product type look like."""

    supplier: int
    count: int  # products at scale 1
    price: tuple[int, int]  # list price range in DKK
    fields: tuple[str, ...]  # the type's measurement_fields: what matters when requesting
    # Choices per measurement; the type's fields and any extras (e.g. the device's weight).
    measurements: dict[str, tuple[int, ...] | range] = field(default_factory=dict)
    models: tuple[str, ...] = ("Basic", "Comfort", "Plus")
    # The measurement a product's name ends with ("Vestmo Comfort 45"); None: a model number.
    name_field: str | None = None
    lead_time: tuple[int, int] = (5, 21)  # days


WEIGHTS_LIGHT = (100, 120, 130, 135, 150)
WEIGHTS_STANDARD = (120, 135, 150, 160, 180)
WEIGHTS_HEAVY = (150, 175, 200, 225, 250)

# fmt: off
TYPE_SPECS: dict[str, TypeSpec] = {
    "04 33 03": TypeSpec(
        HYGIENE, 3, (800, 6_000), ("seat_width_cm", "seat_depth_cm", "max_user_weight_kg"),
        {"seat_width_cm": range(38, 52, 2), "seat_depth_cm": range(38, 50, 2),
         "max_user_weight_kg": WEIGHTS_STANDARD, "weight_kg": (1, 2, 3)},
        ("Air", "Gel", "Flex", "Vario"), "seat_width_cm",
    ),
    "04 33 04": TypeSpec(
        HYGIENE, 2, (1_000, 5_000), ("width_cm", "height_cm"),
        {"width_cm": range(36, 52, 2), "height_cm": range(36, 52, 2), "weight_kg": (1, 2)},
        ("Back", "Contour", "Support"),
    ),
    "04 33 06": TypeSpec(
        LIFTING, 4, (3_000, 25_000), ("length_cm", "width_cm"),
        {"length_cm": (190, 200, 210), "width_cm": (80, 85, 90, 100, 120),
         "max_user_weight_kg": WEIGHTS_HEAVY, "height_cm": (12, 14, 16, 18, 20),
         "weight_kg": range(8, 26)},
        ("Skum", "Visco", "Luft", "Alternating"), "width_cm", (5, 14),
    ),
    "09 12 03": TypeSpec(
        HYGIENE, 4, (2_500, 9_000), ("seat_width_cm", "seat_height_cm", "max_user_weight_kg"),
        {"seat_width_cm": range(42, 52, 2), "seat_height_cm": range(43, 59),
         "max_user_weight_kg": WEIGHTS_STANDARD, "weight_kg": range(9, 21)},
        ("Toilet", "Tilt", "Mobil", "XL"), "seat_width_cm",
    ),
    "09 12 12": TypeSpec(
        HYGIENE, 2, (600, 2_500), ("seat_height_cm", "max_user_weight_kg"),
        {"seat_height_cm": range(45, 61), "max_user_weight_kg": WEIGHTS_STANDARD,
         "weight_kg": range(3, 9)},
        ("Stativ", "Ramme", "Høj"),
    ),
    "09 12 24": TypeSpec(
        HYGIENE, 2, (700, 3_000), ("width_cm", "max_user_weight_kg"),
        {"width_cm": range(55, 71), "max_user_weight_kg": WEIGHTS_LIGHT,
         "weight_kg": range(3, 9)},
        ("Armstøtte", "Fold", "Wall"),
    ),
    "09 33 03": TypeSpec(
        HYGIENE, 3, (1_000, 6_000), ("seat_width_cm", "seat_height_cm", "max_user_weight_kg"),
        {"seat_width_cm": range(40, 52, 2), "seat_height_cm": range(42, 59),
         "max_user_weight_kg": WEIGHTS_STANDARD, "weight_kg": range(3, 9)},
        ("Bad", "Shower", "Aqua"), "seat_width_cm",
    ),
    "12 03 03": TypeSpec(
        MOBILITY, 3, (150, 500), ("height_cm", "max_user_weight_kg"),
        {"height_cm": range(75, 101), "max_user_weight_kg": WEIGHTS_LIGHT, "weight_kg": (1,)},
        ("Stok", "Fold", "Quad"),
    ),
    "12 03 06": TypeSpec(
        MOBILITY, 2, (150, 600), ("height_cm", "max_user_weight_kg"),
        {"height_cm": range(95, 121), "max_user_weight_kg": WEIGHTS_LIGHT, "weight_kg": (1,)},
        ("Albue", "Ergo", "Soft"),
    ),
    "12 06 03": TypeSpec(
        MOBILITY, 2, (600, 2_000), ("height_cm", "width_cm", "max_user_weight_kg"),
        {"height_cm": range(78, 96), "width_cm": range(52, 63),
         "max_user_weight_kg": WEIGHTS_LIGHT, "weight_kg": range(2, 6)},
        ("Gangstativ", "Frame", "Stabil"),
    ),
    "12 06 06": TypeSpec(
        MOBILITY, 5, (1_500, 4_000), ("seat_height_cm", "width_cm", "max_user_weight_kg"),
        {"seat_height_cm": range(48, 66), "width_cm": range(58, 69),
         "max_user_weight_kg": WEIGHTS_STANDARD, "weight_kg": range(6, 11)},
        ("Rollator", "Trend", "Let", "Outdoor", "Indoor"), "seat_height_cm",
    ),
    "12 06 12": TypeSpec(
        MOBILITY, 2, (4_000, 12_000), ("height_cm", "width_cm", "max_user_weight_kg"),
        {"height_cm": range(90, 131), "width_cm": range(60, 76),
         "max_user_weight_kg": WEIGHTS_LIGHT, "weight_kg": range(15, 31)},
        ("Gangbord", "Arthro", "Walker"),
    ),
    "12 22 03": TypeSpec(
        MOBILITY, 6, (6_000, 25_000), ("seat_width_cm", "seat_depth_cm", "max_user_weight_kg"),
        {"seat_width_cm": range(38, 56, 2), "seat_depth_cm": range(38, 52, 2),
         "max_user_weight_kg": (110, 120, 125, 135, 150, 160), "weight_kg": range(12, 21)},
        ("Comfort", "Active", "Transit", "Lite", "Tilt"), "seat_width_cm", (7, 28),
    ),
    "12 23 06": TypeSpec(
        MOBILITY, 3, (40_000, 120_000), ("seat_width_cm", "seat_depth_cm", "max_user_weight_kg"),
        {"seat_width_cm": range(42, 56, 2), "seat_depth_cm": range(42, 54, 2),
         "max_user_weight_kg": (120, 136, 150, 160), "weight_kg": range(90, 161)},
        ("Power", "City", "Terræn"), "seat_width_cm", (21, 42),
    ),
    "12 36 03": TypeSpec(
        LIFTING, 3, (25_000, 60_000), ("max_user_weight_kg",),
        {"max_user_weight_kg": (150, 175, 182, 205, 227, 250), "weight_kg": range(30, 46)},
        ("Mobil", "Compact", "Bariatric"), "max_user_weight_kg", (10, 28),
    ),
    "12 36 04": TypeSpec(
        LIFTING, 2, (20_000, 45_000), ("max_user_weight_kg",),
        {"max_user_weight_kg": (150, 160, 180, 200), "weight_kg": range(35, 56)},
        ("Stand", "Rejse", "Sara"), "max_user_weight_kg", (10, 28),
    ),
    "12 36 12": TypeSpec(
        LIFTING, 3, (30_000, 70_000), ("max_user_weight_kg",),
        {"max_user_weight_kg": (200, 227, 250, 275, 300), "weight_kg": range(6, 11)},
        ("Loft", "Track", "Ceiling"), "max_user_weight_kg", (14, 35),
    ),
    "12 36 21": TypeSpec(
        LIFTING, 3, (1_000, 3_500), ("max_user_weight_kg",),
        {"max_user_weight_kg": (150, 200, 250, 300), "weight_kg": (1, 2)},
        ("Universal", "Hygiejne", "Komfort", "Ben"),
    ),
    "18 12 10": TypeSpec(
        LIFTING, 4, (12_000, 30_000), ("length_cm", "width_cm", "max_user_weight_kg"),
        {"length_cm": (200, 210, 220), "width_cm": (90, 100, 120),
         "max_user_weight_kg": WEIGHTS_HEAVY, "weight_kg": range(80, 131)},
        ("Care", "Low", "Home", "Bariatric"), "width_cm", (7, 21),
    ),
}
# fmt: on
# A code in the reference file that is not described above still gets a product.
FALLBACK_SPEC = TypeSpec(HYGIENE, 1, (1_000, 5_000), (), {"weight_kg": range(1, 11)})


@dataclass(frozen=True)
class ConsumableSpec:
    """A consumable or spare part sold in packs, within a fitting product type."""

    iso_code: str
    name: str
    price: tuple[int, int]  # DKK per unit
    pack_size: int
    description: str
    measurements: dict[str, tuple[int, ...] | range] = field(default_factory=dict)


CONSUMABLE_SPECS = (
    ConsumableSpec(
        "12 36 21", "Engangsløftesejl", (80, 200), 10,
        "Løftesejl til engangsbrug, fx ved smitte eller på akutpladser.",
        {"max_user_weight_kg": (150, 200, 250)},
    ),
    ConsumableSpec(
        "12 03 03", "Gummidup til stok 19 mm", (15, 40), 10,
        "Skridsikker gummidup; skiftes når mønstret er slidt.",
    ),
    ConsumableSpec(
        "12 03 03", "Ispig til stok", (60, 150), 5,
        "Vendbar ispig til vinterbrug.",
    ),
    ConsumableSpec(
        "12 06 06", "Rollator-kurv", (150, 350), 5,
        "Reservekurv i trådnet til rollatorer.",
    ),
    ConsumableSpec(
        "12 06 06", "Rollator-bakke", (200, 400), 5,
        "Aftagelig bakke til indendørs rollatorer.",
    ),
    ConsumableSpec(
        "12 22 03", "Slange til kørestolshjul 24\"", (50, 120), 10,
        "Reserveslange til drivhjul.",
    ),
    ConsumableSpec(
        "04 33 03", "Betræk til siddepude", (250, 600), 5,
        "Vaskbart, vandafvisende betræk.",
        {"seat_width_cm": (40, 45, 50)},
    ),
    ConsumableSpec(
        "09 12 03", "Engangsposer til toiletstol", (3, 8), 50,
        "Poser med absorberende pude til toiletstolens spand.",
    ),
)  # fmt: skip

# All-units price breaks: (minimum quantity, discount range in percent) after the list price.
DEVICE_BREAKS = ((10, (4, 6)), (25, (9, 11)), (50, (14, 16)))
CONSUMABLE_BREAKS = ((50, (4, 6)), (100, (9, 12)), (250, (15, 18)))

# Danish labels for product descriptions.
MEASUREMENT_LABELS_DA = {
    "seat_width_cm": ("sædebredde", "cm"),
    "seat_depth_cm": ("sædedybde", "cm"),
    "seat_height_cm": ("sædehøjde", "cm"),
    "length_cm": ("længde", "cm"),
    "width_cm": ("bredde", "cm"),
    "height_cm": ("højde", "cm"),
    "max_user_weight_kg": ("maks. brugervægt", "kg"),
    "weight_kg": ("egenvægt", "kg"),
}
