"""A double-entry ledger in integer minor units, one column per ISO 4217 currency.

Every posting debits one account and credits another by the same amount in the same
currency, so the balances of each currency sum to exactly zero at all times. Postings are
vectorised: one call books a whole window's payments. Balances are debit-positive.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

import numpy as np


class Account(IntEnum):
    """The platform's accounts (each exists once per currency)."""

    CHANNEL_RECEIVABLE = 0  # asset: captured by channels, not yet settled to the platform
    FX_POSITION = 1  # the platform's open currency position from quotes and conversions
    ESCROW = 2  # liability: buyers' money held until delivery is confirmed
    SELLER_PAYABLE = 3  # liability: released to sellers, awaiting the next payout run
    PLATFORM_CASH = 4  # asset: the platform's bank balances
    TAKE_REVENUE = 5  # income: the platform's take rate on released orders
    CHANNEL_FEES = 6  # expense: fees charged by payment channels
    PAYOUT_FEES = 7  # expense: fees of seller payouts
    CHANNEL_RESERVE = 8  # asset: rolling reserve a channel withholds from its settlements
    SELLER_RECEIVABLE = 9  # asset: refunds and chargebacks sellers owe after release
    INFLUENCER_PAYABLE = 10  # liability: commissions earned, awaiting the next payout run
    INFLUENCER_COMMISSION = 11  # expense: commissions the platform pays (when it pays them)
    DISPUTE_FEES = 12  # expense: channels' fees per chargeback
    CHARGEBACK_LOSSES = 13  # expense: chargebacks the platform bears (not passed to sellers)
    FRAUD_LOSSES = 14  # expense: paid to fraudsters out of cash (redirected refunds, promotions)


# Accounts whose balance must never change sign: credit-side liabilities (balance <= 0) and
# debit-side holdings (balance >= 0). Checked at every window end by the platform.
LIABILITIES = (Account.ESCROW, Account.SELLER_PAYABLE, Account.INFLUENCER_PAYABLE)
HOLDINGS = (Account.CHANNEL_RESERVE, Account.SELLER_RECEIVABLE)


class Ledger:
    """Balances ``[account, currency]`` in int64 minor units, with vectorised postings."""

    def __init__(self, currencies: Sequence[str]) -> None:
        self.currencies = tuple(currencies)
        self.balances = np.zeros((len(Account), len(self.currencies)), dtype=np.int64)
        self.n_postings = 0

    def post(
        self,
        debit: Account,
        credit: Account,
        currency: np.ndarray | int,
        amount_minor: np.ndarray | int,
    ) -> None:
        """Debit ``debit`` and credit ``credit`` by each amount in its currency."""
        amount = np.asarray(amount_minor, dtype=np.int64)
        if amount.size == 0:
            return
        if amount.min() < 0:
            raise ValueError("ledger postings take non-negative amounts; swap debit and credit")
        totals = per_currency(currency, amount, len(self.currencies))
        self.balances[debit] += totals
        self.balances[credit] -= totals
        self.n_postings += amount.size

    def post_signed(
        self,
        debit: Account,
        credit: Account,
        currency: np.ndarray | int,
        amount_minor: np.ndarray | int,
    ) -> None:
        """Like ``post``, but a negative amount moves money the other way."""
        amount = np.asarray(amount_minor, dtype=np.int64)
        currency = np.broadcast_to(currency, amount.shape)
        forward = amount >= 0
        self.post(debit, credit, currency[forward], amount[forward])
        self.post(credit, debit, currency[~forward], -amount[~forward])

    def balance(self, account: Account) -> np.ndarray:
        """Balance of one account in each currency (debit-positive minor units)."""
        return self.balances[account].copy()

    def imbalance(self) -> np.ndarray:
        """Sum of all balances per currency: zero when the books are consistent."""
        return self.balances.sum(axis=0)


EXACT_FLOAT = 2**53


def per_currency(currency: np.ndarray | int, amount: np.ndarray, n_currencies: int) -> np.ndarray:
    """Exact int64 totals of ``amount`` per currency index."""
    if np.ndim(currency) == 0:
        totals = np.zeros(n_currencies, dtype=np.int64)
        totals[int(currency)] = amount.sum()
        return totals
    return exact_sums(np.asarray(currency), amount, n_currencies)


def exact_sums(index: np.ndarray, amount: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of integer ``amount`` per ``index`` in ``[0, n)`` (signs allowed)."""
    if amount.size and int(np.abs(amount).max()) * amount.size < EXACT_FLOAT:
        # float64 sums of integers below 2**53 are exact, and bincount is far faster than add.at
        return np.rint(np.bincount(index, weights=amount, minlength=n)).astype(np.int64)
    totals = np.zeros(n, dtype=np.int64)
    np.add.at(totals, index, amount)
    return totals
