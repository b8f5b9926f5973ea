"""Every shipped defence passes the defence contract; the registry knows the contract's names."""

from __future__ import annotations

import numpy as np
import pytest

from paysim.errors import ScenarioError
from paysim.strategies.defence import DECLINE, DEFENCES, REVIEW, STEP_UP
from paysim.strategies.defence.shipped import (
    LayeredDefence,
    NoDefence,
    ReviewDefence,
    RulesDefence,
    ScoreThresholdDefence,
    StepUpDefence,
)
from paysim.testing import DefenceStrategyContract, fake_defence_context, fake_defence_view


def test_the_contract_names_are_registered():
    assert {"none", "rules", "score_threshold", "step_up", "review", "layered"} <= set(
        DEFENCES.names()
    )


class TestNone(DefenceStrategyContract):
    def make_strategy(self):
        return NoDefence()


class TestRules(DefenceStrategyContract):
    def make_strategy(self):
        return RulesDefence(max_amount=200.0, kyc_max_amount={"none": 50.0}, block_devices=[3])


class TestScoreThreshold(DefenceStrategyContract):
    def make_strategy(self):
        return ScoreThresholdDefence(threshold=0.3)


class TestStepUp(DefenceStrategyContract):
    def make_strategy(self):
        return StepUpDefence(threshold=0.1)


class TestReview(DefenceStrategyContract):
    def make_strategy(self):
        return ReviewDefence(threshold=0.2)


class TestLayered(DefenceStrategyContract):
    def make_strategy(self):
        return LayeredDefence(step_up_at=0.05, review_at=0.3, decline_at=0.8,
                              rules={"max_amount": 300.0})  # fmt: skip


def _bound(defence):
    defence.bind(fake_defence_context())
    return defence


def test_bands_of_layered_follow_the_score():
    view = fake_defence_view(2000, np.random.default_rng(1))
    no_rules = {"max_card_per_h": None, "max_device_per_h": None}
    action = _bound(LayeredDefence(0.1, 0.4, 0.9, rules=no_rules)).decide(view)
    score = view.risk_score
    assert (action[score >= 0.9] == DECLINE).all()
    assert (action[(score >= 0.4) & (score < 0.9)] == REVIEW).all()
    assert (action[(score >= 0.1) & (score < 0.4)] == STEP_UP).all()


def test_rules_fire_on_their_signals_and_learn_blocks():
    view = fake_defence_view(500, np.random.default_rng(2))
    rules = _bound(RulesDefence(max_amount=100.0, max_card_per_h=None, max_device_per_h=None))
    hit = rules.decide(view) == DECLINE
    assert np.array_equal(hit, view.amount_reporting > 100.0)
    from paysim.testing import fake_labels

    rules.observe(fake_labels(view, 0.1))
    labelled = np.isin(view.device_id, view.device_id[:50])
    assert (rules.decide(view)[labelled] == DECLINE).all()


def test_bad_parameters_name_the_field():
    with pytest.raises(ScenarioError, match=r"strategies.defence.params.threshold: must be"):
        DEFENCES.create("score_threshold", {"threshold": 2}, "strategies.defence")
    with pytest.raises(ScenarioError, match=r"strategies.defence.params.action"):
        DEFENCES.create("rules", {"action": "shout"}, "strategies.defence")
    with pytest.raises(ScenarioError, match=r"strategies.defence.name: unknown defence"):
        DEFENCES.create("nope", {}, "strategies.defence")
