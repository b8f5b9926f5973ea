"""Leaky buckets of failures per (segment, channel), updated from a whole batch at once.

Each failure pours one unit into its bucket, which holds at most ``capacity`` units and leaks
one unit every ``leak_s`` seconds (a fluid leak: ``1 / leak_s`` units a second). Between two
results the level goes ``w -> min(capacity, max(0, w - dt / leak_s) + failure)``: a clamped
shift. Clamped shifts ``w -> min(hi, max(lo, w + s))`` are closed under composition, so a
batch's effect on each bucket is one clamped shift, found by composing neighbours pairwise in
``log2(results per bucket)`` vectorised passes instead of one Python step per result.
"""

from __future__ import annotations

import numpy as np

from paysim.strategies.routing.windows import ranks


def compose(
    first: tuple[np.ndarray, np.ndarray, np.ndarray],
    then: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The clamped shift ``then(first(w))``; each map is ``(shift, lo, hi)`` with lo <= hi."""
    s1, lo1, hi1 = first
    s2, lo2, hi2 = then
    lo = np.minimum(np.maximum(lo2, lo1 + s2), hi2)
    hi = np.maximum(np.minimum(hi2, hi1 + s2), lo2)
    return s1 + s2, lo, hi


def compose_groups(
    group: np.ndarray, shift: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compose, within each run of equal ``group`` values, the maps in order.

    Args:
        group: sorted group of each map (maps of a group are contiguous, in time order).
        shift: ``s`` of each map.
        lo: ``lo`` of each map.
        hi: ``hi`` of each map.

    Returns:
        One ``(shift, lo, hi)`` per group, in group order.

    """
    rank = ranks(group)[1]
    while group.size > 1 and (group[1:] == group[:-1]).any():
        pairs = np.flatnonzero((rank[:-1] % 2 == 0) & (group[1:] == group[:-1]))
        joined = compose(
            (shift[pairs], lo[pairs], hi[pairs]),
            (shift[pairs + 1], lo[pairs + 1], hi[pairs + 1]),
        )
        shift, lo, hi = shift.copy(), lo.copy(), hi.copy()
        shift[pairs], lo[pairs], hi[pairs] = joined
        keep = np.ones(group.size, dtype=bool)
        keep[pairs + 1] = False
        group, shift, lo, hi, rank = group[keep], shift[keep], lo[keep], hi[keep], rank[keep] // 2
    return shift, lo, hi


class LeakyBuckets:
    """Failure buckets per (segment, channel).

    Args:
        n_channels: number of channels.
        capacity: units a bucket holds (the failures that drop a channel).
        leak_s: seconds for one unit to leak out.

    """

    def __init__(self, n_channels: int, capacity: int, leak_s: float) -> None:
        self.n_channels = n_channels
        self.capacity = float(capacity)
        self.leak_s = leak_s
        self.level = np.zeros((0, n_channels))  # at t_s
        self.t_s = np.zeros((0, n_channels))

    def grow(self, n_segments: int) -> None:
        """Make room for segment ids below ``n_segments``."""
        extra = n_segments - self.level.shape[0]
        if extra > 0:
            self.level = np.concatenate([self.level, np.zeros((extra, self.n_channels))])
            self.t_s = np.concatenate([self.t_s, np.zeros((extra, self.n_channels))])

    def add(
        self, segment: np.ndarray, channel: np.ndarray, t_s: np.ndarray, failure: np.ndarray
    ) -> None:
        """Pour a batch of results (in time order) into their buckets.

        Only failures change a level beyond the leak, and leaking over ``[t1, t2]`` then
        ``[t2, t3]`` is leaking over ``[t1, t3]`` (a full bucket only leaks), so successes
        are skipped and each bucket's time is that of its last failure.
        """
        failed = np.flatnonzero(failure)
        if not failed.size:
            return
        flat = segment[failed] * self.n_channels + channel[failed]
        order, rank, keys, counts = ranks(flat)
        flat, t = flat[order], t_s[failed][order]
        level, last = self.level.reshape(-1), self.t_s.reshape(-1)
        previous = np.empty_like(t)
        previous[1:] = t[:-1]
        first = rank == 0
        previous[first] = np.where(level[flat[first]] > 0.0, last[flat[first]], t[first])
        dt = np.maximum(t - previous, 0.0) / self.leak_s
        ones = np.ones(t.size)
        shift, lo, hi = compose_groups(flat, ones - dt, ones, np.full(t.size, self.capacity))
        level[keys] = np.minimum(hi, np.maximum(lo, level[keys] + shift))
        ends = np.cumsum(counts) - 1
        last[keys] = t[ends]

    def level_at(self, segment: np.ndarray, t_s: np.ndarray) -> np.ndarray:
        """``[payment, channel]`` level each bucket has leaked down to by ``t_s``."""
        elapsed = np.maximum(t_s[:, None] - self.t_s[segment], 0.0)
        return np.maximum(self.level[segment] - elapsed / self.leak_s, 0.0)

    def full(self, segment: np.ndarray, t_s: np.ndarray) -> np.ndarray:
        """``[payment, channel]``: the bucket holds more than ``capacity - 1`` failures.

        That is, the last ``capacity`` failures came faster than one leak interval apart
        (with a fluid leak the level after them is just below ``capacity``); a full bucket
        drains below the mark ``leak_s`` seconds after its last failure.
        """
        return self.level_at(segment, t_s) > self.capacity - 1.0
