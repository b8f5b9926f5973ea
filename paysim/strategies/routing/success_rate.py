"""Success-rate routing as live orchestrators run it: a sliding window per gateway plus a hedge.

Juspay's decision engine (the open-source ``juspay/decision-engine``, "success rate config")
scores each eligible gateway by its success rate over its last ``bucketSize`` results in the
payment's segment and sends the payment to the best; a ``hedgingPercent`` share of traffic is
sent elsewhere so that the other gateways' windows stay fresh. Card payments get their own
bucket size and hedge (``subLevelInputConfig`` by payment method type).

Defaults (``shared/reference/parameters.md``, "Routing in production", [P]): window 50 results
and 5% exploration; cards 200 results and 1%.

Algorithm, per payment: ``p̂_c`` = successes / results in the last ``window`` results of
(segment, channel ``c``) (a channel with no result yet scores 1, so each is tried); the best
candidate under the objective takes the payment, except that with probability ``exploration``
the payment goes to one of the other candidates, uniformly.
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
from paysim.strategies.routing.windows import ArmWindow


@ROUTERS.register("success_rate")
class SuccessRateRouter(LearningRouter):
    """Sliding-window success rate per (channel, segment) with a hedge share (Juspay's SR routing).

    Args:
        window: results per (channel, segment) the rate is computed over.
        exploration: share of payments sent to another candidate than the best.
        card_window: ``window`` for card payments.
        card_exploration: ``exploration`` for card payments.
        segment_by: segment fields (see ``paysim.strategies.routing.learner``).
        amount_band_edges_reporting: amount-band edges, reporting currency.
        objective: ``success_rate`` or ``expected_value``.
        latency_threshold_ms: a success slower than this counts as a failure.

    """

    split_cards = True

    def __init__(
        self,
        window: int = 50,
        exploration: float = 0.05,
        card_window: int = 200,
        card_exploration: float = 0.01,
        segment_by: Sequence[str] = DEFAULT_SEGMENT_BY,
        amount_band_edges_reporting: Sequence[float] = DEFAULT_AMOUNT_BAND_EDGES,
        objective: str = "success_rate",
        latency_threshold_ms: float | None = None,
    ) -> None:
        self.window = window
        self.exploration = exploration
        self.card_window = card_window
        self.card_exploration = card_exploration
        self.segment_by = segment_by
        self.amount_band_edges_reporting = amount_band_edges_reporting
        self.objective = objective
        self.latency_threshold_ms = latency_threshold_ms
        check_number("window", window, low=1, integer=True)
        check_number("card_window", card_window, low=1, integer=True)
        check_number("exploration", exploration, low=0, high=1)
        check_number("card_exploration", card_exploration, low=0, high=1)
        self.check_learning_params()

    def new_state(self, n_channels: int) -> None:  # noqa: D102
        self.stats = ArmWindow(n_channels, int(max(self.window, self.card_window)))

    def grow(self, n_segments: int) -> None:  # noqa: D102
        self.stats.grow(n_segments)
        card = self.segments.is_card()
        self.stats.set_sizes(np.where(card, int(self.card_window), int(self.window)))
        self.hedge = np.where(card, float(self.card_exploration), float(self.exploration))

    def learn(  # noqa: D102
        self, segment: np.ndarray, feedback: RoutingFeedback, reward: np.ndarray
    ) -> None:
        self.stats.add(segment, np.asarray(feedback.channel, dtype=np.intp), reward)

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        n = len(view)
        if not n:
            return np.empty(0, dtype=np.intp)
        segment = self.segment_ids(view)
        rng = self.context.rng
        p = self.stats.mean(default=1.0)[segment]
        best = best_candidate(self.value(p, view), view.candidates, rng)
        others = view.candidates.copy()
        others[np.arange(n), best] = False
        explore = (rng.random(n) < self.hedge[segment]) & others.any(axis=1)
        chosen = best.copy()
        if explore.any():
            chosen[explore] = random_candidate(others[explore], rng)
        return chosen
