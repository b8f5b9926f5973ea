"""Statistics for Monte Carlo comparisons: pure functions of per-replication values.

Every function takes plain arrays (one value per replication, or one column per arm with rows
paired by replication) and returns plain numbers, so each can be checked against a closed form
or against scipy. Anything random (bootstrap resamples, posterior draws) takes an explicit seed:
the same data always give the same interval and the same ranking.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval.

    ``low`` and ``high`` are NaN when there are too few values for an interval (one value).
    """

    estimate: float
    low: float
    high: float
    n: int
    method: str

    @property
    def half_width(self) -> float:
        """Half the interval's width (NaN without an interval)."""
        return (self.high - self.low) / 2.0

    def as_dict(self) -> dict[str, float | int | str]:
        """The fields as a plain mapping."""
        return asdict(self)


@dataclass(frozen=True)
class PairedTest:
    """Mean of paired differences ``arm - baseline`` with its interval and a two-sided p-value."""

    interval: Interval
    p_value: float
    sd: float


def _values(x: Sequence[float] | np.ndarray) -> np.ndarray:
    values = np.asarray(x, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"need a non-empty 1-d array of values, got shape {values.shape}")
    return values


def t_interval(x: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Mean and Student-t confidence interval: ``mean ± t(1-α/2, n-1) · s / √n``.

    Args:
        x: one value per replication (independent).
        confidence: coverage of the interval.

    Returns:
        The mean with its interval; an interval of zero width when all values are equal.

    """
    values = _values(x)
    n = values.size
    mean = float(values.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n, "t")
    sem = float(values.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * sem
    return Interval(mean, mean - half, mean + half, n, "t")


def bootstrap_interval(
    x: Sequence[float] | np.ndarray,
    confidence: float = CONFIDENCE,
    seed: int = 0,
    n_resamples: int = 4999,
) -> Interval:
    """Mean with a BCa bootstrap interval (Efron 1987), for skewed KPIs such as VaR or losses.

    The bias-corrected and accelerated interval adapts to skew where the t-interval assumes
    symmetry. Resampling is seeded, so the interval is reproducible. With fewer than three
    distinct values BCa is undefined; the percentile method is used instead (and a zero-width
    interval when all values are equal).

    Args:
        x: one value per replication (independent).
        confidence: coverage of the interval.
        seed: seed of the resampling.
        n_resamples: bootstrap resamples.

    Returns:
        The mean with its interval; ``method`` says ``bca`` or ``percentile``.

    """
    values = _values(x)
    n = values.size
    mean = float(values.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n, "bca")
    if np.all(values == values[0]):
        return Interval(mean, mean, mean, n, "bca")
    method = "BCa" if np.unique(values).size >= 3 else "percentile"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on degenerate jackknife; handled below
        result = stats.bootstrap(
            (values,),
            np.mean,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method=method,
            rng=np.random.default_rng(seed),
        )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return bootstrap_interval_percentile(values, confidence, seed, n_resamples)
    return Interval(mean, low, high, n, method.lower())


def bootstrap_interval_percentile(
    values: np.ndarray, confidence: float, seed: int, n_resamples: int
) -> Interval:
    """Mean with a plain percentile bootstrap interval (the fallback of ``bootstrap_interval``)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, size=(n_resamples, values.size))
    means = values[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return Interval(float(values.mean()), float(low), float(high), values.size, "percentile")


def mean_interval(
    x: Sequence[float] | np.ndarray,
    method: str = "t",
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Interval:
    """Mean and interval by ``method``: ``t`` (Student) or ``bootstrap`` (BCa)."""
    if method == "t":
        return t_interval(x, confidence)
    if method == "bootstrap":
        return bootstrap_interval(x, confidence, seed)
    raise ValueError(f"method ({method!r}) must be 't' or 'bootstrap'")


def paired_difference(
    arm: Sequence[float] | np.ndarray,
    baseline: Sequence[float] | np.ndarray,
    method: str = "t",
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> PairedTest:
    """Paired comparison of ``arm - baseline``, replication by replication.

    The p-value is the two-sided paired t-test of a zero mean difference (scipy's
    ``ttest_rel``); the interval is a t-interval, or a BCa bootstrap interval of the mean
    difference when ``method`` is ``bootstrap``. When every difference is the same number the
    test is exact: p = 1 if that number is 0, else 0.

    Args:
        arm: values of the arm, one per replication.
        baseline: values of the baseline, the same replications in the same order.
        method: ``t`` or ``bootstrap`` for the interval.
        confidence: coverage of the interval.
        seed: seed of the bootstrap.

    Returns:
        The mean difference with its interval, the p-value and the sd of the differences.

    """
    a, b = _values(arm), _values(baseline)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.size} and {b.size}")
    diff = a - b
    interval = mean_interval(diff, method, confidence, seed)
    if diff.size < 2:
        return PairedTest(interval, math.nan, math.nan)
    sd = float(diff.std(ddof=1))
    if sd == 0.0:
        return PairedTest(interval, 1.0 if diff[0] == 0.0 else 0.0, 0.0)
    p_value = float(stats.ttest_rel(a, b).pvalue)
    return PairedTest(interval, p_value, sd)


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979), controlling the family-wise error rate.

    Sorted ascending, the i-th smallest of m p-values (i from 0) becomes
    ``max_{j <= i} min(1, (m - j) p_(j))``; NaNs are left out of the family and stay NaN.
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    if m == 0:
        return adjusted
    order = valid[np.argsort(p[valid], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


def probability_best(
    values: np.ndarray,
    maximize: bool = True,
    seed: int = 0,
    n_draws: int = 10000,
) -> np.ndarray:
    """Posterior probability that each arm has the best mean (Bayesian bootstrap, Rubin 1981).

    ``values`` has one row per replication and one column per arm. Rows are paired (with
    common random numbers every arm of a row saw the same world), so each draw weighs whole
    rows with Dirichlet(1, ..., 1) weights and compares the arms' weighted means: the
    correlation between arms is kept, which is what makes paired comparisons sharp. Ties in a
    draw (arms with identical values) share the credit equally.

    Args:
        values: array ``[replication, arm]``.
        maximize: whether a higher mean is better.
        seed: seed of the draws.
        n_draws: posterior draws.

    Returns:
        One probability per arm, summing to 1.

    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"values must be [replication, arm] and non-empty, got {x.shape}")
    if not maximize:
        x = -x
    weights = np.random.default_rng(seed).dirichlet(np.ones(x.shape[0]), size=n_draws)
    means = weights @ x
    best = means.max(axis=1, keepdims=True)
    scale = np.maximum(np.abs(best), 1.0)
    is_best = means >= best - 1e-12 * scale
    credit = is_best / is_best.sum(axis=1, keepdims=True)
    return credit.mean(axis=0)


def crn_variance_ratio(arm: np.ndarray, baseline: np.ndarray) -> float:
    """Estimated variance reduction of a paired difference from common random numbers.

    Each arm's marginal distribution is the same with or without common random numbers, so
    with independent streams ``Var(arm - baseline) = Var(arm) + Var(baseline)``; with common
    numbers it is that minus twice the covariance. The ratio of the two is how many times
    more replications independent streams would need for the same precision. NaN when the
    paired variance is 0 or there are fewer than two replications.
    """
    a, b = np.asarray(arm, dtype=float), np.asarray(baseline, dtype=float)
    if a.size < 2:
        return math.nan
    paired = float(np.var(a - b, ddof=1))
    independent = float(np.var(a, ddof=1) + np.var(b, ddof=1))
    return independent / paired if paired > 0 else math.nan
