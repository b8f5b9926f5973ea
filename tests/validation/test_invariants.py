"""Invariants that hold for every seed and every world: money is conserved, counts add up.

Hypothesis perturbs the quickstart (demand, funnel, retries, channel success and outages,
batch window, take rate, payout fee, fast escrow release so payouts happen inside short runs)
and checks each run's KPIs against its own payments log and ledger.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paysim
from tests.conftest import QUICKSTART
from tests.invariants import check_all

EXAMPLES = 12


def _share(low: float = 0.0, high: float = 1.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


KYC_MIXES = [{"full": 1.0}, {"none": 1.0}, {"none": 0.3, "basic": 0.3, "full": 0.4}]


def _limit() -> st.SearchStrategy[float | None]:
    """A KYC limit of the unverified tier in USD, or none (basic and full have none)."""
    return st.one_of(st.none(), _share(5.0, 200.0))


@st.composite
def perturbations(draw: st.DrawFn) -> dict[str, Any]:
    """Overrides of the quickstart, each within what its schema allows."""
    return {
        "demand.orders_per_day": draw(_share(200.0, 4000.0)),
        "checkout.abandonment": {
            step: draw(_share(0.0, 0.5)) for step in ("choose_method", "enter_details", "confirm")
        },
        "checkout.retry.probability": draw(_share()),
        "checkout.retry.max_attempts": draw(st.integers(1, 10)),
        "checkout.retry.switch_method": draw(_share()),
        "channels.card_sg.success.base": draw(_share()),
        "channels.card_sg.success.cross_border_factor": draw(_share(0.01, 1.0)),
        "channels.wallet_local.success.base": draw(_share()),
        "channels.wallet_local.outages": {
            "mtbf_h": draw(_share(0.2, 5000.0)),
            "mttr_min": draw(_share(1.0, 600.0)),
        },
        "channels.bank_local.settlement_days": draw(st.sampled_from([0.0, 0.05, 1.0])),
        "engine.batch_s": draw(st.sampled_from([10.0, 60.0, 120.5, 900.0, 3600.0])),
        "platform.take_rate_percent": draw(_share(0.0, 30.0)),
        "platform.payout.fee_percent": draw(_share(0.0, 5.0)),
        # delivered and released within hours, so the 02:00 payout run has sellers to pay
        "platform.delivery_days": {"dist": "constant", "value": draw(_share(0.0, 0.1))},
        "platform.auto_release_days": draw(st.sampled_from([0.0, 7.0])),
        # currencies of other exponents move through conversions, fees and settlement
        "reporting_currency": draw(st.sampled_from(["USD", "EUR", "JPY", "CNY"])),
        "channels.wallet_local.currency": draw(st.sampled_from(["USD", "SGD", "JPY", "CNY"])),
        "markets.CN.currency": draw(st.sampled_from(["CNY", "JPY", "KRW"])),
        # the platform's own controls and the buyers' shortcuts
        "markets.ID.kyc_mix": draw(st.sampled_from(KYC_MIXES)),
        "markets.ID.buyers": draw(st.sampled_from([300, 200_000])),  # few: daily limits bite
        "risk.kyc.none": {"per_payment": draw(_limit()), "daily": draw(_limit())},
        "checkout.one_click_share": draw(_share()),
        "checkout.password_free_share": draw(_share()),
        "checkout.default_method_share": draw(_share()),
        "checkout.personal_limit.share": draw(_share()),
        "checkout.patience_s": {"dist": "exponential", "mean": draw(_share(0.5, 600.0))},
    }


SEEDS = st.integers(0, 2**32 - 1)
DAYS = _share(0.05, 0.3)


@settings(max_examples=EXAMPLES)
@given(seed=SEEDS, days=DAYS)
def test_invariants_over_seeds(seed: int, days: float) -> None:
    check_all(paysim.simulate(QUICKSTART, seed=seed, days=days))


@settings(max_examples=EXAMPLES)
@given(seed=SEEDS, days=DAYS, overrides=perturbations())
def test_invariants_over_perturbed_worlds(seed: int, days: float, overrides) -> None:
    check_all(paysim.simulate(QUICKSTART, seed=seed, days=days, overrides=overrides))


@pytest.mark.parametrize(
    "overrides",
    [
        {"channels.card_sg.success.base": 0.0, "channels.wallet_local.success.base": 0.0},
        {"checkout.retry.probability": 1.0, "checkout.retry.max_attempts": 10},
        {"checkout.abandonment": {"choose_method": 1.0}},
        {"channels.wallet_local.outages": {"mtbf_h": 0.2, "mttr_min": 600.0}},
    ],
    ids=["all-declined", "always-retry", "everyone-leaves", "wallet-mostly-down"],
)
def test_invariants_at_the_edges(overrides: dict[str, Any]) -> None:
    check_all(paysim.simulate(QUICKSTART, seed=3, days=0.2, overrides=overrides))


def test_payouts_and_releases_happen_inside_a_short_run() -> None:
    # guards the perturbations above: with fast release the ledger paths really are exercised
    overrides = {
        "platform.delivery_days": {"dist": "constant", "value": 0.01},
        "platform.auto_release_days": 0.0,
        "channels.bank_local.settlement_days": 0.0,
    }
    result = paysim.simulate(QUICKSTART, seed=1, days=0.2, overrides=overrides)
    ledger = result.ledger
    assert (ledger.loc["take_revenue"] < 0).any(), "escrow released to take revenue"
    assert (ledger.loc["platform_cash"] != 0).any(), "settlements and payouts moved cash"
    assert (ledger.loc["payout_fees"] > 0).any(), "the 02:00 payout run paid sellers"
    check_all(result)
