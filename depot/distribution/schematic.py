"""A map-like schematic of the proposed flows: depots placed by their coordinates, arrows
between them as thick as the units they carry. Plain numbers for an inline SVG (no JS).

Labels are placed by simple collision checks against what is already placed, since
neighbouring depots (Herning, Ikast, Gødstrup) sit a few pixels apart at this scale."""

from __future__ import annotations

import math

WIDTH, HEIGHT, PAD = 640.0, 420.0, 48.0
MIN_STROKE, MAX_STROKE = 1.5, 8.0
DEPOT_R, HUB_R = 6.0, 9.0
FONT, UNIT_FONT = 12.0, 11.0
# Average glyph width per unit of font size of a sans-serif face: a rough but safe estimate
# of a label's width, which the server cannot measure.
GLYPH = 0.6
PAIR_GAP = 1.5  # px between the two directions of a pair, either side of the centre line

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def short_names(names: dict) -> dict:
    """Names without the words that carry no information on the map: words all names share
    and words like "Hjælpemiddeldepot"/"Fællesdepot" (the map only shows depots). A name
    that would become empty or clash with another one stays whole."""
    if not names:
        return {}
    words = {key: str(name).split() for key, name in names.items()}
    shared = set.intersection(*(set(w) for w in words.values())) if len(words) > 1 else set()
    short = {}
    for key, parts in words.items():
        kept = [w for w in parts if w not in shared and not w.lower().endswith("depot")]
        short[key] = " ".join(kept) or str(names[key])
    counts: dict[str, int] = {}
    for name in short.values():
        counts[name] = counts.get(name, 0) + 1
    return {key: name if counts[name] == 1 else str(names[key]) for key, name in short.items()}


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _outside(box: Box) -> bool:
    return box[0] < 2 or box[1] < 2 or box[2] > WIDTH - 2 or box[3] > HEIGHT - 2


