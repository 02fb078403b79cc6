"""Straight-line distances and approximate positions of addresses in the West cluster.

The system has no geocoder (it runs without internet access). A stop's position is the
citizen's own coordinates when known, else the centre of its postcode (the table below,
approximate), else the centre of the citizen's municipality. Roads are ~1.3× the straight
line; the distances shown are straight-line kilometres.
"""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_KM = 6371.0

# Postcode → (latitude, longitude) of the town centre; approximate, for ordering stops.
POSTCODE_CENTRES: dict[str, tuple[float, float]] = {
    "6880": (55.909, 8.530),  # Tarm
    "6900": (55.950, 8.496),  # Skjern
    "6920": (56.087, 8.628),  # Videbæk
    "6933": (56.035, 8.857),  # Kibæk
    "6950": (56.090, 8.244),  # Ringkøbing
    "6960": (56.004, 8.129),  # Hvide Sande
    "6971": (56.127, 8.468),  # Spjald
    "6973": (56.183, 8.384),  # Ørnhøj
    "6990": (56.269, 8.322),  # Ulfborg
    "7330": (55.943, 9.128),  # Brande
    "7400": (56.139, 8.974),  # Herning
    "7430": (56.139, 9.158),  # Ikast
    "7441": (56.116, 9.226),  # Bording
    "7451": (56.207, 9.017),  # Sunds
    "7470": (56.251, 9.080),  # Karup
    "7480": (56.200, 8.767),  # Vildbjerg
    "7490": (56.265, 8.787),  # Aulum
    "7500": (56.360, 8.616),  # Holstebro
    "7540": (56.293, 8.551),  # Haderup
    "7560": (56.433, 8.651),  # Hjerm
    "7570": (56.357, 8.347),  # Vemb
    "7600": (56.491, 8.594),  # Struer
    "7620": (56.549, 8.310),  # Lemvig
    "7650": (56.468, 8.313),  # Bøvlingbjerg
    "7660": (56.410, 8.300),  # Bækmarksbro
    "7673": (56.617, 8.180),  # Harboøre
    "7680": (56.698, 8.212),  # Thyborøn
    "7830": (56.481, 8.781),  # Vinderup
}


def distance_km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    """Great-circle distance between two (latitude, longitude) points; None if one is unknown."""
    if a is None or b is None or None in a or None in b:
        return None
    lat1, lon1, lat2, lon2 = map(radians, (a[0], a[1], b[0], b[1]))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))


def position(
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    postcode: str | None = None,
    fallback: tuple[float | None, float | None] | None = None,
) -> tuple[tuple[float, float] | None, bool]:
    """Best known position and whether it is approximate (postcode or fallback centre)."""
    if latitude is not None and longitude is not None:
        return (float(latitude), float(longitude)), False
    if postcode and postcode in POSTCODE_CENTRES:
        return POSTCODE_CENTRES[postcode], True
    if fallback and fallback[0] is not None and fallback[1] is not None:
        return (float(fallback[0]), float(fallback[1])), True
    return None, True
