"""Scenario section ``channels``: fees, latency, success, outages, settlement of each channel."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from paysim.model.distributions import Distribution
from paysim.model.spec_types import Currency, Identifier, MarketCode, Method, Probability, Spec


class FeeSpec(Spec):
    """A channel's price: percent of the amount plus a fixed part in the channel's currency."""

    percent: float = Field(default=0.0, ge=0, le=100)
    fixed: float = Field(default=0.0, ge=0)
    cross_border_percent: float = Field(default=0.0, ge=0, le=100)
    fx_markup_percent: float = Field(default=0.0, ge=0, le=100)
    dispute_fixed: float = Field(default=0.0, ge=0)


class SuccessSpec(Spec):
    """Probability that a payment succeeds at a channel."""

    base: Probability
    cross_border_factor: float = Field(default=1.0, gt=0, le=1)


class OutageSpec(Spec):
    """Full outages as an alternating renewal process (exponential up and down times)."""

    mtbf_h: float = Field(gt=0)
    mttr_min: float = Field(gt=0)


class ChannelSpec(Spec):
    """A route to a payment method: acquirer, wallet, bank, wire, crypto or BNPL provider.

    ``country`` is where the channel acquires: payments from buyers of other markets are
    cross-border (lower success, cross-border fee). Without it the channel acquires locally in
    every market it serves.
    """

    id: Identifier
    kind: Literal["card_acquirer", "wallet", "bank", "wire", "crypto", "bnpl"]
    methods: list[Method] = Field(min_length=1)
    markets: list[MarketCode] = Field(min_length=1)
    country: MarketCode | None = None
    currency: Currency
    fee: FeeSpec = Field(default_factory=FeeSpec)
    latency_ms: Distribution
    timeout_ms: float = Field(default=30_000.0, gt=0)
    success: SuccessSpec
    outages: OutageSpec | None = None
    capacity_tps: float | None = Field(default=None, gt=0)
    settlement_days: float = Field(default=2.0, ge=0)
    reserve_percent: float = Field(default=0.0, ge=0, le=100)
    reserve_days: float = Field(default=0.0, ge=0)


class UpstreamSpec(Spec):
    """Infrastructure several channels share, such as a card network or a bank switch.

    Its outages take down every channel that names it as its upstream.
    """

    id: Identifier
    outages: OutageSpec
