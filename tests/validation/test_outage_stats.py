"""Channel outages against the alternating renewal process they are.

Up times U are exponential with mean mu_u = mtbf, repairs D lognormal with mean mu_d = mttr and
log-sd sigma (``repair_sigma``, default 1), so var_D = mu_d^2 (exp(sigma^2) - 1).
The long-run share of time down is mu_d / (mu_u + mu_d). Over a horizon T the observed share
is asymptotically normal with variance (mu_u^2 var_D + mu_d^2 var_U) / ((mu_u + mu_d)^3 T)
(Takacs; e.g. Ross, Stochastic Processes, 2nd ed., renewal-reward CLT). The number of outages
started in [0, T] has mean T / (mu_u + mu_d) and variance T (var_U + var_D) / (mu_u + mu_d)^3.
Checks allow 5
standard errors; seeds are fixed.
"""

from __future__ import annotations

import numpy as np
import pytest

from paysim.engine import SECONDS_PER_DAY
from paysim.model.channels.spec import OutageSpec
from paysim.model.channels.table import OutageTimeline

Z = 5.0
VAR_D_OVER_MEAN2 = float(np.expm1(OutageSpec(mtbf_h=1, mttr_min=1).repair_sigma ** 2))
SPECS = [(10.0, 60.0), (100.0, 30.0), (2190.0, 45.0)]  # (mtbf_h, mttr_min); the last: quickstart
HORIZONS_DAYS = [20_000, pytest.param(400_000, marks=pytest.mark.slow)]


def _timeline(mtbf_h: float, mttr_min: float, days: float, seed: int = 3) -> OutageTimeline:
    spec = OutageSpec(mtbf_h=mtbf_h, mttr_min=mttr_min)
    return OutageTimeline(spec, days * SECONDS_PER_DAY, np.random.default_rng(seed))


@pytest.mark.parametrize("days", HORIZONS_DAYS)
@pytest.mark.parametrize(("mtbf_h", "mttr_min"), SPECS)
def test_availability_is_mtbf_over_mtbf_plus_mttr(mtbf_h: float, mttr_min: float, days) -> None:
    horizon_s = days * SECONDS_PER_DAY
    timeline = _timeline(mtbf_h, mttr_min, days)
    up_s, down_s = mtbf_h * 3600.0, mttr_min * 60.0
    cycle_s = up_s + down_s

    observed = 1.0 - timeline.down_seconds(horizon_s) / horizon_s
    expected = up_s / cycle_s
    var_d = VAR_D_OVER_MEAN2 * down_s**2
    se = np.sqrt((up_s**2 * var_d + down_s**2 * up_s**2) / (cycle_s**3 * horizon_s))
    assert abs(observed - expected) <= Z * se, (observed, expected, se)


@pytest.mark.parametrize("days", HORIZONS_DAYS)
@pytest.mark.parametrize(("mtbf_h", "mttr_min"), SPECS[:2])
def test_outage_count_and_repair_time(mtbf_h: float, mttr_min: float, days) -> None:
    horizon_s = days * SECONDS_PER_DAY
    timeline = _timeline(mtbf_h, mttr_min, days, seed=4)
    up_s, down_s = mtbf_h * 3600.0, mttr_min * 60.0
    cycle_s = up_s + down_s

    started = np.count_nonzero(timeline.starts_s > 0)  # the first may be one in progress at 0
    count_se = np.sqrt(horizon_s * (up_s**2 + VAR_D_OVER_MEAN2 * down_s**2) / cycle_s**3)
    assert abs(started - horizon_s / cycle_s) <= Z * count_se + 1

    durations = (timeline.ends_s - timeline.starts_s)[timeline.starts_s > 0]
    sd_d = np.sqrt(VAR_D_OVER_MEAN2) * down_s
    assert abs(durations.mean() - down_s) <= Z * sd_d / np.sqrt(durations.size)


def test_the_process_starts_stationary() -> None:
    # at t = 0 a channel is down with the long-run probability, not always up
    mtbf_h, mttr_min, n = 10.0, 60.0, 4_000
    down_at_zero = [
        _timeline(mtbf_h, mttr_min, 1 / 24, seed=s).is_down(np.array([0.0]))[0] for s in range(n)
    ]
    p = 1.0 / 11.0
    assert abs(np.mean(down_at_zero) - p) <= Z * np.sqrt(p * (1 - p) / n)


def test_is_down_agrees_with_the_down_intervals() -> None:
    days = 2_000
    horizon_s = days * SECONDS_PER_DAY
    timeline = _timeline(10.0, 60.0, days)
    t = np.random.default_rng(0).uniform(0, horizon_s, 200_000)
    share = timeline.down_seconds(horizon_s) / horizon_s
    # given the timeline, each uniform time is down with probability `share`: binomial error
    assert abs(timeline.is_down(t).mean() - share) <= Z * np.sqrt(share * (1 - share) / t.size)
    assert timeline.is_down(timeline.starts_s[1:]).all()
    assert not timeline.is_down(timeline.ends_s[:-1]).any()


def test_intervals_are_ordered_and_disjoint() -> None:
    timeline = _timeline(1.0, 30.0, 365)
    assert np.all(timeline.ends_s > timeline.starts_s)
    assert np.all(timeline.starts_s[1:] > timeline.ends_s[:-1])
    assert timeline.starts_s[-1] < 365 * SECONDS_PER_DAY


def test_no_outage_spec_means_always_up() -> None:
    timeline = OutageTimeline(None, 10 * SECONDS_PER_DAY, np.random.default_rng(0))
    assert not timeline.is_down(np.linspace(0, 10 * SECONDS_PER_DAY, 1000)).any()
    assert timeline.down_seconds(10 * SECONDS_PER_DAY) == 0.0
