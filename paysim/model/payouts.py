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

from paysim.model.ledger import EXACT_FLOAT


@dataclass(frozen=True)
class PayoutResult:
    """One payout run, per seller (minor units of each seller's currency)."""

    paid: np.ndarray  # transferred to the seller
    recovered: np.ndarray  # netted against what the seller owed


class SellerSubledger:
    """Per-seller payables and receivables, queued by payout run and netted at each run."""

    def __init__(self, seller_currency: np.ndarray) -> None:
        self.seller_currency = np.asarray(seller_currency, dtype=np.intp)
        self.n_sellers = len(self.seller_currency)
        self.receivable = np.zeros(self.n_sellers, dtype=np.int64)
        self._queued: list[tuple[np.ndarray, ...]] = []
        self._run = np.empty(0, dtype=np.int64)
        self._seller = np.empty(0, dtype=np.int64)
        self._payable = np.empty(0, dtype=np.int64)
        self._owed = np.empty(0, dtype=np.int64)

    def queue(
        self, slot: np.ndarray, seller: np.ndarray, payable: np.ndarray, owed: np.ndarray
    ) -> None:
        """Queue amounts a seller is owed (``payable``) or owes (``owed``), booked in ``slot``."""
        keep = (payable != 0) | (owed != 0)
        if keep.any():
            self._queued.append((slot[keep], seller[keep], payable[keep], owed[keep]))

    def settle(self, booked_before_slot: int) -> PayoutResult:
        """Net each seller's amounts booked before ``booked_before_slot`` against their debts."""
        self._merge()
        due = self._run < booked_before_slot
        seller = self._seller[due]
        payable = _sum_by(seller, self._payable[due], self.n_sellers)
        self.receivable += _sum_by(seller, self._owed[due], self.n_sellers)
        rest = ~due
        self._run, self._seller = self._run[rest], self._seller[rest]
        self._payable, self._owed = self._payable[rest], self._owed[rest]
        recovered = np.minimum(payable, self.receivable)
        self.receivable -= recovered
        return PayoutResult(paid=payable - recovered, recovered=recovered)

    def queued_payable(self) -> int:
        """Total of queued payables (all currencies mixed; for tests)."""
        self._merge()
        return int(self._payable.sum())

    def _merge(self) -> None:
        if not self._queued:
            return
        parts = [(self._run, self._seller, self._payable, self._owed), *self._queued]
        self._run, self._seller, self._payable, self._owed = (
            np.concatenate([p[i] for p in parts]) for i in range(4)
        )
        self._queued = []


def _sum_by(index: np.ndarray, amount: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of ``amount`` per ``index`` in ``[0, n)``."""
    if amount.size and int(np.abs(amount).max()) * amount.size < EXACT_FLOAT:
        return np.rint(np.bincount(index, weights=amount, minlength=n)).astype(np.int64)
    totals = np.zeros(n, dtype=np.int64)
    np.add.at(totals, index, amount)
    return totals
