"""Money: ISO 4217 minor units, fixed FX rates from the ECB file, the double-entry ledger."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from paysim.errors import ScenarioError
from paysim.model.fx.rates import FixedRates
from paysim.model.money.currency import is_currency, minor_exponent, to_major, to_minor
from paysim.model.money.ledger import Account, Ledger
from paysim.model.spec import FxSpec

ECB_DAY = dt.date(2026, 10, 30)  # the last fixing in the shipped history


@pytest.mark.parametrize(
    ("code", "exponent"), [("JPY", 0), ("USD", 2), ("KWD", 3), ("IDR", 2), ("VND", 0), ("CLF", 4)]
)
def test_minor_exponents_follow_iso_4217(code: str, exponent: int) -> None:
    assert minor_exponent(code) == exponent


def test_unknown_currency_is_not_a_currency() -> None:
    assert not is_currency("XYZ")
    assert is_currency("EUR")
    with pytest.raises(KeyError):
        minor_exponent("XYZ")


@pytest.mark.parametrize(
    ("major", "code", "minor"),
    [(19.99, "USD", 1999), (1250.0, "JPY", 1250), (0.125, "KWD", 125), (150000.0, "IDR", 15000000)],
)
def test_to_minor_and_back(major: float, code: str, minor: int) -> None:
    assert to_minor(major, code) == minor
    assert to_minor(major, code).dtype == np.int64
    assert to_major(minor, code) == pytest.approx(major, rel=1e-15)


def test_to_minor_rounds_half_to_even() -> None:
    np.testing.assert_array_equal(to_minor([0.5, 1.5, 2.5, -0.5], "JPY"), [0, 2, 2, 0])


@pytest.fixture(scope="module")
def rates() -> FixedRates:
    # the ECB publishes no KWD rate: it comes in as a stated assumption, like VND
    spec = FxSpec(as_of=ECB_DAY, assumed_per_usd={"KWD": 0.307})
    return FixedRates.from_spec(spec, ["EUR", "USD", "JPY", "CNY", "KWD"])


def test_eur_usd_is_the_ecb_fixing(rates: FixedRates) -> None:
    assert rates.rate("EUR", "USD") == pytest.approx(1.1172, rel=1e-12)
    assert rates.rate("USD", "KWD") == pytest.approx(0.307, rel=1e-12)


def test_cross_rates_go_via_eur(rates: FixedRates) -> None:
    usd_jpy = rates.rate("USD", "JPY")
    assert usd_jpy == pytest.approx(rates.rate("EUR", "JPY") / rates.rate("EUR", "USD"))
    assert rates.rate("JPY", "USD") == pytest.approx(1 / usd_jpy)
    triangle = rates.rate("CNY", "USD") * rates.rate("USD", "JPY")
    assert triangle == pytest.approx(rates.rate("CNY", "JPY"), rel=1e-12)
    assert rates.rate("USD", "USD") == 1.0


def test_convert_minor_scales_by_both_exponents(rates: FixedRates) -> None:
    usd, jpy, kwd = (rates.index[c] for c in ("USD", "JPY", "KWD"))
    ten_dollars = np.array([1000])  # USD cents
    yen = rates.convert_minor(ten_dollars, np.array([usd]), jpy)
    assert yen[0] == round(10 * rates.rate("USD", "JPY"))
    fils = rates.convert_minor(ten_dollars, np.array([usd]), kwd)
    assert fils[0] == round(10 * rates.rate("USD", "KWD") * 1000)
    assert rates.to_major(ten_dollars, usd, jpy)[0] == pytest.approx(10 * rates.rate("USD", "JPY"))


def test_vnd_needs_an_assumed_rate() -> None:
    with pytest.raises(ScenarioError) as caught:
        FixedRates.from_spec(FxSpec(), ["USD", "VND"])
    assert caught.value.problems[0].startswith("fx.assumed_per_usd.VND: ")

    rates = FixedRates.from_spec(FxSpec(assumed_per_usd={"VND": 25_000.0}), ["USD", "VND", "EUR"])
    assert rates.rate("USD", "VND") == pytest.approx(25_000.0)
    assert rates.rate("EUR", "VND") == pytest.approx(25_000.0 * rates.rate("EUR", "USD"))


def test_fx_date_before_the_first_fixing_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"^fx\.as_of: "):
        FixedRates.from_spec(FxSpec(as_of=dt.date(1990, 1, 1)), ["USD"])


CURRENCIES = ("CNY", "IDR", "USD")


def test_postings_keep_every_currency_balanced() -> None:
    ledger = Ledger(CURRENCIES)
    rng = np.random.default_rng(1)
    currency = rng.integers(0, 3, 1000)
    amount = rng.integers(0, 10**9, 1000)
    ledger.post(Account.CHANNEL_RECEIVABLE, Account.FX_POSITION, currency, amount)
    ledger.post(Account.FX_POSITION, Account.ESCROW, 0, 12345)
    ledger.post(Account.CHANNEL_FEES, Account.CHANNEL_RECEIVABLE, currency, amount // 50)

    np.testing.assert_array_equal(ledger.imbalance(), [0, 0, 0])

    def per_currency(values: np.ndarray) -> list[int]:
        return [int(values[currency == c].sum()) for c in range(3)]

    fees = amount // 50
    assert list(ledger.balance(Account.CHANNEL_RECEIVABLE)) == per_currency(amount - fees)
    assert list(ledger.balance(Account.CHANNEL_FEES)) == per_currency(fees)
    assert list(ledger.balance(Account.ESCROW)) == [-12345, 0, 0]
    assert ledger.n_postings == 2001


def test_totals_above_2_pow_53_are_exact_to_the_cent() -> None:
    # float64 cannot hold 2**53 + 1: a float sum of these amounts would lose the odd cents
    big = 2**53
    amount = np.array([big, 1, 1, 1], dtype=np.int64)
    assert float(big) + 1.0 == float(big)  # what float arithmetic would do

    per_array = Ledger(CURRENCIES)
    per_array.post(Account.ESCROW, Account.FX_POSITION, np.array([2, 2, 2, 2]), amount)
    per_scalar = Ledger(CURRENCIES)
    per_scalar.post(Account.ESCROW, Account.FX_POSITION, 2, amount)

    for ledger in (per_array, per_scalar):
        assert int(ledger.balance(Account.ESCROW)[2]) == big + 3
        assert int(ledger.balance(Account.FX_POSITION)[2]) == -(big + 3)
        np.testing.assert_array_equal(ledger.imbalance(), [0, 0, 0])


def test_many_small_amounts_sum_exactly() -> None:
    amount = np.full(100_000, 10**11 + 1, dtype=np.int64)  # 1e16 in all, beyond 2**53
    ledger = Ledger(CURRENCIES)
    ledger.post(Account.ESCROW, Account.FX_POSITION, np.zeros(amount.size, dtype=np.intp), amount)
    assert int(ledger.balance(Account.ESCROW)[0]) == 100_000 * (10**11 + 1)


def test_negative_amounts_are_refused() -> None:
    ledger = Ledger(CURRENCIES)
    with pytest.raises(ValueError, match="non-negative"):
        ledger.post(Account.ESCROW, Account.FX_POSITION, np.array([0, 1]), np.array([5, -1]))
    np.testing.assert_array_equal(ledger.balances, 0)


def test_empty_posting_changes_nothing() -> None:
    ledger = Ledger(CURRENCIES)
    ledger.post(Account.ESCROW, Account.FX_POSITION, np.array([], dtype=np.intp), np.array([]))
    assert ledger.n_postings == 0
    np.testing.assert_array_equal(ledger.balances, 0)
