"""Order arrivals against the non-homogeneous Poisson process they claim to be.

Arrivals are drawn window by window, 60 s at a time, as the model does. For a window with
integrated rate lambda the count is Poisson(lambda), so z = (n - lambda) / sqrt(lambda) has
mean 0 and variance 1; over N windows the mean of z has standard error 1 / sqrt(N) and its
variance sqrt((2 + mean(1 / lambda)) / N) (the Poisson's excess kurtosis is 1 / lambda).
Checks allow 5 standard errors; seeds are fixed.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from scipy import stats

from paysim.engine import SECONDS_PER_DAY, RandomStreams
from paysim.model.demand.arrivals import PROFILES, DemandModel
from paysim.scenario import load_scenario
from tests.conftest import QUICKSTART

Z = 5.0
P_MIN = 0.001
WINDOW_S = 60.0
DAYS = [10, pytest.param(100, marks=pytest.mark.slow)]


def _model(days: float, **overrides: object) -> DemandModel:
    scenario = load_scenario(QUICKSTART, overrides)
    return DemandModel(scenario, days * SECONDS_PER_DAY)


@functools.lru_cache(maxsize=4)
def _quickstart_arrivals(days: int, th_offset_h: float = 7.0):
    """Drawn once per size and shared by the tests that only read them."""
    return _draw_all(_model(days, **{"markets.TH.utc_offset_h": th_offset_h}), days)


def _draw_all(model: DemandModel, days: float, seed: int = 11):
    """Every arrival of the horizon, window by window: times, corridors, counts, rates."""
    stream = RandomStreams(seed).stream("arrivals")
    edges = np.arange(0.0, days * SECONDS_PER_DAY + WINDOW_S / 2, WINDOW_S)
    times, corridors, counts = [], [], []
    for t0, t1 in itertools.pairwise(edges):
        arrivals = model.arrivals(t0, t1, stream)
        assert np.all((arrivals.t_s >= t0) & (arrivals.t_s < t1))
        assert np.all(np.diff(arrivals.t_s) >= 0)
        times.append(arrivals.t_s)
        corridors.append(arrivals.corridor)
        counts.append(len(arrivals.t_s))
    rates = np.diff(model.intensity(edges))
    return np.concatenate(times), np.concatenate(corridors), np.array(counts), rates


def test_integrated_rate_over_whole_days_is_orders_per_day() -> None:
    model = _model(3)
    np.testing.assert_allclose(
        model.intensity(np.array([1, 2, 3]) * SECONDS_PER_DAY), [8000, 16000, 24000], rtol=1e-12
    )


@pytest.mark.parametrize("days", DAYS)
def test_window_counts_are_poisson_with_the_integrated_rate(days: int) -> None:
    _, _, counts, rates = _quickstart_arrivals(days, 7.0)
    z = (counts - rates) / np.sqrt(rates)
    n = z.size
    assert abs(z.mean()) <= Z / np.sqrt(n)
    assert abs(z.var(ddof=1) - 1.0) <= Z * np.sqrt((2 + np.mean(1 / rates)) / n)
    total = counts.sum()
    assert abs(total - rates.sum()) <= Z * np.sqrt(rates.sum())


@pytest.mark.parametrize("days", DAYS)
def test_hourly_histogram_follows_the_diurnal_profile(days: int) -> None:
    times, _, _, _ = _quickstart_arrivals(days, 7.0)
    utc_hour = (times // 3600).astype(int) % 24
    counts = np.bincount(utc_hour, minlength=24)

    # quickstart: both buyer markets are UTC+7 with the social_commerce profile
    weights = np.array(PROFILES["social_commerce"])
    expected_share = weights[(np.arange(24) + 7) % 24] / weights.sum()
    assert stats.chisquare(counts, counts.sum() * expected_share).pvalue > P_MIN
    peak_local_hour = (np.argmax(counts) + 7) % 24
    assert peak_local_hour == int(np.argmax(weights))  # 21:00 local, the live-stream peak


@pytest.mark.parametrize("days", DAYS)
@pytest.mark.parametrize("th_offset_h", [7.0, -5.0])
def test_corridor_shares_hold_over_whole_days(days: int, th_offset_h: float) -> None:
    # with TH at UTC-5 the two corridors peak at different hours; over whole days each still
    # carries its share, because every profile averages to 1 over a day
    _, corridors, _, _ = _quickstart_arrivals(days, th_offset_h)
    n = corridors.size
    share_id = np.mean(corridors == 0)
    assert abs(share_id - 0.6) <= Z * np.sqrt(0.6 * 0.4 / n)
    assert set(np.unique(corridors)) == {0, 1}


def test_flat_profile_has_a_constant_rate() -> None:
    model = _model(1, **{"demand.diurnal": "flat"})
    np.testing.assert_allclose(model.rate_per_s.sum(axis=1), 8000 / SECONDS_PER_DAY, rtol=1e-12)


def test_custom_weights_are_normalised_to_the_daily_total() -> None:
    weights = [0.0] * 12 + [1.0] * 12  # nothing in the first twelve local hours
    model = _model(2, **{"demand.diurnal": weights, "markets.TH.utc_offset_h": 7.0})
    assert model.intensity(2 * SECONDS_PER_DAY) == pytest.approx(16_000, rel=1e-12)
    local_hour = (np.arange(len(model.rate_per_s)) * 900 // 3600 + 7) % 24
    assert np.all(model.rate_per_s[local_hour < 12] == 0)


def test_no_orders_arrive_in_hours_of_zero_weight() -> None:
    weights = [0.0] * 12 + [1.0] * 12
    model = _model(3, **{"demand.diurnal": weights})
    times, _, counts, rates = _draw_all(model, 3)
    local_hour = ((times // 3600).astype(int) + 7) % 24
    per_hour = np.bincount(local_hour, minlength=24)
    assert per_hour[:12].sum() == 0
    assert abs(counts.sum() - rates.sum()) <= Z * np.sqrt(rates.sum())
    assert stats.chisquare(per_hour[12:]).pvalue > P_MIN  # flat over the other twelve


def test_arrivals_do_not_depend_on_the_window() -> None:
    """Drawn an hour at a time: any window hands out the same arrivals."""
    days = 0.3
    draws = []
    for window_s in (7.0, 60.0, 3600.0):
        model = _model(days)
        stream = RandomStreams(11).stream("arrivals")
        edges = np.append(np.arange(0.0, days * SECONDS_PER_DAY, window_s), days * SECONDS_PER_DAY)
        parts = [model.arrivals(t0, t1, stream) for t0, t1 in itertools.pairwise(edges)]
        draws.append(np.concatenate([p.t_s for p in parts]))
        for p, (t0, t1) in zip(parts, itertools.pairwise(edges), strict=True):
            assert np.all((p.t_s >= t0) & (p.t_s < t1))
    for other in draws[1:]:
        np.testing.assert_array_equal(other, draws[0])
