"""Scenario fields ``channels.<id>.drifts`` and ``channels.<id>.walk`` (see ``drift``)."""

from __future__ import annotations

from pydantic import Field, model_validator

from paysim.model.core.spec_types import MAX_FACTOR, MAX_HORIZON_DAYS, Identifier, MarketCode, Spec

MAX_HORIZON_H = MAX_HORIZON_DAYS * 24.0


class DriftSpec(Spec):
    """A scheduled change of a channel's approval: ``factor`` times it over an episode.

    The episode is ``[start_h, start_h + duration_h)`` hours after the run starts. With
    ``networks`` (card network ids) or ``markets`` (buyer markets) only those payments drift.
    """

    start_h: float = Field(ge=0, le=MAX_HORIZON_H)
    duration_h: float = Field(gt=0, le=MAX_HORIZON_H)
    factor: float = Field(gt=0, le=MAX_FACTOR)
    networks: list[Identifier] = Field(default_factory=list)
    markets: list[MarketCode] = Field(default_factory=list)


class WalkSpec(Spec):
    """A slow random walk of a channel's approval on the logit scale.

    Every ``step_min`` minutes the logit moves by a normal step of standard deviation
    ``sigma_logit_per_sqrt_h`` times the square root of the step in hours; with
    ``reversion_per_h`` θ > 0 it is pulled back towards the stated approval (an exact
    Ornstein-Uhlenbeck step: stationary standard deviation σ / √(2θ)). It starts at the stated
    approval. ``networks``/``markets`` restrict it as in ``DriftSpec``.
    """

    sigma_logit_per_sqrt_h: float = Field(ge=0, le=5)
    reversion_per_h: float = Field(default=0.0, ge=0, le=100)
    step_min: float = Field(default=15.0, ge=1, le=1440)
    networks: list[Identifier] = Field(default_factory=list)
    markets: list[MarketCode] = Field(default_factory=list)

    @model_validator(mode="after")
    def _moves(self) -> WalkSpec:
        if self.sigma_logit_per_sqrt_h == 0:
            raise ValueError("sigma_logit_per_sqrt_h: must be greater than 0 (omit walk instead)")
        return self
