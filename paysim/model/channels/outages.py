"""Outages and degradations: alternating renewal processes, pre-drawn for the whole horizon.

Each channel's and each upstream's episodes are drawn once at set-up (vectorised) and folded
into a *health* step function of time: 0 while down, the product of the degradation factors
of the episodes under way otherwise, 1 when all is well. Looking up a window's payments is one
``searchsorted`` per step function.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from paysim.engine.streams import RandomStreams
from paysim.errors import PaysimError
from paysim.model.channels.spec import DegradationSpec, OutageSpec

SECONDS_PER_MIN, SECONDS_PER_H = 60.0, 3600.0


def repair_mu(spec: OutageSpec) -> float:
    """Log-mean of the lognormal repair duration in seconds (its mean is ``mttr_min``)."""
    return float(np.log(spec.mttr_min * SECONDS_PER_MIN) - spec.repair_sigma**2 / 2)


EPISODE_BLOCK = 64  # episodes drawn per block: a fixed size, so a shorter run is a prefix
# The schema's lower bounds (0.1 h between, 0.1 min per episode) keep a ten-year run under a
# million episodes; a spec built around them must not loop for hours drawing billions.
MAX_EPISODES = 10_000_000


def renewal_episodes(
    spec: OutageSpec, horizon_s: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end times of the episodes overlapping ``[0, horizon_s)``, and a uniform each.

    Draws come in fixed-size blocks (up times, repairs, uniforms), so the episodes of a run
    are the first episodes of any longer run with the same seed.

    An alternating renewal process of exponential up times (mean ``mtbf_h``) and lognormal
    episodes (mean ``mttr_min``, log-sd ``repair_sigma``), started stationary: at time 0 it is
    in an episode with probability mttr / (mtbf + mttr), and then the time left is the
    episode's equilibrium residual: a length-biased duration (lognormal with the log-mean
    raised by sigma^2) times a uniform. Up times are memoryless, so no correction is needed.
    """
    up_mean_s = spec.mtbf_h * SECONDS_PER_H
    down_mean_s = spec.mttr_min * SECONDS_PER_MIN
    if horizon_s / (up_mean_s + down_mean_s) > MAX_EPISODES:
        raise PaysimError(
            f"outages every {spec.mtbf_h:g} h lasting {spec.mttr_min:g} min make more than "
            f"{MAX_EPISODES:,} episodes over {horizon_s / 86_400:g} days"
        )
    mu, sigma = repair_mu(spec), spec.repair_sigma
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    uniforms: list[np.ndarray] = []
    t = 0.0
    in_episode, residual_u, residual = rng.random(3)
    if in_episode < down_mean_s / (up_mean_s + down_mean_s):
        t = float(residual_u * np.exp(mu + sigma**2 + sigma * special.ndtri(residual)))
        starts.append(np.zeros(1))
        ends.append(np.array([t]))
        uniforms.append(rng.random(1))
    while t < horizon_s:
        up = rng.exponential(up_mean_s, EPISODE_BLOCK)
        down = rng.lognormal(mu, sigma, EPISODE_BLOCK)
        cycle_end = t + np.cumsum(up + down)
        starts.append(cycle_end - down)
        ends.append(cycle_end)
        uniforms.append(rng.random(EPISODE_BLOCK))
        t = float(cycle_end[-1])
    if not starts:
        return np.empty(0), np.empty(0), np.empty(0)
    start, end, u = np.concatenate(starts), np.concatenate(ends), np.concatenate(uniforms)
    keep = start < horizon_s
    return start[keep], end[keep], u[keep]


