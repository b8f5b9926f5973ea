"""``DefenceStrategyContract``: the tests every defence strategy, shipped or third-party, passes.

::

    from paysim.testing import DefenceStrategyContract

    class TestMyDefence(DefenceStrategyContract):
        def make_strategy(self):
            return MyDefence(threshold=0.3)

The checks: one action (approve, decline, step_up, review) per attempt, an empty batch is
fine, the same seed gives the same actions (also after binding again), views are read-only
and carry no ground truth, parameters round-trip through YAML, a bound strategy pickles and
decides the same after unpickling, labels (empty or not) are taken, and a class that
overrides ``observe`` says ``learns_from_labels``.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np

from paysim.model.checkout.spec import KYC_TIERS
from paysim.model.core.spec_types import METHODS
from paysim.model.fraud.signals import DefenceContext, DefenceFeedback, DefenceView
from paysim.strategies.defence.base import DEFENCES, BaseDefence
from paysim.testing.contract import StrategyContract

ACTIONS = (0, 1, 2, 3)


def fake_defence_context(seed: int = 0, markets: tuple[str, ...] = ("SG", "US")) -> DefenceContext:
    """Facts of a small world for binding a defence without a simulation."""
    return DefenceContext(
        markets=markets, methods=METHODS, kyc_tiers=KYC_TIERS, reporting_currency="USD",
        rng=np.random.default_rng(seed),
    )  # fmt: skip


def fake_defence_view(n: int, rng: np.random.Generator, t0_s: float = 0.0) -> DefenceView:
    """``n`` random attempts in time order, with plausible signals."""
    return DefenceView(
        t_s=t0_s + np.sort(rng.uniform(0, 60, n)),
        amount_reporting=rng.lognormal(3.5, 1.0, n),
        buyer_market=rng.integers(0, 2, n), seller_market=rng.integers(0, 2, n),
        method=rng.integers(0, len(METHODS), n).astype(np.int8),
        kyc_tier=rng.integers(0, len(KYC_TIERS), n).astype(np.int8),
        attempt=np.ones(n, np.int16), account_id=rng.integers(0, 10**6, n),
        card_id=rng.integers(0, 10**6, n), device_id=rng.integers(0, 10**6, n),
        new_device=rng.random(n) < 0.1, ip_mismatch=rng.random(n) < 0.05,
        account_age_days=rng.exponential(400, n), velocity_card_1h=rng.exponential(1, n),
        velocity_device_1h=rng.exponential(2, n), velocity_account_1h=rng.exponential(1, n),
        risk_score=rng.beta(0.3, 5, n),
    )  # fmt: skip


def fake_labels(view: DefenceView, share: float = 0.3) -> DefenceFeedback:
    """Labels for the first ``share`` of a view's attempts, all fraud."""
    k = int(len(view) * share)
    return DefenceFeedback(
        t_s=view.t_s[:k] + 1.0, account_id=view.account_id[:k], card_id=view.card_id[:k],
        device_id=view.device_id[:k], amount_reporting=view.amount_reporting[:k],
        is_fraud=np.ones(k, bool), source=np.zeros(k, np.int8),
    )  # fmt: skip


class DefenceStrategyContract(StrategyContract):
    """Subclass with ``make_strategy`` returning a new, unbound ``BaseDefence``."""

    registry = DEFENCES

    def make_strategy(self) -> BaseDefence:  # noqa: D102
        raise NotImplementedError("subclass the contract and define make_strategy()")

    def make_context(self, seed: int = 0) -> DefenceContext:
        """The facts to bind to (``fake_defence_context`` by default)."""
        return fake_defence_context(seed)

    def bound(self, seed: int = 0) -> BaseDefence:
        """A strategy from ``make_strategy``, bound to ``make_context(seed)``."""
        strategy = self.make_strategy()
        strategy.bind(self.make_context(seed))
        return strategy

    def views(self, n_batches: int = 4, n: int = 300) -> list[DefenceView]:
        """Batches of random attempts a minute apart."""
        rng = np.random.default_rng(2024)
        return [fake_defence_view(n, rng, 60.0 * b) for b in range(n_batches)]

    def run(self, strategy: BaseDefence) -> list[np.ndarray]:
        """Decisions on ``views()``, with labels of each batch given after it when it learns."""
        out = []
        for view in self.views():
            out.append(np.asarray(strategy.decide(view)))
            if strategy.learns_from_labels:
                strategy.observe(fake_labels(view))
        return out

    def test_one_valid_action_per_attempt(self) -> None:
        """``decide`` returns an integer action among the four for every attempt."""
        for view, action in zip(self.views(), self.run(self.bound()), strict=True):
            assert action.shape == (len(view),)
            assert np.issubdtype(action.dtype, np.integer)
            assert np.isin(action, ACTIONS).all()

    def test_an_empty_batch(self) -> None:
        """No attempts, no actions."""
        view = fake_defence_view(0, np.random.default_rng(0))
        assert np.asarray(self.bound().decide(view)).shape == (0,)

    def test_same_seed_same_actions(self) -> None:
        """Two strategies bound with the same seed decide alike; binding again resets."""
        first = self.run(self.bound(7))
        second = self.run(self.bound(7))
        strategy = self.bound(7)
        self.run(strategy)
        strategy.bind(self.make_context(7))
        again = self.run(strategy)
        for a, b, c in zip(first, second, again, strict=True):
            assert np.array_equal(a, b) and np.array_equal(a, c)

    def test_views_are_read_only_and_hold_no_truth(self) -> None:
        """A strategy cannot change what the world uses, nor read whether a payment is fraud."""
        names = {f.name for f in dataclasses.fields(DefenceView)}
        assert not names & {"is_fraud", "fraud_kind"}
        view = self.views()[0]
        self.bound().decide(view)
        for name in names:
            value = getattr(view, name)
            assert not value.flags.writeable, f"{name} is writeable"

    def test_a_bound_strategy_pickles_and_goes_on_alike(self) -> None:
        """Unpickled in a worker, a bound strategy decides as the original does."""
        strategy = self.bound(3)
        views = self.views()
        strategy.decide(views[0])
        twin = pickle.loads(pickle.dumps(strategy))
        for view in views[1:]:
            assert np.array_equal(strategy.decide(view), twin.decide(view))

    def test_labels_are_taken(self) -> None:
        """``observe`` accepts no labels and some labels."""
        strategy = self.bound()
        view = self.views()[0]
        strategy.observe(fake_labels(view, 0.0))
        strategy.observe(fake_labels(view))
        assert np.isin(np.asarray(strategy.decide(view)), ACTIONS).all()

    def test_a_learner_says_so(self) -> None:
        """A class that overrides ``observe`` sets ``learns_from_labels`` (else it is not fed)."""
        cls = type(self.make_strategy())
        if cls.observe is not BaseDefence.observe:
            assert cls.learns_from_labels
