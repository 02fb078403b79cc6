"""The route planner against brute force on small random instances."""

import random
from itertools import permutations

import pytest

from depot.deliveries import routing

DEPOT = (56.139, 8.974)  # Herning


def _length(points, order, start, end):
    return routing.route_km([points[i] for i in order], start=start, end=end)


def _brute_force(points, start, end):
    return min(_length(points, order, start, end) for order in permutations(range(len(points))))


def _random_points(rng, n):
    # Somewhere in the West cluster: about 80 × 80 km.
    return [(56.0 + rng.random() * 0.7, 8.2 + rng.random() * 1.1) for _ in range(n)]


def _nearest_neighbour_km(points, start, end):
    matrix = routing._matrix([start, *points, end])
    path = routing.nearest_neighbour(matrix)
    return routing.path_length(matrix, path)


def test_four_points_on_a_line_are_visited_out_and_back():
    line = [(56.0, 9.3), (56.0, 9.1), (56.0, 9.4), (56.0, 9.2)]
    start = (56.0, 9.0)
    order = routing.plan_order(line, start=start, end=start)
    assert order in ([1, 3, 0, 2], [2, 0, 3, 1])
    assert _length(line, order, start, start) == pytest.approx(_brute_force(line, start, start))


def test_nearest_neighbour_trap_is_repaired():
    # NN from the depot goes to the near point first and then zig-zags.
    points = [(56.0, 9.05), (56.0, 8.9), (56.0, 9.2), (56.0, 8.7)]
    start = (56.0, 9.0)
    planned = _length(points, routing.plan_order(points, start=start, end=start), start, start)
    assert planned <= _nearest_neighbour_km(points, start, start) + 1e-9
    assert planned == pytest.approx(_brute_force(points, start, start))


@pytest.mark.parametrize("seed", range(40))
def test_never_worse_than_nearest_neighbour_and_close_to_optimal(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 7)
    points = _random_points(rng, n)
    order = routing.plan_order(points, start=DEPOT, end=DEPOT)
    assert sorted(order) == list(range(n))
    planned = _length(points, order, DEPOT, DEPOT)
    assert planned <= _nearest_neighbour_km(points, DEPOT, DEPOT) + 1e-9
    assert planned <= _brute_force(points, DEPOT, DEPOT) * 1.05 + 1e-9


def test_mostly_optimal_on_small_instances():
    rng = random.Random(2024)
    optimal = 0
    for _ in range(60):
        points = _random_points(rng, rng.randint(3, 7))
        planned = _length(points, routing.plan_order(points, start=DEPOT, end=DEPOT), DEPOT, DEPOT)
        optimal += planned <= _brute_force(points, DEPOT, DEPOT) + 1e-6
    assert optimal >= 55


def test_open_start_and_fixed_end():
    rng = random.Random(7)
    points = _random_points(rng, 6)
    order = routing.plan_order(points, start=None, end=DEPOT)
    planned = _length(points, order, None, DEPOT)
    assert planned == pytest.approx(_brute_force(points, None, DEPOT), rel=0.05)


def test_unknown_positions_go_last_in_their_order():
    points = [None, (56.2, 9.0), None, (56.1, 9.0)]
    order = routing.plan_order(points, start=DEPOT, end=DEPOT)
    assert order[2:] == [0, 2]
    assert sorted(order[:2]) == [1, 3]


def test_degenerate_inputs():
    assert routing.plan_order([], start=DEPOT, end=DEPOT) == []
    assert routing.plan_order([None], start=DEPOT, end=DEPOT) == [0]
    assert routing.plan_order([(56.2, 9.0)], start=None, end=None) == [0]
    assert routing.route_km([], start=DEPOT, end=DEPOT) == 0.0
    assert routing.route_km([None, None], start=None, end=DEPOT) == 0.0


def test_route_km_adds_the_legs_and_skips_unknown():
    a, b = (56.0, 9.0), (56.1, 9.0)  # about 11.1 km apart
    assert routing.route_km([b], start=a, end=a) == pytest.approx(2 * 11.12, abs=0.05)
    assert routing.route_km([None, b], start=a, end=None) == pytest.approx(11.12, abs=0.05)


def test_larger_run_is_fast_and_a_permutation():
    rng = random.Random(3)
    points = _random_points(rng, 60)
    order = routing.plan_order(points, start=DEPOT, end=DEPOT)
    assert sorted(order) == list(range(60))
    assert _length(points, order, DEPOT, DEPOT) <= _nearest_neighbour_km(points, DEPOT, DEPOT)
