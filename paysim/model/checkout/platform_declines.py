"""Decline codes of the platform's own checkout controls, numbered after the channels' codes."""

from __future__ import annotations

import numpy as np

from paysim.model.channels.declines import DECLINE_CODES, IS_SOFT_DECLINE

# declines by the platform's own controls, after the channels' codes; ``unsupported_card``:
# no channel serving the buyer's market accepts the card's network (the buyer must switch)
PLATFORM_DECLINE_CODES = ("kyc_limit", "personal_limit", "unsupported_card")
ALL_DECLINE_CODES = (*DECLINE_CODES, *PLATFORM_DECLINE_CODES)
KYC_LIMIT, PERSONAL_LIMIT, UNSUPPORTED_CARD = (
    ALL_DECLINE_CODES.index(c) for c in PLATFORM_DECLINE_CODES
)
# a hard decline (stolen card, invalid account...) cannot be retried with the same method
IS_HARD_DECLINE = np.r_[~IS_SOFT_DECLINE, np.zeros(len(PLATFORM_DECLINE_CODES), dtype=bool)]
