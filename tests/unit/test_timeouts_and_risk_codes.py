"""Timed-out payments, buyers lost while a channel processes, and the codes of risk declines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import paysim
from paysim.model.channels.declines import DEFAULT_RISK_DECLINE_MIX, DEFAULT_TIMEOUT_CAPTURE
from paysim.scenario.loader import scenario_from_dict

Z = 5.0
TH_TO_CN = {"corridors": [{"buyer": "TH", "seller": "CN", "share": 1}]}


def _slow_world(**fields: Any) -> dict[str, Any]:
    """Every channel answers after its timeout: each attempt that reaches one times out."""

    def channel(cid: str, kind: str, method: str) -> dict[str, Any]:
        return {
            "id": cid, "kind": kind, "methods": [method], "markets": ["TH"], "currency": "USD",
            "latency_ms": {"dist": "constant", "value": 3000}, "timeout_ms": 1000,
            "success": {"base": 0.8},
        }  # fmt: skip

    raw: dict[str, Any] = {
        "name": "slow",
        "horizon_days": 0.5,
        "seed": 2,
        "markets": [
            {"code": "TH", "currency": "THB", "buyers": 50_000, "buyer_risk_mean": 0.0,
             "basket_amount": {"dist": "lognormal", "p50": 500, "p99": 5000},
             "method_mix": {"card": 0.5, "bank_transfer": 0.5}},
            {"code": "CN", "currency": "CNY", "sellers": 100},
        ],
        "demand": {"orders_per_day": 20_000, **TH_TO_CN},
        "checkout": {"retry": {"probability": 0.0}},
        "channels": [
            channel("card", "card_acquirer", "card"), channel("bank", "bank", "bank_transfer")
        ],
    }  # fmt: skip
    raw["checkout"].update(fields)
    return raw


def _within(k: int, n: int, p: float) -> bool:
    return abs(k / n - p) <= Z * np.sqrt(p * (1 - p) / n)


def test_a_timed_out_payment_is_captured_by_its_kind_s_stated_factor():
    payments = paysim.simulate(scenario_from_dict(_slow_world())).payments
    for channel, kind in (("card", "card_acquirer"), ("bank", "bank")):
        timed_out = payments[(payments["channel"] == channel) & (payments["outcome"] == "timeout")]
        assert len(timed_out) > 1000
        # an answered payment is approved with 0.8; a timed-out card is mostly reversed
        expected = 0.8 * DEFAULT_TIMEOUT_CAPTURE[kind]
        assert _within(int(timed_out["charged"].sum()), len(timed_out), expected), channel
    assert DEFAULT_TIMEOUT_CAPTURE["card_acquirer"] < DEFAULT_TIMEOUT_CAPTURE["bank"] < 1.0


def test_buyers_lost_during_processing_exclude_charged_timeouts_whose_orders_complete():
    # every buyer's patience (0.5 s) runs out before the 1 s timeout: all leave. Those whose
    # payment the channel did capture still get their order (a late success), so the buyers
    # lost are the timed-out payments that were not charged
    raw = _slow_world(patience_s={"dist": "constant", "value": 0.5})
    result = paysim.simulate(scenario_from_dict(raw))
    payments, kpis = result.payments, result.kpis
    reached = payments[payments["outcome"] == "timeout"]
    assert len(reached) > 1000 and reached["charged"].any()
    assert kpis["left_during_processing"] == int((~reached["charged"]).sum())
    # the status checks that find them come 60 s later: those of the horizon's last minute
    # are still pending
    before_end = reached[reached["t_s"] < 0.5 * 86_400 - 120]
    assert int(before_end["charged"].sum()) <= kpis["late_successes"] <= reached["charged"].sum()


@pytest.mark.parametrize("kind", ["card_acquirer", "wallet", "bnpl"])
def test_declines_caused_by_buyer_risk_carry_their_kind_s_documented_codes(kind):
    method = {"card_acquirer": "card", "wallet": "wallet", "bnpl": "bnpl"}[kind]
    raw = _slow_world()
    raw["markets"][0]["method_mix"] = {method: 1.0}
    raw["markets"][0]["buyer_risk_mean"] = 0.5
    raw["channels"] = [
        {"id": "only", "kind": kind, "methods": [method], "markets": ["TH"], "currency": "USD",
         "latency_ms": {"dist": "constant", "value": 300},
         "success": {"base": 1.0, "risk_sensitivity": 0.8}},
    ]  # fmt: skip
    payments = paysim.simulate(scenario_from_dict(raw)).payments
    declined = payments[payments["outcome"] == "declined"]  # base 1: every decline is risk's
    mix = DEFAULT_RISK_DECLINE_MIX[kind]
    assert set(declined["decline_code"].astype(str)) <= set(mix)
    for code, share in mix.items():
        assert _within(int((declined["decline_code"] == code).sum()), len(declined), share)


def test_a_channel_may_state_its_own_risk_decline_codes():
    raw = _slow_world()
    raw["markets"][0]["method_mix"] = {"card": 1.0}
    raw["markets"][0]["buyer_risk_mean"] = 0.5
    raw["channels"] = [
        {"id": "only", "kind": "card_acquirer", "methods": ["card"], "markets": ["TH"],
         "currency": "USD", "latency_ms": {"dist": "constant", "value": 300},
         "success": {"base": 1.0, "risk_decline_codes": {"suspected_fraud": 1.0}}},
    ]  # fmt: skip
    payments = paysim.simulate(scenario_from_dict(raw)).payments
    declined = payments[payments["outcome"] == "declined"]
    assert len(declined) > 100 and (declined["decline_code"] == "suspected_fraud").all()
