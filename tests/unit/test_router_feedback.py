"""Routers learn results only once they have happened, in the order they came back."""

import numpy as np

import paysim
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

    def choose(self, attempts):
        if len(attempts) and self.known_until_s > attempts.t_s.min():
            self.violations += 1
        return first_by_rank(
            attempts.candidates, np.arange(attempts.candidates.shape[1], dtype=float)
        )

    def observe(self, feedback):
        self.out_of_order += int(np.sum(np.diff(feedback.t_s) < 0))
        self.known_until_s = max(self.known_until_s, float(feedback.t_s.max()))
        self.results += len(feedback)


def test_a_router_never_learns_a_result_before_it_happened():
    scenario = paysim.load_scenario("scenarios/quickstart.yaml")
    spy = SpyRouter()
    world = World(scenario, spy, 5, 0.5 * 86_400)
    world.run()
    sent = int(world.totals.attempts_by_outcome.sum()) - int(world.totals.attempts_by_outcome[4])
    assert spy.results > 0.9 * sent  # all but the results still on their way at the horizon
    assert spy.violations == 0 and spy.out_of_order == 0


def test_a_router_that_ignores_results_is_not_sent_any():
    scenario = paysim.load_scenario("scenarios/quickstart.yaml")
    router = paysim.scenario.strategies.build_router(scenario)
    world = World(scenario, router, 5, 0.1 * 86_400)
    assert not world.router_learns
    world.run()
    assert not world.feedback.waiting
