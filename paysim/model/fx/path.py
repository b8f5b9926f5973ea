"""Moving rates: one path per replication, drawn at set-up, looked up by time.

The path starts at the fixed rates (the ECB fixing of ``fx.as_of``), ticks every
``fx.step_s`` and is drawn from its own streams (``fx.rates``, ``fx.events``): every arm of
an experiment sees the same rates, whatever its strategies and ``engine.batch_s``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.errors import ScenarioError
from paysim.model.fx.calibrate import (
    available_range,
    calendar_returns,
    calibrate_currency,
    correlation,
    log_rates_per_eur,
)
from paysim.model.fx.ecb import ecb_history
from paysim.model.fx.models import (
    DAILY_MODELS,
    MODEL_PARAMS,
    TRADING_DAYS,
    PathInputs,
    simulate_log_path,
    stack_params,
)
from paysim.model.fx.rates import FixedRates
from paysim.model.fx.spec import FxSpec


class MovingRates(FixedRates):
    """Rates along a path: ``*_at`` conversions read the tick of each time.

    The inherited static conversions use the start rates (fees and limits stated in
    another currency are converted once, at set-up).
    """

    def __init__(self, currencies: Sequence[str], per_eur_path: np.ndarray, step_s: float) -> None:
        super().__init__(currencies, dict(zip(currencies, per_eur_path[0], strict=True)))
        self.path = per_eur_path
        self._flat = per_eur_path.ravel()
        self.step_s = step_s
        self.cov_per_eur = np.zeros((len(self.currencies),) * 2)  # yearly, of the log rates
        self.scale = 10.0**self.exponent

    def tick(self, t_s: np.ndarray | float) -> np.ndarray:
        """The tick in force at each time (the last one past the end of the path)."""
        k = np.asarray(t_s, dtype=float) / self.step_s
        # fmax/fmin pass over NaN: a time that never comes (NaN, inf) reads the last tick
        k = np.fmin(np.fmax(k, 0.0), self.path.shape[0] - 1)
        return np.where(np.isnan(k), self.path.shape[0] - 1, k).astype(np.int64)

    def factor_at(
        self, source: np.ndarray | int, target: np.ndarray | int, t_s: np.ndarray | float
    ) -> np.ndarray:
        """Minor units of ``target`` per minor unit of ``source`` at each time."""
        row = self.tick(t_s) * self.path.shape[1]
        mid = self._flat[row + target] / self._flat[row + source]
        return mid * self.scale[target] / self.scale[source]

    def convert_minor_at(
        self,
        amount_minor: np.ndarray,
        source: np.ndarray | int,
        target: np.ndarray | int,
        t_s: np.ndarray | float,
    ) -> np.ndarray:
        """Integer minor units converted at the rate of each time, rounded."""
        return np.rint(amount_minor * self.factor_at(source, target, t_s)).astype(np.int64)

    def to_major_at(
        self,
        amount_minor: np.ndarray,
        source: np.ndarray | int,
        target: int,
        t_s: np.ndarray | float,
    ) -> np.ndarray:
        """Float major units of ``target`` at the rate of each time."""
        return amount_minor * self.factor_at(source, target, t_s) / self.scale[target]

    def cov_vs(self, reporting: int) -> np.ndarray:
        """Yearly covariance of ``log(reporting units per unit)`` of every currency."""
        k = len(self.currencies)
        rows = -np.eye(k)
        rows[:, reporting] += 1.0  # log(rep / c) per EUR: x_rep - x_c
        return rows @ self.cov_per_eur @ rows.T

    def mid_per_eur(self, t_s: float) -> np.ndarray:
        """Every currency's rate per EUR at one time."""
        return self.path[int(self.tick(t_s))]


@dataclass(frozen=True)
class ModelSetup:
    """The resolved inputs of a scenario's rate model (before drawing a path)."""

    moving: tuple[str, ...]  # currencies that move (EUR never does)
    params: dict[str, np.ndarray]
    chol: np.ndarray
    history_daily: np.ndarray | None


@lru_cache(maxsize=64)
def _fitted(code: str, start: dt.date, end: dt.date, model: str) -> tuple[tuple[str, float], ...]:
    logs = log_rates_per_eur([code], start, end)
    return tuple(calibrate_currency(logs[code].to_numpy(), model).items())


def _range_text(code: str) -> str:
    span = available_range(code)
    if span is None:
        first, last = ecb_history().index[[0, -1]]
        return f"the ECB history ({first.date()} to {last.date()}) has no {code} rate"
    return f"the ECB publishes {code} from {span[0]} to {span[1]}"


