"""Rate models: log-rate paths of several currencies per EUR, moving together.

Every model works on ``x = log(quote units per EUR)`` for each currency (EUR itself stays at
0, so any cross rate is a difference of two columns). Annualised parameters are per year of
365.25 days of simulated clock time; the calibration annualises daily ECB returns with 252
business days (the contract), so a clock day carries 252/365.25 of a business day's variance.

- ``gbm``: geometric Brownian motion, ``d log S = (mu - sigma^2/2) dt + sigma dW``.
- ``ou``: Ornstein-Uhlenbeck on the log rate, exact discretisation, mean ``theta`` (the
  start rate unless stated), speed ``kappa`` per year.
- ``jump``: Merton jump-diffusion, jumps ``N(jump_mean, jump_sd^2)`` at ``jump_rate`` per year,
  drift compensated so that ``E[S_t] = S_0 exp(mu t)``.
- ``regime``: two volatility states (calm, stress) shared by all currencies (a global risk-off
  switch), a Markov chain with switching rates per year.
- ``garch``: GARCH(1,1) on daily returns with Student-t innovations (Gaussian copula across
  currencies); ``replay`` and ``bootstrap`` reuse real daily ECB returns. These three are
  daily models: their ticks inside a day follow a Brownian bridge through the daily values.

Shocks of all currencies are correlated through the Cholesky factor of one correlation matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import signal, stats

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import BlockStream

YEAR_S = 365.25 * SECONDS_PER_DAY
TRADING_DAYS = 252
DAILY_MODELS = ("garch", "replay", "bootstrap")
TICK_MODELS = ("gbm", "ou", "jump", "regime")
MODELS = TICK_MODELS + DAILY_MODELS

#: The parameters each model needs, per currency (``mu`` and ``sigma`` annualised).
MODEL_PARAMS: dict[str, tuple[str, ...]] = {
    "gbm": ("mu", "sigma"),
    "ou": ("sigma", "kappa"),
    "jump": ("mu", "sigma", "jump_rate", "jump_mean", "jump_sd"),
    "regime": ("mu", "sigma", "sigma_stress"),
    "garch": ("mu", "omega", "alpha", "beta", "nu"),
    "replay": (),
    "bootstrap": (),
}


@dataclass(frozen=True)
class PathInputs:
    """Everything a model needs to draw one path (arrays are per currency)."""

    model: str
    params: Mapping[str, np.ndarray]  # name -> value per currency
    start_log: np.ndarray  # log rates per EUR at t = 0
    chol: np.ndarray  # Cholesky factor of the shocks' correlation
    step_s: float
    n_ticks: int
    history_daily: np.ndarray | None = None  # calendar-day log returns (replay, bootstrap)
    block_days: int = 5
    switch_per_year: tuple[float, float] = (0.0, 0.0)  # regime: calm->stress, stress->calm


def simulate_log_path(inputs: PathInputs, shocks: BlockStream, events: BlockStream) -> np.ndarray:
    """Log rates per EUR at ticks ``0..n_ticks``, shape ``(n_ticks + 1, n_currencies)``.

    ``shocks`` feeds the Gaussian shocks, ``events`` the uniforms of jumps and regime switches,
    so adding jumps to a model does not move its diffusion's numbers.
    """
    if inputs.model in DAILY_MODELS:
        increments = _daily_then_bridge(inputs, shocks)
    else:
        increments = _tick_increments(inputs, shocks, events)
    path = np.empty((inputs.n_ticks + 1, inputs.start_log.size))
    path[0] = inputs.start_log
    if inputs.model == "ou":
        path[1:] = increments  # the OU recursion gives levels, not increments
    else:
        path[1:] = inputs.start_log + np.cumsum(increments, axis=0)
    return path


def correlated_normals(stream: BlockStream, n: int, chol: np.ndarray) -> np.ndarray:
    """``n`` rows of standard normals with correlation ``chol @ chol.T``."""
    return stream.normal((n, chol.shape[0])) @ chol.T


def _tick_increments(inputs: PathInputs, shocks: BlockStream, events: BlockStream) -> np.ndarray:
    p, dt = inputs.params, inputs.step_s / YEAR_S
    z = correlated_normals(shocks, inputs.n_ticks, inputs.chol)
    if inputs.model == "gbm":
        return gbm_increments(z, p["mu"], p["sigma"], dt)
    if inputs.model == "ou":
        theta = p.get("theta", inputs.start_log)
        return ou_levels(inputs.start_log, z, p["kappa"], theta, p["sigma"], dt)
    if inputs.model == "jump":
        return jump_increments(z, events, p, dt)
    return regime_increments(z, events, p, dt, inputs.switch_per_year)


def gbm_increments(z: np.ndarray, mu: np.ndarray, sigma: np.ndarray, dt: float) -> np.ndarray:
    """Log increments of GBM over steps of ``dt`` years."""
    return (mu - 0.5 * sigma**2) * dt + sigma * np.sqrt(dt) * z


def ou_levels(
    x0: np.ndarray,
    z: np.ndarray,
    kappa: np.ndarray,
    theta: np.ndarray,
    sigma: np.ndarray,
    dt: float,
) -> np.ndarray:
    """Exact OU levels after each step: ``x' = theta + (x - theta) b + s z``."""
    b = np.exp(-kappa * dt)
    s = sigma * np.sqrt((1.0 - b**2) / (2.0 * kappa))
    out = np.empty_like(z)
    for j in range(z.shape[1]):  # a linear filter per currency (few currencies)
        zi = np.array([b[j] * (x0[j] - theta[j])])
        out[:, j], _ = signal.lfilter([1.0], [1.0, -b[j]], s[j] * z[:, j], zi=zi)
    return out + theta


