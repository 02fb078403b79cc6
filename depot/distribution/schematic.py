"""A map-like schematic of the proposed flows: depots placed by their coordinates, arrows
between them as thick as the units they carry. Plain numbers for an inline SVG (no JS)."""

from __future__ import annotations

import math

WIDTH, HEIGHT, PAD = 640.0, 420.0, 48.0
MAX_STROKE = 10.0


def flow_map(*, positions: dict, names: dict, transfers: list[dict], hub_id: int | None) -> dict:
    """Depot circles and flow lines in SVG coordinates; depots without coordinates are left
    off (their flows are in the table)."""
    placed = {d: p for d, p in positions.items() if p is not None}
    if not placed:
        return {"depots": [], "flows": [], "width": WIDTH, "height": HEIGHT}
    lats = [p[0] for p in placed.values()]
    lons = [p[1] for p in placed.values()]
    # Longitude degrees are shorter this far north: scale them by cos(latitude).
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)

    def xy(depot_id):
        lat, lon = placed[depot_id]
        return (
            round(PAD + (lon - min(lons)) * squeeze * scale, 1),
            round(HEIGHT - PAD - (lat - min(lats)) * scale, 1),
        )

    totals: dict[tuple, int] = {}
    for transfer in transfers:
        key = (int(transfer["from"]), int(transfer["to"]))
        totals[key] = totals.get(key, 0) + int(transfer["quantity"])
    biggest = max(totals.values(), default=1)
    flows = []
    for (source, target), units in sorted(totals.items()):
        if source not in placed or target not in placed:
            continue
        (x1, y1), (x2, y2) = xy(source), xy(target)
        # Stop the line short of the target circle so the arrowhead shows.
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        shorten = min(14.0, length / 3)
        flows.append(
            {
                "x1": x1,
                "y1": y1,
                "x2": round(x2 - (x2 - x1) * shorten / length, 1),
                "y2": round(y2 - (y2 - y1) * shorten / length, 1),
                "width": round(1.5 + (MAX_STROKE - 1.5) * units / biggest, 1),
                "units": units,
                "from": names.get(source, str(source)),
                "to": names.get(target, str(target)),
            }
        )
    depots = [
        {"x": xy(d)[0], "y": xy(d)[1], "name": names.get(d, str(d)), "hub": d == hub_id}
        for d in sorted(placed, key=lambda d: names.get(d, str(d)))
    ]
    return {"depots": depots, "flows": flows, "width": WIDTH, "height": HEIGHT}
