"""What learning routers share: segments, the reward of a result, and the objective.

* **Segments**: estimates are kept per (segment, channel), a segment being any subset of
  ``method``, ``buyer_market``, ``currency``, ``network``, ``amount_band`` (``segment_by``);
  ``amount_band_edges_reporting`` cuts amounts (reporting currency) into bands.
* **Reward**: a result counts as a success when the channel approved the payment and, if
  ``latency_threshold_ms`` is set, answered within it (a slower success counts as a failure,
  as Juspay's success-rate router penalises slow gateways).
* **Objective**: ``success_rate`` ranks channels by the estimated approval probability;
  ``expected_value`` by ``p × (amount − fee)`` with the fee from the channel's price list
  (Juspay's multi-objective routing). The estimate learnt is the approval probability in both.

Defaults are paysim's choices, stated as such: learners keep methods and buyer markets apart
(approval differs by method, and cross-border approval by market), and the amount bands are
50 / 200 / 1,000 in the reporting currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext, RoutingFeedback
from paysim.strategies.params import check_choice, check_number
from paysim.strategies.routing.base import BaseRouter
from paysim.strategies.routing.fees import FeeModel, net_value
from paysim.strategies.routing.segments import Segments, check_edges, check_segment_by

OBJECTIVES = ("success_rate", "expected_value")
DEFAULT_SEGMENT_BY = ("method", "buyer_market")
DEFAULT_AMOUNT_BAND_EDGES = (50.0, 200.0, 1000.0)


class LearningRouter(BaseRouter):
    """Base of routers that learn from results, per segment.

    Subclasses list ``segment_by``, ``amount_band_edges_reporting`` and
    ``latency_threshold_ms`` (and ``objective`` if they rank by one) among their own
    ``__init__`` parameters, store them, call ``check_learning_params`` and implement
    ``new_state``, ``learn`` and ``choose``.
    """

    learns_from_feedback = True
    split_cards: ClassVar[bool] = False  # keep card payments in segments of their own

    segment_by: Sequence[str]
    amount_band_edges_reporting: Sequence[float]
    latency_threshold_ms: float | None
    objective: str = "success_rate"

    def check_learning_params(self) -> None:
        """Validate the shared parameters (a plain ``ValueError`` naming the bad one)."""
        check_segment_by("segment_by", self.segment_by)
        check_edges("amount_band_edges_reporting", self.amount_band_edges_reporting)
        check_choice("objective", self.objective, OBJECTIVES)
        if self.latency_threshold_ms is not None:
            check_number("latency_threshold_ms", self.latency_threshold_ms, low=0, low_open=True)

    def bind(self, context: RoutingContext) -> None:
        """Set up segments, fees and fresh state for the context's channels."""
        super().bind(context)
        card = context.methods.index("card") if "card" in context.methods else -1
        self.segments = Segments(
            check_segment_by("segment_by", self.segment_by),
            check_edges("amount_band_edges_reporting", self.amount_band_edges_reporting),
            card_method=card,
            split_cards=self.split_cards,
            sizes={
                "method": len(context.methods),
                "buyer_market": len(context.markets),
                "currency": len(context.currencies),
                "network": len(context.network_ids),
            },
        )
        self.fees = FeeModel(context)
        self.n_segments = 0
        self.new_state(len(context.channel_ids))

    def new_state(self, n_channels: int) -> None:
        """Create the statistics (called by ``bind``)."""
        raise NotImplementedError

    def grow(self, n_segments: int) -> None:
        """Make room in the statistics for segment ids below ``n_segments``."""
        raise NotImplementedError

    def learn(self, segment: np.ndarray, feedback: RoutingFeedback, reward: np.ndarray) -> None:
        """Update the statistics from a batch of results (in time order)."""
        raise NotImplementedError

    def segment_ids(self, rows: AttemptView | RoutingFeedback) -> np.ndarray:
        """Dense segment ids of a view's payments or of results, state grown to fit."""
        ids = self.segments.ids(rows)
        if self.segments.n != self.n_segments:
            self.n_segments = self.segments.n
            self.grow(self.n_segments)
        return ids

    def reward(self, feedback: RoutingFeedback) -> np.ndarray:
        """1.0 for a success (within the latency threshold), else 0.0."""
        ok = np.asarray(feedback.succeeded, dtype=bool)
        if self.latency_threshold_ms is not None:
            ok = ok & (feedback.latency_ms <= self.latency_threshold_ms)
        return ok.astype(float)

    def observe(self, feedback: RoutingFeedback) -> None:
        """Learn from a batch of results."""
        if not len(feedback):
            return
        self.learn(self.segment_ids(feedback), feedback, self.reward(feedback))

    def value(self, p: np.ndarray, view: AttemptView) -> np.ndarray:
        """``[payment, channel]`` score of approval estimates ``p`` under the objective.

        ``inf`` entries (an untried channel) stay ``inf`` under either objective.
        """
        if self.objective == "success_rate":
            return p
        finite = np.where(np.isfinite(p), p, 1.0)
        scored = net_value(finite, view, self.fees.fee_reporting(view))
        return np.where(np.isposinf(p), np.inf, scored)