def jump_increments(
    z: np.ndarray, events: BlockStream, p: Mapping[str, np.ndarray], dt: float
) -> np.ndarray:
    """Merton: diffusion plus a compound Poisson sum of normal jumps per step."""
    lam, m, s = p["jump_rate"], p["jump_mean"], p["jump_sd"]
    kappa = np.exp(m + 0.5 * s**2) - 1.0
    drift = (p["mu"] - 0.5 * p["sigma"] ** 2 - lam * kappa) * dt
    counts = stats.poisson.ppf(events.uniform(z.shape), lam * dt)
    jump_z = events.normal(z.shape)
    jumps = counts * m + np.sqrt(counts) * s * jump_z
    return drift + p["sigma"] * np.sqrt(dt) * z + jumps


def regime_states(u: np.ndarray, to_stress: float, to_calm: float, dt: float) -> np.ndarray:
    """A two-state Markov chain (0 calm, 1 stress) starting calm, one uniform per step."""
    leave = (1.0 - np.exp(-to_stress * dt), 1.0 - np.exp(-to_calm * dt))
    state = np.empty(u.size, dtype=np.int8)
    current = 0
    for i, x in enumerate(u):  # one step per tick: a few thousand, once per run
        if x < leave[current]:
            current = 1 - current
        state[i] = current
    return state


def regime_increments(
    z: np.ndarray,
    events: BlockStream,
    p: Mapping[str, np.ndarray],
    dt: float,
    switch_per_year: tuple[float, float],
) -> np.ndarray:
    """GBM whose volatility is ``sigma`` or ``sigma_stress`` by the shared regime."""
    state = regime_states(events.uniform(z.shape[0]), *switch_per_year, dt)
    sigma = np.where(state[:, None] == 1, p["sigma_stress"], p["sigma"])
    return gbm_increments(z, p["mu"], sigma, dt)


def garch_daily(
    z_uniform: np.ndarray, p: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """GARCH(1,1)-t daily log returns and their conditional sd, from copula uniforms.

    ``z_uniform`` (days x currencies) are correlated uniforms; each column becomes
    unit-variance Student-t innovations. The variance starts at its unconditional level
    ``omega / (1 - alpha - beta)``.
    """
    nu = p["nu"]
    eps = stats.t.ppf(z_uniform, nu) * np.sqrt((nu - 2.0) / nu)
    omega, alpha, beta = p["omega"], p["alpha"], p["beta"]
    h = omega / (1.0 - alpha - beta)
    returns = np.empty_like(eps)
    sd = np.empty_like(eps)
    mu_daily = p["mu"] / TRADING_DAYS
    for d in range(eps.shape[0]):  # one step per simulated day
        sd[d] = np.sqrt(h)
        shock = sd[d] * eps[d]
        returns[d] = mu_daily + shock
        h = omega + alpha * shock**2 + beta * h
    return returns, sd


def _daily_then_bridge(inputs: PathInputs, shocks: BlockStream) -> np.ndarray:
    ticks_per_day = round(SECONDS_PER_DAY / inputs.step_s)
    n_days = -(-inputs.n_ticks // ticks_per_day)
    k = inputs.start_log.size
    if inputs.model == "garch":
        u = stats.norm.cdf(correlated_normals(shocks, n_days, inputs.chol))
        daily, sd = garch_daily(np.clip(u, 1e-12, 1 - 1e-12), inputs.params)
        # the model's day is a business day; the clock's day carries 252/365.25 of it
        scale = np.sqrt(TRADING_DAYS / 365.25)
        daily, sd = daily * scale, sd * scale
    else:
        history = inputs.history_daily
        assert history is not None
        if inputs.model == "replay":
            daily = history[:n_days]
        else:
            daily = block_bootstrap(history, n_days, inputs.block_days, shocks)
        sd = np.broadcast_to(history.std(axis=0), daily.shape)
    bridge = shocks.normal((n_days, ticks_per_day, k))
    bridge -= bridge.mean(axis=1, keepdims=True)
    ticks = daily[:, None, :] / ticks_per_day + bridge * (sd[:, None, :] / np.sqrt(ticks_per_day))
    return ticks.reshape(n_days * ticks_per_day, k)[: inputs.n_ticks]


def block_bootstrap(
    history: np.ndarray, n_days: int, block_days: int, stream: BlockStream
) -> np.ndarray:
    """Rows of ``history`` in blocks of ``block_days`` consecutive days, starts uniform.

    Whole rows are taken, so the currencies keep their joint moves (Kunsch's moving blocks).
    """
    n_blocks = -(-n_days // block_days)
    last_start = history.shape[0] - block_days
    starts = np.floor(stream.uniform(n_blocks) * (last_start + 1)).astype(np.int64)
    rows = (starts[:, None] + np.arange(block_days)[None, :]).ravel()[:n_days]
    return history[rows]


def stack_params(model: str, per_currency: Sequence[Mapping[str, float]]) -> dict[str, np.ndarray]:
    """Per-currency parameter mappings as one array per parameter name."""
    names = set(MODEL_PARAMS[model]) | {"theta"} if model == "ou" else set(MODEL_PARAMS[model])
    out = {}
    for name in names:
        values = [c.get(name) for c in per_currency]
        if name == "theta" and any(v is None for v in values):
            continue  # OU reverts to the start rate unless every theta is stated
        out[name] = np.array(values, dtype=float)
    return out
