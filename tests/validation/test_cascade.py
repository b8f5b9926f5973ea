"""Cascading retries: a soft decline is tried again at once on another channel.

Each try is its own row; it comes the moment the decline is back, on a channel the cascade has
not tried, at most ``depth`` times; hard declines are never cascaded; the buyer's retries
count only the buyer's tries; results do not depend on ``engine.batch_s``, with a router
that learns and one that does not; a scenario without ``cascade`` is untouched.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest

from paysim.model.checkout.cascade import DEFAULT_CASCADE_CODES
from paysim.model.world import World
from paysim.scenario.loader import scenario_from_dict
from paysim.scenario.strategies import build_router
from tests.validation.test_window_invariance import OUTAGE_WORLD

CASCADE = {"depth": 2}


def _world(**routing: Any) -> dict[str, Any]:
    """Three card channels, one with outages, every decline soft-or-hard as the mix says."""
    raw = copy.deepcopy(OUTAGE_WORLD)
    third = copy.deepcopy(raw["channels"][1])
    third["id"] = "third"
    raw["channels"].append(third)
    raw["checkout"] = {"retry": {"probability": 0.5, "max_attempts": 2}}
    raw["strategies"] = {"routing": {"name": "priority", **routing}}
    return raw


def _run(raw: dict[str, Any], batch_s: float = 60.0, seed: int = 4, days: float = 0.1):
    scenario = scenario_from_dict(raw, {"engine.batch_s": batch_s})
    world = World(scenario, build_router(scenario), np.random.SeedSequence(seed), days * 86_400)
    world.run()
    assert world.totals.retries_out_of_order == 0
    return world, world.recorder.to_frame().sort_values(["checkout_id", "attempt"])


@pytest.fixture(scope="module")
def cascaded():
    return _run(_world(cascade=CASCADE))


def _chains(log: pd.DataFrame) -> pd.DataFrame:
    """Each attempt next to the one before it of the same checkout."""
    prev = log.groupby("checkout_id").shift(1)
    return log.assign(
        prev_t=prev["t_s"],
        prev_latency=prev["latency_ms"],
        prev_code=prev["decline_code"],
        prev_channel=prev["channel"],
    ).dropna(subset=["prev_t"])


def test_a_soft_decline_is_tried_at_once_on_another_channel(cascaded) -> None:
    _, log = cascaded
    nxt = _chains(log)
    back_s = nxt["prev_t"] + nxt["prev_latency"].fillna(0.0) / 1000.0
    at_once = np.isclose(nxt["t_s"], back_s, rtol=0, atol=1e-9)
    assert at_once.sum() > 100
    tries = nxt[at_once]
    assert tries["prev_code"].isin(DEFAULT_CASCADE_CODES).all()
    assert (tries["channel"] != tries["prev_channel"]).all()
    # every cascadable failure with an untried channel left was cascaded (the buyer stayed)
    soft = log[log["decline_code"].isin(["channel_unavailable", "issuer_unavailable"])]
    assert soft["checkout_id"].isin(tries["checkout_id"]).mean() > 0.9


def test_a_cascade_tries_each_channel_once_and_stops_at_its_depth(cascaded) -> None:
    _, log = cascaded
    nxt = _chains(log)
    back_s = nxt["prev_t"] + nxt["prev_latency"].fillna(0.0) / 1000.0
    log = log.assign(cascade_try=False)
    log.loc[nxt.index[np.isclose(nxt["t_s"], back_s, atol=1e-9)], "cascade_try"] = True
    # a cascade: a first try followed by its cascade tries
    cascade_id = (~log["cascade_try"]).cumsum()
    sizes = log.groupby(cascade_id)["channel"].agg(["size", "nunique"])
    assert sizes["size"].max() == CASCADE["depth"] + 1
    assert (sizes["size"] == sizes["nunique"]).all()


def test_hard_declines_and_successes_are_not_cascaded(cascaded) -> None:
    _, log = cascaded
    nxt = _chains(log)
    back_s = nxt["prev_t"] + nxt["prev_latency"].fillna(0.0) / 1000.0
    at_once = np.isclose(nxt["t_s"], back_s, atol=1e-9)
    assert not nxt[at_once]["prev_code"].isin(["", "insufficient_funds", "suspected_fraud"]).any()


def test_the_buyer_retries_count_only_the_buyers_tries(cascaded) -> None:
    _, log = cascaded
    nxt = _chains(log)
    back_s = nxt["prev_t"] + nxt["prev_latency"].fillna(0.0) / 1000.0
    buyer = pd.Series(~np.isclose(nxt["t_s"], back_s, atol=1e-9), index=nxt.index)
    buyer_tries = 1 + buyer.groupby(nxt["checkout_id"]).sum()
    assert buyer_tries.max() == 2  # max_attempts 2, whatever the cascade tries
    assert log["attempt"].max() > 2


def test_cascading_pays_more_orders_than_without() -> None:
    without, _ = _run(_world())
    with_cascade, _ = _run(_world(cascade=CASCADE))
    assert with_cascade.totals.paid_orders > without.totals.paid_orders
    assert with_cascade.totals.checkouts == without.totals.checkouts


@pytest.mark.parametrize(
    "routing",
    [{"cascade": CASCADE}, {"name": "sw_ucb", "cascade": CASCADE}],
    ids=["priority", "sw_ucb"],
)
def test_a_cascade_gives_the_same_results_at_two_windows(routing: dict[str, Any]) -> None:
    logs = [_run(_world(**routing), batch_s=batch_s, days=0.05)[1] for batch_s in (13.0, 300.0)]
    columns = ["t_s", "checkout_id", "attempt", "channel", "outcome", "decline_code"]
    pd.testing.assert_frame_equal(
        logs[0][columns].reset_index(drop=True), logs[1][columns].reset_index(drop=True)
    )


@pytest.mark.parametrize(
    ("cascade", "message"),
    [
        ({"depth": 1, "on": ["suspected_fraud"]}, "only soft declines cascade"),
        ({"depth": 9}, "strategies.routing.cascade.depth"),
    ],
)
def test_bad_cascade_input_names_the_field(cascade, message, run_cli, tmp_path) -> None:
    import yaml

    raw = _world(cascade=cascade)
    raw["checkout"]["retry"]["max_attempts"] = 3
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    result = run_cli("validate", path)
    assert result.code == 2 and message in result.err, result.err


def test_a_cascade_leaves_the_defences_declines_alone() -> None:
    """Fraud codes come after the channels' and the platform's; a cascade never follows them."""
    from paysim.scenario.loader import load_scenario
    from paysim.scenario.strategies import build_defence

    scenario = load_scenario(
        "scenarios/flagship_fraud.yaml",
        {
            "strategies.routing.cascade": {"depth": 1},
            "strategies.defence": {"name": "layered"},
        },
    )
    world = World(
        scenario,
        build_router(scenario),
        np.random.SeedSequence(1),
        0.03 * 86_400,
        defence=build_defence(scenario),
    )
    world.run()
    log = world.recorder.to_frame()
    blocked = log[log["decline_code"].astype(str).str.startswith(("fraud", "step_up", "review"))]
    assert len(blocked) > 0, "the defence blocked nothing: the test would prove nothing"
    following = log.merge(
        blocked[["checkout_id", "attempt", "t_s"]].assign(attempt=blocked["attempt"] + 1),
        on=["checkout_id", "attempt"],
        suffixes=("", "_blocked"),
    )
    assert not (following["t_s"] == following["t_s_blocked"]).any()  # no try at once after it
