"""Card testers: bursts of small, round authorisations, many cards from few devices.

Bursts start as a Poisson process on the tester's own stream (``fraud.card_testing.<i>``),
drawn an hour at a time like the arrivals, so they do not depend on the window
(``engine.batch_s``); each burst is drawn whole and its probes are handed out window by
window, in time order. The tester sees only its own probes' answers: with ``adaptive`` it
reacts to blocks after each window (amounts under the lowest blocked one, spoofed devices,
slower probes).
"""

from __future__ import annotations

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import RandomStreams
from paysim.model.fraud.spec import CardTestingSpec

PROBE_BASE = 1 << 53  # ids of the testers' cards and guest accounts
HOUR_S = 3600.0


class CardTester:
    """One card-testing attacker and the probes it still has to send."""

    def __init__(self, spec: CardTestingSpec, index: int, streams: RandomStreams) -> None:
        self.spec = spec
        self.stream = streams.stream(f"fraud.card_testing.{index}")
        self.index = index
        self.next_card = PROBE_BASE + (index << 40)
        self.device_base = PROBE_BASE + (index << 40) + (1 << 39)
        self.pending_t_s = np.zeros(0)
        self.pending_amount = np.zeros(0)
        self.pending_device = np.zeros(0, np.int64)
        self.cap_reporting = np.inf
        self.gap_factor = 1.0
        self.spoof = spec.spoof_device
        self.bursts = 0
        self.drawn_until_s = 0.0

    def probes(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Probes due in ``[t0, t1)``: times, amounts (reporting), devices, cards."""
        per_hour = self.spec.bursts_per_day * HOUR_S / SECONDS_PER_DAY
        while self.drawn_until_s < t1:  # whole hours, whatever the window
            hour_s = self.drawn_until_s
            starts = np.sort(self.stream.uniform(int(self.stream.generator.poisson(per_hour))))
            for start in starts:
                self._burst(hour_s + start * HOUR_S)
            self.drawn_until_s = hour_s + HOUR_S
        due = self.pending_t_s < t1
        t_s, amount, device = (self.pending_t_s[due], self.pending_amount[due],
                               self.pending_device[due])  # fmt: skip
        keep = ~due
        self.pending_t_s, self.pending_amount = self.pending_t_s[keep], self.pending_amount[keep]
        self.pending_device = self.pending_device[keep]
        order = np.argsort(t_s, kind="stable")
        cards = self.next_card + np.arange(len(t_s), dtype=np.int64)
        self.next_card += len(t_s)
        return t_s[order], amount[order], device[order], cards

    def _burst(self, start_s: float) -> None:
        spec = self.spec
        n = max(int(np.ceil(spec.probes_per_burst.ppf(self.stream.uniform(1))[0])), 1)
        u = self.stream.uniform((n, 4))
        gaps = spec.probe_gap_s.ppf(u[:, 0]) * self.gap_factor
        t_s = start_s + np.cumsum(gaps) - gaps[0]
        amounts = np.asarray(spec.amounts_reporting, dtype=float)
        allowed = amounts[amounts < self.cap_reporting]
        if not allowed.size:  # below every round amount: the largest whole unit under the cap
            allowed = np.array([max(np.floor(self.cap_reporting * 0.9 * 100) / 100, 0.01)])
        amount = allowed[(u[:, 1] * len(allowed)).astype(int)]
        burst_devices = (
            self.device_base + self.bursts * 1000 + (u[:, 2] * spec.devices).astype(np.int64)
        )
        spoofed = self.device_base + (1 << 30) + self.bursts * 100_000 + np.arange(n)
        device = np.where(u[:, 3] < self.spoof, spoofed, burst_devices)
        self.bursts += 1
        self.pending_t_s = np.r_[self.pending_t_s, t_s]
        self.pending_amount = np.r_[self.pending_amount, amount]
        self.pending_device = np.r_[self.pending_device, device]

    def observe(self, amount: np.ndarray, blocked: np.ndarray) -> None:
        """React to the window's own answers (only when adaptive)."""
        if not self.spec.adaptive or not blocked.any():
            return
        self.cap_reporting = min(self.cap_reporting, amount_cap(amount, blocked))
        self.spoof = 1.0
        self.gap_factor = min(self.gap_factor * 2.0, 1e4)


def amount_cap(amount: np.ndarray, blocked: np.ndarray) -> float:
    """Where an attacker believes an amount threshold is, from its own answers (inf: none).

    Blocks that fall on larger amounts than what got through suggest a threshold: the
    attacker keeps under the lowest blocked amount above the typical passing one.
    """
    passed = ~blocked
    if blocked.sum() < 3 or passed.sum() < 3:
        return float("inf")
    typical = float(np.median(amount[passed]))
    above = amount[blocked & (amount > typical)]
    if np.median(amount[blocked]) > typical and above.size:
        return float(above.min())
    return float("inf")
