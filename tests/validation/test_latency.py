"""Latency quantiles match the configured lognormal p50 / p99, at the channel and in a run.

The sample p-quantile of n draws has standard deviation sqrt(p (1 - p) / n) / f(q_p), with f
the density at the true quantile (asymptotic normality of order statistics); the tests allow
Z of those.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import paysim
from paysim.engine.streams import RandomStreams
from paysim.model.channels.table import TIMEOUT, ChannelTable
from paysim.model.core.distributions import Z99
from paysim.model.fx.rates import FixedRates
from paysim.scenario.loader import scenario_from_dict

Z = 4.5


def quantile_sd(p50: float, p99: float, q: float, n: int) -> float:
    sigma = np.log(p99 / p50) / Z99
    dist = stats.lognorm(s=sigma, scale=p50)
    return float(np.sqrt(q * (1 - q) / n) / dist.pdf(dist.ppf(q)))


def world(p50: float, p99: float, days: float, **channel: object) -> dict:
    return {
        "name": "latency",
        "horizon_days": days,
        "seed": 3,
        "markets": [
            {"code": "SG", "currency": "SGD", "buyers": 5000, "method_mix": {"card": 1.0},
             "basket_amount": {"dist": "lognormal", "p50": 30, "p99": 300}},
            {"code": "CN", "currency": "CNY", "sellers": 100},
        ],
        "demand": {"orders_per_day": 20_000, "diurnal": "flat",
                   "corridors": [{"buyer": "SG", "seller": "CN", "share": 1}]},
        "channels": [
            {"id": "card", "kind": "card_acquirer", "methods": ["card"], "markets": ["SG"],
             "currency": "SGD", "latency_ms": {"dist": "lognormal", "p50": p50, "p99": p99},
             "timeout_ms": 60_000, "success": {"base": 0.9}, **channel},
        ],
    }  # fmt: skip


def assert_quantiles(latency: np.ndarray, p50: float, p99: float) -> None:
    n = len(latency)
    for q, target in ((0.5, p50), (0.99, p99)):
        observed = float(np.quantile(latency, q))
        assert abs(observed - target) < Z * quantile_sd(p50, p99, q, n), (q, observed, target)


@pytest.mark.parametrize(("p50", "p99"), [(420.0, 2600.0), (900.0, 6000.0), (60_000.0, 1.8e6)])
def test_channel_latency_quantiles(p50, p99):
    spec = scenario_from_dict(world(p50, p99, 1, timeout_ms=1e7))
    rates = FixedRates.from_spec(spec.fx, ("CNY", "SGD", "USD"))
    table = ChannelTable(spec, ("SG", "CN"), rates, RandomStreams(1), 86_400.0)
    n = 200_000
    rng = np.random.default_rng(4)
    zeros, ones = np.zeros(n, dtype=np.intp), np.ones(n, dtype=np.int16)
    truth = table.truth(np.sort(rng.uniform(0, 86_400, n)), zeros, zeros, np.full(n, 20.0),
                        np.zeros(n))  # fmt: skip
    result = table.process(
        zeros, truth, np.full(n, 2000, dtype=np.int64), np.full(n, rates.index["SGD"]),
        np.arange(n), ones, rng.random(n), rng.random(n),
    )  # fmt: skip
    assert_quantiles(result.latency_ms, p50, p99)


def test_timeout_caps_latency_and_cuts_the_tail():
    spec = scenario_from_dict(world(420.0, 2600.0, 1, timeout_ms=1500))
    rates = FixedRates.from_spec(spec.fx, ("CNY", "SGD", "USD"))
    table = ChannelTable(spec, ("SG", "CN"), rates, RandomStreams(1), 86_400.0)
    n = 100_000
    rng = np.random.default_rng(5)
    zeros = np.zeros(n, dtype=np.intp)
    truth = table.truth(np.zeros(n), zeros, zeros, np.full(n, 20.0), np.zeros(n))
    result = table.process(
        zeros, truth, np.full(n, 2000, dtype=np.int64), np.full(n, rates.index["SGD"]),
        np.arange(n), np.ones(n, dtype=np.int16), rng.random(n), rng.random(n),
    )  # fmt: skip
    sigma = np.log(2600 / 420) / Z99
    expected = stats.lognorm(s=sigma, scale=420).sf(1500)
    timed_out = result.outcome == TIMEOUT
    assert abs(timed_out.mean() - expected) < Z * np.sqrt(expected * (1 - expected) / n)
    assert result.latency_ms.max() == 1500


def run_latency(days: float) -> tuple[np.ndarray, dict]:
    result = paysim.simulate(scenario_from_dict(world(420.0, 2600.0, days)))
    latency = result.payments["latency_ms"].dropna().to_numpy()
    return latency, result.kpis


def test_run_latency_kpis_match_configuration():
    latency, kpis = run_latency(0.5)
    assert len(latency) > 5000
    assert_quantiles(latency, 420.0, 2600.0)
    assert kpis["latency_p50_ms"] == pytest.approx(np.percentile(latency, 50))
    assert kpis["latency_p99_ms"] == pytest.approx(np.percentile(latency, 99))


@pytest.mark.slow
def test_run_latency_kpis_match_configuration_long():
    latency, _ = run_latency(10)
    assert_quantiles(latency, 420.0, 2600.0)


def test_queueing_shows_in_latency():
    """A channel near its capacity answers slower than the same channel without a limit."""
    free, _ = run_latency(0.25)
    spec = world(420.0, 2600.0, 0.25, capacity_tps=0.3, queue_max=3)
    throttled = paysim.simulate(scenario_from_dict(spec)).payments
    latency = throttled["latency_ms"].dropna().to_numpy()
    assert np.median(latency) > np.median(free) * 1.2
    assert (throttled["decline_code"] == "rate_limited").any()