class StepFunction:
    """A piecewise-constant function of time: ``values[k]`` on ``[edges[k-1], edges[k])``."""

    __slots__ = ("edges_s", "values")

    def __init__(self, edges_s: np.ndarray, values: np.ndarray) -> None:
        self.edges_s = edges_s
        self.values = values

    @classmethod
    def constant(cls, value: float = 1.0) -> StepFunction:
        """The same value at all times."""
        return cls(np.empty(0), np.array([value]))

    @classmethod
    def from_episodes(
        cls, starts_s: np.ndarray, ends_s: np.ndarray, level: np.ndarray | float
    ) -> StepFunction:
        """1 outside the (disjoint, ordered) episodes, ``level`` (per episode) inside."""
        edges = np.column_stack([starts_s, ends_s]).ravel()
        values = np.ones(len(edges) + 1)
        values[1::2] = level
        return cls(edges, values)

    @classmethod
    def product(cls, parts: Sequence[StepFunction]) -> StepFunction:
        """The pointwise product of step functions."""
        parts = [p for p in parts if p.edges_s.size or p.values[0] != 1.0]
        if not parts:
            return cls.constant()
        if len(parts) == 1:
            return parts[0]
        edges = np.unique(np.concatenate([p.edges_s for p in parts]))
        values = np.ones(len(edges) + 1)
        probes = np.concatenate([edges[:1] - 1.0, edges])  # one point inside each segment
        for p in parts:
            values *= p(probes)
        return cls(edges, values)

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        """The value at each time."""
        if not self.edges_s.size:
            return np.full(np.shape(t_s), self.values[0])
        return self.values[np.searchsorted(self.edges_s, t_s, side="right")]

    def measure(self, horizon_s: float, value: float = 0.0) -> float:
        """Time within ``[0, horizon_s)`` the function equals ``value``."""
        bounds = np.clip(np.concatenate([[0.0], self.edges_s, [horizon_s]]), 0.0, horizon_s)
        return float(np.sum(np.diff(bounds)[self.values == value]))


class OutageTimeline:
    """The outage intervals of one renewal process, with point and total look-ups.

    Its ``health`` is 0 during outages and 1 otherwise.
    """

    def __init__(self, spec: OutageSpec | None, horizon_s: float, rng: np.random.Generator) -> None:
        if spec is None:
            self.starts_s, self.ends_s = np.empty(0), np.empty(0)
        else:
            self.starts_s, self.ends_s, _ = renewal_episodes(spec, horizon_s, rng)
        self.health = StepFunction.from_episodes(self.starts_s, self.ends_s, 0.0)

    def is_down(self, t_s: np.ndarray) -> np.ndarray:
        """Whether an outage is under way at each time."""
        return self.health(t_s) == 0.0

    def down_seconds(self, horizon_s: float) -> float:
        """Total outage time within ``[0, horizon_s)``."""
        return self.health.measure(horizon_s)


class StepTable:
    """Several step functions on one merged grid: one ``searchsorted`` gives all their values."""

    __slots__ = ("edges_s", "values")

    def __init__(self, functions: Sequence[StepFunction]) -> None:
        self.edges_s = np.unique(np.concatenate([f.edges_s for f in functions] + [np.empty(0)]))
        first = self.edges_s[0] - 1.0 if self.edges_s.size else 0.0
        probes = np.concatenate([[first], self.edges_s])  # one point inside each segment
        self.values = np.column_stack([f(probes) for f in functions] or [np.ones(len(probes))])

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        """``[time, function]`` values."""
        return self.values[np.searchsorted(self.edges_s, t_s, side="right")]


def outage_health(
    spec: OutageSpec | None, horizon_s: float, rng: np.random.Generator
) -> StepFunction:
    """0 during the outages of a renewal process, 1 otherwise."""
    if spec is None:
        return StepFunction.constant()
    return OutageTimeline(spec, horizon_s, rng).health


def degradation_health(
    spec: DegradationSpec | None, horizon_s: float, rng: np.random.Generator
) -> StepFunction:
    """The success factor of each degradation episode during it, 1 otherwise."""
    if spec is None:
        return StepFunction.constant()
    starts, ends, u = renewal_episodes(spec, horizon_s, rng)
    low, high = spec.success_factor_min, spec.success_factor_max
    return StepFunction.from_episodes(starts, ends, low + (high - low) * u)


def health(
    outages: OutageSpec | None,
    degradations: DegradationSpec | None,
    horizon_s: float,
    streams: RandomStreams,
    prefix: str,
    suffix: str = "",
) -> StepFunction:
    """Outages and degradations of one channel or upstream, each from its own named stream.

    The streams are ``{prefix}outages{suffix}`` and ``{prefix}degradations{suffix}``: their
    numbers depend on the name only, so adding a channel never moves another's episodes.
    """
    return StepFunction.product(
        [
            outage_health(outages, horizon_s, streams.generator(f"{prefix}outages{suffix}")),
            degradation_health(
                degradations, horizon_s, streams.generator(f"{prefix}degradations{suffix}")
            ),
        ]
    )
