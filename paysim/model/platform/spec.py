"""Scenario section ``platform``: take rate, escrow release, payouts, refunds, disputes.

Defaults are sourced where a source exists (``../shared/reference/parameters.md`` and the
documents named inline) and marked as assumptions otherwise.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from paysim.errors import ScenarioError
from paysim.model.core.distributions import Distribution, Lognormal, Uniform
from paysim.model.core.spec_types import (
    MAX_FIXED_FEE,
    MAX_HORIZON_DAYS,
    Currency,
    Probability,
    Spec,
)


class PayoutSpec(Spec):
    """Daily batched payouts to sellers, in each seller's currency.

    A seller's fee per payout is ``fee_percent`` of the amount paid plus ``fee_fixed`` in
    ``fee_currency`` (converted to the seller's currency); the platform pays it.
    """

    hour_utc: int = Field(default=2, ge=0, le=23)
    fee_percent: float = Field(default=0.0, ge=0, le=100)
    fee_fixed: float = Field(default=0.0, ge=0, le=MAX_FIXED_FEE)
    fee_currency: Currency = "USD"


class RefundSpec(Spec):
    """Refunds to buyers, in the buyer's currency through the channel that took the payment.

    Before release the refund leaves escrow (cancellations, parcels not delivered), at a
    uniformly drawn moment of the escrow period. After release (returns) the platform pays the
    buyer ``after_release_days`` after the release and recovers the seller's part from the
    seller's later payouts; its take on the refunded part is reversed. A refund is partial
    (``partial_percent`` of the order) with ``partial_probability``. Defaults are assumptions:
    cross-border e-commerce returns of 10-15% are reported for ordinary shops and 30-50% for
    live commerce (trade press); most of them are partial or never refunded in money.
    """

    before_release_probability: Probability = 0.03
    after_release_probability: Probability = 0.02
    partial_probability: Probability = 0.3
    partial_percent: Distribution = Field(
        default_factory=lambda: Uniform(dist="uniform", low=10.0, high=90.0)
    )
    after_release_days: Distribution = Field(
        default_factory=lambda: Uniform(dist="uniform", low=1.0, high=15.0)
    )


class DisputeSpec(Spec):
    """Chargebacks raised by buyers through their card issuer or wallet.

    ``probability`` per paid order; the dispute arrives ``after_delivery_days`` after delivery.
    The channel takes the amount back from the platform's settlements and charges its
    ``fee.dispute_fixed``. With ``represent_probability`` the platform represents the case and
    wins with ``win_probability``, ``decision_days`` later, getting the amount back (not the
    fee). A chargeback on a released order is recovered from the seller when
    ``seller_liable``, else it is the platform's loss; one on an order still in escrow is
    taken out of escrow. Sources: chargebacks 6.5 bps of value (KC Fed RWP 16-01), friendly
    fraud 30-120 days after delivery (trade press); merchants win 37-54% of represented cases
    (Datos Insights 2025, US 54%, UK 49%, BR 37%); representment share and decision time are
    assumptions.
    """

    probability: Probability = 0.00065
    after_delivery_days: Distribution = Field(
        default_factory=lambda: Uniform(dist="uniform", low=30.0, high=120.0)
    )
    represent_probability: Probability = 0.5
    win_probability: Probability = 0.45
    decision_days: Distribution = Field(
        default_factory=lambda: Uniform(dist="uniform", low=30.0, high=75.0)
    )
    seller_liable: bool = True


class PlatformSpec(Spec):
    """The marketplace's own terms: take rate, escrow release, payouts, refunds, disputes.

    Escrow: a paid order's value (in the seller's currency) is held until delivery, then
    buyer confirmation or ``auto_release_days`` after delivery, whichever comes first.
    ``release_at_shipment_percent`` of the seller's share may be released when the parcel
    ships (``shipment_days`` after payment, never after delivery). Influencer commissions on
    campaign orders are deducted from the seller's share (``commission_paid_by: seller``, as
    TikTok Shop's affiliate programme works: the seller sets the rate and it comes out of the
    order) or paid by the platform as its own expense (``platform``).

    ``routing_refresh_s``: how often a learning router's view of results is refreshed. At 0
    (the default) a routing decision at time t uses every result that came back before t:
    orchestrators update gateway scores after each transaction (Juspay's open-source decision
    engine asks for an ``update-gateway-score`` call after every transaction and scores a
    sliding window of the latest ones; Agrawal and Patil, arXiv 2510.16735, 2025, describe its
    feedback loop updating scores from each post-transaction signal). With R > 0 the view is
    refreshed every R seconds of the run, as a periodic score job would (whaliepay.com
    advertises re-ranking every 4 s [V]): a decision at t sees what came back before
    floor(t / R) R. Either way it is independent of ``engine.batch_s``; a larger R makes
    learning routers faster, not different in kind.
    """

    take_rate_percent: float = Field(default=5.0, ge=0, le=100)
    delivery_days: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=7.0, p99=21.0)
    )
    shipment_days: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=2.0, p99=7.0)
    )
    confirm_after_delivery_days: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=1.0, p99=10.0)
    )
    auto_release_days: float = Field(default=7.0, ge=0, le=MAX_HORIZON_DAYS)
    release_at_shipment_percent: float = Field(default=0.0, ge=0, le=100)
    commission_paid_by: Literal["seller", "platform"] = "seller"
    routing_refresh_s: float = Field(default=0.0, ge=0, le=86_400)
    payout: PayoutSpec = Field(default_factory=PayoutSpec)
    refunds: RefundSpec = Field(default_factory=RefundSpec)
    disputes: DisputeSpec = Field(default_factory=DisputeSpec)

    @model_validator(mode="after")
    def _fates(self) -> PlatformSpec:
        refunds, disputes = self.refunds, self.disputes
        total = (
            refunds.before_release_probability
            + refunds.after_release_probability
            + disputes.probability
        )
        if total > 1:
            raise ScenarioError.at(
                "platform.refunds",
                "before_release_probability + after_release_probability + "
                "disputes.probability must be <= 1",
                round(total, 6),
            )
        return self
