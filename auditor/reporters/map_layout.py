"""A layered (Sugiyama-style) layout for left-to-right flow pictures, in plain Python.

The exposure map is layered by nature (internet, firewall, listeners, nginx, services,
datastores), so ranks are given, not computed. What this module does:

1. edges that skip ranks get a chain of dummy points, one per rank crossed, so that they take part
   in ordering and get a lane of their own;
2. crossing reduction: alternating down/up sweeps that sort each rank by the barycenter of its
   neighbours' port positions, groups (clusters) kept contiguous and sorted as one block; the
   ordering with the fewest crossings wins;
3. coordinates: columns per rank; within a rank, blocks placed as close as possible to their
   neighbours (isotonic regression with minimum gaps, so the order never changes);
4. routes: each edge as a list of points, from the source's port through its dummies to the
   target's port; the drawing smooths them.

Pure functions of their input: the same boxes and links give the same picture, byte for byte.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

Point = tuple[float, float]


@dataclass
class Box:
    """A node to place. `ports` maps a port name to its vertical offset from the box's top."""

    id: str
    rank: int
    width: float
    height: float
    group: Optional[str] = None
    ports: dict[str, float] = field(default_factory=dict)

    def port_y(self, port: Optional[str]) -> float:
        return self.ports.get(port, self.height / 2) if port is not None else self.height / 2


@dataclass
class Link:
    key: str
    source: str
    target: str
    source_port: Optional[str] = None
    target_port: Optional[str] = None


@dataclass
class Layout:
    positions: dict[str, Point]  # box id -> top-left corner
    routes: dict[str, list[Point]]  # link key -> points, source port first
    groups: dict[str, tuple[float, float, float, float]]  # group -> x, y, width, height
    width: float
    height: float
    crossings: int


@dataclass
class Spacing:
    rank_gap: float = 90.0  # horizontal room between columns, for the edges
    node_gap: float = 14.0
    group_pad: float = 10.0
    group_head: float = 20.0  # room for the group's title above its members
    group_gap: float = 22.0
    margin: float = 16.0
    dummy_height: float = 6.0


@dataclass
class _Item:
    """A box or a dummy point in one rank."""

    id: str
    rank: int
    height: float
    group: Optional[str] = None
    box: Optional[Box] = None


