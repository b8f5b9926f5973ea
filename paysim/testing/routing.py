"""``RoutingStrategyContract``: the tests every routing strategy, shipped or third-party, passes.

::

    from paysim.testing import RoutingStrategyContract

    class TestMyRouter(RoutingStrategyContract):
        def make_strategy(self):
            return MyRouter(window=100)

The checks: choices are among each payment's candidates (one integer per payment), an empty
batch and a single-candidate payment are handled, the same seed gives the same choices (also
after binding again), views are read-only and the truth is out of reach unless the class
says ``reads_truth``, parameters round-trip through YAML, a bound strategy pickles and goes on
choosing the same after unpickling (as in a worker process), an empty batch of results is
fine, a class that overrides ``observe`` says ``learns_from_feedback``, and a learner follows
decisive results.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import ClassVar

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext, RoutingTruth
from paysim.strategies.routing.base import ROUTERS, BaseRouter
from paysim.testing.contract import StrategyContract
from paysim.testing.fakes import empty_feedback, empty_view, fake_context, fake_view, feedback_for


class _Unreachable:
    """A truth that fails any test that touches it."""

    def __getattr__(self, name: str) -> None:
        raise AssertionError(f"a strategy without reads_truth read the truth ({name})")


class RoutingStrategyContract(StrategyContract):
    """Subclass with ``make_strategy`` returning a new, unbound ``BaseRouter``.

    Attributes:
        n_channels: channels of the test context (override ``make_context`` for more).
        decisive_share: share of payments a learner must send to the channel that
            succeeded every time, after results say one channel always fails.

    """

    registry = ROUTERS
    n_channels: ClassVar[int] = 3
    decisive_share: ClassVar[float] = 0.7

    def make_strategy(self) -> BaseRouter:  # noqa: D102
        raise NotImplementedError("subclass the contract and define make_strategy()")

    def make_context(self, seed: int = 0) -> RoutingContext:
        """The channel facts to bind to (``paysim.testing.fake_context`` by default)."""
        return fake_context(self.n_channels, seed=seed)

    # -- helpers ----------------------------------------------------------------------
    def bound(self, seed: int = 0) -> tuple[BaseRouter, RoutingContext]:
        """A strategy from ``make_strategy``, bound to ``make_context(seed)``."""
        strategy, context = self.make_strategy(), self.make_context(seed)
        strategy.bind(context)
        return strategy, context

    def views(self, context: RoutingContext, n_batches: int = 6, n: int = 200) -> list[AttemptView]:
        """Batches of random payments one minute apart (truth filled for ``reads_truth``)."""
        rng = np.random.default_rng(12345)
        out = []
        for b in range(n_batches):
            view = fake_view(context, n, rng, t0_s=60.0 * b)
            out.append(self.with_truth(view, rng))
        return out

    def with_truth(self, view: AttemptView, rng: np.random.Generator) -> AttemptView:
        """``view`` with a random truth if the strategy reads it."""
        if not self.make_strategy().reads_truth:
            return view
        p = rng.uniform(0.3, 0.99, view.candidates.shape)
        return dataclasses.replace(view, truth=RoutingTruth(p_success=p))

    def drive(self, strategy: BaseRouter, views: list[AttemptView]) -> list[np.ndarray]:
        """Route each view, then hand back its results (seeded) when the strategy learns."""
        luck = np.random.default_rng(99)
        choices = []
        for view in views:
            chosen = np.asarray(strategy.choose(view))
            choices.append(chosen)
            if strategy.learns_from_feedback and len(view):
                succeeded = luck.random(len(view)) < 0.5 + 0.4 * (chosen == 0)
                strategy.observe(feedback_for(view, chosen, succeeded))
        return choices

    # -- the contract -----------------------------------------------------------------
    def test_choices_are_among_the_candidates(self) -> None:
        """One integer per payment, always one of its candidates."""
        strategy, context = self.bound()
        views = self.views(context)
        for view, chosen in zip(views, self.drive(strategy, views), strict=True):
            assert chosen.shape == (len(view),)
            assert np.issubdtype(chosen.dtype, np.integer)
            assert view.candidates[np.arange(len(view)), chosen].all()

    def test_an_empty_batch(self) -> None:
        """A batch of no payments gives no choices, before and after learning."""
        strategy, context = self.bound()
        chosen = np.asarray(strategy.choose(empty_view(context)))
        assert chosen.shape == (0,)
        self.drive(strategy, self.views(context, n_batches=2))
        assert np.asarray(strategy.choose(empty_view(context))).shape == (0,)

    def test_a_payment_with_a_single_candidate(self) -> None:
        """A payment with one candidate goes there."""
        strategy, context = self.bound()
        rng = np.random.default_rng(7)
        n = 50
        only = rng.integers(0, self.n_channels, n)
        candidates = np.zeros((n, self.n_channels), dtype=bool)
        candidates[np.arange(n), only] = True
        view = self.with_truth(fake_view(context, n, rng, candidates=candidates), rng)
        assert (np.asarray(strategy.choose(view)) == only).all()

    def test_the_same_seed_gives_the_same_choices(self) -> None:
        """Same seed, same views and results: same choices (also after binding again)."""
        first, context = self.bound(seed=3)
        second, _ = self.bound(seed=3)
        views = self.views(context)
        a, b = self.drive(first, views), self.drive(second, views)
        assert all((x == y).all() for x, y in zip(a, b, strict=True))
        first.bind(self.make_context(seed=3))  # binding again starts afresh
        c = self.drive(first, views)
        assert all((x == y).all() for x, y in zip(a, c, strict=True))

    def test_views_are_read_only_and_the_truth_out_of_reach(self) -> None:
        """Views cannot be written, and only a ``reads_truth`` strategy may read the truth."""
        strategy, context = self.bound()
        view = self.views(context, n_batches=1)[0]
        assert not view.candidates.flags.writeable and not view.t_s.flags.writeable
        assert not context.eligible.flags.writeable
        try:
            view.t_s[0] = 0.0
        except ValueError:
            pass
        else:  # pragma: no cover - the views are broken, not the strategy
            raise AssertionError("view arrays must be read-only")
        if not strategy.reads_truth:
            poisoned = dataclasses.replace(view, truth=_Unreachable())  # type: ignore[arg-type]
            self.drive(strategy, [poisoned, view])

    def test_a_bound_strategy_pickles_and_goes_on_the_same(self) -> None:
        """A bound strategy with some history unpickles into one that chooses the same."""
        strategy, context = self.bound()
        views = self.views(context)
        self.drive(strategy, views[:3])
        twin = pickle.loads(pickle.dumps(strategy))
        a, b = self.drive(strategy, views[3:]), self.drive(twin, views[3:])
        assert all((x == y).all() for x, y in zip(a, b, strict=True))

    def test_an_empty_batch_of_results(self) -> None:
        """``observe`` takes an empty batch of results."""
        strategy, context = self.bound()
        strategy.observe(empty_feedback())
        views = self.views(context, n_batches=3)
        self.drive(strategy, views[:2])
        strategy.observe(empty_feedback())
        chosen = np.asarray(strategy.choose(views[2]))
        assert views[2].candidates[np.arange(len(views[2])), chosen].all()

    def test_a_class_that_observes_says_it_learns(self) -> None:
        """Overriding ``observe`` needs ``learns_from_feedback = True`` (else never called)."""
        strategy = self.make_strategy()
        if type(strategy).observe is not BaseRouter.observe:
            assert strategy.learns_from_feedback, (
                "observe is overridden but learns_from_feedback is False: the world would "
                "never call it"
            )

    def test_a_learner_follows_decisive_results(self) -> None:
        """After results where one channel always fails, a learner mostly uses the other."""
        if not self.make_strategy().learns_from_feedback:
            return
        for good, bad in ((1, 0), (0, 1)):
            strategy, context = self.bound()
            rng = np.random.default_rng(5)
            both = np.zeros((400, self.n_channels), dtype=bool)
            both[:, [0, 1]] = True
            past = fake_view(context, 400, rng, t0_s=0.0, duration_s=100.0, candidates=both)
            channel = np.where(np.arange(400) % 2 == 0, good, bad)
            strategy.observe(feedback_for(past, channel, channel == good))
            now = dataclasses.replace(past, t_s=np.full(400, 101.0))
            share = float(np.mean(np.asarray(strategy.choose(now)) == good))
            assert share >= self.decisive_share, (
                f"after results where ch{good} always succeeded and ch{bad} always failed, "
                f"only {share:.0%} of payments went to ch{good}"
            )
