"""The graphs of collusion rings, one per laundering typology, and their shipped sizes.

``ring_graph`` gives a ring's edges (member paying member) and each edge's level: money
moves level by level, so a member that passes money on receives it first. Sizes, spans and
amount spreads come from ``paysim/data/aml_ring_shapes.csv`` (provenance beside it).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np

from paysim.model.fraud.spec import MAX_RING_ACCOUNTS, RING_TYPOLOGIES

SHAPE_COLUMNS = ("n_transactions", "n_accounts", "span_h", "amount_log_sd")


@cache
def shipped_shapes() -> dict[str, np.ndarray]:
    """Per typology, ``[attempt, SHAPE_COLUMNS]`` of the shipped laundering attempts."""
    text = resources.files("paysim.data").joinpath("aml_ring_shapes.csv").read_text()
    lines = [line.split(",") for line in text.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    where = [header.index(c) for c in SHAPE_COLUMNS]
    table: dict[str, list[list[float]]] = {t: [] for t in RING_TYPOLOGIES}
    for row in rows:
        table[row[header.index("typology")]].append([float(row[i]) for i in where])
    return {t: np.array(v, dtype=float).reshape(-1, len(SHAPE_COLUMNS)) for t, v in table.items()}


def _cover(sources: np.ndarray, sinks: np.ndarray, n_edges: int, rng: np.random.Generator):
    """Edges from ``sources`` to ``sinks`` touching every node, then random others up to n."""
    a, b = sources.size, sinks.size
    k = max(a, b)
    pairs = {(int(sources[i % a]), int(sinks[i % b])) for i in range(k)}
    extra = max(min(n_edges, a * b) - len(pairs), 0)
    if extra:
        others = [(int(s), int(t)) for s in sources for t in sinks if (s, t) not in pairs]
        pick = rng.permutation(len(others))[:extra]
        pairs.update(others[i] for i in pick)
    edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    return edges[:, 0], edges[:, 1]


def ring_graph(typology: str, n_accounts: int, n_transactions: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Payer, payee and level of each edge of a ring of about ``n_accounts`` members."""
    k = int(np.clip(n_accounts, 2, MAX_RING_ACCOUNTS))
    nodes = np.arange(k, dtype=np.int64)
    if typology in ("fan_in", "fan_out"):
        hub, spokes = np.zeros(k - 1, np.int64), nodes[1:]
        src, dst = (spokes, hub) if typology == "fan_in" else (hub, spokes)
        return src, dst, np.zeros(k - 1, np.int64)
    if typology == "cycle":
        return nodes, (nodes + 1) % k, nodes.copy()
    if typology in ("scatter_gather", "gather_scatter"):
        k = max(k, 3)
        if typology == "scatter_gather":  # 0 scatters to the middles, which gather into k-1
            middle = np.arange(1, k - 1, dtype=np.int64)
            src = np.r_[np.zeros(middle.size, np.int64), middle]
            dst = np.r_[middle, np.full(middle.size, k - 1, np.int64)]
            return src, dst, np.repeat([0, 1], middle.size)
        half = (k - 1) // 2  # 1..half gather into the hub 0, which scatters to the rest
        ins, outs = np.arange(1, half + 1, dtype=np.int64), np.arange(half + 1, k, dtype=np.int64)
        src = np.r_[ins, np.zeros(outs.size, np.int64)]
        dst = np.r_[np.zeros(ins.size, np.int64), outs]
        return src, dst, np.r_[np.zeros(ins.size, np.int64), np.ones(outs.size, np.int64)]
    if typology == "bipartite":
        src, dst = _cover(nodes[: k // 2], nodes[k // 2 :], n_transactions, rng)
        return src, dst, np.zeros(src.size, np.int64)
    if typology == "stack":
        k = max(k, 3)
        cuts = [k // 3, k - k // 3] if k >= 6 else [1, k - 1]
        layers = np.split(np.arange(k, dtype=np.int64), cuts)
        per_pair = max(n_transactions // 2, 1)
        s1, d1 = _cover(layers[0], layers[1], per_pair, rng)
        s2, d2 = _cover(layers[1], layers[2], per_pair, rng)
        return np.r_[s1, s2], np.r_[d1, d2], np.r_[np.zeros(s1.size, np.int64),
                                                  np.ones(s2.size, np.int64)]  # fmt: skip
    if typology == "random":  # a random path through every member, then random extra hops
        path = rng.permutation(k)
        src, dst = path[:-1], path[1:]
        extra = max(n_transactions - (k - 1), 0)
        a, b = rng.integers(0, k, extra), rng.integers(0, k - 1, extra)
        b = np.where(b >= a, b + 1, b)  # no member pays itself
        return (np.r_[src, a], np.r_[dst, b],
                np.r_[np.arange(k - 1), np.full(extra, k - 1)].astype(np.int64))  # fmt: skip
    raise ValueError(f"unknown typology '{typology}'")
