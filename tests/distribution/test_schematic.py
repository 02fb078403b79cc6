"""The flow map's geometry (depot.distribution.schematic.flow_map): pure numbers, no app."""

from __future__ import annotations

import itertools
import math

from depot.distribution.schematic import HEIGHT, WIDTH, flow_map, short_names

# The demo's West cluster: Herning, Ikast and Gødstrup sit close together.
WEST = {
    1: (56.130469, 8.986612),
    2: (56.366318, 8.623872),
    3: (56.129741, 9.165622),
    4: (56.555754, 8.323072),
    5: (56.097115, 8.233317),
    6: (56.501379, 8.577692),
    7: (56.165633, 8.891355),
}
NAMES = {
    1: "Hjælpemiddeldepot Herning",
    2: "Hjælpemiddeldepot Holstebro",
    3: "Hjælpemiddeldepot Ikast",
    4: "Hjælpemiddeldepot Lemvig",
    5: "Hjælpemiddeldepot Ringkøbing",
    6: "Hjælpemiddeldepot Struer",
    7: "Fællesdepot Gødstrup",
}


def _transfer(source, target, quantity, product=1):
    return {"from": source, "to": target, "product": product, "quantity": quantity}


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(box):
    return box[0] >= 0 and box[1] >= 0 and box[2] <= WIDTH and box[3] <= HEIGHT


def _points(polygon: str) -> list[tuple[float, float]]:
    """The arrowhead polygon's corners, its tip first."""
    return [tuple(map(float, point.split(","))) for point in polygon.split()]


def _west(transfers, hub_id=7):
    return flow_map(positions=WEST, names=NAMES, transfers=transfers, hub_id=hub_id)


def test_depots_are_placed_inside_the_box_north_up():
    result = _west([])
    assert len(result["depots"]) == 7 and result["flows"] == []
    for depot in result["depots"]:
        assert 0 < depot["x"] < WIDTH and 0 < depot["y"] < HEIGHT
    by_name = {d["short"]: d for d in result["depots"]}
    # Lemvig is the northernmost (smallest y), Ikast the easternmost (largest x).
    assert min(result["depots"], key=lambda d: d["y"])["short"] == "Lemvig"
    assert max(result["depots"], key=lambda d: d["x"])["short"] == "Ikast"
    assert by_name["Gødstrup"]["hub"] and by_name["Gødstrup"]["r"] > by_name["Herning"]["r"]


def test_names_drop_the_words_every_depot_carries_and_keep_the_full_name():
    result = _west([])
    shorts = {d["short"] for d in result["depots"]}
    assert shorts == {"Herning", "Holstebro", "Ikast", "Lemvig", "Ringkøbing", "Struer", "Gødstrup"}
    assert {d["name"] for d in result["depots"]} == set(NAMES.values())  # for the tooltip
    # Shared words go; a name that would clash or vanish stays whole.
    assert short_names({1: "Depot Nord", 2: "Depot Syd"}) == {1: "Nord", 2: "Syd"}
    assert short_names({1: "Hjælpemiddeldepot"}) == {1: "Hjælpemiddeldepot"}
    assert short_names({1: "Herning depot", 2: "Herning Hjælpemiddeldepot"}) == {
        1: "Herning depot",
        2: "Herning Hjælpemiddeldepot",
    }
    assert short_names({}) == {}


# Names with nothing to drop, so the labels stay long.
LONG = {
    1: "Herning Kommunes Hjælpemidler",
    2: "Holstebro Kommunes Hjælpemidler",
    3: "Ikast-Brande Kommunes Lager",
    4: "Lemvig Kommunes Lager",
    5: "Ringkøbing-Skjern Kommunes Lager",
    6: "Struer Kommunes Hjælpemidler",
    7: "Gødstrup Fælleslager",
}


def _assert_labels_clear(result):
    boxes = [d["label"]["box"] for d in result["depots"]]
    circles = [
        (d["x"] - d["r"], d["y"] - d["r"], d["x"] + d["r"], d["y"] + d["r"])
        for d in result["depots"]
    ]
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (a, b)
    for box in boxes:
        assert _inside(box)
        assert not any(_overlap(box, circle) for circle in circles)
    # The units' labels keep clear of the depots' labels and of each other too.
    units = [f["label"]["box"] for f in result["flows"]]
    for a, b in itertools.combinations(units + boxes, 2):
        assert not _overlap(a, b), (a, b)


def test_long_labels_of_close_depots_do_not_overlap_each_other_or_the_circles():
    everything = [
        _transfer(a, b, 1 + (a * b) % 9) for a, b in itertools.permutations(WEST, 2) if a < b
    ]
    result = flow_map(positions=WEST, names=LONG, transfers=everything, hub_id=7)
    assert {d["short"] for d in result["depots"]} == set(LONG.values())
    _assert_labels_clear(result)


