"""Ordering a run's stops: nearest neighbour, then 2-opt and or-opt, on straight-line distances.

Pure Python: no Flask, no database. A route starts at `start` (the depot, or the last stop
already made) and ends at `end` (the depot). A missing start or end is free: the route may
begin or finish anywhere, which is the same as a node at distance 0 from every stop. Stops
with an unknown position go last, in the order given. Runs have tens of stops, so the
O(n²)-per-pass local search is instant and in practice within a few per cent of the optimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from depot.geo import distance_km

Point = tuple[float, float]

# Improvements smaller than this (km) are rounding noise; ignoring them ends the search.
EPSILON = 1e-9
MAX_PASSES = 200
OR_OPT_SEGMENTS = (1, 2, 3)


def route_km(
    points: Sequence[Point | None], *, start: Point | None = None, end: Point | None = None
) -> float:
    """Straight-line km of start → the known points in the given order → end.

    Unknown points are skipped, and so are legs from an unknown start or to an unknown end.
    """
    stops = [p for p in points if p is not None]
    if not stops:
        return 0.0 if start is None or end is None else float(distance_km(start, end) or 0.0)
    total = 0.0
    for a, b in pairwise([start, *stops, end]):
        total += distance_km(a, b) or 0.0
    return total


def _matrix(nodes: Sequence[Point | None]) -> list[list[float]]:
    """Distances between all nodes; a node without a position is 0 km from everything."""
    return [[distance_km(a, b) or 0.0 for b in nodes] for a in nodes]


def path_length(matrix: list[list[float]], path: Sequence[int]) -> float:
    """Length of 0 → path → last node of the matrix (the end)."""
    end = len(matrix) - 1
    full = [0, *path, end]
    return sum(matrix[a][b] for a, b in pairwise(full))


def nearest_neighbour(matrix: list[list[float]]) -> list[int]:
    """From node 0, always on to the nearest unvisited stop (1 … n); ties by index."""
    remaining = list(range(1, len(matrix) - 1))
    path, current = [], 0
    while remaining:
        nearest = min(remaining, key=lambda node: (matrix[current][node], node))
        remaining.remove(nearest)
        path.append(nearest)
        current = nearest
    return path


def _two_opt_pass(matrix: list[list[float]], full: list[int]) -> bool:
    """Reverse the first segment whose reversal shortens the path; True if one did."""
    d = matrix
    last = len(full) - 2  # the last stop; full[-1] is the end
    for i in range(1, last):
        for j in range(i + 1, last + 1):
            a, b, c, e = full[i - 1], full[i], full[j], full[j + 1]
            if d[a][c] + d[b][e] - d[a][b] - d[c][e] < -EPSILON:
                full[i : j + 1] = reversed(full[i : j + 1])
                return True
    return False


def _or_opt_pass(matrix: list[list[float]], full: list[int]) -> bool:
    """Move the first segment of 1–3 stops (maybe reversed) to where it shortens the path."""
    d = matrix
    for size in OR_OPT_SEGMENTS:
        for i in range(1, len(full) - 1 - size + 1):
            segment = full[i : i + size]
            before, after = full[i - 1], full[i + size]
            saved = d[before][segment[0]] + d[segment[-1]][after] - d[before][after]
            rest = full[:i] + full[i + size :]
            for k in range(len(rest) - 1):
                if k == i - 1:
                    continue  # its own place
                a, b = rest[k], rest[k + 1]
                forward = d[a][segment[0]] + d[segment[-1]][b] - d[a][b]
                backward = d[a][segment[-1]] + d[segment[0]][b] - d[a][b]
                if min(forward, backward) - saved < -EPSILON:
                    moved = segment if forward <= backward else segment[::-1]
                    full[:] = rest[: k + 1] + moved + rest[k + 1 :]
                    return True
    return False


def improve(matrix: list[list[float]], path: Sequence[int]) -> list[int]:
    """2-opt and or-opt moves until none shortens the path (never longer than the input)."""
    full = [0, *path, len(matrix) - 1]
    for _ in range(MAX_PASSES * max(1, len(path))):
        if not (_two_opt_pass(matrix, full) or _or_opt_pass(matrix, full)):
            break
    return full[1:-1]


def plan_order(
    points: Sequence[Point | None], *, start: Point | None = None, end: Point | None = None
) -> list[int]:
    """The indexes of `points` in a short visiting order: known positions, then unknown."""
    known = [index for index, point in enumerate(points) if point is not None]
    unknown = [index for index, point in enumerate(points) if point is None]
    if len(known) <= 1:
        return known + unknown
    matrix = _matrix([start, *(points[i] for i in known), end])
    path = improve(matrix, nearest_neighbour(matrix))
    return [known[node - 1] for node in path] + unknown
