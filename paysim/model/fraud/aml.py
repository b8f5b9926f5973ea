"""Anti-money-laundering monitoring of captured payments: structuring and rapid in-out.

The monitor runs at the end of each window over the payments captured in the window and the
ones it keeps from the last ``lookback_h`` hours (only payments a rule can use: amounts in
the structuring band, and money in and out of parties who hold both a seller and a buyer
account). Its alerts become cases for the review team.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paysim.model.fraud.spec import AmlSpec

STRUCTURING, RAPID_IN_OUT = 0, 1


@dataclass(frozen=True)
class AmlAlerts:
    """Alerts raised at one run of the monitor."""

    rule: np.ndarray  # STRUCTURING or RAPID_IN_OUT
    subject: np.ndarray  # the buyer account (structuring) or the party (rapid in-out)

    def __len__(self) -> int:
        return len(self.rule)


class AmlMonitor:
    """Rolling rules over captured payments (amounts in the reporting currency)."""

    def __init__(self, spec: AmlSpec) -> None:
        self.spec = spec
        self.lookback_s = spec.lookback_h * 3600.0
        self.band = (spec.threshold_reporting * (1.0 - spec.structuring_band),
                     spec.threshold_reporting)  # fmt: skip
        self.near = _Events()  # in-band payments: t_s, payer account
        self.flows = _Events()  # parties' money: t_s, party, +in / -out
        self.last_alert: dict[tuple[int, int], float] = {}

    def observe(self, t_s: np.ndarray, buyer_id: np.ndarray, amount_reporting: np.ndarray,
                party_in: np.ndarray, party_out: np.ndarray) -> None:  # fmt: skip
        """Captured payments of the window.

        ``party_in``/``party_out``: the party receiving as seller and paying as buyer (-1 for
        accounts whose holder has no account of the other kind).
        """
        low, high = self.band
        near = (amount_reporting >= low) & (amount_reporting < high)
        if near.any():
            self.near.add(t_s[near], buyer_id[near], np.ones(int(near.sum())))
        for party, sign in ((party_in, 1.0), (party_out, -1.0)):
            known = party >= 0
            if known.any():
                self.flows.add(t_s[known], party[known], sign * amount_reporting[known])

    def run(self, t_s: float) -> AmlAlerts:
        """Alerts at ``t_s`` from the payments of the last ``lookback_h`` hours."""
        spec, since = self.spec, t_s - self.lookback_s
        self.near.drop_before(since)
        self.flows.drop_before(since)
        if not (self.near.t_s.size or self.flows.t_s.size):
            return AmlAlerts(np.zeros(0, np.int8), np.zeros(0, np.int64))
        rules, subjects = [], []
        ids, counts = np.unique(self.near.key, return_counts=True)
        hit = ids[counts >= spec.structuring_min_payments]
        ids, pos = np.unique(self.flows.key, return_inverse=True)
        money_in = np.bincount(pos, np.maximum(self.flows.value, 0.0), minlength=ids.size)
        money_out = np.bincount(pos, np.maximum(-self.flows.value, 0.0), minlength=ids.size)
        rapid = ids[(money_in >= max(spec.rapid_min_reporting, 1e-12))
                    & (money_out >= spec.rapid_out_share * money_in)]  # fmt: skip
        for rule, found in ((STRUCTURING, hit), (RAPID_IN_OUT, rapid)):
            fresh = [int(x) for x in found if self.last_alert.get((rule, int(x)), -np.inf) < since]
            for x in fresh:
                self.last_alert[(rule, x)] = t_s
            rules.append(np.full(len(fresh), rule, np.int8))
            subjects.append(np.array(fresh, dtype=np.int64))
        return AmlAlerts(np.concatenate(rules), np.concatenate(subjects))


class _Events:
    """Time-stamped (key, value) rows, in arrival order."""

    def __init__(self) -> None:
        self.t_s, self.key, self.value = np.zeros(0), np.zeros(0, np.int64), np.zeros(0)

    def add(self, t_s: np.ndarray, key: np.ndarray, value: np.ndarray) -> None:
        self.t_s, self.key = np.r_[self.t_s, t_s], np.r_[self.key, key]
        self.value = np.r_[self.value, value]

    def drop_before(self, since: float) -> None:
        if not self.t_s.size or self.t_s.min() >= since:
            return
        keep = self.t_s >= since
        self.t_s, self.key, self.value = self.t_s[keep], self.key[keep], self.value[keep]
