"""Buyer-seller collusion rings: fake orders among the ring's own accounts.

Rings start as a Poisson process on their own stream (``fraud.collusion``), drawn an hour at a
time so they do not depend on the window. A ring takes a typology (its graph,
``ring_shapes.ring_graph``), a shipped laundering attempt of that typology (size, span,
amount spread), a corridor and its members, each holding a buyer account in the corridor's
buyer market and a seller account in its seller market. Each edge is a fake order: member
``a``'s buyer account pays member ``b``'s seller account. It takes over the first genuine
checkout of the corridor opened after the edge's time (as card testers' cash-outs do), so
the order goes through the platform like any other. A ring the review team confirmed (an AML
case) is closed: its later orders never happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.model.checkout.spec import KYC_TIERS
from paysim.model.core.batch import Batch
from paysim.model.fraud.accounts import RING_CARD_BASE, RING_DEVICE_BASE, Accounts
from paysim.model.fraud.codes import KIND_CODE
from paysim.model.fraud.ring_shapes import ring_graph, shipped_shapes
from paysim.model.fraud.spec import RING_TYPOLOGIES, CollusionRingSpec

HOUR_S = 3600.0
FULL_KYC = KYC_TIERS.index("full")
LOG_TEN = float(np.log(10.0))
PURPOSES = ("boost_rank", "launder", "extract")
ACCOUNTS_PER_DEVICE = 4  # assumption: a ring runs its accounts from a few phones
STRUCTURING_RANGE = (0.92, 0.995)  # assumption: just under the threshold, not at it
EDGE_COLUMNS = ("t_s", "buyer_id", "seller_id", "amount_reporting", "corridor", "ring",
                "card_id", "device_id", "extract")  # fmt: skip


@dataclass
class Members:
    """Every ring member so far: its ring and its two accounts (the platform's KYC links them)."""

    ring: list[np.ndarray] = field(default_factory=list)
    buyer_id: list[np.ndarray] = field(default_factory=list)
    seller_id: list[np.ndarray] = field(default_factory=list)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ring, buyer id and seller id of each member (member index = position)."""
        if not self.ring:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        return (np.concatenate(self.ring), np.concatenate(self.buyer_id),
                np.concatenate(self.seller_id))  # fmt: skip


class CollusionRings:
    """The rings of one attacker and the fake orders they still have to place."""

    kind = KIND_CODE["collusion_ring"]

    def __init__(self, spec: CollusionRingSpec, accounts: Accounts, streams: RandomStreams,
                 rates: object, reporting: int) -> None:  # fmt: skip
        self.spec, self.accounts = spec, accounts
        self.rates, self.reporting = rates, reporting
        self.stream = streams.stream("fraud.collusion")
        self.rng = streams.generator("fraud.collusion.graphs")
        self.order_luck = streams.keyed("fraud.collusion.orders")
        self.shapes = shipped_shapes()
        names = [t for t in RING_TYPOLOGIES if spec.typologies.get(t, 0.0) > 0]
        weights = np.array([spec.typologies[t] for t in names])
        self.typology_names, self.typology_cdf = names, np.cumsum(weights / weights.sum())
        purpose = np.array([spec.purpose.get(p, 0.0) for p in PURPOSES])
        self.purpose_cdf = np.cumsum(purpose / purpose.sum())
        self.pending = {c: np.zeros(0) for c in EDGE_COLUMNS}
        self.members = Members()
        self.typology: list[str] = []  # of each ring
        self.closed_from_s: dict[int, float] = {}
        self.n_members = 0
        self._index: dict[str, np.ndarray] = {}
        self._index_n = -1
        self.drawn_until_s = 0.0

    # -- rings ------------------------------------------------------------------------
    def _draw_until(self, t1: float) -> None:
        per_hour = self.spec.rings_per_day / 24.0
        while self.drawn_until_s < t1:
            hour_s = self.drawn_until_s
            n = int(self.stream.generator.poisson(per_hour))
            for start in np.sort(self.stream.uniform(n)):
                self._ring(hour_s + start * HOUR_S)
            self.drawn_until_s = hour_s + HOUR_S

    def _ring(self, start_s: float) -> None:
        spec, acc = self.spec, self.accounts
        u = self.stream.uniform(8)
        typology = self.typology_names[int(np.searchsorted(self.typology_cdf, u[0], "right"))]
        table = self.shapes[typology]
        n_tx, n_acc, span_h, log_sd = table[int(u[1] * len(table))]
        src, dst, level = ring_graph(typology, min(int(n_acc), spec.max_accounts), int(n_tx),
                                     self.rng)  # fmt: skip
        k = int(max(src.max(), dst.max()) + 1)
        corridor = int(np.searchsorted(np.cumsum(acc.corridor_share), u[2], "right"))
        corridor = min(corridor, len(acc.corridor_share) - 1)
        ring = len(self.typology)
        self.typology.append(typology)
        m = self.stream.uniform((k, 2))
        buyers = acc.buyers_in(np.full(k, acc.corridor_buyer[corridor]), m[:, 0])
        sellers = acc.sellers_in(np.full(k, acc.corridor_seller[corridor]), m[:, 1])
        self.members.ring.append(np.full(k, ring, np.int64))
        self.members.buyer_id.append(buyers)
        self.members.seller_id.append(sellers)
        uid = self.n_members + np.arange(k)
        self.n_members += k
        n = src.size
        e = self.stream.uniform((n, 2))
        order = np.argsort(level, kind="stable")  # money moves level by level
        t_s = np.empty(n)
        t_s[order] = start_s + np.sort(e[:, 0]) * span_h * HOUR_S * spec.span_factor
        if u[3] < spec.structuring:
            low, high = STRUCTURING_RANGE
            amount = spec.structure_under_reporting * (low + (high - low) * e[:, 1])
        else:
            base = float(spec.amount_reporting.ppf(np.array([u[4]]))[0])
            z = self.stream.normal(n)
            # the attempt's spread, within a factor of ten of the ring's amount (the shipped
            # spreads come from amounts across currencies and sizes no order has)
            amount = base * np.exp(np.clip(log_sd * z, -LOG_TEN, LOG_TEN))
        extract = int(np.searchsorted(self.purpose_cdf, u[5], "right")) == PURPOSES.index("extract")
        card = np.where(extract, RING_CARD_BASE + (1 << 40) + ring * 1000 + np.arange(n),
                        RING_CARD_BASE + uid[src])  # fmt: skip
        edges = {
            "t_s": t_s, "buyer_id": buyers[src], "seller_id": sellers[dst],
            "amount_reporting": amount, "corridor": np.full(n, corridor),
            "ring": np.full(n, ring), "card_id": card,
            "device_id": RING_DEVICE_BASE + uid[src] // ACCOUNTS_PER_DEVICE,
            "extract": np.full(n, extract),
        }  # fmt: skip
        self.pending = {c: np.r_[self.pending[c], edges[c]] for c in EDGE_COLUMNS}

    def member_of(self, account: np.ndarray, side: str) -> np.ndarray:
        """Member index of the holder of each buyer or seller account (-1: no member)."""
        if self._index_n != self.n_members:
            ring, buyers, sellers = self.members.arrays()
            self._index = {"ring": ring}
            for name, ids in (("buyer", buyers), ("seller", sellers)):
                order = np.argsort(ids, kind="stable")
                self._index[name] = order
                self._index[name + "_sorted"] = ids[order]
            self._index_n = self.n_members
        out = np.full(account.size, -1, np.int64)
        if not self.n_members:
            return out
        ids, order = self._index[side + "_sorted"], self._index[side]
        at = np.minimum(np.searchsorted(ids, account), ids.size - 1)
        found = ids[at] == account
        out[found] = order[at[found]]
        return out

    def ring_of(self, member: np.ndarray) -> np.ndarray:
        """Ring of each member index (-1 stays -1)."""
        ring, _, _ = self.members.arrays()
        known = (member >= 0) & (member < ring.size)
        out = np.full(member.size, -1, np.int64)
        out[known] = ring[member[known]]
        return out

    def close(self, ring: np.ndarray, t_s: np.ndarray) -> None:
        """Rings confirmed at ``t_s``: their orders from then on never happen."""
        for r, t in zip(ring.tolist(), t_s.tolist(), strict=True):
            self.closed_from_s[r] = min(self.closed_from_s.get(r, np.inf), t)
        closed = np.array([self.closed_from_s.get(int(r), np.inf) for r in self.pending["ring"]])
        keep = self.pending["t_s"] < closed
        self.pending = {c: v[keep] for c, v in self.pending.items()}

    # -- fake orders ------------------------------------------------------------------
    def take(self, first: Batch, free: np.ndarray, columns: dict[str, np.ndarray],
             t1: float) -> None:  # fmt: skip
        """Fake orders of the window take over rows of ``free`` (genuine, not taken)."""
        self._draw_until(t1)
        edges = self.pending
        if not edges["t_s"].size:
            return
        corridor_of = _corridor_of(first, self.accounts)
        left = np.ones(edges["t_s"].size, bool)
        for c in np.unique(edges["corridor"]).astype(int):
            mine = np.flatnonzero(edges["corridor"] == c)
            rows = free[corridor_of[free] == c]
            used, where = _first_after(first["t_s"][rows], edges["t_s"][mine])
            taken = rows[where[used]]
            left[mine[used]] = False
            self._fill(first, taken, {k: v[mine[used]] for k, v in edges.items()}, columns)
        self.pending = {k: v[left] for k, v in edges.items()}

    def _fill(self, first: Batch, rows: np.ndarray, edges: dict[str, np.ndarray],
              columns: dict[str, np.ndarray]) -> None:  # fmt: skip
        if not rows.size:
            return
        currency = first["currency"][rows]
        exponent = self.rates.exponent[self.reporting]  # type: ignore[attr-defined]
        rep_minor = np.maximum(np.rint(edges["amount_reporting"] * 10.0**exponent), 1)
        amount = self.rates.convert_minor(rep_minor.astype(np.int64), self.reporting, currency)  # type: ignore[attr-defined]
        columns["amount_minor"][rows] = np.maximum(amount, 1)
        columns["buyer_id"][rows] = edges["buyer_id"]
        columns["seller_id"][rows] = edges["seller_id"]
        columns["card_id"][rows] = edges["card_id"]
        columns["device_id"][rows] = edges["device_id"]
        columns["new_device"][rows] = False
        columns["ip_mismatch"][rows] = False
        columns["fraud_kind"][rows] = self.kind
        columns["kyc_tier"][rows] = FULL_KYC  # members verify to be paid out as sellers
        extract = edges["extract"].astype(bool)
        u = self.order_luck.uniforms(first["checkout_id"][rows], 1)[:, 0]
        days = self.spec.chargeback_days.ppf(u)
        columns["dispute_days"][rows] = np.where(extract, days, np.nan)


def _corridor_of(first: Batch, accounts: Accounts) -> np.ndarray:
    """Corridor index of each row (-1 where none matches)."""
    out = np.full(first.n, -1)
    for c, (b, s) in enumerate(zip(accounts.corridor_buyer, accounts.corridor_seller,
                                   strict=True)):  # fmt: skip
        out[(first["buyer_market"] == b) & (first["seller_market"] == s)] = c
    return out


def _first_after(rows_t_s: np.ndarray, edge_t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For edges by time: the first row at or after each, each row used once (see cash-outs)."""
    order_rows = np.argsort(rows_t_s, kind="stable")
    order_edges = np.argsort(edge_t_s, kind="stable")
    at = np.searchsorted(rows_t_s[order_rows], edge_t_s[order_edges], side="left")
    steps = np.arange(at.size)
    at = np.maximum.accumulate(at - steps) + steps if at.size else at
    used_sorted = at < rows_t_s.size
    used = np.zeros(edge_t_s.size, bool)
    used[order_edges] = used_sorted
    where = np.zeros(edge_t_s.size, np.int64)
    where[order_edges[used_sorted]] = order_rows[at[used_sorted]]
    return used, where
