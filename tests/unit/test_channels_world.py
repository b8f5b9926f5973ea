"""Every channel kind in one small world: the run is deterministic and its log consistent."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest

import paysim
from paysim.analysis.kpis import KPI_NAMES
from paysim.model.channels.declines import DECLINE_CODES
from paysim.scenario.loader import scenario_from_dict

LOGNORMAL = "lognormal"


def channel(cid: str, kind: str, methods: list[str], **fields: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "id": cid, "kind": kind, "methods": methods, "markets": ["TH", "MY"], "currency": "USD",
        "latency_ms": {"dist": LOGNORMAL, "p50": 400, "p99": 2500}, "timeout_ms": 10_000,
        "success": {"base": 0.9},
    }  # fmt: skip
    spec.update(fields)
    return spec


RAW: dict[str, Any] = {
    "name": "every_kind",
    "horizon_days": 0.5,
    "seed": 5,
    "markets": [
        {"code": "TH", "currency": "THB", "buyers": 20_000,
         "basket_amount": {"dist": LOGNORMAL, "p50": 600, "p99": 60_000},
         "method_mix": {"card": 0.4, "wallet": 0.2, "wire": 0.1, "crypto": 0.1, "bnpl": 0.2}},
        {"code": "MY", "currency": "MYR", "buyers": 20_000,
         "basket_amount": {"dist": LOGNORMAL, "p50": 80, "p99": 8000},
         "method_mix": {"card": 0.6, "wallet": 0.4}},
        {"code": "CN", "currency": "CNY", "sellers": 500},
    ],
    "demand": {"orders_per_day": 40_000, "corridors": [
        {"buyer": "TH", "seller": "CN", "share": 0.6},
        {"buyer": "MY", "seller": "CN", "share": 0.4},
    ]},
    "upstreams": [
        {"id": "visa", "outages": {"mtbf_h": 3, "mttr_min": 30}},
        {"id": "psp_cloud", "outages": {"mtbf_h": 4, "mttr_min": 20},
         "degradations": {"mtbf_h": 2, "mttr_min": 30}},
    ],
    "channels": [
        channel("card_sg", "card_acquirer", ["card"], markets=["TH"], country="SG",
                upstreams=["psp_cloud"],
                fee={"percent": 2.9, "fixed": 0.3, "cross_border_percent": 1.5,
                     "fx_markup_percent": 2.0},
                networks=[{"id": "visa", "share": 0.6, "cross_border_percent": 1.0,
                           "upstream": "visa"},
                          {"id": "mastercard", "share": 0.4, "cross_border_percent": 0.8}],
                success={"base": 0.91, "cross_border_factor": 0.88,
                         "amount_bands": [{"above_reporting": 500, "factor": 0.9}]},
                capacity_tps=0.5, queue_max=2),
        channel("card_local", "card_acquirer", ["card"], markets=["MY"], upstreams=["psp_cloud"],
                fee={"percent": 2.4, "fixed": 0.15}),
        channel("wallet", "wallet", ["wallet"], success={"base": 0.95},
                outages={"mtbf_h": 6, "mttr_min": 40}),
        channel("wire", "wire", ["wire"], country="HK", min_amount=50,
                fee={"fixed": 25.0}, success={"base": 0.99}, settlement_days=3),
        channel("crypto", "crypto", ["crypto"], price_volatility_annual=0.6,
                latency_ms={"dist": LOGNORMAL, "p50": 60_000, "p99": 900_000},
                timeout_ms=1_800_000, success={"base": 0.97}),
        channel("bnpl", "bnpl", ["bnpl"], fee={"percent": 4.5}, max_amount=1000,
                success={"base": 0.78}),
    ],
    "checkout": {"retry": {"probability": 0.6, "max_attempts": 3, "switch_method": 0.3}},
}  # fmt: skip


@pytest.fixture(scope="module")
def run() -> paysim.RunResult:
    return paysim.simulate(scenario_from_dict(copy.deepcopy(RAW)))


def test_every_kind_runs_with_a_balanced_ledger(run):
    assert run.kpis["ledger_imbalance"] == 0
    assert set(KPI_NAMES) <= set(run.kpis)
    payments = run.payments
    assert set(payments["channel"].unique()) == {c["id"] for c in RAW["channels"]}


def test_outcomes_and_codes_are_consistent(run):
    p = run.payments
    codes = set(p["decline_code"].astype(str).unique())
    assert codes <= set(DECLINE_CODES)
    assert {"channel_unavailable", "rate_limited"} <= codes
    no_code = p["decline_code"] == ""
    assert (p.loc[p["outcome"] == "succeeded", "decline_code"] == "").all()
    assert (p.loc[p["outcome"] == "declined"].pipe(lambda d: d["decline_code"] != "")).all()
    failed = p["outcome"] == "failed"
    assert p.loc[failed, "decline_code"].isin(["channel_unavailable", "rate_limited"]).all()
    assert p.loc[failed, "latency_ms"].isna().all()
    assert (no_code | ~p["outcome"].isin(["succeeded", "timeout"])).all()


def test_buyers_choose_no_method_that_cannot_take_the_amount(run):
    # wire takes 50 USD and more, BNPL up to 1,000 USD: TH buyers (baskets from ~0.6 to
    # ~1,700 USD) pay within those limits, so no payment meets an amount_out_of_range decline
    p = run.payments
    assert not (p["decline_code"] == "amount_out_of_range").any()
    wire, bnpl = p[p["method"] == "wire"], p[p["method"] == "bnpl"]
    assert len(wire) > 100 and len(bnpl) > 100
    assert (wire["amount_reporting"] >= 50 - 1e-9).all()
    assert (bnpl["amount_reporting"] <= 1000 + 1e-9).all()
    th = p[(p["buyer_market"] == "TH") & (p["attempt"] == 1)]
    assert (th["amount_reporting"] < 50).mean() > 0.3  # the small tickets exist, and avoid wire


def test_channel_kpis_add_up(run):
    p, k = run.payments, run.kpis
    n = len(p)
    assert k["rate_limited_rate"] == pytest.approx((p["decline_code"] == "rate_limited").sum() / n)
    assert k["outage_failure_rate"] == pytest.approx(
        (p["decline_code"] == "channel_unavailable").sum() / n
    )
    assert k["timeout_rate"] == pytest.approx((p["outcome"] == "timeout").sum() / n)
    assert k["queue_wait_mean_ms"] > 0


def test_same_seed_same_payments(run):
    again = paysim.simulate(scenario_from_dict(copy.deepcopy(RAW)))
    pd.testing.assert_frame_equal(run.payments, again.payments)
    assert run.kpis == again.kpis


def test_upstream_outage_shows_on_both_card_channels(run):
    p = run.payments
    unavailable = p[p["decline_code"] == "channel_unavailable"]
    assert {"card_sg", "card_local"} <= set(unavailable["channel"])
    # psp_cloud takes both down at once: the windows of their outage failures overlap
    t_sg = np.sort(unavailable.loc[unavailable["channel"] == "card_sg", "t_s"].to_numpy())
    t_local = unavailable.loc[unavailable["channel"] == "card_local", "t_s"].to_numpy()
    nearest = np.abs(t_local[:, None] - t_sg[None, :]).min(axis=1)
    assert np.median(nearest) < 600
