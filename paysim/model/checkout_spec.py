"""Scenario sections ``checkout`` and ``risk.kyc``.

``checkout``: the funnel, personal settings, retries and timeouts. ``risk.kyc``: payment
limits per verification tier.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from paysim.model.distributions import Distribution, Lognormal
from paysim.model.spec_types import MAX_AMOUNT, Probability, Spec

KYC_TIERS = ("none", "basic", "full")


class RetrySpec(Spec):
    """What a buyer does after a declined or failed payment (the notification step)."""

    probability: Probability = 0.5
    max_attempts: int = Field(default=3, ge=1, le=10)
    delay_s: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=20.0, p99=180.0)
    )
    switch_method: Probability = 0.3


class TimeoutSpec(Spec):
    """How the platform resolves a payment whose channel answer never came.

    ``wait_for_status``: the buyer is told the payment is pending and may only retry once a
    status check (after ``status_check_s``) shows it did not go through. ``blind_retry``: the
    buyer may retry at once, so a payment that did go through can be charged twice.
    """

    policy: Literal["wait_for_status", "blind_retry"] = "wait_for_status"
    status_check_s: float = Field(default=60.0, gt=0, le=30 * 86_400)  # at most a month


class PersonalLimitSpec(Spec):
    """Buyers who cap the amount of one payment in their settings (reporting currency)."""

    share: Probability = 0.0
    amount: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=100.0, p99=1000.0)
    )


class CheckoutSpec(Spec):
    """The five checkout steps and the settings that shorten them.

    Steps: choose a method, enter details, confirm (each with an abandonment probability),
    channel processing (the buyer leaves if it takes longer than their ``patience_s``; a
    payment that still succeeds completes the order, a failed one is not retried), and the
    notification (after a failure, the buyer retries with ``retry.probability``). Buyers with
    one-click skip the first two steps; with password-free payment, also the confirmation,
    for amounts up to ``password_free_max`` (reporting currency).
    """

    abandonment: dict[Literal["choose_method", "enter_details", "confirm"], Probability] = Field(
        default_factory=dict
    )
    time_to_confirm_s: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=45.0, p99=400.0)
    )
    patience_s: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=120.0, p99=1200.0)
    )
    one_click_share: Probability = 0.0
    password_free_share: Probability = 0.0
    password_free_max: float = Field(default=50.0, ge=0, le=MAX_AMOUNT)
    shortcut_time_factor: float = Field(default=0.25, gt=0, le=1)
    default_method_share: Probability = 0.0
    personal_limit: PersonalLimitSpec = Field(default_factory=PersonalLimitSpec)
    retry: RetrySpec = Field(default_factory=RetrySpec)
    timeouts: TimeoutSpec = Field(default_factory=TimeoutSpec)


class KycLimitSpec(Spec):
    """Payment limits of one verification tier, in the reporting currency (none = no limit)."""

    per_payment: float | None = Field(default=None, gt=0, le=MAX_AMOUNT)
    daily: float | None = Field(default=None, gt=0, le=MAX_AMOUNT)


class KycSpec(Spec):
    """Limits per KYC tier: unverified, basic (real name) and fully verified buyers."""

    none: KycLimitSpec = Field(default_factory=KycLimitSpec)
    basic: KycLimitSpec = Field(default_factory=KycLimitSpec)
    full: KycLimitSpec = Field(default_factory=KycLimitSpec)

    @model_validator(mode="after")
    def _ordered(self) -> KycSpec:
        for field in ("per_payment", "daily"):
            limits = [getattr(getattr(self, tier), field) for tier in KYC_TIERS]
            known = [x if x is not None else float("inf") for x in limits]
            if known != sorted(known):
                raise ValueError(f"{field} limits must not fall from none to basic to full")
        return self


class RiskSpec(Spec):
    """Compliance and risk controls: KYC tiers for now."""

    kyc: KycSpec = Field(default_factory=KycSpec)
