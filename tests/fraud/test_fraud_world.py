"""Attackers and defences in the world: money, losses on the ledger, counts, adaptation."""

from __future__ import annotations

import numpy as np
import pytest

import paysim
from paysim.model.money.ledger import Account
from tests.invariants import check_all

ATTACKERS = [
    {"kind": "stolen_card", "share": 0.01},
    {"kind": "account_takeover", "share": 0.005},
    {"kind": "friendly_fraud", "share": 0.004},
    {"kind": "card_testing", "bursts_per_day": 6},
]


def _run(defence: str, days: float = 0.5, seed: int = 3, attackers=None, **overrides):
    fraud = {"attackers": ATTACKERS if attackers is None else attackers}
    return paysim.simulate(
        "scenarios/quickstart.yaml", seed=seed, days=days,
        overrides={"fraud": fraud, "strategies.defence": {"name": defence}, **overrides},
    )  # fmt: skip


@pytest.mark.parametrize("defence", ["none", "rules", "score_threshold", "step_up", "review",
                                     "layered"])  # fmt: skip
def test_every_defence_keeps_the_books_and_the_log_straight(defence):
    result = _run(defence)
    check_all(result)
    kpis, log = result.kpis, result.payments
    assert kpis["fraud_attempts"] == int(log["is_fraud"].sum()) > 0
    assert set(log.loc[log["is_fraud"], "fraud_kind"].astype(str)) == {
        "stolen_card", "account_takeover", "friendly_fraud", "card_testing"
    }  # fmt: skip
    assert (log.loc[~log["is_fraud"], "fraud_kind"].astype(str) == "").all()
    assert log["risk_score"].between(0, 1).all()
    if defence == "none":
        assert (log["defence_action"] == "approve").all()
        assert kpis["fraud_caught_rate"] == 0 and kpis["false_decline_rate"] == 0
    else:
        assert kpis["fraud_caught_rate"] > 0.2


def test_defences_cut_fraud_losses_against_none():
    loss = {d: _run(d, days=1.0).kpis["fraud_loss"] for d in ("none", "score_threshold", "layered")}
    assert loss["score_threshold"] < 0.6 * loss["none"]
    assert loss["layered"] < 0.6 * loss["none"]


def test_the_same_seed_gives_the_same_log():
    a, b = _run("layered", days=0.3), _run("layered", days=0.3)
    assert a.kpis == b.kpis
    assert a.payments.equals(b.payments)


def test_fraud_losses_are_the_ledger_postings():
    # orders only in the first two hours, released after a few hours, charged back at half a
    # day, nothing represented: every fraud chargeback is booked within the day
    weights = [1.0, 1.0] + [0.0] * 22
    result = _run(
        "none", days=1.0, attackers=[{"kind": "stolen_card", "share": 0.05,
                                      "chargeback_days": {"dist": "constant", "value": 0.5}}],
        **{"demand.diurnal": weights, "platform.delivery_days": {"dist": "constant", "value": 0.05},
           "platform.confirm_after_delivery_days": {"dist": "constant", "value": 0.05},
           "platform.disputes.probability": 0.0, "platform.disputes.represent_probability": 0.0,
           "markets.ID.utc_offset_h": 0.0, "markets.TH.utc_offset_h": 0.0},
    )  # fmt: skip
    ledger = result.ledger.loc[Account.CHARGEBACK_LOSSES.name.lower()]
    scenario = result.scenario
    from paysim.model.fx.rates import FixedRates
    from paysim.model.world import scenario_currencies

    currencies = scenario_currencies(scenario)
    rates = FixedRates.from_spec(scenario.fx, currencies)
    booked = sum(
        float(rates.to_major(np.array([int(ledger[c])]), np.array([i]), currencies.index("USD"))[0])
        for i, c in enumerate(currencies)
    )
    assert result.kpis["fraud_loss"] > 0
    assert result.kpis["fraud_loss"] == pytest.approx(booked, rel=1e-9)
    assert result.kpis["ledger_imbalance"] == 0


def test_an_adaptive_card_tester_moves_amounts_under_the_rule():
    tester = {"kind": "card_testing", "bursts_per_day": 48, "adaptive": True,
              "amounts_reporting": [1.0, 5.0, 10.0, 20.0]}  # fmt: skip
    params = {"max_amount": 8.0, "max_card_per_h": None, "max_device_per_h": None,
              "learn_blocks": False}  # fmt: skip
    rules = {"name": "rules", "params": params}
    result = _run("rules", days=1.0, attackers=[tester], **{"strategies.defence": rules})
    log = result.payments
    probes = log[log["checkout_id"] < 0].sort_values("t_s")  # probes, not the cash-outs
    first, last = probes.iloc[:50], probes.iloc[-200:]
    assert (first["amount_reporting"] > 8.0).any()
    assert (last["amount_reporting"] < 8.0).all()
    # a tester that does not adapt keeps probing above the threshold
    still = _run("rules", days=1.0, attackers=[{**tester, "adaptive": False}],
                 **{"strategies.defence": rules}).payments  # fmt: skip
    assert (still.loc[still["checkout_id"] < 0, "amount_reporting"] > 8.0).mean() > 0.3


def test_step_up_shifts_liability_and_costs_abandonment():
    none, step = _run("none", days=1.0), _run("step_up", days=1.0)
    assert step.kpis["fraud_loss"] < none.kpis["fraud_loss"]
    log = step.payments
    left = log["decline_code"] == "step_up_abandoned"
    assert left.any() and (log.loc[left, "outcome"] == "abandoned").all()
    challenged = log["defence_action"] == "step_up"
    share = left.sum() / (challenged & ~log["is_fraud"]).sum()
    assert share == pytest.approx(0.25, abs=0.08)  # fraud.step_up.genuine_abandon


def test_review_holds_orders_in_a_queue():
    review = {"name": "review", "params": {"threshold": 0.01}}
    overrides = {"risk.review.analysts": 1, "risk.review.abandon_rate_per_h": 2.0,
                 "strategies.defence": review}  # fmt: skip
    result = _run("review", days=1.0, **overrides)
    kpis, log = result.kpis, result.payments
    assert kpis["review_mean_wait_h"] > 0 and kpis["review_backlog_max"] >= 1
    assert (log["decline_code"] == "review_abandoned").any()
    reviewed = log[(log["defence_action"] == "review") & (log["checkout_id"] >= 0)]
    served = reviewed[reviewed["decline_code"] != "review_abandoned"]
    caught = served.loc[served["is_fraud"], "decline_code"] == "review_declined"
    assert caught.mean() > 0.6  # risk.review.detect_rate 0.9 (friendly fraud goes unseen)
