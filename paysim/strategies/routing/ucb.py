"""Upper-confidence-bound routing: UCB1 and sliding-window UCB.

* ``ucb``: UCB1 (Auer, Cesa-Bianchi & Fischer, "Finite-time analysis of the multiarmed
  bandit problem", Machine Learning 47, 2002). In each segment, channel ``c`` scores
  ``x̄_c + sqrt(alpha · ln n / n_c)`` over all its results (``n`` results in the segment,
  ``n_c`` at ``c``); UCB1 is ``alpha = 2``. Logarithmic regret on a stationary world.
* ``sw_ucb``: sliding-window UCB (Garivier & Moulines, "On upper-confidence bound policies
  for switching bandit problems", ALT 2011). Only the segment's last ``window`` results
  count: ``x̄_c(τ) + sqrt(xi · ln min(t, τ) / N_c(τ))``. The analysis needs ``xi > 1/2``;
  0.6 is the value of the paper's experiments. For ``T`` results with ``Υ`` changes they
  advise ``τ = 2 sqrt(T ln T / Υ)``: about 1,000 for 100,000 results a day in a segment with
  five changes (outages, degradations), the default.

A channel without a result in the window scores ``+inf`` (tried first; ties at random). All
payments of one batch see the same state (results come back between batches), so a batch in
one segment goes to one channel, as in the batched setting of these bounds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.routing import AttemptView, RoutingFeedback
from paysim.strategies.params import check_number
from paysim.strategies.routing.base import ROUTERS, best_candidate
from paysim.strategies.routing.learner import (
    DEFAULT_AMOUNT_BAND_EDGES,
    DEFAULT_SEGMENT_BY,
    LearningRouter,
)
from paysim.strategies.routing.windows import Cumulative, SharedWindow


def ucb_index(mean: np.ndarray, n: np.ndarray, played: np.ndarray, c: float) -> np.ndarray:
    """``mean + sqrt(c · ln(played) / n)``; ``inf`` where ``n`` is 0."""
    log_t = np.log(np.maximum(played, 1.0))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        bonus = np.sqrt(c * log_t / n)
    return np.where(n > 0, mean + bonus, np.inf)


class _UCBRouter(LearningRouter):
    """Choose by an index computed from ``self.stats`` (shared by both UCB variants)."""

    stats: Cumulative | SharedWindow
    width: float

    def grow(self, n_segments: int) -> None:
        self.stats.grow(n_segments)

    def learn(self, segment: np.ndarray, feedback: RoutingFeedback, reward: np.ndarray) -> None:
        self.stats.add(segment, np.asarray(feedback.channel, dtype=np.intp), reward)

    def played(self) -> np.ndarray:
        """Results the index's logarithm counts, per segment."""
        return self.stats.n.sum(axis=1)

    def choose(self, view: AttemptView) -> np.ndarray:
        if not len(view):
            return np.empty(0, dtype=np.intp)
        segment = self.segment_ids(view)
        index = ucb_index(
            self.stats.mean(default=0.0), self.stats.n, self.played(), float(self.width)
        )
        return best_candidate(self.value(index[segment], view), view.candidates, self.context.rng)


@ROUTERS.register("ucb")
class UCBRouter(_UCBRouter):
    """UCB1 per segment: mean plus sqrt(alpha ln n / n_c) (Auer et al. 2002), all results.

    Args:
        alpha: width of the confidence bonus (2 is UCB1).
        segment_by: segment fields (see ``paysim.strategies.routing.learner``).
        amount_band_edges_reporting: amount-band edges, reporting currency.
        objective: ``success_rate`` or ``expected_value``.
        latency_threshold_ms: a success slower than this counts as a failure.

    """

    def __init__(
        self,
        alpha: float = 2.0,
        segment_by: Sequence[str] = DEFAULT_SEGMENT_BY,
        amount_band_edges_reporting: Sequence[float] = DEFAULT_AMOUNT_BAND_EDGES,
        objective: str = "success_rate",
        latency_threshold_ms: float | None = None,
    ) -> None:
        self.alpha = alpha
        self.segment_by = segment_by
        self.amount_band_edges_reporting = amount_band_edges_reporting
        self.objective = objective
        self.latency_threshold_ms = latency_threshold_ms
        check_number("alpha", alpha, low=0)
        self.check_learning_params()

    def new_state(self, n_channels: int) -> None:  # noqa: D102
        self.stats = Cumulative(n_channels)
        self.width = float(self.alpha)


@ROUTERS.register("sw_ucb")
class SlidingWindowUCBRouter(_UCBRouter):
    """Sliding-window UCB over each segment's last results (Garivier & Moulines 2011).

    Args:
        window: results of the segment the estimates use (``τ``).
        xi: width of the confidence bonus (``ξ``, above 1/2).
        segment_by: segment fields (see ``paysim.strategies.routing.learner``).
        amount_band_edges_reporting: amount-band edges, reporting currency.
        objective: ``success_rate`` or ``expected_value``.
        latency_threshold_ms: a success slower than this counts as a failure.

    """

    def __init__(
        self,
        window: int = 1000,
        xi: float = 0.6,
        segment_by: Sequence[str] = DEFAULT_SEGMENT_BY,
        amount_band_edges_reporting: Sequence[float] = DEFAULT_AMOUNT_BAND_EDGES,
        objective: str = "success_rate",
        latency_threshold_ms: float | None = None,
    ) -> None:
        self.window = window
        self.xi = xi
        self.segment_by = segment_by
        self.amount_band_edges_reporting = amount_band_edges_reporting
        self.objective = objective
        self.latency_threshold_ms = latency_threshold_ms
        check_number("window", window, low=1, integer=True)
        check_number("xi", xi, low=0)
        self.check_learning_params()

    def new_state(self, n_channels: int) -> None:  # noqa: D102
        self.stats = SharedWindow(n_channels, int(self.window))
        self.width = float(self.xi)

    def played(self) -> np.ndarray:  # noqa: D102
        assert isinstance(self.stats, SharedWindow)
        return self.stats.played.astype(float)
