"""Timeouts: status checks complete orders late; blind retries charge some buyers twice."""

import numpy as np
import pytest

import paysim
from paysim.model.fx.rates import FixedRates
from tests.invariants import check_all

QUICKSTART = "scenarios/quickstart.yaml"
SHORT_TIMEOUTS = {
    "channels.card_sg.timeout_ms": 600.0,  # p50 latency 450 ms: many timeouts
    "channels.wallet_local.timeout_ms": 500.0,
    "checkout.retry.probability": 1.0,
    "checkout.patience_s": {"dist": "constant", "value": 3600.0},
}


def _run(policy: str, seed: int = 3) -> paysim.RunResult:
    overrides = {**SHORT_TIMEOUTS, "checkout.timeouts.policy": policy}
    return paysim.simulate(QUICKSTART, seed=seed, days=0.5, overrides=overrides)


@pytest.fixture(scope="module")
def waiting() -> paysim.RunResult:
    return _run("wait_for_status")


@pytest.fixture(scope="module")
def blind() -> paysim.RunResult:
    return _run("blind_retry")


def test_the_runs_pass_every_invariant(waiting, blind):
    check_all(waiting)
    check_all(blind)


def test_waiting_for_the_status_check_never_charges_twice(waiting):
    payments = waiting.payments
    assert waiting.kpis["double_charges"] == 0
    assert waiting.kpis["late_successes"] > 0
    charged_timeouts = payments[(payments["outcome"] == "timeout") & payments["charged"]]
    later = payments.merge(charged_timeouts[["checkout_id", "attempt"]], on="checkout_id")
    assert (later["attempt_x"] <= later["attempt_y"]).all(), "no retry after a captured timeout"


def test_a_retry_waits_for_the_status_check(waiting):
    payments = waiting.payments.sort_values(["checkout_id", "attempt"])
    status_check_s = waiting.scenario.checkout.timeouts.status_check_s
    previous = payments.groupby("checkout_id").shift(1)
    after_timeout = previous["outcome"] == "timeout"
    waited = payments.loc[after_timeout, "t_s"] - (
        previous.loc[after_timeout, "t_s"] + previous.loc[after_timeout, "latency_ms"] / 1000.0
    )
    assert after_timeout.any() and (waited >= status_check_s - 1e-6).all()


def test_blind_retries_charge_some_buyers_twice(blind, waiting):
    payments = blind.payments
    charges = payments[payments["charged"]].groupby("checkout_id").size()
    assert blind.kpis["double_charges"] == int((charges - 1).sum()) > 0
    # the repeat is refunded: the channel keeps its fee, so fees rise against waiting
    per_order = blind.kpis["fees_total"] / blind.kpis["gmv"]
    assert per_order > waiting.kpis["fees_total"] / waiting.kpis["gmv"]


def test_every_charged_order_is_paid_exactly_once_in_the_books(blind):
    # paid orders by the channel's truth: charged checkouts whose capture the platform booked
    # within the horizon (status checks after the horizon are still pending)
    payments = blind.payments
    charged = payments[payments["charged"]]
    horizon_s = blind.days * 86_400
    status_check_s = blind.scenario.checkout.timeouts.status_check_s
    known = charged[
        (charged["outcome"] == "succeeded")
        | (charged["t_s"] + charged["latency_ms"] / 1000 + status_check_s < horizon_s)
    ]
    assert blind.kpis["conversion_rate"] * blind.kpis["checkouts"] == pytest.approx(
        charged["checkout_id"].nunique()
    )
    # one capture booked per order the platform knows is paid; repeats only cost a fee
    booked = blind.kpis["payments_succeeded"] + blind.kpis["late_successes"]
    assert booked == known["checkout_id"].nunique()
    assert np.all(blind.ledger.sum(axis=0) == 0)


@pytest.mark.parametrize("batch_s", [5.0, 60.0, 600.0])
def test_a_retry_after_the_status_check_is_never_a_double_charge(batch_s):
    # retries come 45 s after the timeout, the status check after 30 s: by then the platform
    # knows a captured order is paid, whatever the window the two fall in
    overrides = {
        **SHORT_TIMEOUTS,
        "checkout.timeouts": {"policy": "blind_retry", "status_check_s": 30.0},
        "checkout.retry.delay_s": {"dist": "constant", "value": 45.0},
        "engine.batch_s": batch_s,
    }
    result = paysim.simulate(QUICKSTART, seed=3, days=0.25, overrides=overrides)
    assert result.kpis["late_successes"] > 0
    assert result.kpis["double_charges"] == 0


def test_the_ledger_books_the_fee_of_every_charge_the_log_shows(blind):
    # captures booked within the horizon: successes, and timeouts whose status check came in
    payments = blind.payments
    horizon_s = blind.days * 86_400
    status_check_s = blind.scenario.checkout.timeouts.status_check_s
    booked = payments["charged"] & (
        (payments["outcome"] == "succeeded")
        | (payments["t_s"] + payments["latency_ms"] / 1000 + status_check_s < horizon_s)
    )
    spec = paysim.load_scenario(QUICKSTART)
    fx = FixedRates.from_spec(spec.fx, ["CNY", "IDR", "THB", "USD"])
    fees = blind.ledger.loc["channel_fees"]
    ledger_usd = sum(
        fees[c] / 10 ** fx.exponent[fx.index[c]] * fx.rate(c, "USD") for c in fees.index
    )
    # a repeat's fee is booked in the channel's currency (USD here): rounded to the cent once
    rounding = 0.005 * blind.kpis["double_charges"] + 1e-6
    assert ledger_usd == pytest.approx(payments.loc[booked, "fee_reporting"].sum(), abs=rounding)
