"""Routers learn results only once they have happened, in the order they came back.

With ``platform.routing_refresh_s`` 0 a router deciding at time t has seen exactly the results
that came back before t; with R > 0, exactly those back before the last refresh, floor(t/R) R;
in both cases whatever ``engine.batch_s`` is.
"""

import math

import numpy as np
import pytest

import paysim
from paysim.model.routing import known_before_s
from paysim.model.world import World
from paysim.strategies.routing.base import BaseRouter, first_by_rank


class SpyRouter(BaseRouter):
    """Priority by scenario order, recording what it was told and when it had to choose."""

    learns_from_feedback = True

    def __init__(self) -> None:
        self.known_until_s = -np.inf
        self.violations = 0
        self.results = 0
        self.out_of_order = 0
        self.calls: list[tuple[np.ndarray, int]] = []  # (times routed, results seen by then)
        self.seen: list[np.ndarray] = []

    def choose(self, attempts):
        if len(attempts) and self.known_until_s > attempts.t_s.min():
            self.violations += 1
        self.calls.append((attempts.t_s.copy(), self.results))
        return first_by_rank(
            attempts.candidates, np.arange(attempts.candidates.shape[1], dtype=float)
        )

    def observe(self, feedback):
        self.out_of_order += int(np.sum(np.diff(feedback.t_s) < 0))
        self.known_until_s = max(self.known_until_s, float(feedback.t_s.max()))
        self.results += len(feedback)
        self.seen.append(feedback.t_s.copy())


def _spied_run(days: float, batch_s: float = 60.0, refresh_s: float = 0.0):
    overrides = {"engine.batch_s": batch_s, "platform.routing_refresh_s": refresh_s}
    scenario = paysim.load_scenario("scenarios/quickstart.yaml", overrides)
    spy = SpyRouter()
    world = World(scenario, spy, 5, days * 86_400)
    world.run()
    return spy, world


def test_a_router_never_learns_a_result_before_it_happened():
    spy, world = _spied_run(0.5)
    sent = int(world.totals.attempts_by_outcome.sum()) - int(world.totals.attempts_by_outcome[4])
    assert spy.results > 0.9 * sent  # all but the results still on their way at the horizon
    assert spy.violations == 0 and spy.out_of_order == 0


@pytest.mark.parametrize("refresh_s", [0.0, 30.0])
@pytest.mark.parametrize("batch_s", [60.0, 300.0])
def test_a_router_deciding_at_t_knows_every_result_back_before_t(batch_s, refresh_s):
    spy, world = _spied_run(0.2, batch_s, refresh_s)
    back_s = np.sort(np.concatenate(spy.seen + [f.t_s for f in world.feedback.waiting]))
    routed = 0
    for t_s, seen in spy.calls:
        known = [known_before_s(float(t), refresh_s) for t in t_s]
        np.testing.assert_array_equal(np.searchsorted(back_s, known, side="left"), seen)
        routed += len(t_s)
    assert routed > 1000 and world.totals.retries_out_of_order == 0
    if refresh_s:  # one router call per refresh period with payments, at most
        assert (
            world.totals.routing_chunks <= math.ceil(0.2 * 86_400 / refresh_s) + world.totals.rounds
        )


def test_a_router_that_ignores_results_is_not_sent_any():
    scenario = paysim.load_scenario("scenarios/quickstart.yaml")
    router = paysim.scenario.strategies.build_router(scenario)
    world = World(scenario, router, 5, 0.1 * 86_400)
    assert not world.router_learns
    world.run()
    assert not world.feedback.waiting


def test_a_router_that_ignores_results_routes_each_round_at_once():
    scenario = paysim.load_scenario("scenarios/quickstart.yaml")
    router = paysim.scenario.strategies.build_router(scenario)
    calls = []
    choose = router.choose
    router.choose = lambda view: calls.append(len(view)) or choose(view)
    world = World(scenario, router, 5, 0.1 * 86_400)
    world.run()
    assert len(calls) <= world.totals.rounds and world.totals.routing_chunks == 0
    assert world.totals.rounds <= 3 * 0.1 * 86_400 / scenario.engine.batch_s
