"""Scenario section ``platform``: take rate, escrow release, payouts."""

from __future__ import annotations

from pydantic import Field

from paysim.model.distributions import Distribution, Lognormal
from paysim.model.spec_types import Spec


class PayoutSpec(Spec):
    """Daily batched payouts to sellers, in the seller's currency."""

    hour_utc: int = Field(default=2, ge=0, le=23)
    fee_percent: float = Field(default=0.0, ge=0, le=100)


class PlatformSpec(Spec):
    """The marketplace's own terms: take rate, escrow release, payouts."""

    take_rate_percent: float = Field(default=5.0, ge=0, le=100)
    delivery_days: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=7.0, p99=21.0)
    )
    confirm_after_delivery_days: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=1.0, p99=10.0)
    )
    auto_release_days: float = Field(default=7.0, ge=0)
    payout: PayoutSpec = Field(default_factory=PayoutSpec)