def test_a_depot_next_door_gets_its_label_on_another_side():
    # A second depot 1.5 km east of Herning: the two circles nearly touch on the map.
    positions = {**WEST, 8: (56.1305, 9.0100)}
    names = {**LONG, 8: "Herning Øst Lager"}
    result = flow_map(
        positions=positions,
        names=names,
        transfers=[_transfer(8, 3, 4), _transfer(1, 8, 2), _transfer(7, 1, 6)],
        hub_id=None,
    )
    _assert_labels_clear(result)
    sides = {d["name"]: d["label"]["anchor"] for d in result["depots"]}
    assert (sides[LONG[1]], sides["Herning Øst Lager"]) != ("start", "start")


def test_both_directions_between_two_depots_are_drawn_side_by_side():
    result = _west([_transfer(1, 3, 14), _transfer(3, 1, 4)])
    there, back = result["flows"]
    assert (there["from"], there["to"]) == (NAMES[1], NAMES[3])
    assert there["paired"] and back["paired"]
    there_line = (there["x1"], there["y1"], there["x2"], there["y2"])
    back_line = (back["x2"], back["y2"], back["x1"], back["y1"])  # same way round
    assert there_line != back_line
    # Herning and Ikast lie east-west, so the offset is vertical: the lines do not touch.
    gap = abs(there["y1"] - back["y2"])
    assert gap >= (there["width"] + back["width"]) / 2
    assert not _overlap(there["label"]["box"], back["label"]["box"])


def test_a_flow_in_one_direction_only_runs_between_the_centres():
    result = _west([_transfer(1, 3, 5)])
    (flow,) = result["flows"]
    herning, ikast = (
        next(d for d in result["depots"] if d["short"] == s) for s in ("Herning", "Ikast")
    )
    assert not flow["paired"]
    assert abs(flow["y1"] - herning["y"]) < 1 and abs(flow["y2"] - ikast["y"]) < 1
    # It starts outside Herning's circle and the arrowhead stops outside Ikast's.
    assert flow["x1"] > herning["x"] + herning["r"]
    tip = _points(flow["head"])[0]
    assert herning["x"] < flow["x2"] < tip[0] < ikast["x"] - ikast["r"]
    # The units sit on the line, between its ends.
    assert flow["x1"] < flow["label"]["x"] < tip[0]


def test_widths_scale_with_the_units_and_arrowheads_stay_small():
    result = _west([_transfer(1, 2, 2), _transfer(2, 4, 20), _transfer(5, 4, 10)])
    width = {(f["from"], f["to"]): f["width"] for f in result["flows"]}
    small, big, middle = (width[(NAMES[a], NAMES[b])] for a, b in ((1, 2), (2, 4), (5, 4)))
    assert small < middle < big
    assert sum(f["units"] for f in result["flows"]) == 32
    for flow in result["flows"]:
        points = _points(flow["head"])
        size = max(math.dist(a, b) for a, b in itertools.combinations(points, 2))
        # Sized to the line, but never the huge triangles a marker scaled by the stroke gives.
        assert flow["width"] < size <= 20


def test_transfers_of_several_products_add_up_per_direction():
    result = _west([_transfer(1, 3, 2, product=1), _transfer(1, 3, 3, product=2)])
    (flow,) = result["flows"]
    assert flow["units"] == 5


def test_depots_without_coordinates_are_left_off_with_their_flows():
    positions = {**WEST, 8: None}
    names = {**NAMES, 8: "Hjælpemiddeldepot Uden Adresse"}
    result = flow_map(
        positions=positions,
        names=names,
        transfers=[_transfer(8, 1, 3), _transfer(1, 2, 1)],
        hub_id=None,
    )
    assert len(result["depots"]) == 7
    assert [(f["from"], f["to"]) for f in result["flows"]] == [(NAMES[1], NAMES[2])]
    assert result["unplaced"] == ["Hjælpemiddeldepot Uden Adresse"]
    assert not any(d["hub"] for d in result["depots"])


def test_empty_input_draws_nothing():
    assert flow_map(positions={}, names={}, transfers=[], hub_id=None)["depots"] == []
    result = flow_map(positions={1: None}, names={1: "A"}, transfers=[], hub_id=None)
    assert result["depots"] == [] and result["flows"] == [] and result["unplaced"] == ["A"]
    assert (result["width"], result["height"]) == (WIDTH, HEIGHT)


def test_a_single_depot_sits_in_the_middle():
    result = flow_map(positions={1: WEST[1]}, names={1: NAMES[1]}, transfers=[], hub_id=1)
    (depot,) = result["depots"]
    assert (depot["x"], depot["y"]) == (WIDTH / 2, HEIGHT / 2)
    assert depot["short"] == "Herning" and depot["name"] == NAMES[1]
