"""The ``fx`` section of a scenario: the rate model, its calibration and the quotes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.model.core.spec_types import Currency, Spec

RateModel = Literal["fixed", "gbm", "ou", "jump", "regime", "garch", "replay", "bootstrap"]
Date = Annotated[dt.date, Field(strict=False)]


class EcbWindow(Spec):
    """A window of the ECB history to calibrate on (or to replay)."""

    source: Literal["ecb"] = "ecb"
    start: Date
    end: Date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class CurrencyRateParams(Spec):
    """Stated parameters of one currency's rate per EUR (annualised where a rate of time).

    Bounds are far beyond any floating currency's history (USD/TRY's 10-year volatility is
    18 % in the ECB history); a stated value only has to be a possible one.
    """

    mu: Annotated[float, Field(ge=-5, le=5)] | None = None
    sigma: Annotated[float, Field(ge=0, le=5)] | None = None
    kappa: Annotated[float, Field(gt=0, le=1e4)] | None = None  # OU speed per year
    jump_rate: Annotated[float, Field(ge=0, le=1e3)] | None = None  # jumps per year
    jump_mean: Annotated[float, Field(ge=-1, le=1)] | None = None  # log size
    jump_sd: Annotated[float, Field(ge=0, le=1)] | None = None
    sigma_stress: Annotated[float, Field(ge=0, le=5)] | None = None
    omega: Annotated[float, Field(gt=0, le=0.01)] | None = None  # daily log-return units
    alpha: Annotated[float, Field(ge=0, lt=1)] | None = None
    beta: Annotated[float, Field(ge=0, lt=1)] | None = None
    nu: Annotated[float, Field(gt=2, le=500)] | None = None

    @model_validator(mode="after")
    def _stationary(self) -> Self:
        if self.alpha is not None and self.beta is not None and self.alpha + self.beta >= 1:
            raise ValueError("alpha + beta must be below 1 (a stationary GARCH)")
        return self


class QuoteSpec(Spec):
    """The rates buyers are shown: mid plus a spread, valid for a time to live.

    Rate locks of 5 min, 1 h or 24 h, re-rated when the market moves more than 5 %
    (reference table, FX section).
    """

    spread_bps: Annotated[float, Field(ge=0, le=2000)] = 0.0
    ttl_s: Annotated[float, Field(ge=1, le=7 * SECONDS_PER_DAY)] = 3600.0
    rerate_bps: Annotated[float, Field(gt=0, le=5000)] = 500.0


class FxSpec(Spec):
    """Exchange rates: one fixed ECB fixing, or a rate model moving from it."""

    model: RateModel = "fixed"
    as_of: Date | None = None
    # units per USD: real rates run from 0.3 (KWD) to ~1e5 (IRR, LBP)
    assumed_per_usd: dict[Currency, Annotated[float, Field(ge=1e-6, le=1e9)]] = Field(
        default_factory=dict
    )
    step_s: Annotated[float, Field(ge=60, le=SECONDS_PER_DAY)] = 3600.0
    calibrate_from: EcbWindow | None = None
    params: dict[Currency, CurrencyRateParams] = Field(default_factory=dict)
    block_days: Annotated[int, Field(ge=1, le=365)] = 5  # bootstrap block length
    to_stress_per_year: Annotated[float, Field(ge=0, le=365)] = 0.0  # regime switching
    to_calm_per_year: Annotated[float, Field(ge=0, le=365)] = 0.0
    quote: QuoteSpec = Field(default_factory=QuoteSpec)
    conversion_cost_bps: Annotated[float, Field(ge=0, le=1000)] = 0.0
    # money-market rates per year for forward points (covered interest parity), in percent
    interest_percent: dict[Currency, Annotated[float, Field(ge=-10, le=200)]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if SECONDS_PER_DAY % self.step_s:
            raise ValueError(f"step_s ({self.step_s:g}) must divide a day (86400 s)")
        if self.model in ("replay", "bootstrap") and self.calibrate_from is None:
            raise ValueError(f"model {self.model} needs calibrate_from (the ECB window)")
        return self

    @property
    def moving(self) -> bool:
        """Whether rates move during the run."""
        return self.model != "fixed"
