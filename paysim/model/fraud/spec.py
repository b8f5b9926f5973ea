"""Scenario sections ``fraud`` and ``risk.review``.

Defaults are sourced where ``../shared/reference/parameters.md`` gives a figure and marked as
assumptions otherwise.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from paysim.model.checkout.spec import RiskSpec
from paysim.model.core.distributions import Distribution, Exponential, Lognormal, Uniform
from paysim.model.core.spec_types import MAX_AMOUNT, Method, Probability, Spec

ATTACKER_KINDS = ("stolen_card", "account_takeover", "friendly_fraud", "card_testing", "mitm",
                  "fake_refund", "qr_substitution", "collusion_ring")  # fmt: skip
RING_TYPOLOGIES = ("fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter", "bipartite",
                   "stack", "random")  # fmt: skip
MAX_RING_ACCOUNTS = 100


def _days(low: float, high: float) -> Uniform:
    return Uniform(dist="uniform", low=low, high=high)


class TakeoverSpec(Spec):
    """An attacker who pays for orders: a ``share`` of checkouts is theirs.

    ``amount_factor`` multiplies the basket (fraudsters buy resellable, larger baskets);
    ``chargeback_days`` is when the card holder's dispute arrives, after capture (stolen cards,
    account takeover) or after delivery (friendly fraud). ``new_device``, ``ip_mismatch``: how
    often the attacker's device is one the account never used and the IP country differs from
    the billing country. ``issuer_risk`` replaces the buyer's risk the issuers see. With
    ``adaptive``, after blocks the attacker keeps amounts under the lowest blocked amount.
    """

    kind: Literal["stolen_card", "account_takeover", "friendly_fraud"]
    share: Probability = 0.001
    amount_factor: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=2.0, p99=8.0)
    )
    chargeback_days: Distribution = Field(default_factory=lambda: _days(14.0, 60.0))
    new_device: Probability = 0.9
    ip_mismatch: Probability = 0.6
    issuer_risk: Probability = 0.3
    adaptive: bool = False


class CardTestingSpec(Spec):
    """Bursts of small round authorisations from few devices and many cards.

    A burst starts ``bursts_per_day`` times a day (Poisson) with ``probes_per_burst`` probes
    ``probe_gap_s`` apart, each with a new card, from ``devices`` devices (a share
    ``spoof_device`` of probes shows a fresh, spoofed fingerprint). A probe the defence lets
    through reaches the issuer, which approves it if the card is live (``live_share``; card
    testing is >90% declined, parameters.md); a declined probe costs ``decline_fee`` (Visa
    0.15 USD per decline, trade blog [V]). Every live card is then used for one large purchase
    (a checkout taken over, ``cashout_factor`` times the basket), charged back
    ``chargeback_days`` later. With ``adaptive``, after a burst with blocks the tester keeps
    amounts under the lowest blocked one, spoofs every device and waits twice as long between
    probes.
    """

    kind: Literal["card_testing"]
    bursts_per_day: float = Field(default=2.0, ge=0, le=10_000)
    probes_per_burst: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=40.0, p99=300.0)
    )
    probe_gap_s: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=5.0)
    )
    amounts_reporting: list[Annotated[float, Field(gt=0, le=MAX_AMOUNT)]] = Field(
        default_factory=lambda: [1.0, 2.0, 5.0, 10.0], min_length=1
    )
    devices: int = Field(default=2, ge=1, le=1000)
    spoof_device: Probability = 0.2
    live_share: Probability = 0.08
    decline_fee: float = Field(default=0.15, ge=0, le=1000)
    cashout_factor: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=5.0, p99=20.0)
    )
    chargeback_days: Distribution = Field(default_factory=lambda: _days(14.0, 60.0))
    adaptive: bool = False


class MitmSpec(Spec):
    """Man-in-the-middle tampering of checkout sessions in transit.

    A share ``protected_share`` of sessions is protected (app with certificate pinning, signed
    payment requests) and cannot be hit; of the others, a share ``share`` is tampered: the
    payee becomes one of the attacker's ``fraud_sellers`` seller accounts and, for a share
    ``amount_share``, the amount is raised by ``amount_factor`` too. The buyer, who never gets
    the goods, disputes ``dispute_days`` after the expected delivery: the platform bears it
    when the attacker's payout has already left. Defaults are assumptions.
    """

    kind: Literal["mitm"]
    share: Probability = 0.001
    protected_share: Probability = 0.9
    amount_share: Probability = 0.5
    amount_factor: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=1.5, p99=5.0)
    )
    fraud_sellers: int = Field(default=5, ge=1, le=10_000)
    dispute_days: Distribution = Field(default_factory=lambda: _days(3.0, 30.0))


class QrSubstitutionSpec(Spec):
    """QR codes of sellers covered by the fraudster's own (stickers, fake payment pages).

    A share ``share`` of the payments made by ``methods`` (the QR-scanned ones) go to one of
    the fraudster's ``fraud_sellers`` seller accounts instead of the seller's. The seller,
    unpaid, ships nothing; the buyer disputes ``dispute_days`` after the expected delivery.
    Defaults are assumptions.
    """

    kind: Literal["qr_substitution"]
    share: Probability = 0.002
    methods: list[Method] = Field(default_factory=lambda: ["wallet", "bank_transfer"], min_length=1)
    fraud_sellers: int = Field(default=3, ge=1, le=10_000)
    dispute_days: Distribution = Field(default_factory=lambda: _days(3.0, 30.0))


class FakeRefundSpec(Spec):
    """Refund and promotion abuse from linked accounts, and refunds redirected elsewhere.

    A share ``share`` of checkouts comes from abusers' accounts, ``accounts_per_device`` of
    them on each device (the shared fingerprint links them). Each order claims a new-account
    promotion of ``promotion_reporting`` (reporting currency, paid by the platform); a share
    ``refund_claim`` then claims a refund ``refund_days`` after capture without returning the
    goods, paid by the platform's buyer protection. A share ``redirect`` of the orders is paid
    with a stolen card and asks for its refund to another account: the card holder's
    chargeback follows ``chargeback_days`` after capture. Defaults are assumptions.
    """

    kind: Literal["fake_refund"]
    share: Probability = 0.001
    accounts_per_device: int = Field(default=8, ge=1, le=10_000)
    promotion_reporting: float = Field(default=5.0, ge=0, le=MAX_AMOUNT)
    refund_claim: Probability = 0.6
    refund_days: Distribution = Field(default_factory=lambda: _days(2.0, 20.0))
    redirect: Probability = 0.2
    chargeback_days: Distribution = Field(default_factory=lambda: _days(14.0, 60.0))


def _positive_weights(weights: dict[str, float]) -> dict[str, float]:
    if not sum(weights.values()) > 0:
        raise ValueError("weights must not all be 0")
    return weights


def _typology_weights(weights: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(weights) - set(RING_TYPOLOGIES))
    if unknown:
        raise ValueError(
            f"unknown typology '{unknown[0]}', expected one of {list(RING_TYPOLOGIES)}"
        )
    return _positive_weights(weights)


class CollusionRingSpec(Spec):
    """Buyer-seller rings placing fake orders among their own accounts.

    ``rings_per_day`` rings start (Poisson); each is one of ``typologies`` (weights) and takes
    its size, span and amount spread from a laundering attempt of that typology in the
    shipped table (``paysim/data/aml_ring_shapes.md``), its members each holding a buyer and
    a seller account (at most ``max_accounts``). Amounts are ``amount_reporting`` times the
    attempt's spread; a share ``structuring`` of rings keeps every amount just under
    ``structure_under_reporting`` instead. A ring's purpose: ``boost_rank`` (fake orders
    that count as sales), ``launder`` (own money through the platform) or ``extract``
    (orders paid with stolen cards, whose chargebacks follow ``chargeback_days`` after
    capture, the payouts gone). Defaults are assumptions.
    """

    kind: Literal["collusion_ring"]
    rings_per_day: float = Field(default=1.0, ge=0, le=10_000)
    typologies: Annotated[
        dict[str, Annotated[float, Field(ge=0, le=1e6)]], AfterValidator(_typology_weights)
    ] = Field(default_factory=lambda: dict.fromkeys(RING_TYPOLOGIES, 1.0))
    max_accounts: int = Field(default=30, ge=2, le=MAX_RING_ACCOUNTS)
    amount_reporting: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", p50=80.0, p99=800.0)
    )
    structuring: Probability = 0.3
    structure_under_reporting: float = Field(default=1000.0, gt=0, le=MAX_AMOUNT)
    purpose: Annotated[
        dict[Literal["boost_rank", "launder", "extract"], Annotated[float, Field(ge=0, le=1e6)]],
        AfterValidator(_positive_weights),
    ] = Field(default_factory=lambda: {"boost_rank": 0.4, "launder": 0.4, "extract": 0.2})
    span_factor: float = Field(default=1.0, gt=0, le=1e3)
    chargeback_days: Distribution = Field(default_factory=lambda: _days(14.0, 60.0))


AttackerSpec = Annotated[
    TakeoverSpec
    | CardTestingSpec
    | MitmSpec
    | QrSubstitutionSpec
    | FakeRefundSpec
    | CollusionRingSpec,
    Field(discriminator="kind"),
]


def _one_attacker_per_kind(attackers: list) -> list:
    """Attackers are addressed by kind, and their shares split one checkout's fate."""
    kinds = [a.kind for a in attackers]
    duplicated = sorted({k for k in kinds if kinds.count(k) > 1})
    if duplicated:
        raise ValueError(f"duplicate kind '{duplicated[0]}': give each attacker kind once")
    total = sum(a.share for a in attackers if isinstance(a, TakeoverSpec))
    if total > 1.0 + 1e-12:
        raise ValueError(f"shares sum to {total:.6g}, must be <= 1")
    return attackers


