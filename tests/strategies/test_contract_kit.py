"""The contract kit catches the mistakes it is there for (run on deliberately broken routers)."""

from __future__ import annotations

import numpy as np
import pytest

from paysim.strategies.registry import Registry
from paysim.strategies.routing.base import BaseRouter, first_by_rank
from paysim.testing import RoutingStrategyContract

KIT = Registry("routing", base=BaseRouter, group="paysim.tests.none")  # not the real one


@KIT.register("correct")
class _Base(BaseRouter):
    """Correct: the first candidate in scenario order."""

    def __init__(self) -> None:
        pass

    def choose(self, view):
        return first_by_rank(view.candidates, np.arange(view.candidates.shape[1], dtype=float))


@KIT.register("anywhere")
class AnyChannel(_Base):
    """Broken: ignores the candidates."""

    def choose(self, view):
        return np.zeros(len(view), dtype=np.intp)


@KIT.register("global_random")
class GlobalRandom(_Base):
    """Broken: draws from numpy's global generator, not its own."""

    def choose(self, view):
        u = np.random.random(view.candidates.shape)  # noqa: NPY002 - the mistake under test
        return np.where(view.candidates, u, -1).argmax(axis=1)


@KIT.register("deaf")
class Deaf(_Base):
    """Broken: says it learns but ignores what it is told."""

    learns_from_feedback = True


@KIT.register("silent")
class Silent(_Base):
    """Broken: overrides observe without saying it learns."""

    def observe(self, feedback):
        self.seen = len(feedback)


@KIT.register("peeks")
class Peeks(_Base):
    """Broken: reads the truth without saying so."""

    def choose(self, view):
        if view.truth is not None:
            return np.where(view.candidates, view.truth.p_success, -1).argmax(axis=1)
        return super().choose(view)


@KIT.register("writes")
class Writes(_Base):
    """Broken: writes into the view."""

    def choose(self, view):
        view.candidates[:, 0] = True
        return super().choose(view)


@KIT.register("hides_params")
class HidesParams(_Base):
    """Broken: does not keep its parameter under its name."""

    def __init__(self, window: int = 5) -> None:
        self._window = window


def kit(cls):
    class Kit(RoutingStrategyContract):
        registry = KIT

        def make_strategy(self):
            return cls()

    return Kit()


@pytest.mark.parametrize(
    ("cls", "test"),
    [
        (AnyChannel, "test_choices_are_among_the_candidates"),
        (GlobalRandom, "test_the_same_seed_gives_the_same_choices"),
        (Deaf, "test_a_learner_follows_decisive_results"),
        (Silent, "test_a_class_that_observes_says_it_learns"),
        (Peeks, "test_views_are_read_only_and_the_truth_out_of_reach"),
        (Writes, "test_views_are_read_only_and_the_truth_out_of_reach"),
        (HidesParams, "test_parameters_round_trip_through_yaml"),
    ],
)
def test_the_kit_fails_a_broken_router(cls, test):
    with pytest.raises((AssertionError, AttributeError, ValueError)):
        getattr(kit(cls), test)()


def test_the_kit_passes_a_correct_router():
    k = kit(_Base)
    for name in dir(k):
        if name.startswith("test_"):
            getattr(k, name)()
