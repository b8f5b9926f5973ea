"""Moving rates in the world: the ledger, the treasury's conversions and hedges, FX KPIs."""

from __future__ import annotations

import numpy as np
import pytest

import paysim
from paysim.model.money.ledger import Account
from paysim.model.treasury import ES95, Z95
from tests.conftest import id_th_to_cn_world

WINDOW = {"source": "ecb", "start": "2015-01-01", "end": "2024-12-31"}
# policy rates, December 2024: Fed funds 4.25-4.50 %, Bank Indonesia 6.00 %, Bank of Thailand
# 2.25 %, PBoC one-year loan prime rate 3.10 %
INTEREST = {"USD": 4.375, "IDR": 6.0, "THB": 2.25, "CNY": 3.1}


def _world(days: float = 9.0, **fx) -> dict:
    scenario = id_th_to_cn_world(
        name="fx", horizon_days=days, orders_per_day=1500, buyers=20_000, sellers=300,
        basket_amount={"dist": "lognormal", "p50": 30, "p99": 300},
    )  # fmt: skip
    # baskets of about 20 USD in each buyer's currency
    scenario["markets"][0]["basket_amount"] = {"dist": "lognormal", "p50": 3e5, "p99": 3e6}
    scenario["markets"][1]["basket_amount"] = {"dist": "lognormal", "p50": 600, "p99": 6000}
    scenario["reporting_currency"] = "USD"
    scenario["engine"] = {"batch_s": 900.0}  # results do not depend on it (tested below)
    scenario["platform"] = {"auto_release_days": 2, "delivery_days": {"dist": "constant",
                                                                        "value": 2}}  # fmt: skip
    scenario["fx"] = {"model": "gbm", "calibrate_from": WINDOW, "interest_percent": INTEREST,
                      **fx}  # fmt: skip
    return scenario


def _run(policy: str, params: dict | None = None, seed: int = 3, **fx):
    overrides = {"strategies.hedging": {"name": policy, "params": params or {}}}
    return paysim.simulate(_world(**fx), seed=seed, overrides=overrides)


POLICIES = ["none", "convert_now", "lock_at_quote", "forward", "layered_forward", "collar",
            "reserve_netting"]  # fmt: skip


@pytest.fixture(scope="module")
def runs():
    # a small world's thresholds
    small = {"min_reporting": 10.0}
    params = {"reserve_netting": {"threshold_reporting": 500.0}, "forward": small,
              "collar": small, "layered_forward": small}  # fmt: skip
    return {p: _run(p, params.get(p), quote={"spread_bps": 40}) for p in POLICIES}


@pytest.mark.parametrize("policy", POLICIES)
def test_each_currency_sums_to_exactly_zero(runs, policy):
    result = runs[policy]
    assert result.kpis["ledger_imbalance"] == 0
    assert (result.ledger.sum(axis=0) == 0).all()
    for kpi in ("fx_pnl", "fx_cost_bps", "fx_var95", "fx_cvar95"):
        assert np.isfinite(result.kpis[kpi])


def test_every_arm_sees_the_same_rates_and_the_same_payments(runs):
    base = runs["none"].payments
    for policy in POLICIES[1:]:
        other = runs[policy].payments
        assert other["amount_reporting"].equals(base["amount_reporting"])
        assert other["outcome"].equals(base["outcome"])


def test_rates_move_and_feed_the_reporting_amounts(runs):
    payments = runs["none"].payments
    usd_per_idr = payments["amount_reporting"] / payments["amount"]
    idr = payments["currency"] == "IDR"
    assert usd_per_idr[idr].std() / usd_per_idr[idr].mean() > 1e-3


def test_converting_early_keeps_cash_in_the_sellers_currency(runs):
    cny = "CNY"
    for policy in ("convert_now", "reserve_netting"):
        cash = runs[policy].ledger.loc["platform_cash", cny]
        owed = -runs[policy].ledger.loc[["escrow", "seller_payable"], cny].sum()
        assert cash >= 0
        assert cash >= 0.5 * owed  # it holds what it owes (netting: past a threshold)
    assert runs["none"].ledger.loc["platform_cash", cny] >= 0  # bought at each payout


def test_forwards_cut_the_value_at_risk(runs):
    none, fwd = runs["none"].kpis, runs["forward"].kpis
    assert none["fx_var95"] > 0
    assert fwd["fx_var95"] < 0.5 * none["fx_var95"]
    assert runs["collar"].kpis["fx_var95"] < none["fx_var95"]
    assert none["fx_cvar95"] / none["fx_var95"] == pytest.approx(ES95 / Z95)


def test_fixed_rates_with_a_spread_earn_it_and_move_nothing():
    result = _run("none", model="fixed", calibrate_from=None, quote={"spread_bps": 100})
    k = result.kpis
    assert k["fx_var95"] == 0 and k["fx_cost_bps"] == 0
    # the FX result is the spread: rounding to minor units aside, nothing else
    assert abs(k["fx_pnl"]) < 1e-5 * k["gmv"]
    assert result.kpis["net_margin"] > paysim.simulate(_world(model="fixed", calibrate_from=None),
                                                        seed=3).kpis["net_margin"]  # fmt: skip


def test_conversion_costs_are_counted_per_gmv():
    result = _run("convert_now", conversion_cost_bps=10)
    assert 0 < result.kpis["fx_cost_bps"] < 10


def test_same_seed_same_result_and_batch_does_not_matter():
    a = _run("forward", days=4.0)
    b = _run("forward", days=4.0)
    assert a.kpis == b.kpis
    overrides = {"strategies.hedging": {"name": "forward", "params": {}}, "engine.batch_s": 120}
    d = paysim.simulate(_world(days=4.0), seed=3, overrides=overrides)
    key = ["checkout_id", "attempt"]
    rows_a = a.payments.sort_values(key)["amount_reporting"].to_numpy()
    rows_d = d.payments.sort_values(key)["amount_reporting"].to_numpy()
    assert np.array_equal(rows_a, rows_d)
    for name in ("fx_pnl", "fx_var95", "gmv", "net_margin"):
        assert d.kpis[name] == pytest.approx(a.kpis[name], rel=1e-9, abs=1e-6), name


def test_a_currency_without_stated_parameters_is_one_line():
    world = _world()
    world["fx"]["calibrate_from"] = None
    with pytest.raises(paysim.ScenarioError, match=r"fx.params.CNY.sigma: needed by model gbm"):
        paysim.simulate(world, seed=1)


def test_forward_policies_need_interest_rates():
    world = _world()
    del world["fx"]["interest_percent"]
    with pytest.raises(paysim.ScenarioError, match=r"fx\.interest_percent"):
        paysim.simulate(world, seed=1, overrides={"strategies.hedging": {"name": "forward"}})


def test_ledger_accounts_of_a_forward_run():
    ledger = _run("forward").ledger
    assert ledger.loc["fx_position"].abs().sum() > 0
    assert set(ledger.index) >= {a.name.lower() for a in Account}