def _crosses(segment: tuple, box: Box) -> bool:
    """Whether the segment passes through the box (Liang-Barsky clipping)."""
    x1, y1, x2, y2 = segment
    dx, dy = x2 - x1, y2 - y1
    low, high = 0.0, 1.0
    for p, q in ((-dx, x1 - box[0]), (dx, box[2] - x1), (-dy, y1 - box[1]), (dy, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def _depot_label(x: float, y: float, r: float, text: str, where: str) -> dict:
    """Text anchor, baseline and bounding box of a depot's label at one side of its circle."""
    w, h, gap = len(text) * FONT * GLYPH, FONT, r + 3
    lift = r * 0.7 + 2  # the diagonal places clear the circle at 45 degrees
    # where: (anchor x, top of the box, text-anchor)
    places = {
        "right": (x + gap, y - h / 2, "start"),
        "left": (x - gap, y - h / 2, "end"),
        "above": (x, y - gap - h, "middle"),
        "below": (x, y + gap, "middle"),
        "above-right": (x + lift, y - lift - h, "start"),
        "above-left": (x - lift, y - lift - h, "end"),
        "below-right": (x + lift, y + lift, "start"),
        "below-left": (x - lift, y + lift, "end"),
        "far-above": (x, y - gap - 2 * h - 2, "middle"),
        "far-below": (x, y + gap + h + 2, "middle"),
    }
    tx, top, anchor = places[where]
    if anchor == "middle":  # centred labels may slide sideways to stay inside the frame
        tx = min(max(tx, w / 2 + 3), WIDTH - w / 2 - 3)
    left = {"start": tx, "end": tx - w, "middle": tx - w / 2}[anchor]
    box = (left, top, left + w, top + h)
    # The baseline sits about 0.8 of the font size below the top of the glyphs' box.
    return {"x": round(tx, 1), "y": round(top + FONT * 0.8, 1), "anchor": anchor, "box": box}


LABEL_PLACES = (
    "right",
    "left",
    "above",
    "below",
    "above-right",
    "above-left",
    "below-right",
    "below-left",
    "far-above",
    "far-below",
)


def _best(candidates: list[dict], taken: list[Box], lines: list[tuple]) -> dict:
    """The first candidate with the fewest collisions with placed labels, circles and the
    frame; among those the lowest `rank` (how far from where it belongs), then the one
    fewest flow lines (x1, y1, x2, y2, width) run through."""

    def cost(index_candidate):
        index, candidate = index_candidate
        box = candidate["box"]
        hits = sum(_overlap(box, other) for other in taken)
        crossed = 0
        for *segment, width in lines:
            pad = width / 2
            crossed += _crosses(
                tuple(segment), (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
            )
        return (hits + _outside(box), candidate.get("rank", 0), crossed, index)

    return min(enumerate(candidates), key=cost)[1]


def _projection(positions: dict):
    """A function from (lat, lon) to SVG (x, y), centred in the box."""
    lats = [p[0] for p in positions.values()]
    lons = [p[1] for p in positions.values()]
    # Longitude degrees are shorter this far north: scale them by cos(latitude).
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = (max(lons) - min(lons)) * squeeze
    span_y = max(lats) - min(lats)
    scale = min((WIDTH - 2 * PAD) / max(span_x, 1e-6), (HEIGHT - 2 * PAD) / max(span_y, 1e-6))
    # Centre the drawing along the axis that has room to spare (both, for a single depot).
    left = (WIDTH - span_x * scale) / 2
    top = (HEIGHT - span_y * scale) / 2

    def xy(position) -> tuple[float, float]:
        lat, lon = position
        x = left + (lon - min(lons)) * squeeze * scale
        y = top + (max(lats) - lat) * scale
        return (round(x, 1), round(y, 1))

    return xy


def _flow(start, end, *, r_from, r_to, width, offset) -> dict:
    """A line from one depot to the next, shifted `offset` px to its right, that stops at an
    arrowhead (a polygon sized to the line, not a marker: markers grow with the stroke)."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    nx, ny = -uy, ux  # perpendicular; the reverse direction's points the other way
    trim_from, trim_to = min(r_from + 2, length / 4), min(r_to + 2, length / 4)
    head_len = min(6 + width * 0.8, (length - trim_from - trim_to) / 2)
    head_half = 3 + width * 0.6
    sx, sy = x1 + ux * trim_from + nx * offset, y1 + uy * trim_from + ny * offset
    tx, ty = x2 - ux * trim_to + nx * offset, y2 - uy * trim_to + ny * offset
    bx, by = tx - ux * head_len, ty - uy * head_len
    head = [
        (tx, ty),
        (bx + nx * head_half, by + ny * head_half),
        (bx - nx * head_half, by - ny * head_half),
    ]
    return {
        "x1": round(sx, 1),
        "y1": round(sy, 1),
        "x2": round(bx, 1),
        "y2": round(by, 1),
        "head": " ".join(f"{round(px, 1)},{round(py, 1)}" for px, py in head),
        "normal": (nx, ny),
        "tip": (round(tx, 1), round(ty, 1)),
    }


def _unit_label(flow: dict, text: str, paired: bool, taken: list[Box], lines: list) -> dict:
    """Where the flow's units go: on the line, or beside it (outside the pair) when both
    directions are drawn; sliding along the line to stay clear of what is placed and of the
    other lines, and moving further aside only when it must to clear what is placed."""
    w, h = len(text) * UNIT_FONT * GLYPH + 4, UNIT_FONT + 2
    nx, ny = flow["normal"]
    beside = flow["width"] / 2 + h / 2 + 1
    shifts = (beside, beside + h) if paired else (0.0, beside, -beside, beside + h, -beside - h)
    candidates = []
    for rank, aside in enumerate(shifts):
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            cx = flow["x1"] + (flow["x2"] - flow["x1"]) * t + nx * aside
            cy = flow["y1"] + (flow["y2"] - flow["y1"]) * t + ny * aside
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            baseline = round(cy + UNIT_FONT * 0.35, 1)
            candidates.append({"x": round(cx, 1), "y": baseline, "box": box, "rank": rank})
    return _best(candidates, taken, lines)


def flow_map(*, positions: dict, names: dict, transfers: list[dict], hub_id: int | None) -> dict:
    """Depot circles with placed labels and flow lines with arrowheads and unit counts, in
    SVG coordinates. Depots without coordinates are left off (their flows are in the table)
    and listed in `unplaced`."""
    placed = {d: p for d, p in positions.items() if p is not None}
    unplaced = sorted(str(names.get(d, d)) for d, p in positions.items() if p is None)
    empty = {"depots": [], "flows": [], "width": WIDTH, "height": HEIGHT}
    if not placed:
        return {**empty, "unplaced": unplaced}
    xy = _projection(placed)
    points = {d: xy(p) for d, p in placed.items()}
    radius = {d: HUB_R if d == hub_id else DEPOT_R for d in placed}
    full = {d: str(names.get(d, d)) for d in placed}
    short = short_names(full)

    totals: dict[tuple, int] = {}
    for transfer in transfers:
        key = (int(transfer["from"]), int(transfer["to"]))
        totals[key] = totals.get(key, 0) + int(transfer["quantity"])
    drawn = {k: v for k, v in totals.items() if k[0] in placed and k[1] in placed and k[0] != k[1]}
    biggest = max(drawn.values(), default=1)
    flows = []
    for (source, target), units in sorted(drawn.items()):
        width = round(MIN_STROKE + (MAX_STROKE - MIN_STROKE) * units / biggest, 1)
        paired = (target, source) in drawn
        geometry = _flow(
            points[source],
            points[target],
            r_from=radius[source],
            r_to=radius[target],
            width=width,
            offset=width / 2 + PAIR_GAP if paired else 0.0,
        )
        flows.append(
            {
                **geometry,
                "width": width,
                "units": units,
                "paired": paired,
                "from": full[source],
                "to": full[target],
            }
        )

    # Depot labels first, the most crowded depots first so they get the best sides.
    lines = [(f["x1"], f["y1"], *f["tip"], f["width"]) for f in flows]
    taken: list[Box] = [
        (x - radius[d], y - radius[d], x + radius[d], y + radius[d]) for d, (x, y) in points.items()
    ]

    def crowding(d):
        x, y = points[d]
        near = sum(math.hypot(x - ox, y - oy) < 120 for ox, oy in points.values())
        return (-near, full[d])

    labels = {}
    for d in sorted(placed, key=crowding):
        x, y = points[d]
        options = [_depot_label(x, y, radius[d], short[d], where) for where in LABEL_PLACES]
        labels[d] = _best(options, taken, lines)
        taken.append(labels[d]["box"])
    for index, flow in enumerate(flows):
        others = lines[:index] + lines[index + 1 :]
        flow["label"] = _unit_label(flow, str(flow["units"]), flow["paired"], taken, others)
        taken.append(flow["label"]["box"])
        del flow["normal"], flow["tip"]
    for label in [*labels.values(), *(f["label"] for f in flows)]:
        label["box"] = tuple(round(v, 1) for v in label["box"])
        label.pop("rank", None)

    depots = [
        {
            "x": points[d][0],
            "y": points[d][1],
            "r": radius[d],
            "name": full[d],
            "short": short[d],
            "label": labels[d],
            "hub": d == hub_id,
        }
        for d in sorted(placed, key=lambda d: full[d])
    ]
    return {**empty, "depots": depots, "flows": flows, "unplaced": unplaced}
