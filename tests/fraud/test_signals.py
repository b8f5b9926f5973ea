"""Signals: the velocity counters, bad fraud input, the world's score separation."""

from __future__ import annotations

import numpy as np
import pytest

import paysim
from paysim.errors import ScenarioError
from paysim.model.fraud.signals import VelocityCounter


def test_velocity_is_the_decayed_count_of_earlier_attempts_with_the_key():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 30, 600)
    t_s = np.sort(rng.uniform(0, 4 * 3600, 600))
    counter = VelocityCounter(n_slots=1 << 16)
    got = np.concatenate(
        [counter.count(keys[p], t_s[p]) for p in np.array_split(np.arange(600), 5)]
    )
    expected = [np.exp(-(t_s[i] - t_s[:i][keys[:i] == keys[i]]) / 3600).sum() for i in range(600)]
    assert np.allclose(got, expected)


def test_a_bad_fraud_field_is_one_line_naming_it():
    with pytest.raises(ScenarioError) as caught:
        paysim.load_scenario(
            "scenarios/quickstart.yaml",
            {"fraud": {"attackers": [{"kind": "stolen_card", "share": 1.5}]}},
        )
    assert caught.value.problems == ["fraud.attackers.stolen_card.share: must be <= 1, got 1.5"]
    with pytest.raises(ScenarioError, match=r"fraud\.attackers\.x: unknown kind"):
        paysim.load_scenario("scenarios/quickstart.yaml", {"fraud": {"attackers": [{"kind": "x"}]}})
    with pytest.raises(ScenarioError, match=r"risk\.review\.analysts: must be >= 1"):
        paysim.load_scenario("scenarios/quickstart.yaml", {"risk.review.analysts": 0})


def test_the_realised_auc_in_the_world_is_the_configured_one():
    fraud = {"attackers": [{"kind": "stolen_card", "share": 0.05}],
             "score": {"model": "binormal", "auc": 0.85}}  # fmt: skip
    log = paysim.simulate("scenarios/quickstart.yaml", seed=2, days=0.5,
                          overrides={"fraud": fraud}).payments  # fmt: skip
    score, label = log["risk_score"].to_numpy(np.float64), log["is_fraud"].to_numpy()
    logit = np.log(score) - np.log1p(-score)  # float32 scores near 0: compare log-odds ranks
    ranks = np.argsort(np.argsort(logit)) + 1
    n1, n0 = label.sum(), (~label).sum()
    auc = (ranks[label].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    assert n1 > 150
    assert auc == pytest.approx(0.85, abs=0.03)
