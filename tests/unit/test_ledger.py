"""The double-entry ledger: balanced postings, exact integer sums, sign conventions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from paysim.model.money.ledger import HOLDINGS, LIABILITIES, Account, Ledger, per_currency


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Account)),
            st.sampled_from(list(Account)),
            st.integers(0, 2),
            st.integers(0, 10**15),
        ),
        max_size=40,
    )
)
def test_every_posting_keeps_each_currency_at_zero(postings):
    ledger = Ledger(("CNY", "IDR", "USD"))
    for debit, credit, currency, amount in postings:
        ledger.post(debit, credit, currency, amount)
        assert not ledger.imbalance().any()


def test_vectorised_postings_sum_exactly_beyond_float_precision():
    big = np.array([2**53 - 1, 3, 2**52], dtype=np.int64)
    currency = np.array([0, 0, 1])
    totals = per_currency(currency, big, 2)
    assert totals.tolist() == [2**53 + 2, 2**52]
    ledger = Ledger(("IDR", "VND"))
    ledger.post(Account.CHANNEL_RECEIVABLE, Account.ESCROW, currency, big)
    assert ledger.balance(Account.ESCROW).tolist() == [-(2**53 + 2), -(2**52)]


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        Ledger(("USD",)).post(Account.ESCROW, Account.PLATFORM_CASH, 0, np.array([5, -1]))


def test_liabilities_and_holdings_are_disjoint_accounts():
    assert not set(LIABILITIES) & set(HOLDINGS)
    assert Account.ESCROW in LIABILITIES and Account.SELLER_RECEIVABLE in HOLDINGS
    assert [a.value for a in Account] == list(range(len(Account)))  # dense indices
