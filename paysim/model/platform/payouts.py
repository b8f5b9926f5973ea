"""The seller subledger: what each seller is owed and owes, settled by the daily payout run.

The general ledger holds one ``SELLER_PAYABLE`` and one ``SELLER_RECEIVABLE`` per currency; this
subledger splits them by seller, so a seller's refunds and chargebacks after release are
recovered from *that* seller's later payouts, and a fee per payout can be charged. Amounts
are queued with the hour slot in which the ledger books them, in one columnar buffer, never
per order; a payout run settles everything the ledger has booked by then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paysim.model.money.ledger import exact_sums


@dataclass(frozen=True)
class PayoutResult:
    """One payout run, per seller (minor units of each seller's currency)."""

    paid: np.ndarray  # transferred to the seller
    recovered: np.ndarray  # netted against what the seller owed


class SellerSubledger:
    """Per-seller payables and receivables, queued by booking slot and netted at each run.

    A queued row is 16 bytes: the slot (int32), the seller (int32) and a signed amount
    (positive: the seller is owed it; negative: the seller owes it).
    """

    def __init__(self, seller_currency: np.ndarray) -> None:
        self.seller_currency = np.asarray(seller_currency, dtype=np.intp)
        self.n_sellers = len(self.seller_currency)
        self.receivable = np.zeros(self.n_sellers, dtype=np.int64)
        self._queued: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._slot = np.empty(0, dtype=np.int32)
        self._seller = np.empty(0, dtype=np.int32)
        self._amount = np.empty(0, dtype=np.int64)

    def queue(
        self, slot: np.ndarray, seller: np.ndarray, payable: np.ndarray, owed: np.ndarray
    ) -> None:
        """Queue amounts a seller is owed (``payable``) or owes (``owed``), booked in ``slot``."""
        for amount in (payable, -owed):
            keep = amount != 0
            if keep.any():
                self._queued.append(
                    (slot[keep].astype(np.int32), seller[keep].astype(np.int32), amount[keep])
                )

    def settle(self, booked_before_slot: int) -> PayoutResult:
        """Net each seller's amounts booked before ``booked_before_slot`` against their debts."""
        self._merge()
        due = self._slot < booked_before_slot
        seller, amount = self._seller[due], self._amount[due]
        credit = amount > 0
        payable = exact_sums(seller[credit], amount[credit], self.n_sellers)
        self.receivable -= exact_sums(seller[~credit], amount[~credit], self.n_sellers)
        rest = ~due
        self._slot, self._seller = self._slot[rest], self._seller[rest]
        self._amount = self._amount[rest]
        recovered = np.minimum(payable, self.receivable)
        self.receivable -= recovered
        return PayoutResult(paid=payable - recovered, recovered=recovered)

    def _merge(self) -> None:
        if not self._queued:
            return
        parts = [(self._slot, self._seller, self._amount), *self._queued]
        self._slot, self._seller, self._amount = (
            np.concatenate([p[i] for p in parts]) for i in range(3)
        )
        self._queued = []
