"""The layered layout: crossings reduced, ranks in columns, groups together, no overlaps."""
from __future__ import annotations

import random

from auditor.reporters.map_layout import Box, Link, Spacing, layout


def _boxes(spec: dict[str, int], group: dict[str, str] | None = None) -> list[Box]:
    return [Box(i, r, 100, 30, group=(group or {}).get(i)) for i, r in spec.items()]


def _overlaps(lay, boxes: list[Box]) -> list[tuple[str, str]]:
    out = []
    for a in boxes:
        for b in boxes:
            if a.id < b.id and a.rank == b.rank:
                ya, yb = lay.positions[a.id][1], lay.positions[b.id][1]
                if ya < yb + b.height and yb < ya + a.height:
                    out.append((a.id, b.id))
    return out


def test_an_untangled_bipartite_graph_has_no_crossing():
    # a1->b3, a2->b2, a3->b1 drawn in input order crosses three times; sorted, it crosses none.
    boxes = _boxes({"a1": 0, "a2": 0, "a3": 0, "b1": 1, "b2": 1, "b3": 1})
    links = [Link("1", "a1", "b3"), Link("2", "a2", "b2"), Link("3", "a3", "b1")]
    lay = layout(boxes, links)
    assert lay.crossings == 0
    ys = {k: v[1] for k, v in lay.positions.items()}
    assert (ys["b3"] < ys["b2"] < ys["b1"]) == (ys["a1"] < ys["a2"] < ys["a3"])


def test_ranks_are_columns_left_to_right_and_empty_ranks_take_no_room():
    boxes = _boxes({"s": 0, "l": 2, "d": 5})
    lay = layout(boxes, [Link("1", "s", "l"), Link("2", "l", "d")])
    xs = [lay.positions[i][0] for i in ("s", "l", "d")]
    assert xs == sorted(xs) and len(set(xs)) == 3
    sp = Spacing()
    assert xs[1] - xs[0] == 100 + sp.rank_gap and xs[2] - xs[1] == 100 + sp.rank_gap


def test_long_edges_get_a_route_through_each_rank_they_cross():
    boxes = _boxes({"a": 0, "b": 1, "c": 2, "d": 3})
    lay = layout(boxes, [Link("long", "a", "d"), Link("ab", "a", "b"), Link("bc", "b", "c"), Link("cd", "c", "d")])
    route = lay.routes["long"]
    assert route[0][0] == lay.positions["a"][0] + 100  # leaves from the source's right side
    assert route[-1][0] == lay.positions["d"][0]  # ends at the target's left side
    assert len(route) == 2 + 2 * 2  # a straight stretch through ranks 1 and 2


def test_groups_stay_together_and_nothing_overlaps():
    rng = random.Random(7)
    spec = {f"n{i}": rng.randrange(4) for i in range(40)}
    group = {k: f"g{rng.randrange(3)}-{r}" for k, r in spec.items() if rng.random() < 0.6}
    boxes = _boxes(spec, group)
    links = []
    for i in range(80):
        a, b = rng.sample(list(spec), 2)
        if spec[a] < spec[b]:
            links.append(Link(f"e{i}", a, b))
    lay = layout(boxes, links)
    assert not _overlaps(lay, boxes)
    for g in set(group.values()):
        members = sorted((lay.positions[k][1], k) for k, v in group.items() if v == g)
        lo, hi = members[0][0], members[-1][0]
        intruders = [k for k, r in spec.items() if group.get(k) != g and r == spec[members[0][1]]
                     and lo < lay.positions[k][1] < hi]
        assert not intruders, (g, intruders)
        x, y, w, h = lay.groups[g]
        for _, k in members:
            px, py = lay.positions[k]
            assert x <= px and px + 100 <= x + w and y <= py and py + 30 <= y + h


def test_crossing_reduction_beats_the_input_order():
    rng = random.Random(3)
    spec = {f"a{i}": 0 for i in range(12)} | {f"b{i}": 1 for i in range(12)} | {f"c{i}": 2 for i in range(12)}
    links = [Link(f"x{i}", f"a{i}", f"b{(i * 5) % 12}") for i in range(12)]
    links += [Link(f"y{i}", f"b{i}", f"c{(i * 7) % 12}") for i in range(12)]
    boxes = _boxes(spec)
    unsorted = layout(boxes, links, sweeps=0).crossings
    assert unsorted > 20
    assert layout(boxes, links).crossings <= unsorted // 4


def test_ports_order_edges_leaving_rows():
    # One tall box whose rows lead to b1 (row at the bottom) and b2 (row at the top).
    tall = Box("s", 0, 100, 100, ports={"top": 10, "bottom": 90})
    boxes = [tall, Box("b1", 1, 100, 30), Box("b2", 1, 100, 30)]
    lay = layout(boxes, [Link("1", "s", "b1", "bottom"), Link("2", "s", "b2", "top")])
    assert lay.positions["b2"][1] < lay.positions["b1"][1]
    assert lay.crossings == 0


def test_the_same_input_gives_the_same_picture():
    rng = random.Random(11)
    spec = {f"n{i}": rng.randrange(5) for i in range(60)}
    links = [Link(f"e{i}", a, b) for i, (a, b) in enumerate(zip(rng.choices(list(spec), k=90),
                                                                 rng.choices(list(spec), k=90))) if spec[a] < spec[b]]
    first = layout(_boxes(spec), links)
    again = layout(_boxes(spec), links)
    assert first == again
