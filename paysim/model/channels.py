"""Payment channels: eligibility, health, success probability, capacity, latency and fees.

All per-channel parameters live in arrays indexed by channel, so a window's payments are
handled with a handful of vectorised operations whatever their number; the only loops run
over channels (few) or card networks (fewer).

Per-attempt randomness comes from counter-based uniforms keyed by checkout and attempt (the
world's ``u_success`` and ``u_latency``, plus this module's own keyed streams), so common
random numbers hold across experiment arms. ``u_success`` both decides approval and, for a
declined payment, picks its decline code (see ``paysim.model.declines``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from paysim.engine.streams import RandomStreams
from paysim.model.capacity import RateLimiter
from paysim.model.channel_spec import ChannelSpec
from paysim.model.checkout import ATTEMPTS_PER_KEY
from paysim.model.declines import (
    AMOUNT_OUT_OF_RANGE,
    CHANNEL_UNAVAILABLE,
    DECLINE_CODES,
    DEFAULT_DECLINE_MIX,
    DEFAULT_RISK_SENSITIVITY,
    DO_NOT_HONOUR,
    IS_SOFT_DECLINE,
    NO_CODE,
    RATE_LIMITED,
    RISK_DECLINE_MIX,
    CodeMixes,
    decline_codes,
)
from paysim.model.distributions import Lognormal, ppf_grouped
from paysim.model.fx import FixedRates
from paysim.model.networks import CardNetworks
from paysim.model.outages import StepFunction, StepTable, health
from paysim.model.spec import Scenario
from paysim.model.spec_types import METHODS

__all__ = [  # the decline names are re-exported: they lived here before declines.py
    "CHANNEL_UNAVAILABLE",
    "DECLINE_CODES",
    "DO_NOT_HONOUR",
    "IS_SOFT_DECLINE",
    "NO_CODE",
    "OUTCOMES",
    "RATE_LIMITED",
    "ChannelResult",
    "ChannelTable",
    "ChannelTruth",
]

OUTCOMES = ("succeeded", "declined", "failed", "timeout", "blocked", "abandoned")
SUCCEEDED, DECLINED, FAILED, TIMEOUT, BLOCKED, ABANDONED = range(len(OUTCOMES))
SECONDS_PER_YEAR = 365.25 * 86_400.0


@dataclass(frozen=True)
class ChannelTruth:
    """What each channel would do with each payment right now (``[payment, channel]``).

    ``p`` is the true probability that the payment is approved if sent there now: 0 when the
    channel is down or the amount is out of its range; for a card payment on a channel with
    card networks, averaged over the network the payment may run on. The other arrays are its
    factors, kept for ``ChannelTable.process``.
    """

    down: np.ndarray  # bool: channel (or an upstream it depends on) in an outage
    p: np.ndarray
    nominal: np.ndarray  # before health and buyer risk (0 out of the amount range)
    health: np.ndarray  # channel-level: 0 down, degradation factor, or 1
    risk: np.ndarray  # buyer-risk factor, 1 - sensitivity * buyer_risk
    in_range: np.ndarray  # bool: amount within the channel's [min_amount, max_amount]
    network_health: np.ndarray  # [payment, network]: health of each card network now
    t_s: np.ndarray  # [payment]
    method: np.ndarray  # [payment]
    buyer_market: np.ndarray  # [payment]


@dataclass(frozen=True)
class ChannelResult:
    """What happened to each routed payment at its channel (one entry per payment)."""

    outcome: np.ndarray  # index into OUTCOMES
    decline_code: np.ndarray  # index into DECLINE_CODES
    latency_ms: np.ndarray  # queue wait + processing, capped at the timeout; NaN if not reached
    fee_minor: np.ndarray  # in the payment's currency; 0 unless it succeeded
    p_success: np.ndarray  # true success probability at the chosen channel (ChannelTruth.p)
    charged: np.ndarray  # bool: the channel captured the money (succeeded, or a hidden timeout)
    capture_fee_minor: np.ndarray  # the fee the channel takes if it captures (any outcome)
    settled_factor: np.ndarray  # multiplies what the channel settles (crypto price move); 1.0
    queue_wait_ms: np.ndarray  # time waited in the channel's rate-limit queue; 0 if none
    network: np.ndarray  # index into ChannelTable.network_ids, -1 for no card network


class ChannelTable:
    """The scenario's channels (and upstreams) as arrays, with their pre-drawn health."""

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
        self.rates = rates
        self._eligibility(specs, markets)
        self._success(specs, markets, rates, scenario.reporting_currency)
        self._fees(specs, rates)
        self.settlement_days = np.array([c.settlement_days for c in specs])
        self.reserve_percent = np.array([c.reserve_percent for c in specs])
        self.reserve_days = np.array([c.reserve_days for c in specs])
        self.timeout_ms = np.array([c.timeout_ms for c in specs])
        self.latency = [c.latency_ms for c in specs]
        self._lognormal = (
            (np.array([d.mu for d in self.latency]), np.array([d.sigma for d in self.latency]))
            if all(isinstance(d, Lognormal) for d in self.latency)
            else None
        )
        self.price_volatility = np.array([c.price_volatility_annual for c in specs])
        self.limiters = [_limiter(c) for c in specs]
        self.limited = [(c, lim) for c, lim in enumerate(self.limiters) if lim is not None]
        self._health(scenario, streams, horizon_s)
        self.price_luck = streams.keyed("channel.price")

    # -- set-up -----------------------------------------------------------------------
    def _eligibility(self, specs: list[ChannelSpec], markets: tuple[str, ...]) -> None:
        self.eligible = np.zeros((len(markets), len(METHODS), self.n), dtype=bool)
        self.cross_border = np.zeros((len(markets), self.n), dtype=bool)
        for c, spec in enumerate(specs):
            for market in spec.markets:
                for method in spec.methods:
                    self.eligible[markets.index(market), METHODS.index(method), c] = True
            for m, market in enumerate(markets):
                self.cross_border[m, c] = spec.country is not None and spec.country != market

    def _success(
        self, specs: list[ChannelSpec], markets: tuple[str, ...], rates: FixedRates, reporting: str
    ) -> None:
        self.base = np.array([c.success.base for c in specs])
        self.cross_border_factor = np.array([c.success.cross_border_factor for c in specs])
        market_factor = np.array(
            [[c.success.market_factors.get(m, 1.0) for c in specs] for m in markets]
        )
        method_factor = np.array(
            [[c.success.method_factors.get(k, 1.0) for c in specs] for k in METHODS]  # type: ignore[call-overload]
        )
        cross = np.where(self.cross_border, self.cross_border_factor[None, :], 1.0)
        # [market, method, channel]: every factor that depends on neither time nor amount
        self.static_p = self.base * (cross * market_factor)[:, None, :] * method_factor[None]
        self.bands = [
            (
                c,
                np.array([b.above_reporting for b in spec.success.amount_bands]),
                np.concatenate([[1.0], [b.factor for b in spec.success.amount_bands]]),
            )
            for c, spec in enumerate(specs)
            if spec.success.amount_bands
        ]
        to_reporting = np.array([rates.rate(c.currency, reporting) for c in specs])
        self.min_reporting = np.array([c.min_amount for c in specs]) * to_reporting
        self.max_reporting = (
            np.array([np.inf if c.max_amount is None else c.max_amount for c in specs])
            * to_reporting
        )
        self.has_ranges = bool(
            np.any(self.min_reporting > 0) or np.isfinite(self.max_reporting).any()
        )
        self.may_exceed_one = bool(
            self.static_p.max(initial=0.0) * max([f.max() for _, _, f in self.bands] + [1.0]) > 1
        )
        self.risk_sensitivity = np.array(
            [
                DEFAULT_RISK_SENSITIVITY[c.kind]
                if c.success.risk_sensitivity is None
                else c.success.risk_sensitivity
                for c in specs
            ]
        )
        self.ordinary_codes = CodeMixes(
            [c.success.decline_codes or DEFAULT_DECLINE_MIX[c.kind] for c in specs]
        )
        self.risk_codes = CodeMixes([RISK_DECLINE_MIX])

    def _fees(self, specs: list[ChannelSpec], rates: FixedRates) -> None:
        self.fee_percent = np.array([c.fee.percent for c in specs])
        self.fee_cross_border_percent = np.array([c.fee.cross_border_percent for c in specs])
        self.fx_markup_percent = np.array([c.fee.fx_markup_percent for c in specs])
        self.currency = np.array([rates.index[c.currency] for c in specs])
        minor = 10.0 ** rates.exponent[self.currency]
        self.fee_fixed_minor = np.rint([c.fee.fixed for c in specs] * minor).astype(np.int64)
        self.dispute_fee_minor = np.rint([c.fee.dispute_fixed for c in specs] * minor).astype(
            np.int64
        )
        # lookup tables, so a payment's fee is three gathers: [market, channel] percent,
        # [channel, payment currency] FX markup and fixed fee in the payment's currency
        self._percent = self.fee_percent + np.where(
            self.cross_border, self.fee_cross_border_percent, 0.0
        )
        foreign = self.currency[:, None] != np.arange(len(rates.currencies))[None, :]
        self._fx_percent = np.where(foreign, self.fx_markup_percent[:, None], 0.0)
        self._fixed_minor = np.rint(
            self.fee_fixed_minor[:, None] * rates.minor_factor[self.currency]
        ).astype(np.int64)

    def _health(self, scenario: Scenario, streams: RandomStreams, horizon_s: float) -> None:
        upstream = {
            u.id: health(u.outages, u.degradations, horizon_s, streams, f"upstreams.{u.id}.")
            for u in scenario.upstreams
        }
        # stream names "outages.<channel id>" / "degradations.<channel id>"
        self.health = [
            StepFunction.product(
                [
                    health(c.outages, c.degradations, horizon_s, streams, "", f".{c.id}"),
                    *(upstream[u] for u in c.upstreams),
                ]
            )
            for c in scenario.channels
        ]
        self.health_table = StepTable(self.health)
        self.networks = CardNetworks(self.specs, upstream, streams.keyed("channel.network"))
        self.network_ids = self.networks.ids

    # -- each window ------------------------------------------------------------------
    def is_down(self, t_s: np.ndarray) -> np.ndarray:
        """Bool ``[payment, channel]``: channel (or one of its upstreams) down at each time."""
        return np.column_stack([h(t_s) == 0.0 for h in self.health]).reshape(len(t_s), self.n)

    def truth(
        self,
        t_s: np.ndarray,
        buyer_market: np.ndarray,
        method: np.ndarray,
        amount_reporting: np.ndarray,
        buyer_risk: np.ndarray,
    ) -> ChannelTruth:
        """What every channel would do with each payment now (see ``ChannelTruth``).

        Args:
            t_s: payment times (simulated seconds).
            buyer_market: market index of each buyer.
            method: method index of each payment.
            amount_reporting: amount in the reporting currency (amount bands, ranges).
            buyer_risk: buyer risk in [0, 1] (0 for a low-risk buyer).

        """
        nominal = self.static_p[buyer_market, method]
        for c, edges, factors in self.bands:
            nominal[:, c] *= factors[np.searchsorted(edges, amount_reporting, side="right")]
        if self.has_ranges:
            a = amount_reporting[:, None]
            in_range = (a >= self.min_reporting) & (a <= self.max_reporting)
            nominal *= in_range
        else:
            in_range = np.ones(nominal.shape, dtype=bool)
        if self.may_exceed_one:
            nominal = np.minimum(nominal, 1.0)
        health = self.health_table(t_s)
        network_health = self.networks.health_at(t_s)
        p = nominal * health
        if buyer_risk.any():
            risk = 1.0 - self.risk_sensitivity[None, :] * buyer_risk[:, None]
            p *= risk
        else:
            risk = np.ones(p.shape)
        p = self.networks.expected(p, method, network_health)
        return ChannelTruth(
            health == 0.0, p, nominal, health, risk, in_range, network_health, t_s, method,
            buyer_market,
        )  # fmt: skip

    def process(
        self,
        channel: np.ndarray,
        truth: ChannelTruth,
        amount_minor: np.ndarray,
        currency: np.ndarray,
        checkout_id: np.ndarray,
        attempt: np.ndarray,
        u_success: np.ndarray,
        u_latency: np.ndarray,
    ) -> ChannelResult:
        """Send each payment (sorted by time) to its chosen channel and see what comes back.

        Args:
            channel: chosen channel of each payment.
            truth: ``truth()`` of the same payments.
            amount_minor: amount in the payment's currency, minor units.
            currency: currency index of each payment.
            checkout_id: checkout of each payment (keys this module's own uniforms).
            attempt: attempt number (1 for the first try).
            u_success: uniform deciding approval (and the decline code).
            u_latency: uniform giving the processing latency.

        """
        rows = np.arange(len(channel))
        nominal = truth.nominal[rows, channel]
        health = truth.health[rows, channel]
        network = self.networks.draw(channel, truth.method, checkout_id)
        if self.network_ids:
            on_net = network >= 0
            health[on_net] *= truth.network_health[rows[on_net], network[on_net]]
        down = health == 0.0
        p_health = nominal * health
        p = p_health * truth.risk[rows, channel]
        raw_ms = self._latency_ms(channel, u_latency)
        if self.limited:
            wait_s, rejected = self._queue(channel, down, truth.t_s)
            raw_ms += wait_s * 1000.0
            reached = ~(down | rejected)
        else:
            wait_s, rejected, reached = np.zeros(len(channel)), None, ~down
        timeout_ms = self.timeout_ms[channel]
        timed_out = reached & (raw_ms > timeout_ms)
        charged = reached & (u_success < p)
        succeeded = charged & ~timed_out
        outcome = np.where(
            reached, np.where(timed_out, TIMEOUT, np.where(charged, SUCCEEDED, DECLINED)), FAILED
        ).astype(np.int8)
        code = np.zeros(len(channel), dtype=np.int8)
        declined = np.flatnonzero(outcome == DECLINED)
        if declined.size:
            code[declined] = decline_codes(
                u_success[declined], p[declined], p_health[declined], nominal[declined],
                channel[declined], self.ordinary_codes, self.risk_codes,
            )  # fmt: skip
            if self.has_ranges:
                out = ~truth.in_range[declined, channel[declined]]
                code[declined[out]] = AMOUNT_OUT_OF_RANGE
        code[down] = CHANNEL_UNAVAILABLE
        if rejected is not None:
            code[rejected] = RATE_LIMITED
        fee = self.fee_minor(channel, truth.buyer_market, amount_minor, currency, network)
        return ChannelResult(
            outcome=outcome,
            decline_code=code,
            latency_ms=np.where(reached, np.minimum(raw_ms, timeout_ms), np.nan),
            fee_minor=np.where(succeeded, fee, 0),
            p_success=truth.p[rows, channel],
            charged=charged,
            capture_fee_minor=fee,
            settled_factor=self._price_moves(channel, charged, raw_ms, checkout_id, attempt),
            queue_wait_ms=wait_s * 1000.0,
            network=network,
        )

    def _latency_ms(self, channel: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Processing latency at the channel (before any queueing), by inverse CDF."""
        if self._lognormal is None:
            return ppf_grouped(self.latency, channel, u)
        mu, sigma = self._lognormal
        return np.exp(mu[channel] + sigma[channel] * special.ndtri(u))

    def fee_minor(
        self,
        channel: np.ndarray,
        buyer_market: np.ndarray,
        amount_minor: np.ndarray,
        currency: np.ndarray,
        network: np.ndarray | None = None,
    ) -> np.ndarray:
        """A channel's fee for each payment, in the payment's currency, integer minor units.

        Percent + cross-border surcharge (channel's, plus the card network's scheme fee) +
        FX markup (payment currency differs from the channel's) on the amount, rounded to the
        minor unit, plus the fixed fee converted from the channel's currency.
        """
        percent = self._percent[buyer_market, channel] + self._fx_percent[channel, currency]
        if network is not None and self.network_ids:
            scheme = self.networks.scheme_fee_percent(channel, network)
            percent = percent + np.where(self.cross_border[buyer_market, channel], scheme, 0.0)
        fixed = self._fixed_minor[channel, currency]
        return np.rint(amount_minor * percent / 100.0).astype(np.int64) + fixed

    def _queue(
        self, channel: np.ndarray, down: np.ndarray, t_s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rate-limit queue wait (s) and rejection of each payment, channel by channel."""
        wait_s = np.zeros(len(channel))
        rejected = np.zeros(len(channel), dtype=bool)
        for c, limiter in self.limited:
            queued = np.flatnonzero((channel == c) & ~down)
            if queued.size:
                wait = limiter.admit(t_s[queued])
                rejected[queued] = np.isnan(wait)
                wait_s[queued] = np.nan_to_num(wait)
        return wait_s, rejected

    def _price_moves(
        self,
        channel: np.ndarray,
        charged: np.ndarray,
        latency_ms: np.ndarray,
        checkout_id: np.ndarray,
        attempt: np.ndarray,
    ) -> np.ndarray:
        """Settled value per quoted value: a driftless lognormal move over the confirmation."""
        factor = np.ones(len(channel))
        if not self.price_volatility.any():
            return factor
        sigma = self.price_volatility[channel]
        moving = np.flatnonzero(charged & (sigma > 0))
        if moving.size:
            keys = checkout_id[moving] * ATTEMPTS_PER_KEY + attempt[moving]
            z = special.ndtri(self.price_luck.uniforms(keys, 1)[:, 0])
            var = sigma[moving] ** 2 * latency_ms[moving] / 1000.0 / SECONDS_PER_YEAR
            factor[moving] = np.exp(np.sqrt(var) * z - var / 2.0)
        return factor


def _limiter(spec: ChannelSpec) -> RateLimiter | None:
    if spec.capacity_tps is None:
        return None
    return RateLimiter.bounded(
        spec.capacity_tps,
        spec.queue_max,
        None if spec.queue_timeout_ms is None else spec.queue_timeout_ms / 1000.0,
        spec.timeout_ms / 1000.0,
    )
