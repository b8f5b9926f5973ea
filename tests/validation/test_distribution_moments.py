"""Sample moments of every distribution family against their closed forms.

Tolerances are derived, not guessed: with n draws the sample mean has standard error
sigma / sqrt(n) and the sample variance sigma^2 * sqrt((kurtosis - 1) / n), kurtosis being the
fourth standardised moment (3 + excess). Each check allows Z standard errors; the seeds are
fixed, so a pass is deterministic, and an error in a ppf larger than Z standard errors fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pydantic
import pytest
from scipy import special

from paysim.model.core.distributions import Distribution

Z = 5.0
PARSE = pydantic.TypeAdapter(Distribution)
SIZES = [200_000, pytest.param(5_000_000, marks=pytest.mark.slow)]


def _assert_moments(samples: np.ndarray, mean: float, var: float, excess_kurtosis: float) -> None:
    n = samples.size
    mean_se = np.sqrt(var / n)
    var_se = var * np.sqrt((excess_kurtosis + 2.0) / n)
    assert abs(samples.mean() - mean) <= Z * mean_se, (samples.mean(), mean, mean_se)
    assert abs(samples.var(ddof=1) - var) <= Z * var_se, (samples.var(ddof=1), var, var_se)


def _draw(spec: dict[str, Any], n: int, seed: int = 2026) -> np.ndarray:
    u = np.random.default_rng(seed).random(n)
    return PARSE.validate_python(spec).ppf(u)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("mean", "sd"), [(2.0, 1.0), (1.0, 3.0), (45.0, 40.0)])
def test_gamma_moments(n: int, mean: float, sd: float) -> None:
    shape = (mean / sd) ** 2
    samples = _draw({"dist": "gamma", "mean": mean, "sd": sd}, n)
    _assert_moments(samples, mean, sd**2, excess_kurtosis=6.0 / shape)


@pytest.mark.parametrize("n", SIZES)
def test_exponential_moments(n: int) -> None:
    samples = _draw({"dist": "exponential", "mean": 20.0}, n)
    _assert_moments(samples, 20.0, 400.0, excess_kurtosis=6.0)


@pytest.mark.parametrize("n", SIZES)
def test_uniform_moments(n: int) -> None:
    samples = _draw({"dist": "uniform", "low": 3.0, "high": 11.0}, n)
    _assert_moments(samples, 7.0, 64.0 / 12.0, excess_kurtosis=-1.2)


@pytest.mark.parametrize("n", SIZES)
def test_lognormal_moments(n: int) -> None:
    p50, p99 = 450.0, 2500.0
    mu, sigma = np.log(p50), (np.log(p99) - np.log(p50)) / special.ndtri(0.99)
    s2 = sigma**2
    mean = np.exp(mu + s2 / 2)
    var = (np.exp(s2) - 1) * np.exp(2 * mu + s2)
    excess = np.exp(4 * s2) + 2 * np.exp(3 * s2) + 3 * np.exp(2 * s2) - 6
    samples = _draw({"dist": "lognormal", "p50": p50, "p99": p99}, n)
    _assert_moments(samples, mean, var, excess_kurtosis=excess)
    assert PARSE.validate_python({"dist": "lognormal", "p50": p50, "p99": p99}).mean == (
        pytest.approx(mean, rel=1e-12)
    )


@pytest.mark.parametrize("n", SIZES)
def test_empirical_moments(n: int) -> None:
    values = np.array([5.0, 10.0, 50.0, 200.0])
    weights = np.array([4.0, 3.0, 2.0, 1.0])
    p = weights / weights.sum()
    mean = float(p @ values)
    centred = values - mean
    var = float(p @ centred**2)
    excess = float(p @ centred**4) / var**2 - 3
    spec = {"dist": "empirical", "values": values.tolist(), "weights": weights.tolist()}
    samples = _draw(spec, n)
    _assert_moments(samples, mean, var, excess_kurtosis=excess)
    assert PARSE.validate_python(spec).mean == pytest.approx(mean, rel=1e-12)
    # each value's share: binomial standard error sqrt(p (1 - p) / n)
    shares = np.array([(samples == v).mean() for v in values])
    assert np.all(np.abs(shares - p) <= Z * np.sqrt(p * (1 - p) / n))


def test_constant_is_constant() -> None:
    samples = _draw({"dist": "constant", "value": 3.5}, 1000)
    assert np.all(samples == 3.5)
