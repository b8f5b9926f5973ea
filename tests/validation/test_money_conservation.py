"""Money conservation across refunds, chargebacks, payouts and settlement, with hypothesis.

Each example runs a small world with perturbed refund, chargeback, payout and reserve terms,
then checks that every minor unit is accounted for: the ledger sums to exactly zero in each
currency, no liability ever held a debit balance (nor a holding a credit one) at a window end,
and each account's balance equals what was put in minus what was booked out, with the money
put in counted independently from the payments log.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.model.money.ledger import Account
from paysim.model.platform.books import Payout
from paysim.model.platform.money_calendar import Flow
from paysim.model.world import World
from paysim.scenario.loader import scenario_from_dict
from paysim.scenario.strategies import build_router

A = Account


def days_uniform(high: float) -> dict[str, Any]:
    return {"dist": "uniform", "low": 0.0, "high": high}


def base(orders_per_day: float) -> dict[str, Any]:
    market = {"method_mix": {"card": 0.6, "wallet": 0.4}}
    return {
        "name": "conservation",
        "horizon_days": 4,
        "engine": {"batch_s": 300.0},
        "markets": [
            {
                "code": "ID",
                "currency": "IDR",
                "buyers": 5000,
                "utc_offset_h": 7.0,
                "basket_amount": {"dist": "lognormal", "p50": 180000.0, "p99": 2500000.0},
                **market,
            },
            {
                "code": "VN",
                "currency": "VND",
                "buyers": 5000,
                "utc_offset_h": 7.0,
                "basket_amount": {"dist": "lognormal", "p50": 300000.0, "p99": 4000000.0},
                **market,
            },
            {"code": "CN", "currency": "CNY", "sellers": 40, "utc_offset_h": 8.0},
            {"code": "US", "currency": "USD", "sellers": 15, "utc_offset_h": -5.0},
        ],
        "demand": {
            "orders_per_day": orders_per_day,
            "diurnal": "social_commerce",
            "corridors": [
                {"buyer": "ID", "seller": "CN", "share": 0.5},
                {"buyer": "VN", "seller": "CN", "share": 0.3},
                {"buyer": "ID", "seller": "US", "share": 0.2},
            ],
            "campaigns": [{"id": "live", "kind": "live_stream", "per_day": 2.0}],
            "group_buys": {"groups_per_day": orders_per_day / 20},
        },
        "channels": [
            {
                "id": "card",
                "kind": "card_acquirer",
                "methods": ["card"],
                "markets": ["ID", "VN"],
                "country": "SG",
                "currency": "USD",
                "fee": {"percent": 2.9, "fixed": 0.3, "dispute_fixed": 15.0},
                "latency_ms": {"dist": "lognormal", "p50": 400.0, "p99": 2500.0},
                "success": {"base": 0.9},
            },
            {
                "id": "wallet",
                "kind": "wallet",
                "methods": ["wallet"],
                "markets": ["ID", "VN"],
                "currency": "CNY",
                "fee": {"percent": 2.0, "dispute_fixed": 10.0},
                "latency_ms": {"dist": "lognormal", "p50": 300.0, "p99": 1500.0},
                "success": {"base": 0.95},
            },
        ],
        "fx": {"assumed_per_usd": {"VND": 26300.0}},
    }


terms = st.fixed_dictionaries(
    {
        "platform.take_rate_percent": st.floats(0, 30),
        "platform.release_at_shipment_percent": st.sampled_from([0.0, 30.0, 100.0]),
        "platform.commission_paid_by": st.sampled_from(["seller", "platform"]),
        "platform.auto_release_days": st.floats(0, 2),
        "platform.delivery_days": st.sampled_from(
            [{"dist": "lognormal", "p50": 0.5, "p99": 2.0}, {"dist": "constant", "value": 0.0}]
        ),
        "platform.shipment_days": st.just(days_uniform(0.6)),
        "platform.confirm_after_delivery_days": st.just(days_uniform(1.0)),
        "platform.payout": st.fixed_dictionaries(
            {
                "hour_utc": st.integers(0, 23),
                "fee_percent": st.floats(0, 2),
                "fee_fixed": st.floats(0, 1),
            }
        ),
        "platform.refunds": st.fixed_dictionaries(
            {
                "before_release_probability": st.floats(0, 0.3),
                "after_release_probability": st.floats(0, 0.3),
                "partial_probability": st.floats(0, 1),
                "after_release_days": st.just(days_uniform(1.5)),
            }
        ),
        "platform.disputes": st.fixed_dictionaries(
            {
                "probability": st.floats(0, 0.3),
                "after_delivery_days": st.just(days_uniform(1.5)),
                "represent_probability": st.floats(0, 1),
                "win_probability": st.floats(0, 1),
                "decision_days": st.just(days_uniform(1.0)),
                "seller_liable": st.booleans(),
            }
        ),
        "channels.card.reserve_percent": st.floats(0, 20),
        "channels.card.reserve_days": st.floats(0, 2),
        "channels.card.settlement_days": st.floats(0, 2),
        "channels.wallet.settlement_days": st.floats(0, 2),
    }
)


def run(overrides: dict[str, Any], seed: int, orders_per_day: float) -> World:
    spec = scenario_from_dict(base(orders_per_day), overrides)
    world = World(
        spec, build_router(spec), np.random.SeedSequence(seed), spec.horizon_days * SECONDS_PER_DAY
    )
    world.run()
    return world


def captured_per_currency(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Captured amounts (buyer's currency) and values (seller's), from the payments log."""
    log = world.recorder.to_frame()
    paid = log[log["outcome"] == "succeeded"]
    currency = np.array([world.currencies.index(c) for c in paid["currency"]])
    seller_currency = np.array(
        [world.currencies.index(world.scenario.market(m).currency) for m in paid["seller_market"]]
    )
    amount = paid["amount_minor"].to_numpy()
    value = world.rates.convert_minor(amount, currency, seller_currency)
    n = len(world.currencies)
    return (
        np.bincount(currency, weights=amount, minlength=n).astype(np.int64),
        np.bincount(seller_currency, weights=value, minlength=n).astype(np.int64),
    )


