"""Scenario sections ``checkout`` and ``risk.kyc``.

``checkout``: the funnel, personal settings, retries and timeouts. ``risk.kyc``: payment
limits per verification tier.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from paysim.model.channels.declines import DECLINE_CODES
from paysim.model.core.distributions import Distribution, Lognormal
from paysim.model.core.spec_types import MAX_AMOUNT, Probability, Spec

KYC_TIERS = ("none", "basic", "full")
RetryCode = Literal[DECLINE_CODES[1:]]  # type: ignore[valid-type]


class RecoverySpec(Spec):
    """How much of a retry's chance survives an earlier decline, by what the buyer changed.

    Each factor multiplies the retry's own approval probability: 1 is a fresh, independent
    try, 0 a certain repeat of the decline (with the same code). ``same_channel``: the same
    card (or account) on the same channel; ``other_channel``: the same card on another
    channel; ``other_card``: another card; ``other_method``: another payment method.
    """

    same_channel: Probability = 1.0
    other_channel: Probability = 1.0
    other_card: Probability = 1.0
    other_method: Probability = 1.0


# Recovery of a retry made within the checkout (seconds to minutes after the decline). Nobody
# publishes recovery rates by decline code ("the biggest data gap in the industry", trade press
# [V]), so these are assumptions anchored on what is published:
# - insufficient funds stays insufficient: it clears 24-48 h later (payday, limit reset;
#   payment glossaries [V]) and orchestrators do not cascade it to another gateway (Spreedly
#   Recover docs [P]); another card or method draws on other money.
# - do not honour: the issuer's generic refusal repeats itself on the same card (it clears in
#   3-7 days [V]; retried in a minute it "never succeeds", observability docs [V]); another
#   acquirer shows the issuer a different transaction and sometimes succeeds: cascading to a
#   second acquirer recovers 8-15 % of declined volume (orchestrator [V]); with the card
#   kind's default code mix and a second acquirer approving 80 %, these factors recover ~14 %.
# - issuer unavailable: a technical decline recovers once the issuer is back (95 %+ over
#   hours, dunning vendors [V]); within the checkout half of the retries still meet it.
# Outage and rate-limit failures (channel_unavailable, rate_limited) are the channel's state,
# which the retry meets anew (factor 1). Visa allows 15 retries of a card in 30 days and none
# after a "never approve" code; those limits are not reached by in-checkout retries.
DEFAULT_RECOVERY: dict[str, dict[str, float]] = {
    "insufficient_funds": {"same_channel": 0.05, "other_channel": 0.05},
    "do_not_honour": {"same_channel": 0.15, "other_channel": 0.35},
    "issuer_unavailable": {"same_channel": 0.5, "other_channel": 0.5},
}


def _with_default_recovery(value: Any) -> Any:
    """The default table with the given codes and fields laid over it."""
    if not isinstance(value, dict):
        return value
    table: dict[str, Any] = {code: dict(factors) for code, factors in DEFAULT_RECOVERY.items()}
    for code, factors in value.items():
        if isinstance(factors, dict) and isinstance(table.get(code), dict):
            table[code] = {**table[code], **factors}
        else:
            table[code] = factors
    return table


class RetrySpec(Spec):
    """What a buyer does after a declined or failed payment (the notification step).

    ``switch_card``: the share of retries by card made with the buyer's other card (another
    network, issuer and balance). ``recovery``: per earlier decline code, how much of the
    retry's chance survives (see ``RecoverySpec``); codes and fields not given keep their
    defaults (``DEFAULT_RECOVERY``), codes not in it retry independently.
    """

    probability: Probability = 0.5
    max_attempts: int = Field(default=3, ge=1, le=10)
    delay_s: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=20.0, p99=180.0)
    )
    switch_method: Probability = 0.3
    switch_card: Probability = 0.0
    recovery: Annotated[dict[RetryCode, RecoverySpec], BeforeValidator(_with_default_recovery)] = (
        Field(default_factory=lambda: {c: RecoverySpec(**f) for c, f in DEFAULT_RECOVERY.items()})
    )


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
