"""Checks that every run must pass, shared by the property tests and the shipped-file tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import paysim
from paysim.analysis import kpis_from_payments
from paysim.engine import SECONDS_PER_DAY


def _paid_orders(payments: pd.DataFrame) -> int:
    # the channel's truth: a timed-out payment it did capture pays the order too
    return int(payments.loc[payments["charged"], "checkout_id"].nunique())


def check_money_is_conserved(result: paysim.RunResult) -> None:
    assert result.kpis["ledger_imbalance"] == 0
    assert result.ledger.to_numpy().dtype == np.int64
    assert (result.ledger.sum(axis=0) == 0).all(), result.ledger


def check_counts_add_up(result: paysim.RunResult) -> None:
    kpis, payments = result.kpis, result.payments
    assert kpis["payments_attempted"] == kpis["payments_succeeded"] + kpis["payments_failed"]
    assert kpis["payments_attempted"] == len(payments)
    paid = _paid_orders(payments)
    assert kpis["checkouts"] >= paid + kpis["checkouts_abandoned"]  # the rest are in flight
    assert kpis["conversion_rate"] == pytest.approx(paid / kpis["checkouts"] if paid else 0.0)


def check_attempts_per_checkout(result: paysim.RunResult) -> None:
    payments = result.payments
    payments = payments[payments["checkout_id"] >= 0]  # card testers' probes have no checkout
    attempts = payments.groupby("checkout_id")["attempt"]
    assert (attempts.min() == 1).all()
    assert (attempts.max() == attempts.count()).all(), "attempt numbers must be 1..k"
    assert (attempts.nunique() == attempts.count()).all()
    assert (payments["attempt"] <= result.scenario.checkout.retry.max_attempts).all()
    succeeded = payments[payments["outcome"] == "succeeded"]
    assert succeeded["checkout_id"].is_unique, "at most one success per checkout"
    last = attempts.max().reindex(succeeded["checkout_id"]).to_numpy()
    assert (succeeded["attempt"].to_numpy() == last).all(), "no attempt after a success"


def check_kpis_match_the_log(result: paysim.RunResult) -> None:
    kpis, from_log = result.kpis, kpis_from_payments(result.payments)
    for name in ("payments_attempted", "payments_succeeded", "payments_failed"):
        assert kpis[name] == from_log[name], name
    for name in ("gmv", "auth_rate", "latency_p50_ms", "latency_p99_ms"):
        assert kpis[name] == pytest.approx(from_log[name], rel=1e-9, abs=1e-9), name
    assert kpis["double_charges"] == from_log["double_charges"]
    assert kpis["conversion_rate"] == pytest.approx(from_log["paid_orders"] / kpis["checkouts"])
    # fees_total adds payout fees (>= 0) to the channel fees of the log
    assert kpis["fees_total"] >= from_log["channel_fees"] * (1 - 1e-9) - 1e-9


def check_log_is_consistent(result: paysim.RunResult) -> None:
    payments = result.payments
    horizon_s = result.days * SECONDS_PER_DAY
    assert ((payments["t_s"] >= 0) & (payments["t_s"] < horizon_s)).all()
    unavailable = payments["decline_code"] == "channel_unavailable"
    # stopped by the platform, or left at its challenge or review: never sent
    blocked = payments["outcome"].isin(["blocked", "abandoned"])
    assert (payments.loc[unavailable, "outcome"] == "failed").all()
    unreached = unavailable | blocked
    assert payments["latency_ms"].isna().equals(unreached), "no latency only when unreached"
    assert (payments.loc[blocked, "channel"].astype(str) == "").all()
    assert (payments.loc[~blocked, "channel"].astype(str) != "").all()
    succeeded = payments["outcome"] == "succeeded"
    # the channel's fee is charged on every charge (a captured timeout included); the schemes
    # charge card testers' declined probes (no checkout) too
    uncharged = ~payments["charged"] & (payments["checkout_id"] >= 0)
    assert (payments.loc[uncharged, "fee_reporting"] == 0).all()
    # a card tester's live probe is an authorisation, voided: it charges nothing
    assert (payments.loc[succeeded & (payments["checkout_id"] >= 0), "charged"]).all()
    assert (payments["amount"] > 0).all()


def check_kpis_are_finite_numbers(result: paysim.RunResult) -> None:
    # summary.json must stay valid JSON: no NaN or infinity, even for a run with no payments
    for name, value in result.kpis.items():
        # breakdowns (per channel, per method) are mappings of such numbers
        for key, number in value.items() if isinstance(value, dict) else [(name, value)]:
            assert isinstance(number, int | float), (name, key)
            assert math.isfinite(number), (name, key)


def check_kyc_limits_hold(result: paysim.RunResult) -> None:
    # what a buyer of a tier pays: each payment within per_payment, each UTC day within daily
    kyc = result.scenario.risk.kyc
    paid = result.payments[result.payments["outcome"] == "succeeded"]
    day = (paid["t_s"] // SECONDS_PER_DAY).astype(int)
    for tier in ("none", "basic", "full"):
        limits = getattr(kyc, tier)
        of_tier = paid["kyc_tier"] == tier
        if limits.per_payment is not None:
            assert (paid.loc[of_tier, "amount_reporting"] <= limits.per_payment + 1e-9).all()
        if limits.daily is not None:
            spent = paid[of_tier].groupby([paid["buyer_id"], day])["amount_reporting"].sum()
            assert spent.max() <= limits.daily + 1e-9 if len(spent) else True, (tier, spent.max())


def check_all(result: paysim.RunResult) -> None:
    check_kpis_are_finite_numbers(result)
    check_money_is_conserved(result)
    check_counts_add_up(result)
    check_attempts_per_checkout(result)
    check_kpis_match_the_log(result)
    check_log_is_consistent(result)
    check_kyc_limits_hold(result)
