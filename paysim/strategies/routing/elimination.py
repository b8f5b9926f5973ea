"""Elimination routing: a priority order that drops channels whose failures fill a leaky bucket.

Juspay's decision engine keeps, per gateway and segment, a leaky bucket of failures
(``bucket_size``, ``bucket_leak_interval_in_secs``): a failure pours one unit in, one unit
leaks out every interval, and a gateway whose bucket is full is eliminated from the
candidates until it has leaked. Defaults (``shared/reference/parameters.md``, [P]): 5 failures,
a leak every 300 s.

Here each (segment, channel) bucket holds at most ``bucket_size`` units and leaks as a fluid
(``1 / leak_interval_s`` units a second); it is full, and the channel dropped, when it holds
more than ``bucket_size - 1`` units: the last ``bucket_size`` failures came in less than a leak
interval's worth of time. A full bucket stops filling, so the channel is tried again
``leak_interval_s`` after its last failure (a probe). Among the channels left, the payment
goes to the first in ``order``; when every candidate is dropped, to the first in ``order``.

Every result that is not a success (within ``latency_threshold_ms``) counts as a failure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.routing import AttemptView, RoutingFeedback
from paysim.strategies.params import check_number
from paysim.strategies.routing.base import ROUTERS, first_by_rank
from paysim.strategies.routing.buckets import LeakyBuckets
from paysim.strategies.routing.learner import (
    DEFAULT_AMOUNT_BAND_EDGES,
    DEFAULT_SEGMENT_BY,
    LearningRouter,
)
from paysim.strategies.routing.priority import rank_of


@ROUTERS.register("elimination")
class EliminationRouter(LearningRouter):
    """Priority order minus channels whose leaky bucket of failures is full (Juspay elimination).

    Args:
        order: channel ids, most preferred first (scenario order by default).
        bucket_size: failures that fill a bucket and drop the channel.
        leak_interval_s: seconds for one failure to leak out.
        segment_by: segment fields (see ``paysim.strategies.routing.learner``).
        amount_band_edges_reporting: amount-band edges, reporting currency.
        latency_threshold_ms: a success slower than this counts as a failure.

    """

    def __init__(
        self,
        order: Sequence[str] | None = None,
        bucket_size: int = 5,
        leak_interval_s: float = 300.0,
        segment_by: Sequence[str] = DEFAULT_SEGMENT_BY,
        amount_band_edges_reporting: Sequence[float] = DEFAULT_AMOUNT_BAND_EDGES,
        latency_threshold_ms: float | None = None,
    ) -> None:
        self.order = order
        self.bucket_size = bucket_size
        self.leak_interval_s = leak_interval_s
        self.segment_by = segment_by
        self.amount_band_edges_reporting = amount_band_edges_reporting
        self.latency_threshold_ms = latency_threshold_ms
        check_number("bucket_size", bucket_size, low=1, integer=True)
        check_number("leak_interval_s", leak_interval_s, low=0, low_open=True)
        self.check_learning_params()

    def new_state(self, n_channels: int) -> None:  # noqa: D102
        self.rank = rank_of(self.order, "order", self.context)
        self.buckets = LeakyBuckets(n_channels, int(self.bucket_size), float(self.leak_interval_s))

    def grow(self, n_segments: int) -> None:  # noqa: D102
        self.buckets.grow(n_segments)

    def learn(  # noqa: D102
        self, segment: np.ndarray, feedback: RoutingFeedback, reward: np.ndarray
    ) -> None:
        channel = np.asarray(feedback.channel, dtype=np.intp)
        self.buckets.add(segment, channel, np.asarray(feedback.t_s, dtype=float), reward == 0.0)

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        if not len(view):
            return np.empty(0, dtype=np.intp)
        segment = self.segment_ids(view)
        dropped = self.buckets.full(segment, np.asarray(view.t_s, dtype=float))
        open_ = view.candidates & ~dropped
        candidates = np.where(open_.any(axis=1, keepdims=True), open_, view.candidates)
        return first_by_rank(candidates, self.rank)
