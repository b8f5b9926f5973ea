"""The review team's queue against Erlang C (waits), Erlang A (abandonment), Erlang B (loss)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from paysim.model.fraud.review import ABANDONED, FULL, SERVED, ReviewQueue


def erlang_b(c: int, a: float) -> float:
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def erlang_a_abandon(c: int, lam: float, mu: float, theta: float, n_max: int = 400) -> float:
    """P(abandon) of M/M/c+M from its birth-death chain: theta E[queue] / lambda."""
    p = [1.0]
    for n in range(1, n_max):
        p.append(p[-1] * lam / (min(n, c) * mu + max(n - c, 0) * theta))
    p = np.array(p) / sum(p)
    queue = np.maximum(np.arange(n_max) - c, 0)
    return float(theta * (queue * p).sum() / lam)


def poisson_cases(lam_per_s: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.exponential(1 / lam_per_s, n))


def test_mean_wait_matches_erlang_c():
    c, mean_s, rho, n = 4, 360.0, 0.8, 120_000
    lam = rho * c / mean_s
    rng = np.random.default_rng(1)
    queue = ReviewQueue(c)
    t = poisson_cases(lam, n, 2)
    for part in np.array_split(np.arange(n), 7):  # across windows, as in a run
        queue.admit(t[part], rng.exponential(mean_s, part.size), np.full(part.size, np.inf))
    expected_h = erlang_c(c, lam * mean_s) / (c / mean_s - lam) / 3600
    assert queue.mean_wait_h == pytest.approx(expected_h, rel=0.06)


def test_abandonment_matches_erlang_a():
    c, mean_s, n = 3, 600.0, 100_000
    lam, theta = 1.1 * c / mean_s, 1 / 900.0  # overloaded: only impatience keeps it stable
    rng = np.random.default_rng(3)
    fates = ReviewQueue(c).admit(
        poisson_cases(lam, n, 4), rng.exponential(mean_s, n), rng.exponential(1 / theta, n)
    )
    abandoned = float(np.mean(fates.fate == ABANDONED))
    assert abandoned == pytest.approx(erlang_a_abandon(c, lam, 1 / mean_s, theta), abs=0.01)


def test_a_queue_of_zero_places_blocks_as_erlang_b():
    c, mean_s, n = 5, 300.0, 100_000
    lam = 4.0 / mean_s  # offered load 4 Erlangs
    rng = np.random.default_rng(5)
    fates = ReviewQueue(c, max_queue=0).admit(
        poisson_cases(lam, n, 6), rng.exponential(mean_s, n), np.full(n, np.inf)
    )
    assert not (fates.wait_s > 0).any()
    assert float(np.mean(fates.fate == FULL)) == pytest.approx(erlang_b(c, 4.0), abs=0.008)


def test_fifo_with_one_analyst_by_hand():
    queue = ReviewQueue(1)
    fates = queue.admit(np.array([0.0, 1.0, 2.0]), np.array([10.0, 5.0, 5.0]),
                        np.array([math.inf, 3.0, math.inf]))  # fmt: skip
    assert fates.fate.tolist() == [SERVED, ABANDONED, SERVED]
    assert fates.wait_s.tolist() == [0.0, 3.0, 8.0]  # the second gave up after 3 s
    assert fates.done_s.tolist() == [10.0, 4.0, 15.0]
    assert queue.backlog_max == 2