def layout(boxes: list[Box], links: list[Link], spacing: Optional[Spacing] = None,
           sweeps: int = 8) -> Layout:
    sp = spacing or Spacing()
    by_id = {b.id: b for b in boxes}
    ranks = sorted({b.rank for b in boxes})
    rank_index = {r: i for i, r in enumerate(ranks)}  # empty ranks take no room
    items: dict[str, _Item] = {}
    layers: list[list[str]] = [[] for _ in ranks]
    for b in boxes:
        items[b.id] = _Item(b.id, rank_index[b.rank], b.height, b.group, b)
        layers[rank_index[b.rank]].append(b.id)

    # Segments between adjacent ranks: (upper item, its port, lower item, its port).
    segments: list[tuple[str, Optional[str], str, Optional[str]]] = []
    chains: dict[str, list[str]] = {}
    for link in links:
        if link.source not in by_id or link.target not in by_id:
            continue
        src, dst = items[link.source], items[link.target]
        sport, dport = link.source_port, link.target_port
        if src.rank > dst.rank:  # drawn against the flow: laid out as if it went with it
            src, dst, sport, dport = dst, src, dport, sport
        if src.rank == dst.rank:
            chains[link.key] = []
            continue
        chain = []
        prev, prev_port = src.id, sport
        for r in range(src.rank + 1, dst.rank):
            did = f"\x00{link.key}\x00{r}"
            items[did] = _Item(did, r, sp.dummy_height)
            layers[r].append(did)
            chain.append(did)
            segments.append((prev, prev_port, did, None))
            prev, prev_port = did, None
        segments.append((prev, prev_port, dst.id, dport))
        chains[link.key] = chain

    layers = [_grouped(layer, items) for layer in layers]
    up: dict[str, list[tuple[str, Optional[str], Optional[str]]]] = {i: [] for i in items}
    down: dict[str, list[tuple[str, Optional[str], Optional[str]]]] = {i: [] for i in items}
    for a, ap, b, bp in segments:
        down[a].append((b, bp, ap))
        up[b].append((a, ap, bp))

    def port_offset(item_id: str, port: Optional[str]) -> float:
        it = items[item_id]
        return it.box.port_y(port) if it.box else it.height / 2

    def packed(order: list[list[str]]) -> dict[str, float]:
        ys: dict[str, float] = {}
        for layer in order:
            y = 0.0
            prev_group = None
            for iid in layer:
                g = items[iid].group
                if g != prev_group:
                    y += (sp.group_gap if prev_group is not None else 0) + (sp.group_head if g else 0)
                ys[iid] = y
                y += items[iid].height + sp.node_gap
                prev_group = g
        return ys

    def crossings(order: list[list[str]]) -> int:
        ys = packed(order)
        total = 0
        for r in range(len(order) - 1):
            pairs = []
            for a in order[r]:
                for b, bp, ap in down[a]:
                    pairs.append((ys[a] + port_offset(a, ap), ys[b] + port_offset(b, bp)))
            pairs.sort()
            total += _inversions([p[1] for p in pairs])
        return total

    best = [list(l) for l in layers]
    best_count = crossings(best)
    order = [list(l) for l in layers]
    # Few sweeps on huge maps: ordering is quadratic-ish only in the edges of one rank pair, but
    # the picture of thousands of nodes is unreadable anyway.
    rounds = sweeps if len(items) < 3000 else 2
    for it in range(rounds):
        ys = packed(order)
        indices = range(1, len(order)) if it % 2 == 0 else range(len(order) - 2, -1, -1)
        for r in indices:
            nbrs = up if it % 2 == 0 else down
            order[r] = _sort_rank(order[r], items, nbrs, ys, port_offset)
            ys = packed(order)
        count = crossings(order)
        if count < best_count:
            best, best_count = [list(l) for l in order], count
        if best_count == 0:
            break

    y_of = _place(best, items, up, down, port_offset, sp)
    # Columns: as wide as their widest box.
    xs: list[float] = []
    x = sp.margin
    for layer in best:
        xs.append(x)
        width = max((items[i].box.width for i in layer if items[i].box), default=0.0)
        x += width + sp.rank_gap
    col_width = [max((items[i].box.width for i in layer if items[i].box), default=0.0) for layer in best]

    positions = {b.id: (xs[items[b.id].rank], y_of[b.id]) for b in boxes}
    routes: dict[str, list[Point]] = {}
    for link in links:
        if link.key not in chains:
            continue
        sb, tb = by_id[link.source], by_id[link.target]
        sx, sy = positions[sb.id]
        tx, ty = positions[tb.id]
        start = (sx + sb.width, sy + sb.port_y(link.source_port))
        end = (tx, ty + tb.port_y(link.target_port))
        pts = [start]
        chain = chains[link.key]
        if items[sb.id].rank > items[tb.id].rank:
            chain = list(reversed(chain))
            start = (sx, sy + sb.port_y(link.source_port))
            end = (tx + tb.width, ty + tb.port_y(link.target_port))
            pts = [start]
        for did in chain:
            r = items[did].rank
            cy = y_of[did] + sp.dummy_height / 2
            left, right = xs[r], xs[r] + col_width[r]
            pts += [(left, cy), (right, cy)] if pts[0][0] < end[0] else [(right, cy), (left, cy)]
        pts.append(end)
        routes[link.key] = [(round(px, 1), round(py, 1)) for px, py in pts]

    groups: dict[str, tuple[float, float, float, float]] = {}
    for g in sorted({b.group for b in boxes if b.group}):
        members = [b for b in boxes if b.group == g]
        x0 = min(positions[b.id][0] for b in members) - sp.group_pad
        y0 = min(positions[b.id][1] for b in members) - sp.group_head
        x1 = max(positions[b.id][0] + b.width for b in members) + sp.group_pad
        y1 = max(positions[b.id][1] + b.height for b in members) + sp.group_pad * 0.6
        groups[g] = (round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1))

    width = (xs[-1] + col_width[-1] + sp.margin + sp.group_pad) if xs else 2 * sp.margin
    height = max((y_of[i] + items[i].height for i in items), default=0.0) + sp.margin + sp.group_pad
    positions = {k: (round(a, 1), round(b, 1)) for k, (a, b) in positions.items()}
    return Layout(positions=positions, routes=routes, groups=groups, width=round(width, 1),
                  height=round(height, 1), crossings=best_count)


def _grouped(layer: list[str], items: dict[str, _Item]) -> list[str]:
    """The rank's items with each group's members together, at its first member's place."""
    out: list[str] = []
    seen: set[str] = set()
    for iid in layer:
        g = items[iid].group
        if g is None:
            out.append(iid)
        elif g not in seen:
            seen.add(g)
            out.extend(j for j in layer if items[j].group == g)
    return out


def _blocks(layer: list[str], items: dict[str, _Item]) -> list[list[str]]:
    """Consecutive runs: one block per group, one per ungrouped item."""
    blocks: list[list[str]] = []
    for iid in layer:
        g = items[iid].group
        if g is not None and blocks and items[blocks[-1][0]].group == g:
            blocks[-1].append(iid)
        else:
            blocks.append([iid])
    return blocks