def check_conservation(world: World) -> None:
    ledger, platform = world.ledger, world.platform
    b, booked, paid_out = ledger.balances, platform.calendar.booked, platform.paid_out
    assert not ledger.imbalance().any()
    assert platform.sign_violations() == {}
    amount_in, value_in = captured_per_currency(world)
    seller_pays = world.scenario.platform.commission_paid_by == "seller"
    # escrow: captured value = released + refunded/charged back out of escrow + still held
    escrow_out = (
        booked[Flow.SHIP_RELEASE]
        + booked[Flow.RELEASE_SELLER]
        + booked[Flow.RELEASE_TAKE]
        + booked[Flow.REVERSE_ESCROW]
        + (booked[Flow.COMMISSION] if seller_pays else 0)
    )
    assert np.array_equal(value_in, escrow_out - b[A.ESCROW])
    # channels: captured = fees + settled + still receivable
    assert np.array_equal(
        amount_in, b[A.CHANNEL_FEES] + booked[Flow.SETTLE_OUT] + b[A.CHANNEL_RECEIVABLE]
    )
    # rolling reserve: withheld = released + held
    assert np.array_equal(booked[Flow.RESERVE_IN], booked[Flow.RESERVE_OUT] + b[A.CHANNEL_RESERVE])
    # sellers: credited = paid out + recovered against debts + payable still held
    credited = booked[Flow.SHIP_RELEASE] + booked[Flow.RELEASE_SELLER] + booked[Flow.WON_SELLER]
    assert np.array_equal(
        credited, paid_out[Payout.SELLERS] + paid_out[Payout.RECOVERED] - b[A.SELLER_PAYABLE]
    )
    assert np.array_equal(
        booked[Flow.REVERSE_SELLER], paid_out[Payout.RECOVERED] + b[A.SELLER_RECEIVABLE]
    )
    assert (world.platform.sellers.receivable >= 0).all()
    # take: released take + won back - reversed
    assert np.array_equal(
        -b[A.TAKE_REVENUE],
        booked[Flow.RELEASE_TAKE] + booked[Flow.WON_TAKE] - booked[Flow.REVERSE_TAKE],
    )
    # influencers: earned = paid + still owed
    assert np.array_equal(
        booked[Flow.COMMISSION], paid_out[Payout.INFLUENCERS] - b[A.INFLUENCER_PAYABLE]
    )
    # cash: settlements and reserves in, reversals, fees and payouts out
    cash_in = booked[Flow.SETTLE_IN] + booked[Flow.RESERVE_OUT] + booked[Flow.WON_CASH]
    cash_out = (
        booked[Flow.REVERSE_CASH]
        + booked[Flow.DISPUTE_FEE]
        + paid_out[Payout.SELLERS]
        + paid_out[Payout.FEES]
        + paid_out[Payout.INFLUENCERS]
    )
    assert np.array_equal(b[A.PLATFORM_CASH], cash_in - cash_out)
    # at fixed rates the FX position is worth nothing but conversion rounding: any flow that
    # moved money in one currency without its counterpart would show here. Each conversion
    # rounds by a uniform error of at most half a minor unit (<= 0.005 USD here, sd <= 0.0029);
    # with at most 4 conversions an order the sum has sd <= 0.006 sqrt(orders): allow 6 sd.
    rates = world.rates
    per_usd = rates.minor_factor[:, world.reporting] / 10.0 ** rates.exponent[world.reporting]
    orders = int(world.totals.paid_orders)
    fx_value_usd = float(np.dot(b[A.FX_POSITION], per_usd))
    assert abs(fx_value_usd) <= 6 * 0.006 * np.sqrt(orders) + 0.01
    assert orders > 0 and value_in.sum() > 0