def _currency_params(spec: FxSpec, code: str) -> dict[str, float]:
    window = spec.calibrate_from
    out: dict[str, float] = {}
    ecb = available_range(code) is not None
    if window is not None and ecb:
        out.update(_fitted(code, window.start, window.end, _fit_model(spec.model)))
    stated = spec.params.get(code)
    if stated is not None:
        out.update({k: v for k, v in stated.model_dump().items() if v is not None})
    missing = [p for p in MODEL_PARAMS[spec.model] if p not in out]
    if missing:
        reason = (
            _range_text(code)
            if not ecb
            else "no fx.calibrate_from window to fit it on, and it is not stated"
        )
        raise ScenarioError(
            [f"fx.params.{code}.{p}: needed by model {spec.model}: {reason}" for p in missing]
        )
    return out


def _fit_model(model: str) -> str:
    return model if model in ("ou", "garch", "jump") else "gbm"


def resolve_model(spec: FxSpec, currencies: Sequence[str]) -> ModelSetup:
    """Parameters per currency, the shocks' correlation and (replay, bootstrap) the history.

    Raises ScenarioError naming the currency and the ECB range when something is missing.
    """
    moving = tuple(c for c in currencies if c != "EUR")
    window = spec.calibrate_from
    history = None
    if spec.model in DAILY_MODELS and spec.model != "garch":
        assert window is not None  # the spec requires it
        history = calendar_returns(log_rates_per_eur(moving, window.start, window.end))
        per_currency: list[dict[str, float]] = [{} for _ in moving]
    else:
        per_currency = [_currency_params(spec, c) for c in moving]
    corr = np.eye(len(moving))
    in_ecb = [i for i, c in enumerate(moving) if available_range(c) is not None]
    if window is not None and len(in_ecb) > 1:
        logs = log_rates_per_eur([moving[i] for i in in_ecb], window.start, window.end)
        corr[np.ix_(in_ecb, in_ecb)] = correlation(np.diff(logs.to_numpy(), axis=0))
    chol = np.linalg.cholesky(corr + 1e-12 * np.eye(len(moving)))
    return ModelSetup(moving, stack_params(spec.model, per_currency), chol, history)


def moving_rates(
    spec: FxSpec, currencies: Sequence[str], streams: RandomStreams, horizon_s: float
) -> MovingRates:
    """Draw the run's path from the spec (start: the fixed rates of ``fx.as_of``)."""
    start = FixedRates.from_spec(spec, currencies)
    setup = resolve_model(spec, currencies)
    n_ticks = max(1, math.ceil(horizon_s / spec.step_s))
    index = [start.index[c] for c in setup.moving]
    path = np.tile(np.log(start.per_eur), (n_ticks + 1, 1))
    if setup.moving:
        if setup.history_daily is not None and spec.model == "replay":
            n_days = math.ceil(n_ticks * spec.step_s / 86400.0)
            if setup.history_daily.shape[0] < n_days:
                raise ScenarioError.at(
                    "fx.calibrate_from",
                    f"replay needs at least {n_days} days of history for the horizon",
                )
        inputs = PathInputs(
            model=spec.model, params=setup.params, start_log=path[0, index], chol=setup.chol,
            step_s=spec.step_s, n_ticks=n_ticks, history_daily=setup.history_daily,
            block_days=spec.block_days,
            switch_per_year=(spec.to_stress_per_year, spec.to_calm_per_year),
        )  # fmt: skip
        path[:, index] = simulate_log_path(
            inputs, streams.stream("fx.rates"), streams.stream("fx.events")
        )
    rates = MovingRates(currencies, np.exp(path), spec.step_s)
    if setup.moving:
        sd = model_sd_per_year(spec.model, setup)
        rates.cov_per_eur[np.ix_(index, index)] = (setup.chol @ setup.chol.T) * np.outer(sd, sd)
    return rates


def model_sd_per_year(model: str, setup: ModelSetup) -> np.ndarray:
    """Each moving currency's yearly standard deviation of log returns under the model."""
    p = setup.params
    if model in ("gbm", "ou"):  # OU: the short-horizon one (a day is far below a half-life)
        return p["sigma"]
    if model == "jump":
        return np.sqrt(p["sigma"] ** 2 + p["jump_rate"] * (p["jump_mean"] ** 2 + p["jump_sd"] ** 2))
    if model == "regime":
        return np.maximum(p["sigma"], p["sigma_stress"])  # prudent: the stress volatility
    if model == "garch":
        return np.sqrt(p["omega"] / (1 - p["alpha"] - p["beta"]) * TRADING_DAYS)
    assert setup.history_daily is not None
    return setup.history_daily.std(axis=0) * np.sqrt(365.25)


def build_rates(
    spec: FxSpec, currencies: Sequence[str], streams: RandomStreams, horizon_s: float
) -> FixedRates:
    """The rates of a run: fixed, or a path of the scenario's model."""
    if not spec.moving:
        return FixedRates.from_spec(spec, currencies)
    return moving_rates(spec, currencies, streams, horizon_s)
