"""Result statistics per (segment, channel), updated from a whole batch at once.

Every class keeps ``n[segment, channel]`` (results counted) and ``s[segment, channel]`` (sum of
rewards: 1 for a success, 0 for a failure) and grows one row per new segment. ``add`` takes a
batch of results in time order; no Python loop runs over results.

* ``Cumulative``: every result since the start (UCB1, stationary Thompson, epsilon-greedy).
* ``Discounted``: each result in a segment multiplies that segment's counts by ``gamma``
  before it is added (discounted Thompson sampling).
* ``ArmWindow``: the last ``size`` results of each (segment, channel): one ring buffer per
  pair, as a production success-rate router keeps a bucket per gateway.
* ``SharedWindow``: the last ``size`` results of each segment, whichever channel they came
  from: the window of sliding-window UCB and sliding-window Thompson sampling.
"""

from __future__ import annotations

import numpy as np


def ranks(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group rows by ``key`` keeping their order.

    Returns:
        ``order`` (rows sorted by key, stable), ``rank`` (position of each sorted row within
        its key), ``keys`` (the distinct keys, sorted) and ``counts`` (rows per key).

    """
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    new = np.empty(sorted_key.size, dtype=bool)
    new[:1] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    counts = np.diff(starts, append=sorted_key.size)
    rank = np.arange(sorted_key.size) - np.repeat(starts, counts)
    return order, rank, sorted_key[starts], counts


class Counts:
    """``n`` and ``s`` per (segment, channel), with room for new segments."""

    def __init__(self, n_channels: int) -> None:
        self.n_channels = n_channels
        self.n = np.zeros((0, n_channels))
        self.s = np.zeros((0, n_channels))

    def grow(self, n_segments: int) -> None:
        """Make room for segment ids below ``n_segments``."""
        extra = n_segments - self.n.shape[0]
        if extra > 0:
            pad = np.zeros((extra, self.n_channels))
            self.n = np.concatenate([self.n, pad])
            self.s = np.concatenate([self.s, pad])
            self._grown(extra)

    def _grown(self, extra: int) -> None:
        """Hook for subclasses keeping more per-segment state."""

    def mean(self, default: float) -> np.ndarray:
        """Success rate per (segment, channel); ``default`` where nothing is counted."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n > 0, self.s / self.n, default)

    def _bincount(self, flat: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        size = self.n.size
        return np.bincount(flat, weights=weights, minlength=size).reshape(self.n.shape)


class Cumulative(Counts):
    """Every result since the strategy was bound."""

    def add(self, segment: np.ndarray, channel: np.ndarray, reward: np.ndarray) -> None:
        """Count a batch of results."""
        # counts and sums of 0/1 rewards are whole numbers: exact in any order of addition
        np.add.at(self.n, (segment, channel), 1.0)
        np.add.at(self.s, (segment, channel), reward)


class Discounted(Counts):
    """Counts where each new result of a segment discounts that segment's past by ``gamma``."""

    def __init__(self, n_channels: int, gamma: float) -> None:
        super().__init__(n_channels)
        self.gamma = gamma

    def add(self, segment: np.ndarray, channel: np.ndarray, reward: np.ndarray) -> None:
        """Count a batch: after ``m`` results the old counts weigh ``gamma ** m``."""
        if not segment.size:
            return
        order, rank, keys, counts = ranks(segment)
        later = np.repeat(counts, counts) - 1 - rank  # results after this one, same segment
        weight = self.gamma ** later.astype(float)
        self.n[keys] *= (self.gamma ** counts.astype(float))[:, None]
        self.s[keys] *= (self.gamma ** counts.astype(float))[:, None]
        flat = segment[order] * self.n_channels + channel[order]
        self.n += self._bincount(flat, weight)
        self.s += self._bincount(flat, weight * reward[order])


class ArmWindow(Counts):
    """The last ``size`` results of each (segment, channel), in ring buffers.

    Args:
        n_channels: number of channels.
        size: the largest window; each segment's own size is set with ``set_sizes``.

    """

    def __init__(self, n_channels: int, size: int) -> None:
        super().__init__(n_channels)
        self.max_size = size
        self.buffer = np.zeros((0, size), dtype=np.float32)  # row: segment * C + channel
        self.total = np.zeros(0, dtype=np.int64)  # results ever added per (segment, channel)
        self.size = np.zeros(0, dtype=np.int64)  # window size per segment

    def _grown(self, extra: int) -> None:
        pad = extra * self.n_channels
        self.buffer = np.concatenate([self.buffer, np.zeros((pad, self.max_size), np.float32)])
        self.total = np.concatenate([self.total, np.zeros(pad, dtype=np.int64)])
        self.size = np.concatenate([self.size, np.full(extra, self.max_size)])

    def set_sizes(self, sizes: np.ndarray) -> None:
        """Window size of every segment so far (at most ``size``; set before adding)."""
        self.size[: sizes.size] = sizes

    def add(self, segment: np.ndarray, channel: np.ndarray, reward: np.ndarray) -> None:
        """Push a batch of results; each ring keeps its last ``size`` results."""
        if not segment.size:
            return
        flat = segment * self.n_channels + channel
        order, rank, keys, counts = ranks(flat)
        size = self.size[flat[order] // self.n_channels]
        keep = rank >= np.repeat(counts, counts) - size  # older ones would be overwritten
        rows = flat[order][keep]
        slots = (self.total[rows] + rank[keep]) % size[keep]
        self.buffer[rows, slots] = reward[order][keep]
        self.total[keys] += counts
        seg_size = self.size[keys // self.n_channels]
        self.n.reshape(-1)[keys] = np.minimum(self.total[keys], seg_size)
        self.s.reshape(-1)[keys] = self.buffer[keys].sum(axis=1, dtype=np.float64)


class SharedWindow(Counts):
    """The last ``size`` results of each segment, over all its channels.

    ``n[segment, channel]`` is then the number of plays of the channel among the segment's
    last ``size`` results (Garivier & Moulines's ``N_t(tau, i)``), and ``played[segment]``
    how many results the window holds (``min(t, tau)``).
    """

    def __init__(self, n_channels: int, size: int) -> None:
        super().__init__(n_channels)
        self.window = size
        self.channel = np.zeros((0, size), dtype=np.int32)  # -1: empty slot
        self.reward = np.zeros((0, size), dtype=np.float32)
        self.total = np.zeros(0, dtype=np.int64)

    def _grown(self, extra: int) -> None:
        self.channel = np.concatenate([self.channel, np.full((extra, self.window), -1, np.int32)])
        self.reward = np.concatenate([self.reward, np.zeros((extra, self.window), np.float32)])
        self.total = np.concatenate([self.total, np.zeros(extra, dtype=np.int64)])

    @property
    def played(self) -> np.ndarray:
        """Results in each segment's window."""
        return np.minimum(self.total, self.window)

    def add(self, segment: np.ndarray, channel: np.ndarray, reward: np.ndarray) -> None:
        """Push a batch of results; each segment keeps its last ``size``."""
        if not segment.size:
            return
        order, rank, keys, counts = ranks(segment)
        seg, ch, r = segment[order], channel[order], reward[order]
        if counts.max() > self.window:  # only each segment's last ``size`` stay
            keep = rank >= np.repeat(counts, counts) - self.window
            seg, ch, r, rank = seg[keep], ch[keep], r[keep], rank[keep]
        slots = (self.total[seg] + rank) % self.window
        # counts and sums of 0/1 rewards are whole numbers: exact in any order of addition
        old = self.channel[seg, slots]
        gone = np.flatnonzero(old >= 0)
        if gone.size:
            old_seg, old_slots = seg[gone], slots[gone]
            np.subtract.at(self.n, (old_seg, old[gone]), 1.0)
            np.subtract.at(self.s, (old_seg, old[gone]), self.reward[old_seg, old_slots])
        self.channel[seg, slots] = ch
        self.reward[seg, slots] = r
        np.add.at(self.n, (seg, ch), 1.0)
        np.add.at(self.s, (seg, ch), r)
        self.total[keys] += counts