@settings(
    max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(overrides=terms, seed=st.integers(0, 2**32 - 1))
def test_money_is_conserved(overrides: dict[str, Any], seed: int) -> None:
    check_conservation(run(overrides, seed, orders_per_day=600.0))


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=terms, seed=st.integers(0, 2**32 - 1))
def test_money_is_conserved_at_scale(overrides: dict[str, Any], seed: int) -> None:
    check_conservation(run(overrides, seed, orders_per_day=6000.0))


def test_default_terms_conserve_money_and_book_every_kind_of_flow():
    """Fast timings and high rates, so each flow is booked at least once within 4 days."""
    overrides = {
        "platform.delivery_days": {"dist": "lognormal", "p50": 0.5, "p99": 2.0},
        "platform.shipment_days": days_uniform(0.4),
        "platform.confirm_after_delivery_days": days_uniform(1.0),
        "platform.release_at_shipment_percent": 40.0,
        "platform.auto_release_days": 1.0,
        "platform.refunds": {
            "before_release_probability": 0.2,
            "after_release_probability": 0.2,
            "after_release_days": days_uniform(1.0),
        },
        "platform.disputes": {
            "probability": 0.2,
            "after_delivery_days": days_uniform(1.0),
            "decision_days": days_uniform(0.5),
            "seller_liable": False,
        },
        "platform.payout.fee_fixed": 0.2,
        "channels.card.reserve_percent": 10.0,
        "channels.card.reserve_days": 1.0,
    }
    world = run(overrides, seed=17, orders_per_day=1500.0)
    check_conservation(world)
    booked = world.platform.calendar.booked
    assert all(booked[flow].any() for flow in Flow if flow != Flow.COMMISSION), booked
    assert world.platform.paid_out.any(axis=1).all()  # sellers, recoveries, fees, influencers
