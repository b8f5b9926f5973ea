"""Distributions written in scenario files, each sampled by its inverse CDF.

Every family maps one uniform per item to one value, so a draw never consumes a variable amount
of randomness: two arms of an experiment that see the same uniforms see the same amounts,
delays and latencies (common random numbers), and a batch costs one vectorised call.

Families: ``constant {value}``, ``exponential {mean}``, ``lognormal {p50, p99}``,
``gamma {mean, sd}``, ``uniform {low, high}``, ``empirical {values, weights?}``. Units are those
of the field that holds the distribution (``latency_ms`` is in ms, ``delivery_days`` in days).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

Z99 = float(special.ndtri(0.99))
#: Bound of every parameter: amounts in major units (1e12 IDR is 60 M USD), times in ms to days.
MAX_VALUE = 1e12


class _Dist(BaseModel):
    # finite parameters only, like every scenario section (see ``spec_types.Spec``)
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Values at cumulative probabilities ``u`` (the inverse CDF)."""
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        """The distribution's mean."""
        raise NotImplementedError


class Constant(_Dist):
    """Always ``value``."""

    dist: Literal["constant"]
    value: float = Field(ge=0, le=MAX_VALUE)

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        return np.full(np.shape(u), self.value)

    @property
    def mean(self) -> float:  # noqa: D102
        return self.value


class Exponential(_Dist):
    """Exponential with the given ``mean``."""

    dist: Literal["exponential"]
    mean_value: float = Field(gt=0, le=MAX_VALUE, alias="mean")

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        return -self.mean_value * np.log1p(-u)

    @property
    def mean(self) -> float:  # noqa: D102
        return self.mean_value


class Lognormal(_Dist):
    """Lognormal given by its median ``p50`` and 99th percentile ``p99``."""

    dist: Literal["lognormal"]
    p50: float = Field(gt=0, le=MAX_VALUE)
    p99: float = Field(gt=0, le=MAX_VALUE)

    @model_validator(mode="after")
    def _ordered(self) -> Lognormal:
        if self.p99 <= self.p50:
            raise ValueError(f"p99 ({self.p99}) must be greater than p50 ({self.p50})")
        return self

    @cached_property
    def mu(self) -> float:
        """Mean of the underlying normal."""
        return float(np.log(self.p50))

    @cached_property
    def sigma(self) -> float:
        """Standard deviation of the underlying normal."""
        return float((np.log(self.p99) - np.log(self.p50)) / Z99)

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        return np.exp(self.mu + self.sigma * special.ndtri(u))

    @property
    def mean(self) -> float:  # noqa: D102
        return float(np.exp(self.mu + self.sigma**2 / 2))


class Gamma(_Dist):
    """Gamma given by its ``mean`` and standard deviation ``sd``."""

    dist: Literal["gamma"]
    mean_value: float = Field(gt=0, le=MAX_VALUE, alias="mean")
    sd: float = Field(gt=0, le=MAX_VALUE)

    @property
    def shape(self) -> float:
        """Shape k = (mean / sd)^2."""
        return (self.mean_value / self.sd) ** 2

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        scale = self.sd**2 / self.mean_value
        return special.gammaincinv(self.shape, u) * scale

    @property
    def mean(self) -> float:  # noqa: D102
        return self.mean_value


class Uniform(_Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"]
    low: float = Field(ge=0, le=MAX_VALUE)
    high: float = Field(ge=0, le=MAX_VALUE)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        return self.low + (self.high - self.low) * np.asarray(u)

    @property
    def mean(self) -> float:  # noqa: D102
        return (self.low + self.high) / 2


class Empirical(_Dist):
    """The listed ``values``, drawn with ``weights`` (equal when omitted)."""

    dist: Literal["empirical"]
    values: list[Annotated[float, Field(le=MAX_VALUE)]] = Field(min_length=1, max_length=10**6)
    weights: list[Annotated[float, Field(le=MAX_VALUE)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if any(v < 0 for v in self.values):
            raise ValueError("values must all be >= 0")
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights ({len(self.weights)}) and values ({len(self.values)}) "
                    "must have the same length"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be >= 0 with a positive sum")
        return self

    @cached_property
    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """Values in increasing order with their cumulative probabilities (a monotone ppf)."""
        values = np.asarray(self.values, dtype=float)
        weights = np.ones(len(values)) if self.weights is None else np.asarray(self.weights, float)
        order = np.argsort(values, kind="stable")
        cumulative = np.cumsum(weights[order])
        return values[order], cumulative / cumulative[-1]

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        values, cumulative = self._sorted
        index = np.searchsorted(cumulative, u, side="right")
        return values[np.minimum(index, len(values) - 1)]

    @property
    def mean(self) -> float:  # noqa: D102
        values, cumulative = self._sorted
        return float(np.dot(np.diff(cumulative, prepend=0.0), values))


Distribution = Annotated[
    Constant | Exponential | Lognormal | Gamma | Uniform | Empirical,
    Field(discriminator="dist"),
]
DIST_FAMILIES = ("constant", "exponential", "lognormal", "gamma", "uniform", "empirical")


class GroupedDistribution:
    """One distribution per group (market, channel...), evaluated for a batch in one call."""

    def __init__(self, dists: Sequence[_Dist]) -> None:
        self.dists = list(dists)
        self.all_lognormal = all(isinstance(d, Lognormal) for d in self.dists)
        if self.all_lognormal:
            self.mu = np.array([d.mu for d in self.dists])  # type: ignore[attr-defined]
            self.sigma = np.array([d.sigma for d in self.dists])  # type: ignore[attr-defined]

    def ppf(self, group: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Inverse CDF per item, each item using the distribution of its group index."""
        if self.all_lognormal:
            return np.exp(self.mu[group] + self.sigma[group] * special.ndtri(u))
        out = np.empty(np.shape(u))
        for g in np.unique(group):
            mask = group == g
            out[mask] = self.dists[int(g)].ppf(u[mask])
        return out


def ppf_grouped(dists: Sequence[_Dist], group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse CDF per item, each item using the distribution of its group index."""
    return GroupedDistribution(dists).ppf(group, u)
