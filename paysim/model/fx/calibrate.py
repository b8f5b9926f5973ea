"""Fitting the rate models on daily log returns, and the ECB windows they are fitted on.

Conventions of the contract (``paysim calibrate fx``): ``sigma`` is the standard deviation of
daily log returns times the square root of 252; ``mu`` is the annualised drift of the rate
(``252 * mean + sigma^2 / 2``, so that ``E[S_t] = S_0 exp(mu t)`` under GBM). A pair ``XXXYYY``
is YYY units per XXX, crossed via EUR from the ECB fixings.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from paysim.errors import ScenarioError
from paysim.model.fx.ecb import ecb_history
from paysim.model.fx.models import TRADING_DAYS

MIN_OBS = 30  # fewer daily returns than this say nothing about a volatility


def available_range(code: str) -> tuple[dt.date, dt.date] | None:
    """First and last ECB fixing of a currency, or None if the ECB never published it."""
    history = ecb_history()
    if code not in history.columns:
        return None
    known = history[code].dropna()
    return (known.index[0].date(), known.index[-1].date()) if not known.empty else None


def log_rates_per_eur(
    currencies: Sequence[str], start: dt.date, end: dt.date, path: str = "fx.calibrate_from"
) -> pd.DataFrame:
    """Log ECB rates per EUR on business days in ``[start, end]`` where all are published."""
    problems = []
    for code in currencies:
        span = available_range(code)
        if span is None:
            first, last = ecb_history().index[[0, -1]]
            hint = f" (state fx.params.{code} instead)" if path.startswith("fx.") else ""
            problems.append(
                f"{path}: the ECB history ({first.date()} to {last.date()}) has no {code} "
                f"rate{hint}"
            )
        elif span[0] > start or span[1] < end:
            problems.append(
                f"{path}: the ECB publishes {code} from {span[0]} to {span[1]}, "
                f"not the whole window {start} to {end}"
            )
    if problems:
        raise ScenarioError(problems)
    window = ecb_history().loc[pd.Timestamp(start) : pd.Timestamp(end), list(currencies)]
    window = window.dropna()
    if len(window) <= MIN_OBS:
        raise ScenarioError(
            f"{path}: {start} to {end} holds {len(window)} ECB fixings, at least "
            f"{MIN_OBS + 1} are needed"
        )
    return np.log(window)


def pair_log_rates(pair: str, start: dt.date, end: dt.date) -> pd.Series:
    """Log of a pair's rate (quote units per base unit), crossed via EUR."""
    if len(pair) != 6 or not pair.isalpha():
        raise ScenarioError.at("--pair", "must be two ISO codes, like EURUSD", pair)
    base, quote = pair[:3].upper(), pair[3:].upper()
    codes = [c for c in dict.fromkeys((base, quote)) if c != "EUR"]
    logs = log_rates_per_eur(codes, start, end, path="--pair")
    zero = pd.Series(0.0, index=logs.index)
    return (logs[quote] if quote != "EUR" else zero) - (logs[base] if base != "EUR" else zero)


def calendar_returns(log_rates: pd.DataFrame) -> np.ndarray:
    """Daily log returns on every calendar day (weekends and holidays move nothing)."""
    daily = log_rates.resample("D").last().ffill()
    return np.diff(daily.to_numpy(), axis=0)


def correlation(returns: np.ndarray) -> np.ndarray:
    """The correlation matrix of the columns of ``returns`` (one column: ``[[1]]``)."""
    if returns.shape[1] == 1:
        return np.ones((1, 1))
    return np.atleast_2d(np.corrcoef(returns, rowvar=False))


def fit_gbm(returns: np.ndarray) -> dict[str, float]:
    """GBM from daily log returns: ``mu``, ``sigma`` annualised with 252 days."""
    sigma = float(np.std(returns, ddof=1) * np.sqrt(TRADING_DAYS))
    mu = float(np.mean(returns) * TRADING_DAYS + 0.5 * sigma**2)
    return {"mu": mu, "sigma": sigma}


