"""A learning router's chunks run up to the next result that can come back: same decisions.

With ``routing_refresh_s`` 0 a payment at t knows every result back before t. Attempts before
the first result not yet handed over, and before the soonest result of an earlier attempt of
the chunk, know exactly the same, so routing them together decides what routing them one
instant at a time decides: outputs are identical, with fewer router calls. Deterministic
routers (no exploration draws) make that a byte-for-byte comparison; the worlds have queues
that turn payments away and outages answered at once (the two ways a result comes back with
no latency).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import paysim
from paysim.model.world import World
from paysim.scenario.loader import scenario_from_dict
from paysim.scenario.strategies import build_router
from tests.conftest import SCENARIOS
from tests.validation.test_window_invariance import (
    OUTAGE_WORLD,
    QUEUE_WORLD,
    AvoidAfterOutageRouter,
)


def _run(scenario, router, lookahead: bool, days: float, seed: int = 2) -> World:
    world = World(scenario, router, np.random.SeedSequence(seed), days * 86_400)
    world.order.lookahead = lookahead
    world.run()
    assert world.totals.retries_out_of_order == 0
    return world


def _same_with_fewer_chunks(make_router, scenario, days: float) -> tuple[int, int]:
    on = _run(scenario, make_router(), True, days)
    off = _run(scenario, make_router(), False, days)
    pd.testing.assert_frame_equal(on.recorder.to_frame(), off.recorder.to_frame())
    # summed chunk by chunk: equal up to the order of the additions
    assert on.totals.routing_regret == pytest.approx(off.totals.routing_regret, rel=1e-12)
    assert on.totals.routing_chunks < off.totals.routing_chunks
    return on.totals.routing_chunks, off.totals.routing_chunks


@pytest.mark.parametrize("world", [QUEUE_WORLD, OUTAGE_WORLD], ids=["queue", "outages"])
def test_lookahead_chunks_decide_the_same(world) -> None:
    _same_with_fewer_chunks(AvoidAfterOutageRouter, scenario_from_dict(world), days=0.05)


@pytest.mark.parametrize("name", ["sw_ucb", "elimination"])
def test_lookahead_chunks_decide_the_same_on_the_drifting_flagship(name: str) -> None:
    scenario = paysim.load_scenario(SCENARIOS / "flagship_drift.yaml")
    scenario = scenario_from_dict(
        scenario.model_dump(mode="json", by_alias=True),
        {"strategies.routing": {"name": name}, "platform.routing_refresh_s": 0.0},
    )
    on, off = _same_with_fewer_chunks(lambda: build_router(scenario), scenario, days=0.03)
    assert on < 0.85 * off  # measured 0.74 in the night hours (sparse arrivals)
