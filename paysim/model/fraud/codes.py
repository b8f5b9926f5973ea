"""Decline codes and log categories the fraud model adds (only when it is on)."""

from __future__ import annotations

import numpy as np

from paysim.model.checkout.platform_declines import ALL_DECLINE_CODES, IS_HARD_DECLINE
from paysim.model.fraud.spec import ATTACKER_KINDS

FRAUD_DECLINE_CODES = ("fraud_declined", "step_up_failed", "step_up_abandoned", "review_declined",
                       "review_abandoned")  # fmt: skip
CODES_WITH_FRAUD = (*ALL_DECLINE_CODES, *FRAUD_DECLINE_CODES)
FRAUD_DECLINED, STEP_UP_FAILED, STEP_UP_ABANDONED, REVIEW_DECLINED, REVIEW_ABANDONED = (
    CODES_WITH_FRAUD.index(c) for c in FRAUD_DECLINE_CODES
)
FIRST_FRAUD_CODE = FRAUD_DECLINED
#: the buyer left (outcome ``abandoned``), rather than being declined (``blocked``)
ABANDON_CODES = (STEP_UP_ABANDONED, REVIEW_ABANDONED)
IS_HARD_WITH_FRAUD = np.r_[IS_HARD_DECLINE, np.zeros(len(FRAUD_DECLINE_CODES), dtype=bool)]
FRAUD_KIND_CATEGORIES = ("", *ATTACKER_KINDS)
GENUINE = 0
STOLEN_CARD, ACCOUNT_TAKEOVER, FRIENDLY_FRAUD, CARD_TESTING = range(1, 5)
KIND_CODE = {kind: i + 1 for i, kind in enumerate(ATTACKER_KINDS)}