def fit_ou(log_levels: np.ndarray) -> dict[str, float]:
    """OU on the log rate by the exact AR(1) regression ``x' = a + b x + e`` on daily steps."""
    x, y = log_levels[:-1], log_levels[1:]
    b, a = np.polyfit(x, y, 1)
    b = float(np.clip(b, 1e-6, 1 - 1e-9))
    resid = y - (a + b * x)
    step = 1.0 / TRADING_DAYS
    kappa = -np.log(b) / step
    sigma = float(np.std(resid, ddof=2) * np.sqrt(2 * kappa / (1 - b**2)))
    return {
        "kappa": float(kappa),
        "theta": float(a / (1 - b)),
        "sigma": sigma,
        "half_life_days": float(np.log(2) / kappa * TRADING_DAYS),
    }


def fit_garch(returns: np.ndarray) -> dict[str, float]:
    """GARCH(1,1) with Student-t innovations by maximum likelihood (the ``arch`` package).

    Fitted on returns in percent (the scale ``arch`` optimises well); ``omega`` is given
    back in squared log-return units.
    """
    from arch import arch_model  # heavy: loaded only when a GARCH fit is asked for

    model = arch_model(100.0 * returns, mean="Constant", vol="GARCH", p=1, q=1, dist="t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(disp="off", show_warning=False)
    p = fit.params
    return {
        "mu": float(p["mu"] / 100.0 * TRADING_DAYS),
        "omega": float(p["omega"] / 1e4),
        "alpha": float(p["alpha[1]"]),
        "beta": float(p["beta[1]"]),
        "nu": float(p["nu"]),
    }


def _merton_nll(theta: np.ndarray, returns: np.ndarray, n_max: int = 8) -> float:
    mu, log_sigma, log_lam, m, log_s = theta
    sigma, lam, s = np.exp(log_sigma), np.exp(log_lam), np.exp(log_s)
    step = 1.0 / TRADING_DAYS
    kappa = np.exp(m + 0.5 * s**2) - 1.0
    drift = (mu - 0.5 * sigma**2 - lam * kappa) * step
    n = np.arange(n_max + 1)[:, None]
    weights = stats.poisson.pmf(n, lam * step)
    dens = stats.norm.pdf(returns[None, :], drift + n * m, np.sqrt(sigma**2 * step + n * s**2))
    return float(-np.sum(np.log(np.maximum((weights * dens).sum(axis=0), 1e-300))))


def fit_jump(returns: np.ndarray) -> dict[str, float]:
    """Merton jump-diffusion by maximum likelihood (Poisson mixture truncated at 8 jumps)."""
    base = fit_gbm(returns)
    daily_sd = float(np.std(returns, ddof=1))
    start = np.array(
        [base["mu"], np.log(base["sigma"] * 0.8), np.log(10.0), 0.0, np.log(3 * daily_sd)]
    )
    best = optimize.minimize(
        _merton_nll, start, args=(returns,), method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-6},
    )  # fmt: skip
    mu, log_sigma, log_lam, m, log_s = best.x
    return {
        "mu": float(mu),
        "sigma_diffusion": float(np.exp(log_sigma)),
        "jump_rate": float(np.exp(log_lam)),
        "jump_mean": float(m),
        "jump_sd": float(np.exp(log_s)),
    }


FITS = {"gbm": fit_gbm, "garch": fit_garch, "jump": fit_jump}


def calibrate_pair(pair: str, start: dt.date, end: dt.date, model: str) -> dict[str, Any]:
    """The ``paysim calibrate fx`` answer: the window, ``sigma``, ``mu`` and the model's fit."""
    logs = pair_log_rates(pair, start, end)
    returns = np.diff(logs.to_numpy())
    out: dict[str, Any] = {
        "pair": pair.upper(),
        "model": model,
        "start": str(logs.index[0].date()),
        "end": str(logs.index[-1].date()),
        "n_obs": int(returns.size),
        **fit_gbm(returns),
    }
    if model == "ou":
        out.update(fit_ou(logs.to_numpy()))
    elif model != "gbm":
        out.update(FITS[model](returns))
    return out


def calibrate_currency(log_levels: np.ndarray, model: str) -> dict[str, float]:
    """The parameters a scenario's rate model needs for one currency per EUR."""
    returns = np.diff(log_levels)
    params = fit_gbm(returns)
    if model == "ou":
        params.update(fit_ou(log_levels))
    elif model == "garch":
        params.update(fit_garch(returns))
    elif model == "jump":
        fit = fit_jump(returns)
        params.update(fit, sigma=fit["sigma_diffusion"])
    return params
