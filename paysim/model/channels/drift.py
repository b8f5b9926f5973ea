"""Non-stationary channels: scheduled drifts and slow random walks of a channel's approval.

A real channel's approval rate is not a constant: an issuer tightens its fraud rules for an
afternoon, a scheme's processing degrades, approval wanders with the issuer mix. Besides
outages and degradations (``paysim.model.channels.outages``), a channel can state

- ``drifts``: scheduled episodes during which its approval is multiplied by ``factor`` (an
  issuer's approval falling from 0.90 to 0.75 for six hours is ``factor: 0.8333``,
  ``duration_h: 6``), optionally only for some card ``networks`` and buyer ``markets`` (the
  issuer segment), and
- ``walk``: a slow random walk of its approval on the logit scale (an Ornstein-Uhlenbeck
  process with ``reversion_per_h`` 0 by default, i.e. a plain random walk), constant over
  steps of ``step_min`` and drawn once per run from its own named stream
  ``channels.<id>.walk``, so every arm of an experiment meets the same walk.

Both change the channel's *nominal* approval (before health and buyer risk), so the extra
declines carry the channel's ordinary decline codes, and the oracle and ``routing_regret``
see them like any other truth. The walk is applied first (on the logit), then the scheduled
factors; the result is capped at 1. A scenario without drift takes none of these steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import signal, special

from paysim.engine.streams import RandomStreams
from paysim.errors import field_problem
from paysim.model.channels.drift_spec import DriftSpec, WalkSpec
from paysim.model.channels.outages import SECONDS_PER_H, SECONDS_PER_MIN, StepFunction

if TYPE_CHECKING:
    from paysim.model.channels.spec import ChannelSpec
    from paysim.model.spec import Scenario

WALK_BLOCK = 256  # steps drawn per block: a shorter run's walk is a prefix of a longer one's


def walk_steps(spec: WalkSpec, horizon_s: float, rng: np.random.Generator) -> StepFunction:
    """The walk's logit shift as a step function over ``[0, horizon_s)`` (0 on the first step)."""
    step_s = spec.step_min * SECONDS_PER_MIN
    n = max(1, math.ceil(horizon_s / step_s))
    blocks = math.ceil(n / WALK_BLOCK)
    z = np.concatenate([rng.standard_normal(WALK_BLOCK) for _ in range(blocks)])[: n - 1]
    dt_h = step_s / SECONDS_PER_H
    theta = spec.reversion_per_h
    if theta > 0:
        keep = math.exp(-theta * dt_h)
        scale = spec.sigma_logit_per_sqrt_h * math.sqrt((1 - keep**2) / (2 * theta))
        x = signal.lfilter([scale], [1.0, -keep], z)  # x_k = keep x_{k-1} + scale z_k
    else:
        x = spec.sigma_logit_per_sqrt_h * math.sqrt(dt_h) * np.cumsum(z)
    return StepFunction(step_s * np.arange(1, n), np.concatenate([[0.0], x]))


@dataclass(frozen=True)
class _Rule:
    """One drift of one channel: its shape over time and the payments it applies to."""

    channel: int
    shift: StepFunction  # a factor (schedule) or a logit shift (walk)
    on_logit: bool
    markets: np.ndarray | None  # bool [market]; None: every market
    networks: np.ndarray | None  # bool [network + 1 (none)]; None: every payment


def _mask(ids: Sequence[str], chosen: Sequence[str], extra: int = 0) -> np.ndarray | None:
    if not chosen:
        return None
    mask = np.zeros(len(ids) + extra, dtype=bool)
    mask[[ids.index(i) for i in chosen]] = True
    return mask


class ChannelDrift:
    """Every channel's drifts as step functions, applied to a window's nominal approval."""

    def __init__(
        self,
        specs: Sequence[ChannelSpec],
        markets: Sequence[str],
        network_ids: Sequence[str],
        horizon_s: float,
        streams: RandomStreams,
    ) -> None:
        self.rules: list[_Rule] = []
        for c, spec in enumerate(specs):
            if spec.walk is not None:
                rng = streams.generator(f"channels.{spec.id}.walk")
                steps = walk_steps(spec.walk, horizon_s, rng)
                self._add(c, steps, True, spec.walk, markets, network_ids)
            for drift in spec.drifts:
                start_s = drift.start_h * SECONDS_PER_H
                end_s = start_s + drift.duration_h * SECONDS_PER_H
                step = StepFunction.from_episodes(
                    np.array([start_s]), np.array([end_s]), drift.factor
                )
                self._add(c, step, False, drift, markets, network_ids)
        self.any = bool(self.rules)

    def _add(
        self,
        channel: int,
        shift: StepFunction,
        on_logit: bool,
        spec: DriftSpec | WalkSpec,
        markets: Sequence[str],
        network_ids: Sequence[str],
    ) -> None:
        self.rules.append(
            _Rule(
                channel, shift, on_logit, _mask(markets, spec.markets),
                _mask(network_ids, spec.networks, extra=1),
            )
        )  # fmt: skip

    def apply(
        self,
        nominal: np.ndarray,
        t_s: np.ndarray,
        buyer_market: np.ndarray,
        network: np.ndarray,
    ) -> np.ndarray:
        """``nominal`` ``[payment, channel]`` times the drifts under way at ``t_s``, capped at 1."""
        for rule in self.rules:
            rows = np.ones(len(t_s), dtype=bool)
            if rule.markets is not None:
                rows &= rule.markets[buyer_market]
            if rule.networks is not None:
                rows &= rule.networks[network]
            rows = np.flatnonzero(rows)
            if not rows.size:
                continue
            c = rule.channel
            shift = rule.shift(t_s[rows])
            if rule.on_logit:
                with np.errstate(divide="ignore"):
                    nominal[rows, c] = special.expit(special.logit(nominal[rows, c]) + shift)
            else:
                nominal[rows, c] *= shift
        return np.minimum(nominal, 1.0, out=nominal)


def drift_problems(channel: ChannelSpec, path: str, network_ids: Sequence[str]) -> list[str]:
    """Segments a channel's drifts name that it does not serve (unknown markets, networks)."""
    problems = []
    specs: list[tuple[str, DriftSpec | WalkSpec | None]] = [("walk", channel.walk)]
    specs += [(f"drifts.{k}", d) for k, d in enumerate(channel.drifts)]
    served = set(channel.markets)
    for where, spec in specs:
        if spec is None:
            continue
        for market in spec.markets:
            if market not in served:
                problems.append(
                    field_problem(f"{path}.{where}.markets", "channel does not serve it", market)
                )
        for network in spec.networks:
            if network not in network_ids:
                problems.append(
                    field_problem(f"{path}.{where}.networks", "unknown network", network)
                )
    return problems


def scenario_drift_problems(scenario: Scenario) -> list[str]:
    """``drift_problems`` of every channel of a scenario."""
    from paysim.model.channels.networks import network_ids

    ids = network_ids(scenario)
    problems = []
    for channel in scenario.channels:
        problems += drift_problems(channel, f"channels.{channel.id}", ids)
    return problems
