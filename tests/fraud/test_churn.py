"""False-decline churn: a share of falsely declined genuine buyers never order again.

A small world (500 buyers ordering ~16 times a day each) with a weak score and a low decline
threshold, so many genuine buyers are declined and each has many later orders to lose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import paysim

DEFENCE = {"name": "score_threshold", "params": {"threshold": 0.002}}
FRAUD = {"attackers": [{"kind": "stolen_card", "share": 0.01}],
         "score": {"model": "binormal", "auc": 0.8}}  # fmt: skip


def _run(share: float) -> paysim.RunResult:
    return paysim.simulate(
        "scenarios/quickstart.yaml", seed=3, days=1.0,
        overrides={"markets.ID.buyers": 300, "markets.TH.buyers": 200, "fraud": FRAUD,
                   "risk.false_decline_churn": share,
                   "strategies.defence": DEFENCE},
    )  # fmt: skip


@pytest.fixture(scope="module")
def runs() -> dict[float, paysim.RunResult]:
    return {share: _run(share) for share in (0.0, 0.4, 1.0)}


def _false_declines(log: pd.DataFrame) -> pd.Series:
    """Each falsely declined genuine buyer's first false decline time."""
    genuine = log["fraud_kind"].astype(str) == ""
    declined = log["decline_code"].astype(str).isin(["fraud_declined", "review_declined"])
    return log[genuine & declined].groupby("buyer_id")["t_s"].min()


def _later_orders(log: pd.DataFrame, first_decline: pd.Series) -> pd.Series:
    """Orders (first attempts) each of those buyers placed after that decline."""
    first = log[(log["attempt"] == 1) & log["buyer_id"].isin(first_decline.index)]
    after = first["t_s"].to_numpy() > first_decline.loc[first["buyer_id"]].to_numpy()
    counts = first[after].groupby("buyer_id").size()
    return counts.reindex(first_decline.index, fill_value=0)


def test_no_churn_when_the_share_is_zero(runs):
    kpis = runs[0.0].kpis
    assert kpis["churned_buyers"] == 0 and kpis["churn_lost_orders"] == 0
    assert len(_false_declines(runs[0.0].payments)) > 200  # the world does turn buyers away


def test_every_falsely_declined_buyer_churns_at_share_one(runs):
    log, kpis = runs[1.0].payments, runs[1.0].kpis
    first_decline = _false_declines(log)
    assert kpis["churned_buyers"] == len(first_decline)
    # a churned buyer opens no checkout once the decline is known (a window and a confirm later)
    later = _later_orders(log, first_decline + 3600.0)
    assert later.sum() == 0


def test_churn_removes_the_expected_share_of_later_orders(runs):
    base, churned = runs[0.0], runs[0.4]
    lost = churned.kpis["churn_lost_orders"]
    # arrivals do not depend on the defence's luck: the lost orders are exactly the missing ones
    assert base.kpis["checkouts"] - churned.kpis["checkouts"] == lost
    first_decline = _false_declines(base.payments)
    n = len(first_decline)
    share = churned.kpis["churned_buyers"] / n
    assert share == pytest.approx(0.4, abs=4 * np.sqrt(0.4 * 0.6 / n))
    # each buyer leaves with probability 0.4 and takes their later orders along
    later = _later_orders(base.payments, first_decline).to_numpy(float)
    expected, sd = 0.4 * later.sum(), np.sqrt(0.4 * 0.6 * (later**2).sum())
    assert later.sum() > 1000
    assert lost == pytest.approx(expected, abs=4 * sd + 0.02 * expected)