class ScoreSpec(Spec):
    """The platform's risk score (0 to 1, the model's fraud probability).

    ``ulb_gbm``: log-odds drawn from the shipped distributions of a gradient-boosted model
    trained on real card data (``paysim/data/risk_score_ulb_gbm.md``); ``binormal``: genuine
    log-odds ``N(-9, 2²)``, fraud ones shifted so the ROC AUC is ``auc``.
    """

    model: Literal["ulb_gbm", "binormal"] = "ulb_gbm"
    auc: float = Field(default=0.95, ge=0.5, lt=1.0)


class SignalSpec(Spec):
    """What genuine buyers look like to the platform (assumptions).

    ``device_collision``: buyers whose fingerprint is one of ``popular_devices`` common ones
    (same phone model and browser); ``new_device``: genuine attempts from a device the account
    never used; ``ip_mismatch``: genuine attempts whose IP country differs from the billing
    country (travel, VPN); ``account_age_days``: age of genuine accounts.
    """

    device_collision: Probability = 0.02
    popular_devices: int = Field(default=1000, ge=1, le=10**6)
    new_device: Probability = 0.05
    ip_mismatch: Probability = 0.03
    account_age_days: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=400.0)
    )


class StepUpSpec(Spec):
    """What a challenge (3DS, OTP, biometrics) does.

    ``genuine_abandon``: genuine buyers who give up at the challenge (challenge abandonment
    ~25%, CMSPI and Ravelin [V], parameters.md); ``fraud_pass``: fraudsters who pass it
    (assumption: a challenge stops most fraud, stolen credentials rarely include the OTP);
    ``liability_shift``: a fraud chargeback on an authenticated payment is the issuer's
    (the card schemes' 3-D Secure liability rule), not the platform's.
    """

    genuine_abandon: Probability = 0.25
    fraud_pass: Probability = 0.05
    liability_shift: bool = True


