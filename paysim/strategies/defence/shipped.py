"""The shipped defences: none, rules, score_threshold, step_up, review, layered."""

from __future__ import annotations

from typing import Any

import numpy as np

from paysim.model.fraud.signals import DefenceContext, DefenceFeedback, DefenceView
from paysim.strategies.defence.base import APPROVE, DECLINE, DEFENCES, REVIEW, STEP_UP, BaseDefence
from paysim.strategies.params import param_error

_ACTIONS = {"decline": DECLINE, "step_up": STEP_UP, "review": REVIEW}
_BAND_ACTION = np.array([APPROVE, STEP_UP, REVIEW, DECLINE], dtype=np.int8)


def _threshold(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and 0.0 <= float(value) <= 1.0):
        raise param_error(name, "must be a number from 0 to 1", value)


@DEFENCES.register("none")
class NoDefence(BaseDefence):
    """Approve everything (the baseline: every fraud attempt reaches the channels)."""

    def __init__(self) -> None:
        pass

    def decide(self, view: DefenceView) -> np.ndarray:  # noqa: D102
        return np.zeros(len(view), dtype=np.int8)


@DEFENCES.register("rules")
class RulesDefence(BaseDefence):
    """Velocity, amount, new-account, KYC-tier and block-list rules; a hit gets ``action``.

    Args:
        max_amount: largest amount (reporting currency) approved without a hit.
        max_amount_new_device: largest amount from a device the account never used.
        min_account_age_days: accounts younger than this are hits above ``young_max_amount``.
        young_max_amount: largest amount a young account may pay.
        max_card_per_h: most attempts per card in the last hour.
        max_device_per_h: most attempts per device in the last hour.
        max_account_per_h: most attempts per account in the last hour.
        kyc_max_amount: per KYC tier (``none``, ``basic``, ``full``), the largest amount.
        block_devices: device fingerprints always hit; ``learn_blocks`` adds fraud labels'.
        block_cards: card fingerprints always hit; ``learn_blocks`` adds fraud labels'.
        learn_blocks: add the device and card of every fraud label to the block lists.
        action: what a hit gets: ``decline``, ``step_up`` or ``review``.

    """

    learns_from_labels = True

    def __init__(
        self,
        max_amount: float | None = None,
        max_amount_new_device: float | None = None,
        min_account_age_days: float = 0.0,
        young_max_amount: float | None = None,
        max_card_per_h: float | None = 5.0,
        max_device_per_h: float | None = 10.0,
        max_account_per_h: float | None = None,
        kyc_max_amount: dict[str, float] | None = None,
        block_devices: list[int] | None = None,
        block_cards: list[int] | None = None,
        learn_blocks: bool = True,
        action: str = "decline",
    ) -> None:
        self.max_amount = max_amount
        self.max_amount_new_device = max_amount_new_device
        self.min_account_age_days = min_account_age_days
        self.young_max_amount = young_max_amount
        self.max_card_per_h = max_card_per_h
        self.max_device_per_h = max_device_per_h
        self.max_account_per_h = max_account_per_h
        self.kyc_max_amount = kyc_max_amount
        self.block_devices = block_devices
        self.block_cards = block_cards
        self.learn_blocks = learn_blocks
        self.action = action
        if action not in _ACTIONS:
            raise param_error("action", f"must be one of {', '.join(_ACTIONS)}", action)
        for name in ("max_amount", "max_amount_new_device", "young_max_amount",
                     "max_card_per_h", "max_device_per_h", "max_account_per_h"):  # fmt: skip
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value >= 0):
                raise param_error(name, "must be a number >= 0 or null", value)

    def bind(self, context: DefenceContext) -> None:  # noqa: D102
        super().bind(context)
        limits = dict(self.kyc_max_amount or {})
        unknown = sorted(set(limits) - set(context.kyc_tiers))
        if unknown:
            raise param_error("kyc_max_amount", f"unknown KYC tier (expected one of "
                              f"{', '.join(context.kyc_tiers)})", unknown[0])  # fmt: skip
        self._kyc_limit = np.array([float(limits.get(t, np.inf)) for t in context.kyc_tiers])
        self._devices = np.unique(np.asarray(self.block_devices or [], dtype=np.int64))
        self._cards = np.unique(np.asarray(self.block_cards or [], dtype=np.int64))

    def hits(self, view: DefenceView) -> np.ndarray:
        """Whether any rule fires on each attempt."""
        amount = view.amount_reporting
        hit = amount > self._kyc_limit[view.kyc_tier]
        checks: list[tuple[Any, np.ndarray]] = [
            (self.max_amount, amount),
            (self.max_card_per_h, view.velocity_card_1h),
            (self.max_device_per_h, view.velocity_device_1h),
            (self.max_account_per_h, view.velocity_account_1h),
        ]
        for limit, value in checks:
            if limit is not None:
                hit |= value > limit
        if self.max_amount_new_device is not None:
            hit |= view.new_device & (amount > self.max_amount_new_device)
        if self.young_max_amount is not None:
            young = view.account_age_days < self.min_account_age_days
            hit |= young & (amount > self.young_max_amount)
        hit |= _listed(view.device_id, self._devices)
        hit |= _listed(view.card_id, self._cards)
        return hit

    def decide(self, view: DefenceView) -> np.ndarray:  # noqa: D102
        return np.where(self.hits(view), _ACTIONS[self.action], APPROVE).astype(np.int8)

    def observe(self, feedback: DefenceFeedback) -> None:  # noqa: D102
        if self.learn_blocks:
            fraud = feedback.is_fraud
            self._devices = np.union1d(self._devices, feedback.device_id[fraud])
            self._cards = np.union1d(self._cards, feedback.card_id[fraud])


