"""Shipped strategies in the simulated world: they run, and the world hands them what it should."""

from __future__ import annotations

import numpy as np
import pytest

import paysim
from paysim.model.world import World
from paysim.strategies.routing.base import BaseRouter, first_by_rank
from tests.conftest import FLAGSHIP

PARAMS = {
    "volume_split": {"shares": {"card_local": 0.5, "card_sg": 0.3, "unionpay_cn": 0.2}},
    "contract": {"commitments": {"card_sg": {"target_count": 300, "target_time_s": 3600.0}}},
    "success_rate": {"objective": "expected_value", "segment_by": ["method", "amount_band"]},
}
NAMES = [
    "priority", "volume_split", "cheapest", "weighted_score", "success_rate", "epsilon_greedy",
    "ucb", "sw_ucb", "thompson", "elimination", "contract",
]  # fmt: skip


@pytest.fixture(scope="module")
def flagship():
    return paysim.load_scenario(FLAGSHIP)


@pytest.mark.parametrize("name", NAMES)
def test_a_shipped_strategy_runs_the_flagship(flagship, name):
    overrides = {"strategies.routing": {"name": name, "params": PARAMS.get(name, {})}}
    result = paysim.simulate(flagship, seed=4, days=0.02, overrides=overrides)
    assert result.kpis["payments_attempted"] > 500
    assert result.kpis["ledger_imbalance"] == 0
    assert result.kpis["routing_regret"] >= 0


def test_the_oracle_is_handed_the_truth_and_has_no_regret(flagship):
    overrides = {"strategies.routing": {"name": "oracle"}}
    oracle = paysim.simulate(flagship, seed=4, days=0.02, overrides=overrides).kpis
    priority = paysim.simulate(flagship, seed=4, days=0.02).kpis
    assert oracle["routing_regret"] == pytest.approx(0.0, abs=1e-9)
    assert priority["routing_regret"] > 0.5


def test_a_deployable_strategy_is_never_handed_the_truth(flagship):
    spy = Spy()
    World(flagship, spy, 4, 0.01 * 86_400).run()
    assert spy.views and all(view.truth is None for view in spy.views)


class Spy(BaseRouter):
    """Scenario order; keeps what it was handed."""

    learns_from_feedback = True

    def __init__(self) -> None:
        self.views: list = []
        self.feedback: list = []

    def choose(self, view):
        self.views.append(view)
        return first_by_rank(view.candidates, np.arange(view.candidates.shape[1], dtype=float))

    def observe(self, feedback):
        self.feedback.append(feedback)


def test_the_world_hands_read_only_views_with_currency_network_and_amount(flagship):
    spy = Spy()
    World(flagship, spy, 4, 0.01 * 86_400).run()
    context = spy.context
    assert not context.eligible.flags.writeable and context.currencies
    currency_of_market = {m.code: m.currency for m in flagship.markets}
    for view in spy.views:
        for name in ("t_s", "candidates", "currency", "network", "amount_reporting"):
            assert not getattr(view, name).flags.writeable, name
        assert view.truth is None
        markets = np.asarray(context.markets)[view.buyer_market]
        currencies = np.asarray(context.currencies)[view.currency]
        assert all(currency_of_market[m] == c for m, c in zip(markets, currencies, strict=True))
        card = view.method == context.methods.index("card")
        assert (view.network[~card] == -1).all() and (view.network[card] >= 0).all()
    results = sum(len(f) for f in spy.feedback)
    assert results > 0.9 * sum(len(v) for v in spy.views)
    for feedback in spy.feedback:
        assert not feedback.currency.flags.writeable
        assert (np.diff(feedback.t_s) >= 0).all()
        assert (feedback.amount_reporting > 0).all()
