"""Buyers who stop buying after a false decline (``risk.false_decline_churn``).

A genuine buyer whom the defence declines (a false decline) leaves the platform for good with
probability ``false_decline_churn`` (Javelin: 32% of falsely declined buyers stop shopping
there). Whether a buyer is one who leaves is looked up by buyer id in a keyed stream, so every
experiment arm loses the same buyers to the same declines (common random numbers). A churned
buyer places no more orders: the checkouts opened after the window of the decline are not
placed (``lost_orders``).
"""

from __future__ import annotations

import numpy as np

from paysim.engine.streams import KeyedUniforms


class BuyerChurn:
    """The buyers lost to false declines so far, and the orders they did not place."""

    def __init__(self, share: float, luck: KeyedUniforms) -> None:
        self.share = share
        self.luck = luck
        self.churned = np.zeros(0, dtype=np.int64)  # sorted buyer ids
        self.lost_orders = 0

    @property
    def n_churned(self) -> int:
        """Buyers who stopped buying."""
        return int(self.churned.size)

    def declined(self, buyer_id: np.ndarray) -> None:
        """Genuine buyers falsely declined now: the share who leave are gone from now on."""
        if not buyer_id.size or self.share <= 0:
            return
        buyers = np.unique(buyer_id)
        leaving = buyers[self.luck.uniforms(buyers, 1)[:, 0] < self.share]
        if leaving.size:
            self.churned = np.union1d(self.churned, leaving)

    def placing(self, buyer_id: np.ndarray) -> np.ndarray | None:
        """Which new orders are placed (None: all); counts the others as lost."""
        if not self.churned.size or not buyer_id.size:
            return None
        at = np.minimum(np.searchsorted(self.churned, buyer_id), self.churned.size - 1)
        gone = self.churned[at] == buyer_id
        if not gone.any():
            return None
        self.lost_orders += int(gone.sum())
        return ~gone
