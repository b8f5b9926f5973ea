"""Thompson sampling with Beta posteriors: stationary, sliding-window or discounted.

Each (segment, channel) has a ``Beta(1 + S, 1 + F)`` posterior of its approval probability
from ``S`` successes and ``F`` failures; each payment draws one sample per channel and goes to
the candidate with the best sampled value under the objective (Thompson 1933; Agrawal & Goyal,
"Analysis of Thompson sampling for the multi-armed bandit problem", COLT 2012).

For a world that changes, the counts forget the past in one of two ways:

* ``window``: only the segment's last ``window`` results count (sliding-window Thompson
  sampling, Trovò, Paladino, Restelli & Gatti, JAIR 68, 2020). The default of 1,000 follows
  the window ``2 sqrt(T ln T / Υ)`` of Garivier & Moulines for ``T = 100,000`` results a day
  and ``Υ = 5`` changes, as ``sw_ucb``'s.
* ``discount``: every result of a segment multiplies its counts by ``gamma`` first
  (discounted Thompson sampling, Raj & Kalyani, "Taming non-stationary bandits: a Bayesian
  approach", arXiv 1707.09727, 2017).

With neither, every result counts forever (the stationary sampler).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.routing import AttemptView, RoutingFeedback
from paysim.strategies.params import check_number, param_error
from paysim.strategies.routing.base import ROUTERS, best_candidate
from paysim.strategies.routing.learner import (
    DEFAULT_AMOUNT_BAND_EDGES,
    DEFAULT_SEGMENT_BY,
    LearningRouter,
)
from paysim.strategies.routing.windows import Cumulative, Discounted, SharedWindow


@ROUTERS.register("thompson")
class ThompsonRouter(LearningRouter):
    """Thompson sampling, Beta posteriors over a sliding window or a discount (Trovò et al. 2020).

    Args:
        window: the segment's last results the posteriors use; ``None`` for all.
        discount: ``gamma`` of discounted sampling (set ``window`` to ``None`` with it).
        segment_by: segment fields (see ``paysim.strategies.routing.learner``).
        amount_band_edges_reporting: amount-band edges, reporting currency.
        objective: ``success_rate`` or ``expected_value``.
        latency_threshold_ms: a success slower than this counts as a failure.

    """

    def __init__(
        self,
        window: int | None = 1000,
        discount: float | None = None,
        segment_by: Sequence[str] = DEFAULT_SEGMENT_BY,
        amount_band_edges_reporting: Sequence[float] = DEFAULT_AMOUNT_BAND_EDGES,
        objective: str = "success_rate",
        latency_threshold_ms: float | None = None,
    ) -> None:
        self.window = window
        self.discount = discount
        self.segment_by = segment_by
        self.amount_band_edges_reporting = amount_band_edges_reporting
        self.objective = objective
        self.latency_threshold_ms = latency_threshold_ms
        if window is not None:
            check_number("window", window, low=1, integer=True)
        if discount is not None:
            check_number("discount", discount, low=0, high=1, low_open=True)
            if window is not None:
                raise param_error("discount", "set either window or discount (window: null)")
        self.check_learning_params()

    def new_state(self, n_channels: int) -> None:  # noqa: D102
        self.stats: Cumulative | Discounted | SharedWindow
        if self.window is not None:
            self.stats = SharedWindow(n_channels, int(self.window))
        elif self.discount is not None:
            self.stats = Discounted(n_channels, float(self.discount))
        else:
            self.stats = Cumulative(n_channels)

    def grow(self, n_segments: int) -> None:  # noqa: D102
        self.stats.grow(n_segments)

    def learn(  # noqa: D102
        self, segment: np.ndarray, feedback: RoutingFeedback, reward: np.ndarray
    ) -> None:
        self.stats.add(segment, np.asarray(feedback.channel, dtype=np.intp), reward)

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        if not len(view):
            return np.empty(0, dtype=np.intp)
        segment = self.segment_ids(view)
        rng = self.context.rng
        successes = self.stats.s[segment]
        failures = np.maximum(self.stats.n[segment] - successes, 0.0)
        sample = rng.beta(1.0 + successes, 1.0 + failures)
        return best_candidate(self.value(sample, view), view.candidates, rng)
