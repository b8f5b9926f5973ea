"""Nothing depends on the window but speed: one world at several ``engine.batch_s``.

Arrivals are drawn an hour at a time and every checkout's luck is keyed by its id, so runs of
one seed at different windows face the same buyers at the same moments (common random
numbers): whatever differs between them is the window's doing. Two worlds where the window
used to matter are checked:

- a rate-limited channel at utilisation ~0.8 whose declined buyers retry within seconds:
  retries landing inside a window used to be slotted in after later payments had been given
  their waits, so waits, timeouts and rejections fell as the window grew. Each payment's
  wait must now be the one an event-by-event Lindley recursion over the same arrival times
  gives, at every window.
- a router that avoids a channel for 60 s after it answered ``channel_unavailable``: it used
  to learn only at window ends, and avoided fewer outage failures the longer the window.

The reduced versions run in the default suite; the ``slow`` ones run more seeds and days.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import paysim
from paysim.model.channels.declines import CHANNEL_UNAVAILABLE
from paysim.model.world import World
from paysim.scenario.loader import scenario_from_dict
from paysim.strategies.routing.base import BaseRouter

WINDOWS_S = (1.0, 60.0, 300.0)
CAPACITY_TPS = 0.5  # one payment every 2 s
LATENCY_MS = 400.0  # processing time, constant: what is added to it is the queue wait
TIMEOUT_MS = 10_000.0

# One card channel with a rate limit; 40 % of payments are declined and 80 % of those buyers
# retry, after 10 s (median): retries are a third of the channel's load and most land within
# the minute. Utilisation ~0.8.
QUEUE_WORLD: dict[str, Any] = {
    "name": "queue_with_retries",
    "horizon_days": 0.05,
    "markets": [
        {
            "code": "SG",
            "currency": "SGD",
            "buyers": 1_000_000,
            "basket_amount": {"dist": "lognormal", "p50": 20, "p99": 200},
            "method_mix": {"card": 1.0},
            "buyer_risk_mean": 0.0,
        },
        {"code": "CN", "currency": "CNY", "sellers": 500},
    ],
    "demand": {
        "orders_per_day": 25_000,
        "corridors": [{"buyer": "SG", "seller": "CN", "share": 1}],
    },
    "checkout": {
        "patience_s": {"dist": "constant", "value": 100_000},
        "retry": {
            "probability": 0.8,
            "max_attempts": 4,
            "switch_method": 0.0,
            "delay_s": {"dist": "lognormal", "p50": 10, "p99": 60},
        },
    },
    "channels": [
        {
            "id": "card",
            "kind": "card_acquirer",
            "methods": ["card"],
            "markets": ["SG"],
            "currency": "SGD",
            "fee": {"percent": 2.9},
            "latency_ms": {"dist": "constant", "value": LATENCY_MS},
            "timeout_ms": TIMEOUT_MS,
            "success": {"base": 0.6},
            "capacity_tps": CAPACITY_TPS,  # no queue bound: a payment waits up to the timeout
        }
    ],
}


def lindley_waits_s(t_s: np.ndarray, service_s: float, max_wait_s: float) -> np.ndarray:
    """The reference, one arrival at a time: FIFO, deterministic service, NaN if rejected."""
    free_at = -math.inf
    wait = np.full(len(t_s), np.nan)
    for k, t in enumerate(t_s.tolist()):
        w = max(free_at - t, 0.0)
        if w <= max_wait_s:
            wait[k] = w
            free_at = max(free_at, t) + service_s
    return wait


def queue_run(batch_s: float, seed: int, days: float) -> paysim.RunResult:
    return paysim.simulate(QUEUE_WORLD, seed=seed, days=days, overrides={"engine.batch_s": batch_s})


def assert_waits_are_lindleys(payments: pd.DataFrame) -> None:
    """Each payment at the channel waited what the event-by-event recursion says."""
    queued = payments[payments["channel"] == "card"].sort_values("t_s", kind="stable")
    wait_s = lindley_waits_s(queued["t_s"].to_numpy(), 1.0 / CAPACITY_TPS, TIMEOUT_MS / 1000.0)
    rejected = (queued["decline_code"] == "rate_limited").to_numpy()
    np.testing.assert_array_equal(rejected, np.isnan(wait_s))
    expected_ms = np.minimum(LATENCY_MS + wait_s[~rejected] * 1000.0, TIMEOUT_MS)
    np.testing.assert_allclose(queued["latency_ms"].to_numpy()[~rejected], expected_ms, atol=1e-3)
    assert rejected.any() and (wait_s[~rejected] > 5.0).any()  # the queue is really busy


def queue_kpis(result: paysim.RunResult) -> dict[str, float]:
    payments = result.payments
    return {
        "queue_wait_mean_ms": result.kpis["queue_wait_mean_ms"],
        "timeout_rate": float((payments["outcome"] == "timeout").mean()),
        "rate_limited_rate": result.kpis["rate_limited_rate"],
        "auth_rate": result.kpis["auth_rate"],
    }


def assert_same_within_noise(by_window: dict[float, dict[str, float]]) -> None:
    """Common random numbers: only the window could move these (they agree to rounding)."""
    reference = by_window[WINDOWS_S[0]]
    for window, kpis in by_window.items():
        assert kpis["queue_wait_mean_ms"] == pytest.approx(
            reference["queue_wait_mean_ms"], rel=0.01
        ), window
        for name in ("timeout_rate", "rate_limited_rate", "auth_rate"):
            assert kpis[name] == pytest.approx(reference[name], abs=0.002), (window, name)


def test_a_busy_queue_with_retries_waits_the_same_at_any_window() -> None:
    runs = {window: queue_run(window, seed=3, days=0.05) for window in WINDOWS_S}
    for result in runs.values():
        assert_waits_are_lindleys(result.payments)
    by_window = {window: queue_kpis(result) for window, result in runs.items()}
    assert_same_within_noise(by_window)
    # utilisation ~0.8: the wait is seconds (M/D/1 without retries' clustering: 4 s)
    assert 1_500 < by_window[60.0]["queue_wait_mean_ms"] < 8_000


def test_a_learning_router_routes_in_time_order_into_a_busy_queue() -> None:
    # the router learns (it is sent results, in chunks) but has one channel to choose: the
    # queue must be what it is with a router that learns nothing, at any window
    scenario = scenario_from_dict(QUEUE_WORLD)
    static = queue_kpis(queue_run(60.0, seed=3, days=0.05))
    for window in (60.0, 300.0):
        spec = scenario_from_dict(QUEUE_WORLD, {"engine.batch_s": window})
        world = World(spec, AvoidAfterOutageRouter(), np.random.SeedSequence(3), 0.05 * 86_400)
        world.run()
        assert world.totals.retries_out_of_order == 0 and world.totals.routing_chunks > 0
        payments = world.recorder.to_frame()
        assert_waits_are_lindleys(payments)
        assert float((payments["outcome"] == "timeout").mean()) == static["timeout_rate"]
    assert scenario.platform.routing_refresh_s == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_busy_queue_with_retries_waits_the_same_at_any_window_long(seed: int) -> None:
    runs = {window: queue_run(window, seed=seed, days=0.5) for window in WINDOWS_S}
    for result in runs.values():
        assert_waits_are_lindleys(result.payments)
    assert_same_within_noise({window: queue_kpis(result) for window, result in runs.items()})


# -- whole shipped worlds -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("scenario", "days", "windows_s"),
    [("quickstart", 0.3, (13.0, 60.0, 900.0)), ("flagship", 0.1, (30.0, 300.0))],
)
def test_a_shipped_world_gives_the_same_kpis_at_any_window(scenario, days, windows_s) -> None:
    # campaigns, group buys, card networks, rate limits, timeouts and status checks, the
    # money calendar: every KPI agrees (to rounding: sums are taken in other groupings)
    path = f"scenarios/{scenario}.yaml"
    runs = [
        paysim.simulate(path, seed=4, days=days, overrides={"engine.batch_s": window}).kpis
        for window in windows_s
    ]
    for kpis in runs[1:]:
        for name, value in runs[0].items():
            assert kpis[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


# -- a learning router facing outages -----------------------------------------------------
HOLD_S = 60.0

OUTAGE_WORLD: dict[str, Any] = {
    "name": "outages_and_a_backup",
    "horizon_days": 0.1,
    "markets": copy.deepcopy(QUEUE_WORLD["markets"]),
    "demand": {
        "orders_per_day": 20_000,
        "corridors": [{"buyer": "SG", "seller": "CN", "share": 1}],
    },
    "checkout": {"retry": {"probability": 0.0}},
    "channels": [
        {
            "id": "primary",
            "kind": "card_acquirer",
            "methods": ["card"],
            "markets": ["SG"],
            "currency": "SGD",
            "fee": {"percent": 2.0},
            "latency_ms": {"dist": "lognormal", "p50": 400, "p99": 2000},
            "success": {"base": 0.9},
            "outages": {"mtbf_h": 0.5, "mttr_min": 10},
        },
        {
            "id": "backup",
            "kind": "card_acquirer",
            "methods": ["card"],
            "markets": ["SG"],
            "currency": "SGD",
            "fee": {"percent": 3.0},
            "latency_ms": {"dist": "lognormal", "p50": 400, "p99": 2000},
            "success": {"base": 0.9},
        },
    ],
}


class AvoidAfterOutageRouter(BaseRouter):
    """The first candidate, unless it answered ``channel_unavailable`` in the last 60 s."""

    learns_from_feedback = True

    def __init__(self, hold_s: float = HOLD_S) -> None:
        self.hold_s = hold_s
        self.avoid_until_s = np.empty(0)

    def bind(self, context) -> None:
        super().bind(context)
        self.avoid_until_s = np.full(len(context.channel_ids), -np.inf)

    def choose(self, attempts) -> np.ndarray:
        usable = attempts.candidates & (self.avoid_until_s[None, :] <= attempts.t_s[:, None])
        usable = np.where(usable.any(axis=1)[:, None], usable, attempts.candidates)
        return np.argmax(usable, axis=1)

    def observe(self, feedback) -> None:
        down = feedback.decline_code == CHANNEL_UNAVAILABLE
        np.maximum.at(self.avoid_until_s, feedback.channel[down], feedback.t_s[down] + self.hold_s)


def avoided_share(batch_s: float, seed: int, days: float) -> float:
    """Of the payments that came while the primary was down, the share sent elsewhere."""
    scenario = scenario_from_dict(OUTAGE_WORLD, {"engine.batch_s": batch_s})
    world = World(scenario, AvoidAfterOutageRouter(), np.random.SeedSequence(seed), days * 86_400)
    world.run()
    assert world.totals.retries_out_of_order == 0
    payments = world.recorder.to_frame()
    during = world.channels.is_down(payments["t_s"].to_numpy())[:, 0]
    failed = (payments["decline_code"] == "channel_unavailable").to_numpy()
    assert during.sum() > 50 and not failed[~during].any()
    return 1.0 - failed.sum() / during.sum()


def test_a_router_avoids_the_same_share_of_outage_failures_at_any_window() -> None:
    shares = {window: avoided_share(window, seed=1, days=0.1) for window in WINDOWS_S}
    # the router learns of each outage from its first failure and then avoids it: the
    # payments it loses are about one per minute of outage, whatever the window
    assert shares[1.0] > 0.8
    for window, share in shares.items():
        assert share == pytest.approx(shares[1.0], abs=0.01), (window, shares)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_router_avoids_the_same_share_of_outage_failures_at_any_window_long(seed: int) -> None:
    shares = {window: avoided_share(window, seed=seed, days=1.0) for window in WINDOWS_S}
    for window, share in shares.items():
        assert share == pytest.approx(shares[1.0], abs=0.01), (window, shares)