class AmlSpec(Spec):
    """Anti-money-laundering monitoring of captured payments; alerts go to the review team.

    Structuring: an account paying ``structuring_min_payments`` or more amounts within
    ``structuring_band`` under ``threshold_reporting`` (reporting currency) in
    ``lookback_h`` hours. Rapid in-out: a party whose seller account received at least
    ``rapid_min_reporting`` and whose buyer account paid out at least ``rapid_out_share`` of
    it within ``lookback_h`` hours (the platform knows, from KYC, who holds both accounts).
    An account or party raises at most one alert per ``lookback_h``. ``enabled: false`` turns
    the monitoring off. Defaults are assumptions.
    """

    enabled: bool = True
    threshold_reporting: float = Field(default=1000.0, gt=0, le=MAX_AMOUNT)
    structuring_band: float = Field(default=0.1, gt=0, lt=1)
    structuring_min_payments: int = Field(default=2, ge=1, le=1000)
    rapid_min_reporting: float = Field(default=200.0, ge=0, le=MAX_AMOUNT)
    rapid_out_share: float = Field(default=0.5, gt=0, le=10)
    lookback_h: float = Field(default=24.0, gt=0, le=24 * 31)


class FraudSpec(Spec):
    """Attackers (``attackers``, each addressed by its ``kind``), the score and the signals."""

    attackers: Annotated[list[AttackerSpec], AfterValidator(_one_attacker_per_kind)] = Field(
        default_factory=list
    )
    score: ScoreSpec = Field(default_factory=ScoreSpec)
    signals: SignalSpec = Field(default_factory=SignalSpec)
    step_up: StepUpSpec = Field(default_factory=StepUpSpec)
    aml: AmlSpec = Field(default_factory=AmlSpec)


class ReviewSpec(Spec):
    """The manual review team: analysts serving a FIFO queue of held orders.

    ``minutes_per_case``: time to review one case; ``abandon_rate_per_h``: rate at which a
    waiting buyer gives up (exponential patience; 0 = nobody does); ``max_queue``: cases that
    may wait (None: no limit; a case arriving to a full queue is declined).
    ``detect_rate``: frauds the analysts catch; ``false_positive_rate``: genuine orders they
    decline; ``cost_per_hour``: an analyst's cost (reporting currency) for the time spent on
    each case. Defaults are assumptions (merchants review ~29% of orders, and review staff
    take 46% of fraud budgets, Cybersource surveys [V]).
    """

    analysts: int = Field(default=4, ge=1, le=10_000)
    minutes_per_case: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=6.0)
    )
    abandon_rate_per_h: float = Field(default=0.0, ge=0, le=3600)
    max_queue: int | None = Field(default=None, ge=0, le=10**7)
    detect_rate: Probability = 0.9
    false_positive_rate: Probability = 0.02
    cost_per_hour: float = Field(default=30.0, ge=0, le=1e6)


class FraudRiskSpec(RiskSpec):
    """Compliance and risk controls: KYC tiers, the manual review team, false-decline churn."""

    review: ReviewSpec = Field(default_factory=ReviewSpec)
    #: share of falsely declined genuine buyers who stop buying (Javelin: 32% [V])
    false_decline_churn: Probability = 0.32
