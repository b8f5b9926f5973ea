"""Scenario section ``channels`` (and ``upstreams``): what each payment channel does.

A channel is a route to one or more payment methods: fees, latency, success, outages,
capacity and settlement. Defaults that depend on the channel's ``kind`` (its decline-code mix,
its sensitivity to buyer risk) live in ``paysim.model.channels.declines``; sources are cited there
and in ``../shared/reference/parameters.md``.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from paysim.errors import field_problem
from paysim.model.channels.declines import CONFIGURABLE_CODES
from paysim.model.channels.drift_spec import DriftSpec, WalkSpec
from paysim.model.core.distributions import Distribution
from paysim.model.core.spec_types import (
    MAX_AMOUNT,
    MAX_FACTOR,
    MAX_FIXED_FEE,
    MAX_HORIZON_DAYS,
    Currency,
    Identifier,
    MarketCode,
    Method,
    Probability,
    Spec,
    check_mix,
    mix_problem,
)

ChannelKind = Literal["card_acquirer", "wallet", "bank", "wire", "crypto", "bnpl"]
DeclineCode = Literal[CONFIGURABLE_CODES]  # type: ignore[valid-type]
Factor = Annotated[float, Field(gt=0, le=MAX_FACTOR)]
MAX_WAIT_MS = 86_400_000.0  # a day: an answer later than that is no online payment


class FeeSpec(Spec):
    """A channel's price, all parts added up for each captured payment.

    ``percent`` of the amount, plus ``fixed`` (major units of the channel's currency), plus
    ``cross_border_percent`` when the buyer's market differs from the channel's ``country``,
    plus ``fx_markup_percent`` when the payment currency differs from the channel's settlement
    currency, plus the scheme fee of the card network (``networks``) on cross-border payments.
    ``dispute_fixed`` (channel currency) is charged per chargeback by the platform's dispute flow.
    """

    percent: float = Field(default=0.0, ge=0, le=100)
    fixed: float = Field(default=0.0, ge=0, le=MAX_FIXED_FEE)
    cross_border_percent: float = Field(default=0.0, ge=0, le=100)
    fx_markup_percent: float = Field(default=0.0, ge=0, le=100)
    dispute_fixed: float = Field(default=0.0, ge=0, le=MAX_FIXED_FEE)


class AmountBandSpec(Spec):
    """Success multiplier for payments of at least ``above_reporting`` (reporting currency)."""

    above_reporting: float = Field(ge=0, le=MAX_AMOUNT)
    factor: Factor


class SuccessSpec(Spec):
    """Probability that a payment the channel accepts is approved.

    ``base`` is the approval rate of a domestic, low-risk payment with nothing else applying.
    It is multiplied by ``cross_border_factor`` (cross-border payments), the factor of the
    buyer's market and of the payment method, the factor of the highest amount band the
    payment reaches, and ``1 - risk_sensitivity * buyer_risk`` (buyer risk in [0, 1]); the
    product is capped at 1. ``risk_sensitivity`` defaults by channel kind. ``decline_codes``
    gives the shares of the codes of ordinary declines, ``risk_decline_codes`` those of the
    declines buyer risk causes (both default by kind, see ``paysim.model.channels.declines``).
    """

    base: Probability
    cross_border_factor: float = Field(default=1.0, gt=0, le=1)
    market_factors: dict[MarketCode, Factor] = Field(default_factory=dict)
    method_factors: dict[Method, Factor] = Field(default_factory=dict)
    amount_bands: list[AmountBandSpec] = Field(default_factory=list)
    risk_sensitivity: Probability | None = None
    decline_codes: Annotated[dict[DeclineCode, Probability], AfterValidator(check_mix)] = Field(
        default_factory=dict
    )
    risk_decline_codes: Annotated[dict[DeclineCode, Probability], AfterValidator(check_mix)] = (
        Field(default_factory=dict)
    )

    @model_validator(mode="after")
    def _bands_increase(self) -> SuccessSpec:
        edges = [band.above_reporting for band in self.amount_bands]
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError(f"amount_bands: above_reporting must increase, got {edges}")
        return self


class OutageSpec(Spec):
    """Episodes as an alternating renewal process, started in its stationary state.

    Up times are exponential with mean ``mtbf_h``. Repair (episode) durations are lognormal
    with **mean** ``mttr_min`` and log-standard deviation ``repair_sigma``, so the long-run
    share of time in an episode is mttr / (mtbf + mttr). The median repair is
    ``mttr_min * exp(-repair_sigma**2 / 2)``: with the default sigma of 1, a mean of 75 min
    gives a median of 45 min and a 99th percentile near 8 h, the shape reported for payment
    providers (median 30-60 min, tail to 8 h; parameters.md, press reports [V]).
    """

    # lower bounds: an episode every 6 minutes lasting 6 s is already beyond any real provider,
    # and keeps a ten-year run under a million episodes (tinier times hang the draw); a huge
    # mtbf_h is how a scenario says "never"
    mtbf_h: float = Field(ge=0.1, le=1e12)
    mttr_min: float = Field(ge=0.1, le=1e7)
    repair_sigma: float = Field(default=1.0, ge=0, le=3)


class DegradationSpec(OutageSpec):
    """Partial degradations: episodes during which success is multiplied by a factor.

    The factor of each episode is uniform on ``[success_factor_min, success_factor_max]``;
    parameters.md reports degradations of -10 to -50 % success, more often than outages [V].
    Extra declines during an episode carry the soft code ``issuer_unavailable``.
    """

    success_factor_min: Probability = 0.5
    success_factor_max: Probability = 0.9

    @model_validator(mode="after")
    def _ordered(self) -> DegradationSpec:
        if self.success_factor_max < self.success_factor_min:
            raise ValueError(
                f"success_factor_max ({self.success_factor_max}) must be >= "
                f"success_factor_min ({self.success_factor_min})"
            )
        return self


class NetworkSpec(Spec):
    """A card network a channel accepts (a card channel without ``networks`` accepts all).

    A card payment carries its card's network (the buyer's market's ``card_networks`` mix).
    Cross-border payments on the network pay its scheme fee ``cross_border_percent`` (Visa
    ISA 0.8-1.2 % plus ~0.13 % assessment, Mastercard 0.6-1.0 %; parameters.md, fee guides
    [V]); the network's ``upstream`` takes its payments down in its outages, on every channel.
    ``share`` is deprecated: a market without ``card_networks`` takes its mix from the shares
    of the card channels that serve it (their mean); state the mix per market instead.
    """

    id: Identifier
    share: Probability | None = None
    cross_border_percent: float = Field(default=0.0, ge=0, le=100)
    upstream: Identifier | None = None


def _shares_sum_to_one(networks: list[NetworkSpec]) -> list[NetworkSpec]:
    shares = {n.id: n.share for n in networks if n.share is not None}
    if shares and len(shares) < len(networks):
        raise ValueError("shares: give every network a share or none")
    if shares and (problem := mix_problem(shares)):  # type: ignore[arg-type]
        raise ValueError(f"shares {problem}")
    return networks


class ChannelSpec(Spec):
    """A route to a payment method: acquirer, wallet, bank, wire, crypto or BNPL provider.

    ``country`` is where the channel acquires: payments from buyers of other markets are
    cross-border (lower success, cross-border fee). Without it the channel acquires locally in
    every market it serves. Amounts outside ``[min_amount, max_amount]`` (major units of the
    channel's currency; a wire's minimum ticket, a BNPL limit) are declined with the hard code
    ``amount_out_of_range``. ``upstreams`` are shared infrastructure whose outages take the
    whole channel down.

    ``capacity_tps`` is a rate limit: payments beyond it wait in a FIFO queue served one per
    1/capacity seconds; a payment that would wait more than ``queue_max`` payments ahead of it,
    or longer than ``queue_timeout_ms`` (default: ``timeout_ms``), is rejected with
    ``rate_limited``. Waiting counts toward the latency and the timeout.

    A payment the channel answers after ``timeout_ms`` is a timeout; the channel still captured
    it with probability ``timeout_capture_factor`` times the approval probability (default by
    kind: a card acquirer reverses most timed-out authorisations; see
    ``paysim.model.channels.declines.DEFAULT_TIMEOUT_CAPTURE``).

    ``price_volatility_annual`` (a fraction: 0.6 is 60 %) is the volatility of what the channel
    collects against its settlement currency (a crypto asset): the price moves over the
    confirmation delay, the payment's latency, and the channel settles that much more or less.
    """

    id: Identifier
    kind: ChannelKind
    methods: list[Method] = Field(min_length=1)
    markets: list[MarketCode] = Field(min_length=1)
    country: MarketCode | None = None
    currency: Currency
    fee: FeeSpec = Field(default_factory=FeeSpec)
    min_amount: float = Field(default=0.0, ge=0, le=MAX_AMOUNT)
    max_amount: float | None = Field(default=None, gt=0, le=MAX_AMOUNT)
    latency_ms: Distribution
    timeout_ms: float = Field(default=30_000.0, gt=0, le=MAX_WAIT_MS)
    timeout_capture_factor: Probability | None = None
    success: SuccessSpec
    outages: OutageSpec | None = None
    degradations: DegradationSpec | None = None
    # non-stationary approval (paysim.model.channels.drift)
    drifts: list[DriftSpec] = Field(default_factory=list, max_length=1000)
    walk: WalkSpec | None = None
    upstreams: list[Identifier] = Field(default_factory=list)
    networks: Annotated[list[NetworkSpec], AfterValidator(_shares_sum_to_one)] = Field(
        default_factory=list
    )
    capacity_tps: float | None = Field(default=None, gt=0, le=1e7)  # Visa peaks ~6e4 tps
    queue_max: int | None = Field(default=None, ge=0, le=10**9)
    queue_timeout_ms: float | None = Field(default=None, ge=0, le=MAX_WAIT_MS)
    price_volatility_annual: float = Field(default=0.0, ge=0, le=10)
    settlement_days: float = Field(default=2.0, ge=0, le=MAX_HORIZON_DAYS)
    reserve_percent: float = Field(default=0.0, ge=0, le=100)
    reserve_days: float = Field(default=0.0, ge=0, le=MAX_HORIZON_DAYS)

    @model_validator(mode="after")
    def _consistent(self) -> ChannelSpec:
        if self.max_amount is not None and self.max_amount <= self.min_amount:
            raise ValueError(
                f"max_amount ({self.max_amount}) must be greater than min_amount "
                f"({self.min_amount})"
            )
        if self.networks and "card" not in self.methods:
            raise ValueError("networks: only a channel taking cards has card networks")
        return self


class UpstreamSpec(Spec):
    """Infrastructure several channels share, such as a card network or a bank switch.

    Its outages take down every channel that names it in ``upstreams`` (and every card
    payment on a network that names it); its degradations cut their success.
    """

    id: Identifier
    outages: OutageSpec
    degradations: DegradationSpec | None = None


def upstream_problems(
    channels: list[ChannelSpec], upstreams: list[UpstreamSpec], markets: set[str]
) -> list[str]:
    """Cross-references of the channel section: upstream ids, factor markets, duplicates."""
    problems: list[str] = []
    known: set[str] = set()
    for upstream in upstreams:
        if upstream.id in known:
            problems.append(field_problem(f"upstreams.{upstream.id}", "appears more than once"))
        known.add(upstream.id)
    for channel in channels:
        path = f"channels.{channel.id}"
        for upstream_id in channel.upstreams:
            if upstream_id not in known:
                problems.append(field_problem(f"{path}.upstreams", "unknown upstream", upstream_id))
        seen: set[str] = set()
        for network in channel.networks:
            if network.id in seen:
                problems.append(
                    field_problem(f"{path}.networks.{network.id}", "appears more than once")
                )
            seen.add(network.id)
            if network.upstream is not None and network.upstream not in known:
                problems.append(
                    field_problem(
                        f"{path}.networks.{network.id}.upstream",
                        "unknown upstream",
                        network.upstream,
                    )
                )
        for code in channel.success.market_factors:
            if code not in markets:
                problems.append(
                    field_problem(f"{path}.success.market_factors", "unknown market", code)
                )
    return problems
