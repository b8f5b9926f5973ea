"""Payment channels: eligibility, outages, success probability, latency and fees.

All per-channel parameters live in arrays indexed by channel, so a window's payments are
processed with a handful of vectorised operations whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.model.channel_spec import OutageSpec
from paysim.model.distributions import ppf_grouped
from paysim.model.fx import FixedRates
from paysim.model.spec import Scenario
from paysim.model.spec_types import METHODS

OUTCOMES = ("succeeded", "declined", "failed", "timeout", "blocked", "abandoned")
SUCCEEDED, DECLINED, FAILED, TIMEOUT, BLOCKED, ABANDONED = range(len(OUTCOMES))
DECLINE_CODES = ("", "channel_unavailable", "rate_limited", "do_not_honour")
NO_CODE, CHANNEL_UNAVAILABLE, RATE_LIMITED, DO_NOT_HONOUR = range(len(DECLINE_CODES))


class OutageTimeline:
    """Down intervals of one channel: an alternating renewal process, started stationary.

    Up times are exponential with mean ``mtbf_h``, repairs exponential with mean ``mttr_min``,
    so the long-run availability is mtbf / (mtbf + mttr).
    """

    def __init__(self, spec: OutageSpec | None, horizon_s: float, rng: np.random.Generator) -> None:
        self.starts_s = np.empty(0)
        self.ends_s = np.empty(0)
        if spec is None:
            return
        up_mean_s, down_mean_s = spec.mtbf_h * 3600.0, spec.mttr_min * 60.0
        starts, ends = [], []
        down_now = rng.random() < down_mean_s / (up_mean_s + down_mean_s)
        t = 0.0
        if down_now:
            t = rng.exponential(down_mean_s)
            starts.append(0.0)
            ends.append(t)
        while t < horizon_s:
            start = t + rng.exponential(up_mean_s)
            t = start + rng.exponential(down_mean_s)
            if start < horizon_s:
                starts.append(start)
                ends.append(t)
        self.starts_s = np.array(starts)
        self.ends_s = np.array(ends)

    def is_down(self, t_s: np.ndarray) -> np.ndarray:
        """Whether the channel is in an outage at each time."""
        if self.starts_s.size == 0:
            return np.zeros(np.shape(t_s), dtype=bool)
        k = np.searchsorted(self.starts_s, t_s, side="right") - 1
        return (k >= 0) & (t_s < self.ends_s[np.maximum(k, 0)])

    def down_seconds(self, horizon_s: float) -> float:
        """Total outage time within ``[0, horizon_s)``."""
        return float(
            np.sum(np.clip(self.ends_s, 0, horizon_s) - np.clip(self.starts_s, 0, horizon_s))
        )


@dataclass(frozen=True)
class ChannelResult:
    """What happened to each routed payment at its channel."""

    outcome: np.ndarray
    decline_code: np.ndarray
    latency_ms: np.ndarray  # NaN when the payment never reached a working channel
    fee_minor: np.ndarray  # in the payment's currency; 0 unless it succeeded
    p_success: np.ndarray  # true success probability at the chosen channel


class ChannelTable:
    """The scenario's channels as arrays."""

    def __init__(
        self,
        scenario: Scenario,
        markets: tuple[str, ...],
        rates: FixedRates,
        streams: RandomStreams,
        horizon_s: float,
    ) -> None:
        specs = scenario.channels
        self.specs = specs
        self.ids = tuple(c.id for c in specs)
        self.n = len(specs)
        self.eligible = np.zeros((len(markets), len(METHODS), self.n), dtype=bool)
        self.cross_border = np.zeros((len(markets), self.n), dtype=bool)
        for c, spec in enumerate(specs):
            for market in spec.markets:
                m = markets.index(market)
                for method in spec.methods:
                    self.eligible[m, METHODS.index(method), c] = True
            for m, market in enumerate(markets):
                self.cross_border[m, c] = spec.country is not None and spec.country != market
        self.base = np.array([c.success.base for c in specs])
        self.cross_border_factor = np.array([c.success.cross_border_factor for c in specs])
        self.timeout_ms = np.array([c.timeout_ms for c in specs])
        self.fee_percent = np.array([c.fee.percent for c in specs])
        self.fee_cross_border_percent = np.array([c.fee.cross_border_percent for c in specs])
        self.currency = np.array([rates.index[c.currency] for c in specs])
        self.fee_fixed_minor = np.array(
            [round(c.fee.fixed * 10 ** int(rates.exponent[rates.index[c.currency]])) for c in specs]
        )
        self.dispute_fee_minor = np.array(
            [
                round(c.fee.dispute_fixed * 10 ** int(rates.exponent[rates.index[c.currency]]))
                for c in specs
            ]
        )
        self.settlement_days = np.array([c.settlement_days for c in specs])
        self.reserve_percent = np.array([c.reserve_percent for c in specs])
        self.reserve_days = np.array([c.reserve_days for c in specs])
        self.rates = rates
        self.outages = [
            OutageTimeline(c.outages, horizon_s, streams.generator(f"outages.{c.id}"))
            for c in specs
        ]

    def is_down(self, t_s: np.ndarray) -> np.ndarray:
        """Bool ``[payment, channel]``: channel in an outage at each payment's time."""
        down = np.zeros((len(t_s), self.n), dtype=bool)
        for c, timeline in enumerate(self.outages):
            if timeline.starts_s.size:
                down[:, c] = timeline.is_down(t_s)
        return down

    def truth(self, t_s: np.ndarray, buyer_market: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bool ``down`` and true success probability ``p`` ``[payment, channel]`` (0 when down)."""
        factor = np.where(self.cross_border[buyer_market], self.cross_border_factor[None, :], 1.0)
        down = self.is_down(t_s)
        return down, np.where(down, 0.0, self.base[None, :] * factor)

    def process(
        self,
        channel: np.ndarray,
        down_matrix: np.ndarray,
        p_matrix: np.ndarray,
        buyer_market: np.ndarray,
        amount_minor: np.ndarray,
        currency: np.ndarray,
        u_success: np.ndarray,
        u_latency: np.ndarray,
    ) -> ChannelResult:
        """Send each payment to its chosen channel and see what comes back."""
        rows = np.arange(len(channel))
        p = p_matrix[rows, channel]
        down = down_matrix[rows, channel]
        latency = ppf_grouped([c.latency_ms for c in self.specs], channel, u_latency)
        timeout_ms = self.timeout_ms[channel]
        timed_out = ~down & (latency > timeout_ms)
        succeeded = ~down & ~timed_out & (u_success < p)
        outcome = np.full(len(channel), DECLINED, dtype=np.int8)
        outcome[succeeded] = SUCCEEDED
        outcome[timed_out] = TIMEOUT
        outcome[down] = FAILED
        code = np.where(outcome == DECLINED, DO_NOT_HONOUR, NO_CODE).astype(np.int8)
        code[down] = CHANNEL_UNAVAILABLE
        latency = np.where(down, np.nan, np.minimum(latency, timeout_ms))
        fee = self.fee_minor(channel, buyer_market, amount_minor, currency)
        return ChannelResult(outcome, code, latency, np.where(succeeded, fee, 0), p)

    def fee_minor(
        self,
        channel: np.ndarray,
        buyer_market: np.ndarray,
        amount_minor: np.ndarray,
        currency: np.ndarray,
    ) -> np.ndarray:
        """A channel's fee for each payment, in the payment's currency, integer minor units."""
        percent = self.fee_percent[channel] + np.where(
            self.cross_border[buyer_market, channel], self.fee_cross_border_percent[channel], 0.0
        )
        fixed = self.rates.convert_minor(
            self.fee_fixed_minor[channel], self.currency[channel], currency
        )
        return np.rint(amount_minor * percent / 100.0).astype(np.int64) + fixed
