"""Outages against closed forms: availability, repair durations, stationarity, correlation.

The share of time down over a horizon T of an alternating renewal process with up times U and
down times D is asymptotically normal (renewal-reward CLT) around r = E[D] / (E[U] + E[D]) with
variance ((1 - r)^2 Var D + r^2 Var U) / ((E[U] + E[D]) T). The tests use that variance for
their tolerance, and check the variance itself across seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from paysim.engine.streams import RandomStreams
from paysim.model.channels.outages import (
    StepFunction,
    degradation_health,
    outage_health,
    renewal_episodes,
)
from paysim.model.channels.spec import DegradationSpec, OutageSpec
from paysim.model.channels.table import ChannelTable
from paysim.model.fx.rates import FixedRates
from paysim.scenario.loader import scenario_from_dict

Z = 4.5  # two-sided p ~ 7e-6 per check


def moments(spec: OutageSpec) -> tuple[float, float, float, float]:
    """Mean and variance of up and down times, in seconds."""
    up = spec.mtbf_h * 3600.0
    down = spec.mttr_min * 60.0
    return up, up**2, down, down**2 * np.expm1(spec.repair_sigma**2)


def unavailability_sd(spec: OutageSpec, horizon_s: float) -> float:
    up, var_up, down, var_down = moments(spec)
    r = down / (up + down)
    return float(np.sqrt(((1 - r) ** 2 * var_down + r**2 * var_up) / ((up + down) * horizon_s)))


def unavailability(spec: OutageSpec, horizon_s: float, seed: int) -> float:
    health = outage_health(spec, horizon_s, np.random.default_rng(seed))
    return health.measure(horizon_s) / horizon_s


SPECS = [
    OutageSpec(mtbf_h=10, mttr_min=60),
    OutageSpec(mtbf_h=2190, mttr_min=75),  # 4 majors a year, median 45 min (parameters.md)
    OutageSpec(mtbf_h=5, mttr_min=30, repair_sigma=0),
    OutageSpec(mtbf_h=3, mttr_min=90, repair_sigma=1.5),
]


@pytest.mark.parametrize(
    "spec", SPECS, ids=lambda s: f"{s.mtbf_h}h-{s.mttr_min}min-{s.repair_sigma}"
)
def test_availability_is_mtbf_over_mtbf_plus_mttr(spec):
    cycles = 20_000
    horizon_s = cycles * (spec.mtbf_h * 3600 + spec.mttr_min * 60)
    expected = spec.mtbf_h * 60 / (spec.mtbf_h * 60 + spec.mttr_min)
    observed = 1 - unavailability(spec, horizon_s, seed=11)
    assert abs(observed - expected) < Z * unavailability_sd(spec, horizon_s)


def z_scores(spec: OutageSpec, cycles: int, seeds: int) -> np.ndarray:
    horizon_s = cycles * (spec.mtbf_h * 3600 + spec.mttr_min * 60)
    r = spec.mttr_min / (spec.mtbf_h * 60 + spec.mttr_min)
    sd = unavailability_sd(spec, horizon_s)
    return np.array([(unavailability(spec, horizon_s, s) - r) / sd for s in range(seeds)])


def check_z_scores(z: np.ndarray) -> None:
    n = len(z)
    assert abs(z.mean()) < Z / np.sqrt(n), "unavailability is biased"
    # sd of a sample sd of normals ~ 1 / sqrt(2n); generous for the heavy-tailed repairs
    assert abs(z.std() - 1) < 2 * Z / np.sqrt(2 * n), "the derived tolerance is off"


def test_tolerance_matches_the_spread_across_seeds():
    check_z_scores(z_scores(OutageSpec(mtbf_h=10, mttr_min=60), cycles=400, seeds=300))


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS[:1] + SPECS[2:])
def test_tolerance_matches_the_spread_across_seeds_long(spec):
    check_z_scores(z_scores(spec, cycles=4000, seeds=1000))


def test_start_is_stationary():
    """Down at time 0 with probability r, and no bias in the down share over a short horizon."""
    spec = OutageSpec(mtbf_h=1, mttr_min=30)
    r = 30 / 90
    seeds = 4000
    horizon_s = 1800.0  # shorter than one cycle: a cold start would bias this strongly
    at_zero, share = np.empty(seeds, dtype=bool), np.empty(seeds)
    for s in range(seeds):
        health = outage_health(spec, horizon_s, np.random.default_rng(s))
        at_zero[s] = health(np.zeros(1))[0] == 0.0
        share[s] = health.measure(horizon_s) / horizon_s
    assert abs(at_zero.mean() - r) < Z * np.sqrt(r * (1 - r) / seeds)
    assert abs(share.mean() - r) < Z * share.std() / np.sqrt(seeds)


def test_repairs_are_lognormal_with_mean_mttr():
    spec = OutageSpec(mtbf_h=1, mttr_min=75, repair_sigma=1.0)
    starts, ends, _ = renewal_episodes(spec, 4e8, np.random.default_rng(5))
    minutes = (ends - starts)[1:] / 60  # the first may be a residual
    n = len(minutes)
    sigma = spec.repair_sigma
    assert abs(minutes.mean() / 75 - 1) < Z * np.sqrt(np.expm1(sigma**2) / n)
    median = 75 * np.exp(-(sigma**2) / 2)  # 45.5 min
    assert abs(np.log(np.median(minutes) / median)) < Z * sigma * np.sqrt(np.pi / 2 / n)
    assert abs(np.log(np.quantile(minutes, 0.99) / (median * np.exp(2.3263 * sigma)))) < 0.05
    gaps_h = (starts[1:] - ends[:-1]) / 3600
    assert abs(gaps_h.mean() - 1) < Z / np.sqrt(len(gaps_h))


def test_degradations_average_their_factor():
    spec = DegradationSpec(mtbf_h=4, mttr_min=60, success_factor_min=0.5, success_factor_max=0.9)
    horizon_s = 3e8
    health = degradation_health(spec, horizon_s, np.random.default_rng(2))
    r = 60 / (4 * 60 + 60)
    levels = health.values[1::2]
    assert levels.min() >= 0.5 and levels.max() <= 0.9
    assert health.measure(horizon_s, value=1.0) / horizon_s == pytest.approx(1 - r, abs=0.01)
    # each episode's factor is uniform on [0.5, 0.9]: mean 0.7, sd 0.4 / sqrt(12)
    _, _, u = renewal_episodes(spec, horizon_s, np.random.default_rng(2))
    assert len(levels) == len(u) > 10_000
    assert abs(levels.mean() - 0.7) < Z * 0.4 / np.sqrt(12 * len(levels))


def test_a_shorter_run_sees_the_first_episodes_of_a_longer_one():
    spec = OutageSpec(mtbf_h=10, mttr_min=60)
    short = renewal_episodes(spec, 86_400.0, np.random.default_rng(9))
    long = renewal_episodes(spec, 30 * 86_400.0, np.random.default_rng(9))
    assert len(short[0]) > 0
    for a, b in zip(short, long, strict=True):
        np.testing.assert_array_equal(a, b[: len(a)])


def test_step_function_product():
    a = StepFunction(np.array([1.0, 3.0]), np.array([1.0, 0.5, 1.0]))
    b = StepFunction(np.array([2.0, 4.0]), np.array([1.0, 0.0, 1.0]))
    both = StepFunction.product([a, b])
    t = np.array([0.5, 1.5, 2.5, 3.5, 4.5])
    np.testing.assert_allclose(both(t), [1.0, 0.5, 0.0, 0.0, 1.0])
    assert both.measure(10.0) == pytest.approx(2.0)


def shared_upstream_table(horizon_s: float, own_outages: bool) -> ChannelTable:
    own = {"mtbf_h": 20, "mttr_min": 60} if own_outages else None

    def card(cid: str) -> dict:
        return {
            "id": cid, "kind": "card_acquirer", "methods": ["card"], "markets": ["SG"],
            "currency": "SGD", "latency_ms": {"dist": "constant", "value": 300},
            "success": {"base": 0.9}, "outages": own, "upstreams": ["switch"],
        }  # fmt: skip

    raw = {
        "name": "upstream",
        "horizon_days": horizon_s / 86_400,
        "markets": [
            {"code": "SG", "currency": "SGD", "buyers": 10, "method_mix": {"card": 1.0},
             "basket_amount": {"dist": "constant", "value": 20}},
            {"code": "CN", "currency": "CNY", "sellers": 10},
        ],
        "demand": {"orders_per_day": 1, "corridors": [{"buyer": "SG", "seller": "CN", "share": 1}]},
        "channels": [card("a"), card("b"), {**card("c"), "upstreams": []}],
        "upstreams": [{"id": "switch", "outages": {"mtbf_h": 5, "mttr_min": 60}}],
    }  # fmt: skip
    spec = scenario_from_dict(raw)
    rates = FixedRates.from_spec(spec.fx, ("CNY", "SGD", "USD"))
    return ChannelTable(spec, ("SG", "CN"), rates, RandomStreams(9), horizon_s)


def test_channels_on_one_upstream_go_down_together():
    horizon_s = 200 * 86_400.0
    table = shared_upstream_table(horizon_s, own_outages=False)
    t = np.linspace(0, horizon_s, 400_001)
    down = table.is_down(t)
    np.testing.assert_array_equal(down[:, 0], down[:, 1])
    upstream = OutageSpec(mtbf_h=5, mttr_min=60)
    r = 60 / (5 * 60 + 60)
    assert abs(down[:, 0].mean() - r) < Z * unavailability_sd(upstream, horizon_s)
    assert not down[:, 2].any()


def test_upstream_outages_add_to_a_channels_own():
    horizon_s = 2000 * 86_400.0
    table = shared_upstream_table(horizon_s, own_outages=True)
    t = np.linspace(0, horizon_s, 2_000_001)
    down = table.is_down(t)
    both = down[:, 0] & down[:, 1]
    # the upstream's down time is in both; each channel's own outages are its alone
    assert both.mean() > 0.9 * (60 / (5 * 60 + 60))
    assert (down[:, 0] != down[:, 1]).any()
    # independent layers: availability is the product of the two availabilities
    expected = (20 * 60 / (20 * 60 + 60)) * (5 * 60 / (5 * 60 + 60))
    assert abs((1 - down[:, 0].mean()) - expected) < 0.01
