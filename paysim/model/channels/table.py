"""Payment channels: eligibility, health, success probability, capacity, latency and fees.

All per-channel parameters live in arrays indexed by channel, so a window's payments are
handled with a handful of vectorised operations whatever their number; the only loops run
over channels (few) or card networks (fewer).

Per-attempt randomness comes from counter-based uniforms keyed by checkout and attempt (the
world's ``u_success`` and ``u_latency``, plus this module's own keyed streams), so common
random numbers hold across experiment arms. ``u_success`` both decides approval and, for a
declined payment, picks its decline code (see ``paysim.model.channels.declines``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from paysim.engine.streams import RandomStreams
from paysim.model.channels.approval import ApprovalModel
from paysim.model.channels.capacity import RateLimiter
from paysim.model.channels.declines import (
    AMOUNT_OUT_OF_RANGE,
    CHANNEL_UNAVAILABLE,
    DECLINE_CODES,
    DO_NOT_HONOUR,
    IS_SOFT_DECLINE,
    NO_CODE,
    RATE_LIMITED,
    decline_codes,
)
from paysim.model.channels.drift import ChannelDrift
from paysim.model.channels.fees import FeeSchedule
from paysim.model.channels.networks import CardNetworks
from paysim.model.channels.outages import OutageTimeline, StepFunction, StepTable, health
from paysim.model.channels.spec import ChannelSpec
from paysim.model.core.batch import ATTEMPTS_PER_KEY
from paysim.model.core.distributions import GroupedDistribution
from paysim.model.core.spec_types import METHODS
from paysim.model.fx.rates import FixedRates

if TYPE_CHECKING:
    from paysim.model.spec import Scenario

__all__ = [  # the decline names the world needs with the channels
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
    "OutageTimeline",
]

OUTCOMES = ("succeeded", "declined", "failed", "timeout", "blocked", "abandoned")
SUCCEEDED, DECLINED, FAILED, TIMEOUT, BLOCKED, ABANDONED = range(len(OUTCOMES))
SECONDS_PER_YEAR = 365.25 * 86_400.0


@dataclass(frozen=True)
class ChannelTruth:
    """What each channel would do with each payment right now (``[payment, channel]``).

    ``p`` is the true probability that the payment is approved if sent there now: 0 when the
    channel or the card's network is down or the amount is out of its range, and for a retry
    scaled by how much of the earlier decline persists (``recovery``). The other arrays are its
    factors, kept for ``ChannelTable.process``.
    """

    p: np.ndarray
    nominal: np.ndarray  # before health and buyer risk (0 out of the amount range)
    health: np.ndarray  # channel-level: 0 down, degradation factor, or 1
    risk: np.ndarray | None  # buyer-risk factor 1 - sensitivity * risk; None: nobody risky
    in_range: np.ndarray | None  # bool: amount in [min_amount, max_amount]; None: no ranges
    network_health: np.ndarray | None  # [payment] health of the card's network; None: all 1
    recovery: np.ndarray | None  # [payment, channel] retry factor; None: no retries
    repeat_code: np.ndarray | None  # [payment] the decline a retry may repeat (with recovery)
    network: np.ndarray  # [payment] index into ChannelTable.network_ids, -1 for none
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
    network: np.ndarray  # the payment's card network (ChannelTable.network_ids), -1 for none


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
        self.approval = ApprovalModel(
            specs, markets, self.cross_border, rates, scenario.reporting_currency
        )
        self._fees(specs, rates)
        self.settlement_days = np.array([c.settlement_days for c in specs])
        self.reserve_percent = np.array([c.reserve_percent for c in specs])
        self.reserve_days = np.array([c.reserve_days for c in specs])
        self.timeout_ms = np.array([c.timeout_ms for c in specs])
        self.latency = GroupedDistribution([c.latency_ms for c in specs])
        self.price_volatility = np.array([c.price_volatility_annual for c in specs])
        self.any_price_moves = bool(self.price_volatility.any())
        self.limiters = [_limiter(c) for c in specs]
        self.limited = [(c, lim) for c, lim in enumerate(self.limiters) if lim is not None]
        self.window_start_s = 0.0  # set by the world: no payment comes earlier from now on
        self.is_limited = np.array([lim is not None for lim in self.limiters], dtype=bool)
        self._health(scenario, streams, horizon_s)
        self.drift = ChannelDrift(specs, markets, self.network_ids, horizon_s, streams)
        self.price_luck = streams.keyed("channel.price")
        # [network, channel] acceptance (last row: no network) and [market, method, network]
        # whether any channel can take such a payment at all
        self.accepts = self.networks.accepts
        self.routable = (self.eligible[:, :, None, :] & self.accepts[None, None]).any(axis=3)

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

    def _fees(self, specs: list[ChannelSpec], rates: FixedRates) -> None:
        self.fees = FeeSchedule(specs, self.cross_border, rates)
        # the per-channel arrays under their established names
        self.fee_percent = self.fees.percent
        self.fee_cross_border_percent = self.fees.cross_border_percent
        self.fx_markup_percent = self.fees.fx_markup_percent
        self.currency = self.fees.currency
        self.fee_fixed_minor = self.fees.fixed_minor
        self.dispute_fee_minor = self.fees.dispute_minor

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
        self.networks = CardNetworks(scenario, self.specs, upstream)
        self.network_ids = self.networks.ids

    # -- each window ------------------------------------------------------------------
    def is_down(self, t_s: np.ndarray) -> np.ndarray:
        """Bool ``[payment, channel]``: channel (or one of its upstreams) down at each time."""
        return np.column_stack([h(t_s) == 0.0 for h in self.health]).reshape(len(t_s), self.n)

    def candidates(
        self, buyer_market: np.ndarray, method: np.ndarray, network: np.ndarray
    ) -> np.ndarray:
        """Bool ``[payment, channel]``: the channels able to take each payment.

        Those serving the market and method that accept the payment's card network (every
        channel accepts a payment without one).
        """
        return self.eligible[buyer_market, method] & self.accepts[network]

    def truth(
        self,
        t_s: np.ndarray,
        buyer_market: np.ndarray,
        method: np.ndarray,
        amount_reporting: np.ndarray,
        buyer_risk: np.ndarray,
        network: np.ndarray | None = None,
        recovery: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> ChannelTruth:
        """What every channel would do with each payment now (see ``ChannelTruth``).

        Args:
            t_s: payment times (simulated seconds).
            buyer_market: market index of each buyer.
            method: method index of each payment.
            amount_reporting: amount in the reporting currency (amount bands, ranges).
            buyer_risk: buyer risk in [0, 1] (0 for a low-risk buyer).
            network: the card network of each payment, -1 (or None for all) for none.
            recovery: for retries, the ``[payment, channel]`` factor of the earlier decline
                and the code it would repeat (``paysim.model.checkout.retry_recovery``).

        """
        if network is None:
            network = np.full(len(t_s), -1, dtype=np.int16)
        nominal, in_range = self.approval.nominal(buyer_market, method, amount_reporting)
        if self.drift.any:
            nominal = self.drift.apply(nominal, t_s, buyer_market, network)
        health = self.health_table(t_s)
        p = nominal * health
        network_health = None
        if self.networks.any_outages:
            network_health = self.networks.health_of(t_s, network)
            p *= network_health[:, None]
        risk = self.approval.risk(buyer_risk)
        if risk is not None:
            p *= risk
        factor, repeat_code = (None, None) if recovery is None else recovery
        if factor is not None:
            p *= factor
        return ChannelTruth(
            p, nominal, health, risk, in_range, network_health, factor, repeat_code, network,
            t_s, method, buyer_market,
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
        n = len(channel)
        rows = np.arange(n)
        nominal = truth.nominal[rows, channel]
        health = truth.health[rows, channel]
        p_health = nominal * health
        if truth.network_health is not None:  # the same order of products as truth()
            p_health *= truth.network_health
            health = health * truth.network_health
        down = health == 0.0
        p_risk = p_health if truth.risk is None else p_health * truth.risk[rows, channel]
        p = p_risk if truth.recovery is None else p_risk * truth.recovery[rows, channel]
        raw_ms = self._latency_ms(channel, u_latency)
        if self.limited:
            wait_s, rejected = self._queue(channel, down, truth.t_s)
            raw_ms += wait_s * 1000.0
            reached = ~(down | rejected)
            failed_code = np.where(rejected, RATE_LIMITED, CHANNEL_UNAVAILABLE)
        else:
            wait_s, reached, failed_code = np.zeros(n), ~down, CHANNEL_UNAVAILABLE
        timeout_ms = self.timeout_ms[channel]
        timed_out = reached & (raw_ms > timeout_ms)
        approved = u_success < p
        # a channel that answered too late still captured a share of what it would approve
        late_capture = u_success < p * self.approval.timeout_capture[channel]
        charged = reached & np.where(timed_out, late_capture, approved)
        succeeded = charged & ~timed_out
        declined = reached & ~timed_out & ~approved
        outcome = np.where(
            reached, np.where(timed_out, TIMEOUT, np.where(approved, SUCCEEDED, DECLINED)), FAILED
        ).astype(np.int8)
        code = self._decline_codes(u_success, p, p_risk, p_health, nominal, channel, truth)
        code = np.where(declined, code, np.where(reached, NO_CODE, failed_code)).astype(np.int8)
        fee = self.fee_minor(channel, truth.buyer_market, amount_minor, currency, truth.network)
        return ChannelResult(
            outcome=outcome,
            decline_code=code,
            latency_ms=np.where(reached, np.minimum(raw_ms, timeout_ms), np.nan),
            fee_minor=np.where(succeeded, fee, 0),
            p_success=p,
            charged=charged,
            capture_fee_minor=fee,
            settled_factor=self._price_moves(channel, charged, raw_ms, checkout_id, attempt),
            queue_wait_ms=wait_s * 1000.0,
            network=truth.network,
        )

    def _decline_codes(
        self,
        u: np.ndarray,
        p: np.ndarray,
        p_risk: np.ndarray,
        p_health: np.ndarray,
        nominal: np.ndarray,
        channel: np.ndarray,
        truth: ChannelTruth,
    ) -> np.ndarray:
        """The code of each payment if declined (see ``paysim.model.channels.declines``)."""
        approval = self.approval
        risk_row = channel + approval.risk_mix_offset
        code = decline_codes(u, p_risk, p_health, nominal, channel, risk_row, approval.code_mixes)
        if truth.repeat_code is not None:  # the earlier decline repeats on a retry
            repeat = (u >= p) & (u < p_risk)
            code[repeat] = truth.repeat_code[repeat]
        if truth.in_range is not None:
            code[~truth.in_range[np.arange(len(channel)), channel]] = AMOUNT_OUT_OF_RANGE
        return code

    def _latency_ms(self, channel: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Processing latency at the channel (before any queueing), by inverse CDF."""
        return self.latency.ppf(channel, u)

    def fee_minor(
        self,
        channel: np.ndarray,
        buyer_market: np.ndarray,
        amount_minor: np.ndarray,
        currency: np.ndarray,
        network: np.ndarray | None = None,
    ) -> np.ndarray:
        """A channel's fee for each payment, in the payment's currency, integer minor units.

        See ``paysim.model.channels.fees``; ``network`` (-1 for none) adds the card network's
        scheme fee on cross-border payments.
        """
        scheme = None
        if network is not None and self.network_ids:
            scheme = self.networks.scheme_fee_percent(channel, network.astype(np.intp))
        return self.fees.fee_minor(channel, buyer_market, amount_minor, currency, scheme)

    def _queue(
        self, channel: np.ndarray, down: np.ndarray, t_s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rate-limit queue wait (s) and rejection of each payment, channel by channel."""
        wait_s = np.zeros(len(channel))
        rejected = np.zeros(len(channel), dtype=bool)
        for c, limiter in self.limited:
            queued = np.flatnonzero((channel == c) & ~down)
            if queued.size:
                t = t_s[queued]
                if np.any(t[1:] < t[:-1]):  # the queue needs arrival order
                    queued = queued[np.argsort(t, kind="stable")]
                wait = limiter.admit(t_s[queued], self.window_start_s)
                turned_away = np.isnan(wait)
                if turned_away.any():
                    rejected[queued] = turned_away
                    wait[turned_away] = 0.0
                wait_s[queued] = wait
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
        if not self.any_price_moves:
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