def _listed(ids: np.ndarray, block_list: np.ndarray) -> np.ndarray:
    """Whether each id is on a sorted block list."""
    if not block_list.size:
        return np.zeros(ids.shape, dtype=bool)
    at = np.minimum(np.searchsorted(block_list, ids), block_list.size - 1)
    return block_list[at] == ids


@DEFENCES.register("score_threshold")
class ScoreThresholdDefence(BaseDefence):
    """Decline attempts whose risk score is at least ``threshold``."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        _threshold("threshold", threshold)

    def decide(self, view: DefenceView) -> np.ndarray:  # noqa: D102
        return np.where(view.risk_score >= self.threshold, DECLINE, APPROVE).astype(np.int8)


@DEFENCES.register("step_up")
class StepUpDefence(BaseDefence):
    """Challenge (3DS, OTP) attempts whose risk score is at least ``threshold``."""

    def __init__(self, threshold: float = 0.05) -> None:
        self.threshold = threshold
        _threshold("threshold", threshold)

    def decide(self, view: DefenceView) -> np.ndarray:  # noqa: D102
        return np.where(view.risk_score >= self.threshold, STEP_UP, APPROVE).astype(np.int8)


@DEFENCES.register("review")
class ReviewDefence(BaseDefence):
    """Hold attempts whose risk score is at least ``threshold`` for the manual review team."""

    def __init__(self, threshold: float = 0.2) -> None:
        self.threshold = threshold
        _threshold("threshold", threshold)

    def decide(self, view: DefenceView) -> np.ndarray:  # noqa: D102
        return np.where(view.risk_score >= self.threshold, REVIEW, APPROVE).astype(np.int8)


@DEFENCES.register("layered")
class LayeredDefence(BaseDefence):
    """Bands on the score (approve, step-up, review, decline), rules escalating to review.

    Args:
        step_up_at: score from which the buyer is challenged.
        review_at: score from which the order is held for review.
        decline_at: score from which it is declined.
        rules: parameters of a ``rules`` defence; a hit is held for review (at least).

    """

    learns_from_labels = True

    def __init__(
        self,
        step_up_at: float = 0.05,
        review_at: float = 0.5,
        decline_at: float = 0.95,
        rules: dict[str, Any] | None = None,
    ) -> None:
        self.step_up_at = step_up_at
        self.review_at = review_at
        self.decline_at = decline_at
        self.rules = rules
        for name in ("step_up_at", "review_at", "decline_at"):
            _threshold(name, getattr(self, name))
        if not step_up_at <= review_at <= decline_at:
            raise param_error(
                "step_up_at", "bands must rise: step_up_at <= review_at <= decline_at", step_up_at
            )
        self._rules = RulesDefence(**(rules or {}))

    def bind(self, context: DefenceContext) -> None:  # noqa: D102
        super().bind(context)
        self._rules.bind(context)

    def decide(self, view: DefenceView) -> np.ndarray:  # noqa: D102
        score = view.risk_score
        # the band is how many thresholds the score reaches (they rise); a rule hit moves an
        # approve or step-up band to review
        band = (score >= self.step_up_at).astype(np.int8)
        band += score >= self.review_at
        band += score >= self.decline_at
        band[(band < 2) & self._rules.hits(view)] = 2
        return _BAND_ACTION[band]

    def observe(self, feedback: DefenceFeedback) -> None:  # noqa: D102
        self._rules.observe(feedback)
