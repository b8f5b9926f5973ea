"""The rate-limit queue against queueing theory and against a plain sequential reference.

Poisson arrivals at a channel with ``capacity_tps`` make an M/D/1 queue (service 1/capacity):
the mean wait is Pollaczek-Khinchine's rho s / (2 (1 - rho)); with ``queue_max`` waiting places
it is M/D/1/K (K = queue_max + 1) whose blocking probability follows from the embedded Markov
chain. Waits are autocorrelated, so the tolerance comes from independent replications: their
means are nearly normal, and the test allows a Student-t quantile of their standard error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from paysim.model.channels.capacity import RateLimiter, md1_mean_wait_s, mdk_blocking

P_FALSE_ALARM = 1e-5


def reference_waits(t_s: np.ndarray, service_s: float, max_wait_s: float) -> np.ndarray:
    """The obvious loop: FIFO, deterministic service, reject when the wait would exceed."""
    free_at = -math.inf
    wait = np.full(len(t_s), np.nan)
    for k, t in enumerate(t_s):
        w = max(free_at - t, 0.0)
        if w <= max_wait_s:
            wait[k] = w
            free_at = max(free_at, t) + service_s
    return wait


def poisson_arrivals(rate: float, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.cumsum(rng.exponential(1.0 / rate, n))


def in_windows(limiter: RateLimiter, t_s: np.ndarray, window_s: float = 60.0) -> np.ndarray:
    """Feed arrivals window by window, as the world does."""
    window = (t_s // window_s).astype(np.int64)
    cuts = np.flatnonzero(np.diff(window)) + 1
    return np.concatenate([limiter.admit(part) for part in np.split(t_s, cuts)])


@pytest.mark.parametrize("max_wait_s", [0.0, 0.35, 2.0, 8.0, math.inf])
@pytest.mark.parametrize("rate", [0.5, 0.95, 3.0])
def test_vectorised_waits_equal_the_sequential_reference(rate, max_wait_s):
    rng = np.random.default_rng(int(rate * 100) + 7)
    t = poisson_arrivals(rate, 20_000, rng)
    expected = reference_waits(t, 1.0, max_wait_s)
    got = in_windows(RateLimiter(1.0, max_wait_s), t)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))


def test_queue_max_bounds_the_number_waiting():
    limiter = RateLimiter.bounded(10.0, queue_max=3, queue_timeout_s=None, timeout_s=10.0)
    wait = limiter.admit(np.zeros(10))
    np.testing.assert_allclose(wait[:4], [0.0, 0.1, 0.2, 0.3])
    assert np.isnan(wait[4:]).all()
    assert np.isnan(limiter.admit(np.array([0.05]))[0])  # still three waiting
    assert limiter.admit(np.array([0.15]))[0] == pytest.approx(0.25)  # two waiting


def test_without_bounds_the_queue_holds_up_to_the_timeout():
    limiter = RateLimiter.bounded(1.0, queue_max=None, queue_timeout_s=None, timeout_s=5.0)
    wait = limiter.admit(np.zeros(10))
    assert np.nansum(~np.isnan(wait)) == 6  # waits 0..5 s


def replicated_mean_wait(rho: float, n: int, replications: int, warmup: int) -> np.ndarray:
    means = []
    for r in range(replications):
        rng = np.random.default_rng(1000 + r)
        t = poisson_arrivals(rho, n + warmup, rng)
        wait = in_windows(RateLimiter(1.0, math.inf), t)
        means.append(wait[warmup:].mean())
    return np.array(means)


def assert_mean_matches(sample: np.ndarray, expected: float) -> None:
    half_width = stats.t.ppf(1 - P_FALSE_ALARM / 2, len(sample) - 1) * stats.sem(sample)
    assert abs(sample.mean() - expected) < half_width, (sample.mean(), expected, half_width)
    # the check must be able to fail: the tolerance is a small part of the answer
    assert half_width < 0.1 * expected


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_mean_wait_is_pollaczek_khinchine(rho):
    sample = replicated_mean_wait(rho, n=40_000, replications=12, warmup=2_000)
    assert_mean_matches(sample, md1_mean_wait_s(rho, 1.0))


@pytest.mark.slow
@pytest.mark.parametrize("rho", [0.3, 0.7, 0.9, 0.95])
def test_mean_wait_is_pollaczek_khinchine_long(rho):
    sample = replicated_mean_wait(rho, n=400_000, replications=30, warmup=20_000)
    assert_mean_matches(sample, md1_mean_wait_s(rho, 1.0))


def replicated_blocking(rho: float, queue_max: int, n: int, replications: int) -> np.ndarray:
    shares = []
    for r in range(replications):
        t = poisson_arrivals(rho, n, np.random.default_rng(2000 + r))
        limiter = RateLimiter.bounded(1.0, queue_max, None, math.inf)
        shares.append(np.isnan(in_windows(limiter, t)[1000:]).mean())
    return np.array(shares)


@pytest.mark.parametrize(("rho", "queue_max"), [(0.9, 3), (1.5, 5), (0.7, 0)])
def test_blocking_is_md1k(rho, queue_max):
    expected = mdk_blocking(rho, queue_max + 1)
    assert_mean_matches(replicated_blocking(rho, queue_max, 40_000, 12), expected)


def test_md1k_closed_form_limits():
    assert mdk_blocking(0.7, 1) == pytest.approx(0.7 / 1.7)
    # a large system hardly blocks below saturation; above it, blocking tends to 1 - 1/rho
    assert mdk_blocking(0.5, 60) < 1e-12
    assert mdk_blocking(2.0, 200) == pytest.approx(0.5, abs=1e-9)
    # for K = 2 the chain is small enough to solve by hand: pi0 = a0, blocking 1 - 1/(a0 + rho)
    rho = 0.8
    assert mdk_blocking(rho, 2) == pytest.approx(1 - 1 / (math.exp(-rho) + rho))


def test_a_late_arrival_waits_only_for_work_that_came_before_it():
    limiter = RateLimiter(1.0, max_wait_s=2.0)
    np.testing.assert_allclose(limiter.admit(np.array([50.0, 50.5, 59.0])), [0.0, 0.5, 0.0])
    # a retry at t=10 found the channel idle; one at 50.2 queues behind the payment of 50.0
    np.testing.assert_allclose(limiter.admit(np.array([10.0, 50.2])), [0.0, 0.8])
    # 50.2 now leaves at 52.0, pushing 50.5 to 53.0; 59 is unaffected
    np.testing.assert_allclose(limiter.departures_s, [11.0, 51.0, 52.0, 53.0, 60.0])
    assert limiter.free_at_s == 60.0
    # a late arrival over the bound is rejected and changes nothing
    tight = RateLimiter(1.0, max_wait_s=0.5)
    tight.admit(np.array([50.0, 59.0]))
    assert np.isnan(tight.admit(np.array([50.3]))[0])
    np.testing.assert_allclose(tight.departures_s, [51.0, 60.0])


def test_late_arrivals_conserve_work():
    """However arrivals are split into calls, the server ends busy exactly as long."""
    rng = np.random.default_rng(3)
    t = poisson_arrivals(0.6, 5000, rng)
    limiter = RateLimiter(1.0, math.inf)
    order = np.argsort(t // 60 + rng.integers(0, 2, len(t)) * 0.5, kind="stable")
    for part in np.array_split(t[order], 300):
        limiter.admit(np.sort(part))
    reference = reference_waits(t, 1.0, math.inf)
    assert limiter.free_at_s == pytest.approx(np.max(t + reference) + 1.0)


def test_a_late_arrival_still_waits_for_work_admitted_in_an_earlier_call():
    # the world hands the limiter a window in rounds: a retry of round 2 may come before the
    # first payment of round 1; what was admitted before it must still delay it
    from paysim.model.channels.capacity import RateLimiter

    limiter = RateLimiter(capacity_tps=1.0, max_wait_s=10.0)
    assert limiter.admit(np.array([50.0]), no_arrival_before_s=0.0)[0] == 0.0
    assert limiter.admit(np.array([55.0]), no_arrival_before_s=0.0)[0] == 0.0
    assert limiter.admit(np.array([50.5]), no_arrival_before_s=0.0)[0] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(6))
def test_late_arrivals_slotted_in_at_once_wait_as_one_by_one(seed):
    # the bulk slot-in is a shortcut of the one-by-one recursion: same waits, same state
    from paysim.model.channels.capacity import RateLimiter

    class OneByOne(RateLimiter):
        def _slot_in_idle(self, t_s):
            return False

    rng = np.random.default_rng(seed)
    fast, slow = RateLimiter(2.0, 5.0), OneByOne(2.0, 5.0)
    t = 0.0
    for _ in range(200):
        first = np.sort(t + rng.exponential(3.0, rng.integers(1, 5)).cumsum())
        late = np.sort(rng.uniform(t, first[-1], rng.integers(0, 3)))
        for limiter in (fast, slow):
            limiter.admit(first, no_arrival_before_s=t)
        np.testing.assert_array_equal(
            fast.admit(late, no_arrival_before_s=t), slow.admit(late, no_arrival_before_s=t)
        )
        np.testing.assert_allclose(fast.departures_s, slow.departures_s)
        t = first[-1]


def test_disturbed_by_names_the_late_arrivals_that_would_change_a_wait_given():
    limiter = RateLimiter(1.0, max_wait_s=10.0)
    limiter.admit(np.array([10.0, 10.5, 20.0, 30.0]))  # departures 11, 12, 21, 31
    late = np.array([5.0, 11.5, 12.5, 19.5, 25.0, 25.5, 35.0])
    # 5: idle, done by 6; 11.5: the server is busy; 12.5: idle, done before 20; 19.5: its
    # service would reach past 20; 25 then 25.5: the second queues behind the first;
    # 35: after every admitted arrival, an ordinary arrival
    expected = [False, True, False, True, False, True, False]
    np.testing.assert_array_equal(limiter.disturbed_by(late), expected)


@pytest.mark.parametrize("seed", range(6))
def test_an_arrival_that_disturbs_nothing_leaves_every_wait_as_it_was(seed):
    rng = np.random.default_rng(seed)
    t = poisson_arrivals(0.7, 400, rng)
    limiter = RateLimiter(1.0, max_wait_s=3.0)
    given = limiter.admit(t)
    late = rng.uniform(t[0], t[-1], 60)
    disturbed = np.array([limiter.disturbed_by(np.array([x]))[0] for x in late])
    assert disturbed.any() and not disturbed.all()
    for x in late[~disturbed]:
        merged = np.sort(np.append(t, x))
        waits = reference_waits(merged, 1.0, 3.0)[merged != x]
        np.testing.assert_array_equal(np.isnan(waits), np.isnan(given))
        np.testing.assert_allclose(waits[~np.isnan(waits)], given[~np.isnan(given)], atol=1e-9)


def test_a_restored_queue_forgets_what_was_admitted_since():
    limiter = RateLimiter(2.0, max_wait_s=1.0)
    limiter.admit(np.array([1.0, 1.2, 1.3]))
    saved = limiter.state()
    first = limiter.admit(np.array([1.4, 1.5, 3.0]))
    limiter.restore(saved)
    assert limiter.free_at_s == saved[0] and limiter.last_arrival_s == 1.3
    np.testing.assert_array_equal(limiter.admit(np.array([1.4, 1.5, 3.0])), first)


@pytest.mark.parametrize("seed", range(4))
def test_disturbed_by_gives_the_same_for_a_few_arrivals_and_for_many(seed):
    rng = np.random.default_rng(seed)
    limiter = RateLimiter(1.0, max_wait_s=3.0)
    t = poisson_arrivals(0.7, 200, rng)
    limiter.admit(t)
    for _ in range(50):
        few = np.sort(rng.uniform(t[0], t[-1], 3))
        padded = np.concatenate([few, t[-1] + np.array([5.0, 6.0])])  # late ones first
        np.testing.assert_array_equal(limiter.disturbed_by(few), limiter.disturbed_by(padded)[:3])
