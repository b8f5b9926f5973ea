"""The rate models against their closed forms, and fits that recover what was simulated."""

from __future__ import annotations

import numpy as np
import pytest

from paysim.engine.streams import RandomStreams
from paysim.model.fx.calibrate import fit_garch, fit_gbm, fit_jump, fit_ou
from paysim.model.fx.models import (
    TRADING_DAYS,
    YEAR_S,
    PathInputs,
    garch_daily,
    regime_states,
    simulate_log_path,
)

HOUR_S = 3600.0


def _path(model: str, params: dict[str, float], n_ticks: int, step_s: float = HOUR_S, seed=3):
    streams = RandomStreams(seed)
    inputs = PathInputs(
        model=model,
        params={k: np.array([v]) for k, v in params.items()},
        start_log=np.array([0.0]),
        chol=np.ones((1, 1)),
        step_s=step_s,
        n_ticks=n_ticks,
        switch_per_year=(params.get("to_stress", 0.0), params.get("to_calm", 0.0)),
    )
    return simulate_log_path(inputs, streams.stream("fx.rates"), streams.stream("fx.events"))[:, 0]


def _mean_var_check(x: np.ndarray, mean: float, var: float) -> None:
    n = x.size
    se_mean = np.sqrt(var / n)
    assert abs(x.mean() - mean) < 4 * se_mean
    # the sample variance of n normals has sd var * sqrt(2 / (n - 1))
    assert abs(x.var(ddof=1) - var) < 4 * var * np.sqrt(2 / (n - 1))


def test_gbm_log_returns_have_the_closed_form_mean_and_variance():
    mu, sigma, n = 0.3, 0.25, 200_000
    returns = np.diff(_path("gbm", {"mu": mu, "sigma": sigma}, n))
    dt = HOUR_S / YEAR_S
    _mean_var_check(returns, (mu - sigma**2 / 2) * dt, sigma**2 * dt)


def test_ou_stationary_variance_and_half_life():
    kappa, sigma = 12.0, 0.1  # half-life ln2 / 12 years, about 21 days
    step_s = 86400.0
    path = _path("ou", {"sigma": sigma, "kappa": kappa, "theta": 0.0}, 400_000, step_s)
    stationary = sigma**2 / (2 * kappa)
    # many correlated draws: an effective sample of n * (1 - b) / (1 + b)
    b = np.exp(-kappa * step_s / YEAR_S)
    n_eff = path.size * (1 - b) / (1 + b)
    assert abs(path.var() - stationary) < 4 * stationary * np.sqrt(2 / n_eff)
    lag1 = np.corrcoef(path[:-1], path[1:])[0, 1]
    assert lag1 == pytest.approx(b, abs=0.002)
    # the fit counts one step per observation: a half-life in steps (here clock days)
    fit = fit_ou(path[:20_000])
    assert fit["half_life_days"] == pytest.approx(np.log(2) / kappa * 365.25, rel=0.15)


def test_jump_diffusion_variance_adds_the_jumps():
    mu, sigma, lam, m, s = 0.0, 0.1, 50.0, -0.01, 0.02
    step_s = 86400.0
    params = {"mu": mu, "sigma": sigma, "jump_rate": lam, "jump_mean": m, "jump_sd": s}
    returns = np.diff(_path("jump", params, 200_000, step_s))
    dt = step_s / YEAR_S
    var = (sigma**2 + lam * (m**2 + s**2)) * dt
    kappa = np.exp(m + s**2 / 2) - 1
    mean = (mu - sigma**2 / 2 - lam * kappa) * dt + lam * m * dt
    n = returns.size
    assert abs(returns.mean() - mean) < 4 * np.sqrt(var / n)
    # jumps make tails fat: the variance's standard error from the fourth moment
    m4 = np.mean((returns - returns.mean()) ** 4)
    assert abs(returns.var() - var) < 4 * np.sqrt((m4 - var**2) / n)
    # and the drift is compensated: E[S_t] = S_0 exp(mu t), so E[exp(r)] = 1 for mu = 0
    assert np.exp(returns).mean() == pytest.approx(1.0, abs=4 * np.exp(returns).std() / np.sqrt(n))


