"""KYC tiers and personal limits block the payments they should, and only those."""

import numpy as np

import paysim

QUICKSTART = "scenarios/quickstart.yaml"
UNVERIFIED = {"markets.ID.kyc_mix": {"none": 1.0}, "markets.TH.kyc_mix": {"none": 1.0}}


def _payments(**overrides):
    result = paysim.simulate(QUICKSTART, seed=5, days=0.5, overrides={**UNVERIFIED, **overrides})
    assert result.kpis["ledger_imbalance"] == 0
    return result.payments


def test_per_payment_limit_blocks_exactly_the_larger_payments():
    payments = _payments(**{"risk.kyc.none.per_payment": 20.0})
    blocked = payments["decline_code"] == "kyc_limit"
    assert blocked.any()
    assert np.array_equal(blocked.to_numpy(), (payments["amount_reporting"] > 20.0).to_numpy())
    assert (payments.loc[blocked, "outcome"] == "blocked").all()
    assert (payments.loc[blocked, "channel"] == "").all()


def test_daily_limit_caps_what_a_buyer_pays_per_day():
    payments = _payments(
        **{"risk.kyc.none.daily": 25.0, "markets.ID.buyers": 300, "markets.TH.buyers": 200}
    )
    paid = payments[payments["outcome"] == "succeeded"]
    day = (paid["t_s"] // 86_400).astype(int)
    per_buyer_day = paid.groupby([paid["buyer_id"], day])["amount_reporting"].sum()
    assert (payments["decline_code"] == "kyc_limit").any()
    assert per_buyer_day.max() <= 25.0 + 1e-9


def test_verified_buyers_are_not_limited_by_the_unverified_tier():
    result = paysim.simulate(
        QUICKSTART, seed=5, days=0.25, overrides={"risk.kyc.none.per_payment": 1.0}
    )
    assert (result.payments["kyc_tier"] == "full").all()
    assert not (result.payments["decline_code"] == "kyc_limit").any()


def test_personal_limit_blocks_the_default_method_and_buyers_switch():
    payments = _payments(
        **{
            "checkout.personal_limit.share": 1.0,
            "checkout.personal_limit.amount": {"dist": "constant", "value": 5.0},
            "checkout.default_method_share": 1.0,
            "checkout.retry.probability": 1.0,
        }
    )
    blocked = payments[payments["decline_code"] == "personal_limit"]
    assert len(blocked) > 0 and (blocked["amount_reporting"] > 5.0).all()
    retried = payments[
        payments["checkout_id"].isin(blocked["checkout_id"]) & (payments["attempt"] == 2)
    ]
    first = blocked[blocked["attempt"] == 1].set_index("checkout_id")["method"].astype(str)
    second = retried.set_index("checkout_id")["method"].astype(str)
    assert len(second) > 0
    assert (second != first.reindex(second.index)).all()
