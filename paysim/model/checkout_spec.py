"""Scenario section ``checkout``: the funnel, abandonment and retries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from paysim.model.distributions import Distribution, Lognormal
from paysim.model.spec_types import Probability, Spec


class RetrySpec(Spec):
    """What a buyer does after a declined or failed payment."""

    probability: Probability = 0.5
    max_attempts: int = Field(default=3, ge=1, le=10)
    delay_s: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=20.0, p99=180.0)
    )
    switch_method: Probability = 0.3


class CheckoutSpec(Spec):
    """The checkout funnel: abandonment before the payment is sent, and retries."""

    abandonment: dict[Literal["choose_method", "enter_details", "confirm"], Probability] = Field(
        default_factory=dict
    )
    time_to_confirm_s: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=45.0, p99=400.0)
    )
    retry: RetrySpec = Field(default_factory=RetrySpec)
