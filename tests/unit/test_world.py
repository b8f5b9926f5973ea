"""The first world's mechanics, one at a time, through ``paysim.simulate``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import paysim
from paysim.model.channels.declines import DEFAULT_DECLINE_MIX
from tests.conftest import FLAGSHIP, QUICKSTART

NO_OUTAGES = {f"channels.{c}.outages": None for c in ("card_sg", "wallet_local", "bank_local")}
# success.base is the probability for a low-risk buyer: without buyer risk it is all there is
NO_RISK = {f"markets.{m}.buyer_risk_mean": 0.0 for m in ("ID", "TH", "VN", "PH", "MY")}
# the take, fee and escrow arithmetic below holds for orders that are neither refunded nor
# charged back (refunds and disputes: tests/unit/test_platform_flows.py)
NO_REVERSALS = {
    "platform.refunds": {"before_release_probability": 0, "after_release_probability": 0},
    "platform.disputes": {"probability": 0},
}


@pytest.fixture(scope="module")
def steady() -> paysim.RunResult:
    """Half a quickstart day without outages."""
    no_risk = {k: v for k, v in NO_RISK.items() if k.split(".")[1] in ("ID", "TH")}
    return paysim.simulate(
        QUICKSTART, seed=21, days=0.5, overrides=NO_OUTAGES | NO_REVERSALS | no_risk
    )


def _succeeded(payments: pd.DataFrame, channel: str) -> pd.DataFrame:
    return payments[(payments["channel"] == channel) & (payments["outcome"] == "succeeded")]


def test_each_payment_goes_to_the_channel_of_its_method(steady: paysim.RunResult) -> None:
    expected = {"card": "card_sg", "wallet": "wallet_local", "bank_transfer": "bank_local"}
    payments = steady.payments
    assert (payments["channel"].astype(str) == payments["method"].astype(str).map(expected)).all()


def test_true_success_probability_is_base_times_cross_border_factor(steady) -> None:
    payments = steady.payments
    first = payments[payments["attempt"] == 1]
    expected = {"card_sg": 0.90 * 0.88, "wallet_local": 0.95, "bank_local": 0.90}
    for channel, p in expected.items():
        logged = first.loc[first["channel"] == channel, "p_success"].to_numpy()
        np.testing.assert_allclose(logged, p, rtol=1e-6)


def test_a_retry_on_the_same_card_and_channel_keeps_little_of_its_chance(steady) -> None:
    # quickstart has one channel per method: a retry with the same method meets the same
    # channel, its chance cut by the default recovery factor of the earlier decline's code
    from paysim.model.checkout.spec import DEFAULT_RECOVERY

    p = steady.payments.sort_values(["checkout_id", "attempt"])
    earlier = p.groupby("checkout_id").shift(1)
    retry = (p["attempt"] > 1) & (p["method"] == earlier["method"])
    first_p = {"card_sg": 0.90 * 0.88, "wallet_local": 0.95, "bank_local": 0.90}
    for code, factors in DEFAULT_RECOVERY.items():
        after = p[retry & (earlier["decline_code"] == code)]
        expected = after["channel"].astype(str).map(first_p) * factors["same_channel"]
        np.testing.assert_allclose(after["p_success"], expected, rtol=1e-6)
    assert (retry & (earlier["decline_code"] == "insufficient_funds")).sum() > 20


def test_cross_border_card_fee(steady: paysim.RunResult) -> None:
    # card_sg acquires in SG: ID and TH cards pay 2.9 % + 1.5 % cross-border + 0.30 USD.
    # The fee is booked in the buyer's currency (IDR, THB), so the only difference is rounding
    # to their minor unit: at most half a satang, 0.005 THB < 0.0002 USD.
    card = _succeeded(steady.payments, "card_sg")
    expected = card["amount_reporting"] * (2.9 + 1.5) / 100 + 0.30
    assert len(card) > 100
    np.testing.assert_allclose(card["fee_reporting"], expected, atol=2e-4)


def test_domestic_wallet_fee_has_no_cross_border_part(steady: paysim.RunResult) -> None:
    wallet = _succeeded(steady.payments, "wallet_local")
    np.testing.assert_allclose(
        wallet["fee_reporting"], wallet["amount_reporting"] * 0.022, atol=2e-4
    )


def test_net_margin_is_take_minus_fees(steady: paysim.RunResult) -> None:
    # take 5 % of each paid order's value in the seller's currency (CNY, rounded to the fen)
    kpis = steady.kpis
    take = 0.05 * kpis["gmv"]
    assert kpis["net_margin"] == pytest.approx(take - kpis["fees_total"], rel=1e-4)


def test_fees_total_adds_the_payout_fee(steady: paysim.RunResult) -> None:
    # payout fee 0.3 % of the seller's net (95 % of the order's value), accrued at capture
    kpis, payments = steady.kpis, steady.payments
    channel_fees = payments["fee_reporting"].sum()
    payout_fees = 0.003 * 0.95 * kpis["gmv"]
    assert kpis["fees_total"] == pytest.approx(channel_fees + payout_fees, rel=1e-4)
    assert kpis["fees_bps"] == pytest.approx(1e4 * kpis["fees_total"] / kpis["gmv"])


def test_payout_delay_lies_between_release_and_the_next_daily_run() -> None:
    # delivered after exactly 1 day, confirmed 0.5 day later: released 1.5 days after capture,
    # paid at the first 02:00 run after the end of that hour: within (1.5, 1.5 + 1 + 1/24]
    overrides = {
        "platform.delivery_days": {"dist": "constant", "value": 1.0},
        "platform.confirm_after_delivery_days": {"dist": "constant", "value": 0.5},
    }
    kpis = paysim.simulate(QUICKSTART, seed=2, days=0.3, overrides=overrides).kpis
    assert 1.5 < kpis["payout_mean_days"] <= 1.5 + 1 + 1 / 24


def test_auto_release_caps_the_buyers_confirmation() -> None:
    overrides = {
        "platform.delivery_days": {"dist": "constant", "value": 1.0},
        "platform.confirm_after_delivery_days": {"dist": "constant", "value": 30.0},
        "platform.auto_release_days": 2.0,
    }
    kpis = paysim.simulate(QUICKSTART, seed=2, days=0.3, overrides=overrides).kpis
    assert 3.0 < kpis["payout_mean_days"] <= 3.0 + 1 + 1 / 24


def test_outages_fail_attempts_as_channel_unavailable() -> None:
    overrides = {"channels.wallet_local.outages": {"mtbf_h": 0.5, "mttr_min": 120.0}}
    payments = paysim.simulate(QUICKSTART, seed=4, days=0.3, overrides=overrides).payments
    unavailable = payments[payments["decline_code"] == "channel_unavailable"]
    assert len(unavailable) > 0
    assert set(unavailable["channel"].astype(str)) == {"wallet_local"}
    assert (unavailable["outcome"] == "failed").all()
    assert unavailable["latency_ms"].isna().all()
    assert (unavailable["p_success"] == 0).all()


def test_routing_regret_is_zero_when_every_method_has_one_channel(steady) -> None:
    assert steady.kpis["routing_regret"] == 0


def test_routing_regret_counts_the_better_channel_priority_skips() -> None:
    # flagship without outages, degradations or amount bands, cross-border card_sg put first:
    # every ID/TH/MY card payment it takes could have gone to card_local (domestic, 0.90)
    # instead of 0.91 * 0.88
    spec = paysim.load_scenario(FLAGSHIP)
    channels = [c.id for c in spec.channels]
    overrides = {f"channels.{c}.outages": None for c in channels}
    overrides |= {f"channels.{c}.degradations": None for c in channels}
    overrides |= {f"upstreams.{u.id}.outages.mtbf_h": 1e12 for u in spec.upstreams}
    overrides |= {
        "channels.card_sg.success.amount_bands": [],
        "checkout.timeouts.policy": "wait_for_status",
        "checkout.retry.probability": 0.0,  # a retry's chance depends on the decline before it
    }
    overrides |= NO_RISK
    order = ["card_sg", *(c for c in channels if c != "card_sg")]
    overrides["strategies.routing"] = {"name": "priority", "params": {"order": order}}
    result = paysim.simulate(FLAGSHIP, seed=1, days=0.05, overrides=overrides)
    payments = result.payments
    skipped = payments["buyer_market"].isin(["ID", "TH", "MY"]) & (payments["channel"] == "card_sg")
    assert skipped.sum() > 0
    expected = skipped.sum() * (0.90 - 0.91 * 0.88)
    assert result.kpis["routing_regret"] == pytest.approx(expected, rel=1e-9)


def test_a_channel_at_zero_success_declines_everything() -> None:
    payments = paysim.simulate(
        QUICKSTART,
        seed=1,
        days=0.2,
        overrides={**NO_OUTAGES, "channels.bank_local.success.base": 0},
    ).payments
    bank = payments[payments["channel"] == "bank_local"]
    assert len(bank) > 0
    assert (bank["outcome"] == "declined").all()
    # codes from the bank kind's default mix (paysim.model.channels.declines)
    assert set(bank["decline_code"].astype(str)) <= set(DEFAULT_DECLINE_MIX["bank"])


def test_escrow_peak_is_what_was_captured_when_nothing_is_released(steady) -> None:
    # quickstart delivery takes days: within half a day nothing leaves escrow, so the peak is
    # every captured order's value, converted to CNY and back (rounding to the fen only)
    assert steady.kpis["escrow_peak"] == pytest.approx(steady.kpis["gmv"], rel=1e-5)


@pytest.mark.parametrize("batch_s", [60.0, 3500.0], ids=["windows-end-at-midnight", "spanning"])
def test_daily_kyc_limit_holds_when_a_window_spans_midnight(batch_s: float) -> None:
    # with 3500 s windows one window runs from 23:20 to 00:18: a payment after midnight must
    # count against the new day, not the day the window started in
    overrides = {
        "markets.ID.kyc_mix": {"none": 1.0},
        "markets.TH.kyc_mix": {"none": 1.0},
        "markets.ID.buyers": 300,
        "markets.TH.buyers": 200,
        "risk.kyc.none.daily": 25.0,
        "engine.batch_s": batch_s,
        "demand.orders_per_day": 3000,
    }
    payments = paysim.simulate(QUICKSTART, seed=5, days=1.5, overrides=overrides).payments
    paid = payments[payments["outcome"] == "succeeded"]
    day = (paid["t_s"] // 86_400).astype(int)
    spent = paid.groupby([paid["buyer_id"], day])["amount_reporting"].sum()
    assert (payments["decline_code"] == "kyc_limit").any()
    assert spent.max() <= 25.0 + 1e-9


def test_fees_larger_than_tiny_payments_keep_the_books_balanced() -> None:
    # a 0.30 USD fixed fee on a payment worth cents: the channel's settlement nets negative
    overrides = {
        "markets.TH.basket_amount": {"dist": "constant", "value": 1.0},
        "markets.ID.basket_amount": {"dist": "constant", "value": 1000.0},
    }
    result = paysim.simulate(QUICKSTART, seed=3, days=3, overrides=overrides)
    assert result.kpis["payments_succeeded"] > 0
    assert result.kpis["ledger_imbalance"] == 0


def test_the_last_partial_hour_is_booked_at_the_horizon() -> None:
    from paysim.model.world import World
    from paysim.scenario.strategies import build_router

    scenario = paysim.load_scenario(QUICKSTART)
    world = World(scenario, build_router(scenario), 1, 0.3 * 86_400)  # 7.2 h: 8 hour slots
    world.run()
    calendar = world.platform.calendar
    assert calendar.n_slots == 8 and calendar.next_slot == calendar.n_slots
    assert (calendar.booked == calendar.due.sum(axis=0)).all()


def _fx_position_value(result: paysim.RunResult) -> float:
    from paysim.model.fx.rates import FixedRates

    position = result.ledger.loc["fx_position"]
    fx = FixedRates.from_spec(result.scenario.fx, list(position.index))
    usd = fx.index[result.scenario.reporting_currency]
    return float(
        sum(position[c] * fx.minor_factor[fx.index[c], usd] for c in position.index)
        / 10 ** fx.exponent[usd]
    )


def test_a_crypto_price_move_reaches_the_books() -> None:
    # settle crypto within the run so its settlements are booked; the price move between
    # quote and credit is a gain or loss left in the FX position
    # many crypto payments confirmed over 20 minutes, so the moves dwarf the rounding
    overrides = {
        "channels.crypto_gw.settlement_days": 0.05,
        "channels.crypto_gw.latency_ms": {"dist": "constant", "value": 1_200_000},
        "checkout.default_method_share": 0.0,
        "markets.ID.method_mix": {"card": 0.2, "wallet": 0.3, "bank_transfer": 0.2, "crypto": 0.3},
    }
    calm = paysim.simulate(FLAGSHIP, seed=4, days=0.2, overrides=overrides)
    wild = paysim.simulate(
        FLAGSHIP, seed=4, days=0.2,
        overrides={**overrides, "channels.crypto_gw.price_volatility_annual": 10.0},
    )  # fmt: skip
    crypto = (calm.payments["channel"] == "crypto_gw") & calm.payments["charged"]
    assert crypto.sum() > 20
    # without a price move only rounding is left: about three conversions per payment, each
    # off by a uniform half cent at most (sd 0.005 / sqrt(3) USD); 5 sd of their sum
    rounding = 5 * 0.005 / np.sqrt(3) * np.sqrt(3 * calm.kpis["payments_succeeded"])
    assert abs(_fx_position_value(calm)) < rounding
    assert abs(_fx_position_value(wild) - _fx_position_value(calm)) > rounding
    assert wild.kpis["ledger_imbalance"] == 0
