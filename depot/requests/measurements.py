"""What a therapist measures for a device need, and how a product has to fit it.

A request's measurements are keyed by the product measurement they are matched against
(depot.catalogue.models.MEASUREMENTS). The product type's `measurement_fields` say which
ones a request for that type asks for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_

from depot.catalogue.models import Product


@dataclass(frozen=True)
class MeasurementRule:
    name: str  # the product column it is matched against
    label: object  # what the therapist enters
    minimum: int
    maximum: int
    # "at_least": the product's value must be ≥ the entered value (capacity, length);
    # "near": within ± tolerance of it (seat sizes).
    kind: str
    tolerance: int = 0


RULES: dict[str, MeasurementRule] = {
    r.name: r
    for r in (
        MeasurementRule("seat_width_cm", _l("Seat width (cm)"), 20, 90, "near", 2),
        MeasurementRule("seat_depth_cm", _l("Seat depth (cm)"), 20, 80, "near", 2),
        MeasurementRule("seat_height_cm", _l("Seat height (cm)"), 20, 100, "near", 3),
        MeasurementRule("length_cm", _l("Length needed (cm)"), 30, 300, "at_least"),
        MeasurementRule("width_cm", _l("Width (cm)"), 20, 200, "near", 5),
        MeasurementRule("height_cm", _l("Height (cm)"), 20, 250, "near", 5),
        MeasurementRule("max_user_weight_kg", _l("User weight (kg)"), 10, 400, "at_least"),
    )
}
# Recorded for the depot and the handover but not matched against products.
INFO_FIELDS: dict[str, MeasurementRule] = {
    "user_height_cm": MeasurementRule("user_height_cm", _l("User height (cm)"), 40, 250, "info"),
}


def fields_for(measurement_fields: list[str]) -> list[MeasurementRule]:
    """The inputs a request for a product type with these measurement fields asks for."""
    rules = [RULES[name] for name in measurement_fields if name in RULES]
    if "max_user_weight_kg" in measurement_fields or "length_cm" in measurement_fields:
        rules.append(INFO_FIELDS["user_height_cm"])
    return rules


def parse(text: str | None) -> dict[str, int]:
    """The stored JSON measurements of a request line; junk reads as none."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, int) and not isinstance(v, bool)}


def dump(values: dict[str, int]) -> str:
    return json.dumps({k: int(v) for k, v in sorted(values.items())}, separators=(",", ":"))


def product_conditions(values: dict[str, int]) -> list:
    """SQL conditions on Product that a product fitting these measurements meets."""
    conditions = []
    for name, value in values.items():
        rule = RULES.get(name)
        if rule is None:
            continue
        column = getattr(Product, name)
        if rule.kind == "at_least":
            conditions.append(column >= value)
        else:
            conditions.append(
                and_(column >= value - rule.tolerance, column <= value + rule.tolerance)
            )
    return conditions


def label(name: str) -> str:
    rule = RULES.get(name) or INFO_FIELDS.get(name)
    return str(rule.label) if rule else name
