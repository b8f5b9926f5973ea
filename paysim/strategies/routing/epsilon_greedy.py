"""Epsilon-greedy routing: the best estimate, except a random candidate now and then.

Per segment, each channel's approval is estimated by its mean over all results (a channel
with no result yet scores 1, Sutton & Barto's optimistic initial value, so each is tried);
a payment goes to the best candidate under the objective, or with probability ``ε`` to a
candidate drawn uniformly (Sutton & Barto, "Reinforcement Learning", 2nd ed., 2018, §2.2).

A fixed ``ε`` keeps exploring forever: regret grows linearly, by about
``ε × (K − 1) / K × gap`` a payment. With ``decay`` set, ``ε_n = min(epsilon, decay × K / n)``
after ``n`` results in the segment (``K`` candidates): Auer, Cesa-Bianchi & Fischer's
``ε_n``-greedy (Machine Learning 47, 2002) with their ``c / d²`` as ``decay``, whose regret
grows logarithmically.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.routing import AttemptView, RoutingFeedback
from paysim.strategies.params import check_number
from paysim.strategies.routing.base import ROUTERS, best_candidate, random_candidate
from paysim.strategies.routing.learner import (
    DEFAULT_AMOUNT_BAND_EDGES,
    DEFAULT_SEGMENT_BY,
    LearningRouter,
)
from paysim.strategies.routing.windows import Cumulative


@ROUTERS.register("epsilon_greedy")
class EpsilonGreedyRouter(LearningRouter):
    """Best mean per segment, a uniform candidate with probability epsilon (optionally decaying).

    Args:
        epsilon: exploration probability (the cap of the decaying schedule).
        decay: ``None`` for a fixed ``epsilon``; else ``ε_n = min(epsilon, decay × K / n)``.
        segment_by: segment fields (see ``paysim.strategies.routing.learner``).
        amount_band_edges_reporting: amount-band edges, reporting currency.
        objective: ``success_rate`` or ``expected_value``.
        latency_threshold_ms: a success slower than this counts as a failure.

    """

    def __init__(
        self,
        epsilon: float = 0.05,
        decay: float | None = None,
        segment_by: Sequence[str] = DEFAULT_SEGMENT_BY,
        amount_band_edges_reporting: Sequence[float] = DEFAULT_AMOUNT_BAND_EDGES,
        objective: str = "success_rate",
        latency_threshold_ms: float | None = None,
    ) -> None:
        self.epsilon = epsilon
        self.decay = decay
        self.segment_by = segment_by
        self.amount_band_edges_reporting = amount_band_edges_reporting
        self.objective = objective
        self.latency_threshold_ms = latency_threshold_ms
        check_number("epsilon", epsilon, low=0, high=1)
        if decay is not None:
            check_number("decay", decay, low=0, low_open=True)
        self.check_learning_params()

    def new_state(self, n_channels: int) -> None:  # noqa: D102
        self.stats = Cumulative(n_channels)

    def grow(self, n_segments: int) -> None:  # noqa: D102
        self.stats.grow(n_segments)

    def learn(  # noqa: D102
        self, segment: np.ndarray, feedback: RoutingFeedback, reward: np.ndarray
    ) -> None:
        self.stats.add(segment, np.asarray(feedback.channel, dtype=np.intp), reward)

    def exploration(self, segment: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Exploration probability of each payment."""
        eps = np.full(segment.size, float(self.epsilon))
        if self.decay is not None:
            n = self.stats.n.sum(axis=1)[segment]
            k = candidates.sum(axis=1)
            with np.errstate(divide="ignore"):
                eps = np.minimum(eps, np.where(n > 0, float(self.decay) * k / n, 1.0))
        return eps

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        n = len(view)
        if not n:
            return np.empty(0, dtype=np.intp)
        segment = self.segment_ids(view)
        rng = self.context.rng
        p = self.stats.mean(default=1.0)[segment]
        chosen = best_candidate(self.value(p, view), view.candidates, rng)
        explore = rng.random(n) < self.exploration(segment, view.candidates)
        if explore.any():
            chosen[explore] = random_candidate(view.candidates[explore], rng)
        return chosen