def _sort_rank(layer, items, nbrs, ys, port_offset) -> list[str]:
    def bary(iid: str) -> float:
        ns = nbrs[iid]
        if not ns:
            return ys[iid] + items[iid].height / 2  # stays about where it is
        return sum(ys[n] + port_offset(n, nport) - port_offset(iid, own) for n, nport, own in ns) / len(ns) \
            + items[iid].height / 2

    blocks = []
    for block in _blocks(layer, items):
        members = sorted(block, key=lambda i: (bary(i), block.index(i)))
        weight = [bary(i) for i in block if nbrs[i]]
        key = sum(weight) / len(weight) if weight else sum(bary(i) for i in block) / len(block)
        blocks.append((key, len(blocks), members))
    blocks.sort(key=lambda b: (b[0], b[1]))
    return [i for _, _, members in blocks for i in members]


def _place(order, items, up, down, port_offset, sp: Spacing) -> dict[str, float]:
    """Vertical positions: each block as near as it can to the mean of its neighbours, never
    overlapping its rank's other blocks, order kept. A few passes down and up settle it."""
    ys: dict[str, float] = {}
    layer_blocks: list[list[tuple[list[str], list[float], float]]] = []
    for layer in order:
        blocks = []
        for block in _blocks(layer, items):
            offsets, y = [], 0.0
            head = sp.group_head if items[block[0]].group else 0.0
            for iid in block:
                offsets.append(head + y)
                y += items[iid].height + sp.node_gap
            blocks.append((block, offsets, head + y - sp.node_gap))
        layer_blocks.append(blocks)

    def pack(r: int, desired: list[Optional[float]]) -> None:
        blocks = layer_blocks[r]
        gaps = [sp.group_gap if (items[b[0][0]].group or (i and items[blocks[i - 1][0][0]].group)) else sp.node_gap
                for i, b in enumerate(blocks)]
        # Positions as offsets from a running minimum: z_i = y_i - o_i must not decrease.
        o, acc = [], 0.0
        for i, (block, offs, h) in enumerate(blocks):
            if i:
                acc += blocks[i - 1][2] + gaps[i]
            o.append(acc)
        current = [ys[b[0][0]] - b[1][0] if b[0][0] in ys else o[i] for i, b in enumerate(blocks)]
        target = [(d if d is not None else current[i]) - o[i] for i, d in enumerate(desired)]
        weights = [1.0 if d is not None else 0.05 for d in desired]
        z = _isotonic(target, weights)
        for i, (block, offs, _h) in enumerate(blocks):
            top = z[i] + o[i]
            for iid, off in zip(block, offs):
                ys[iid] = top + off

    for r in range(len(order)):
        pack(r, [None] * len(layer_blocks[r]))

    def desired_for(r: int, nbrs) -> list[Optional[float]]:
        out: list[Optional[float]] = []
        for block, offs, _h in layer_blocks[r]:
            wanted = []
            for iid, off in zip(block, offs):
                for n, nport, own in nbrs[iid]:
                    wanted.append(ys[n] + port_offset(n, nport) - port_offset(iid, own) - off)
            out.append(sum(wanted) / len(wanted) if wanted else None)
        return out

    for it in range(6):
        rng = range(1, len(order)) if it % 2 == 0 else range(len(order) - 2, -1, -1)
        for r in rng:
            pack(r, desired_for(r, up if it % 2 == 0 else down))
    low = min(ys.values(), default=0.0)
    return {k: v - low + sp.margin + sp.group_head for k, v in ys.items()}


def _isotonic(target: list[float], weights: list[float]) -> list[float]:
    """Weighted least squares fit that never decreases (pool adjacent violators)."""
    pools: list[list[float]] = []  # [value, weight, count]
    for t, w in zip(target, weights):
        pools.append([t, w, 1])
        while len(pools) > 1 and pools[-2][0] > pools[-1][0]:
            v2, w2, n2 = pools.pop()
            v1, w1, n1 = pools.pop()
            pools.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out: list[float] = []
    for v, _w, n in pools:
        out.extend([v] * int(n))
    return out


def _inversions(values: list[float]) -> int:
    """How many pairs are out of order (merge sort, n log n): the crossings of a rank pair."""
    if len(values) < 2:
        return 0
    mid = len(values) // 2
    left, right = values[:mid], values[mid:]
    count = _inversions(left) + _inversions(right)
    left.sort()
    right.sort()
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            i += 1
        else:
            count += len(left) - i
            j += 1
    return count

