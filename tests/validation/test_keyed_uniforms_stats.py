"""Counter-based uniforms look like independent U(0, 1) draws, for the keys the model uses.

The model keys checkouts by consecutive ids and attempts by ``id * 16 + attempt``, so the
keys are as regular as keys get: that is what the mixing function must hide. Fixed seeds.
For n pairs of independent uniforms the sample correlation has standard error 1 / sqrt(n);
checks allow 5 of those.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from paysim.engine import RandomStreams

Z = 5.0
P_MIN = 0.001
SIZES = [100_000, pytest.param(2_000_000, marks=pytest.mark.slow)]


def _uniforms(keys: np.ndarray, n_fields: int, seed: int = 7) -> np.ndarray:
    return RandomStreams(seed).keyed("checkout").uniforms(keys, n_fields)


def _checkout_keys(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64)


def _attempt_keys(n: int) -> np.ndarray:
    checkout, attempt = np.divmod(np.arange(n, dtype=np.int64), 3)
    return checkout * 16 + attempt + 1


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("keys_of", [_checkout_keys, _attempt_keys], ids=["checkout", "attempt"])
def test_each_field_is_uniform(n: int, keys_of) -> None:
    values = _uniforms(keys_of(n), 4)
    for field in range(values.shape[1]):
        assert stats.kstest(values[:, field], "uniform").pvalue > P_MIN, field


@pytest.mark.parametrize("n", SIZES)
def test_adjacent_keys_are_uncorrelated(n: int) -> None:
    values = _uniforms(_checkout_keys(n), 1)[:, 0]
    for lag in (1, 2, 16):
        r = np.corrcoef(values[:-lag], values[lag:])[0, 1]
        assert abs(r) <= Z / np.sqrt(n - lag), (lag, r)


@pytest.mark.parametrize("n", SIZES)
def test_fields_of_one_key_are_uncorrelated(n: int) -> None:
    values = _uniforms(_checkout_keys(n), 6)
    corr = np.corrcoef(values, rowvar=False)
    off_diagonal = corr[~np.eye(6, dtype=bool)]
    assert np.abs(off_diagonal).max() <= Z / np.sqrt(n)


@pytest.mark.parametrize("n", SIZES)
def test_pairs_fill_the_unit_square_evenly(n: int) -> None:
    # adjacent keys as points in [0, 1)^2, counted on a 10 x 10 grid: chi-square, 99 dof
    values = _uniforms(_attempt_keys(n + 1), 1)[:, 0]
    x, y = values[:-1], values[1:]
    cells = np.floor(x * 10).astype(int) * 10 + np.floor(y * 10).astype(int)
    counts = np.bincount(cells, minlength=100)
    assert stats.chisquare(counts).pvalue > P_MIN


def test_streams_of_two_seeds_are_uncorrelated() -> None:
    keys = _checkout_keys(100_000)
    a, b = _uniforms(keys, 1, seed=1)[:, 0], _uniforms(keys, 1, seed=2)[:, 0]
    assert abs(np.corrcoef(a, b)[0, 1]) <= Z / np.sqrt(keys.size)