def test_regime_chain_spends_the_stationary_share_in_stress():
    to_stress, to_calm = 4.0, 12.0  # a quarter of the time in stress
    dt = HOUR_S / YEAR_S
    u = np.random.default_rng(5).random(400_000)
    state = regime_states(u, to_stress, to_calm, dt)
    assert state.mean() == pytest.approx(to_stress / (to_stress + to_calm), abs=0.03)


def test_regime_path_mixes_the_two_volatilities():
    params = {"mu": 0.0, "sigma": 0.05, "sigma_stress": 0.25, "to_stress": 60.0, "to_calm": 60.0}
    returns = np.diff(_path("regime", params, 300_000))
    dt = HOUR_S / YEAR_S
    expected = 0.5 * (0.05**2 + 0.25**2) * dt
    assert returns.var() == pytest.approx(expected, rel=0.1)


def test_garch_unconditional_variance_and_fit_recovers_parameters():
    p = {"mu": 0.0, "omega": 2e-6, "alpha": 0.06, "beta": 0.9, "nu": 6.0}
    arrays = {k: np.array([v]) for k, v in p.items()}
    u = np.random.default_rng(11).random((6000, 1))
    returns, _ = garch_daily(u, arrays)
    unconditional = p["omega"] / (1 - p["alpha"] - p["beta"])
    assert returns.var() == pytest.approx(unconditional, rel=0.15)
    fit = fit_garch(returns[:, 0])
    assert fit["alpha"] == pytest.approx(p["alpha"], abs=0.03)
    assert fit["beta"] == pytest.approx(p["beta"], abs=0.04)
    assert fit["alpha"] + fit["beta"] == pytest.approx(0.96, abs=0.02)
    assert 4.0 < fit["nu"] < 10.0


def test_gbm_fit_recovers_sigma_and_mu_convention():
    rng = np.random.default_rng(2)
    sigma, mu = 0.12, 0.05
    dt = 1 / TRADING_DAYS
    returns = (mu - sigma**2 / 2) * dt + sigma * np.sqrt(dt) * rng.standard_normal(50_000)
    fit = fit_gbm(returns)
    assert fit["sigma"] == pytest.approx(sigma, rel=0.01)
    assert fit["mu"] == pytest.approx(mu, abs=4 * sigma / np.sqrt(50_000 * dt))


def test_jump_fit_finds_the_jumps():
    rng = np.random.default_rng(4)
    n, dt = 8000, 1 / TRADING_DAYS
    sigma, lam, m, s = 0.08, 20.0, 0.0, 0.015
    counts = rng.poisson(lam * dt, n)
    returns = sigma * np.sqrt(dt) * rng.standard_normal(n) + counts * m
    returns += np.sqrt(counts) * s * rng.standard_normal(n)
    fit = fit_jump(returns)
    assert fit["sigma_diffusion"] == pytest.approx(sigma, rel=0.1)
    assert fit["jump_rate"] == pytest.approx(lam, rel=0.5)
    assert fit["jump_sd"] == pytest.approx(s, rel=0.3)


@pytest.mark.parametrize("model", ["gbm", "ou", "jump", "regime", "garch"])
def test_same_seed_same_path_other_seed_other_path(model):
    params = {
        "mu": 0.0, "sigma": 0.1, "kappa": 5.0, "jump_rate": 5.0, "jump_mean": 0.0,
        "jump_sd": 0.01, "sigma_stress": 0.3, "omega": 2e-6, "alpha": 0.05, "beta": 0.9,
        "nu": 5.0, "to_stress": 4.0, "to_calm": 12.0,
    }  # fmt: skip
    a = _path(model, params, 500, seed=1)
    assert np.array_equal(a, _path(model, params, 500, seed=1))
    assert not np.array_equal(a, _path(model, params, 500, seed=2))


def test_daily_models_bridge_ticks_through_the_daily_values():
    p = {"mu": 0.0, "omega": 2e-6, "alpha": 0.05, "beta": 0.9, "nu": 5.0}
    hourly = _path("garch", p, 24 * 50)
    daily = _path("garch", p, 50, step_s=86400.0)
    # the same daily shocks come first in the stream: the day ends agree
    assert np.allclose(hourly[::24], daily)
