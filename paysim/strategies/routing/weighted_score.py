"""Weighted scoring over the source manual's channel-selection criteria.

The product manual lists seven criteria for choosing a payment channel: security, fees,
speed, stability, global reach, compliance and user experience. Each channel gets a score in
[0, 1] per criterion and each payment goes to the candidate with the highest weighted mean
``Σ w_k score_k / Σ w_k`` (simple additive weighting, the textbook multi-criteria rule; ties at
random).

Scores come from ``scores`` when the scenario states them; otherwise they are measured:

* ``fees``: from the price list, as a share of the amount, relative to the payment's cheapest
  candidate: ``cheapest / fee`` (1 for the cheapest, 0.5 for one twice as dear);
* ``speed``: mean latency of the channel's last ``window`` answered results in the segment,
  relative to the fastest candidate, ``fastest / latency``;
* ``stability``: success rate over the same window;
* ``global_reach``: the share of the scenario's buyer markets the channel serves.

A channel without results yet scores 1 on speed and stability (optimistic, so that every
channel is tried and measured); afterwards the rule exploits its measurements, it does not
explore.

``security``, ``compliance`` and ``user_experience`` cannot be measured: they count only when
``scores`` gives them for every channel (a criterion given for some channels but not all is an
error); otherwise they add the same to every channel and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext, RoutingFeedback
from paysim.strategies.params import check_channels, check_number, param_error
from paysim.strategies.routing.base import ROUTERS, best_candidate
from paysim.strategies.routing.learner import DEFAULT_AMOUNT_BAND_EDGES, LearningRouter
from paysim.strategies.routing.windows import ArmWindow

CRITERIA = (
    "security",
    "fees",
    "speed",
    "stability",
    "global_reach",
    "compliance",
    "user_experience",
)
MEASURABLE = ("fees", "speed", "stability", "global_reach")
UNKNOWN_CRITERION = f"unknown criterion; expected one of {', '.join(CRITERIA)}"


def relative_to_best(cost: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """``best / cost`` over each payment's candidates, for a cost (lower is better, >= 0).

    The linear "max method" of multi-criteria scoring: 1 for the best candidate, and a
    candidate twice as costly scores 0.5. (Min-max scaling would stretch a tiny difference
    to the whole [0, 1] range and drown the other criteria.)
    """
    tiny = 1e-12
    best = np.where(candidates, cost, np.inf).min(axis=1, keepdims=True)
    best = np.where(np.isfinite(best), best, 0.0)
    return (best + tiny) / (np.maximum(cost, 0.0) + tiny)


@ROUTERS.register("weighted_score")
class WeightedScoreRouter(LearningRouter):
    """The manual's seven criteria as weights over stated or measured channel scores.

    Args:
        weights: criterion to weight (criteria left out weigh 0; all seven weigh 1 by
            default).
        scores: channel id to ``{criterion: score in [0, 1]}``, overriding measurement.
        window: results per (channel, segment) that speed and stability are measured over.
        segment_by: segment fields (see ``paysim.strategies.routing.learner``).
        amount_band_edges_reporting: amount-band edges, reporting currency.
        latency_threshold_ms: a success slower than this counts as a failure (stability).

    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        scores: Mapping[str, Mapping[str, float]] | None = None,
        window: int = 200,
        segment_by: Sequence[str] = (),
        amount_band_edges_reporting: Sequence[float] = DEFAULT_AMOUNT_BAND_EDGES,
        latency_threshold_ms: float | None = None,
    ) -> None:
        self.weights = weights
        self.scores = scores
        self.window = window
        self.segment_by = segment_by
        self.amount_band_edges_reporting = amount_band_edges_reporting
        self.latency_threshold_ms = latency_threshold_ms
        for criterion, weight in (weights or {}).items():
            if criterion not in CRITERIA:
                raise param_error(f"weights.{criterion}", UNKNOWN_CRITERION)
            check_number(f"weights.{criterion}", weight, low=0)
        if weights is not None and sum(float(w) for w in weights.values()) <= 0:
            raise param_error("weights", "must give some criterion a positive weight", weights)
        for channel, given in (scores or {}).items():
            if not isinstance(given, Mapping):
                raise param_error(f"scores.{channel}", "must map criteria to scores", given)
            for criterion, score in given.items():
                if criterion not in CRITERIA:
                    raise param_error(f"scores.{channel}.{criterion}", UNKNOWN_CRITERION)
                check_number(f"scores.{channel}.{criterion}", score, low=0, high=1)
        check_number("window", window, low=1, integer=True)
        self.check_learning_params()

    def bind(self, context: RoutingContext) -> None:  # noqa: D102
        super().bind(context)
        ids = context.channel_ids
        scores = self.scores or {}
        check_channels("scores", scores, ids)
        weights = {c: 1.0 for c in CRITERIA} if self.weights is None else dict(self.weights)
        self.weight = {c: float(w) for c, w in weights.items() if float(w) > 0}
        self.given: dict[str, np.ndarray] = {}
        for criterion in self.weight:
            stated = [c for c in ids if criterion in scores.get(c, {})]
            if stated and len(stated) < len(ids):
                missing = next(c for c in ids if c not in stated)
                raise param_error(
                    f"scores.{missing}.{criterion}",
                    "missing: give the criterion for every channel or for none",
                )
            if stated:
                self.given[criterion] = np.array([float(scores[c][criterion]) for c in ids])
        served = np.asarray(context.eligible).any(axis=1)  # [market, channel]
        self.reach = served.mean(axis=0) if served.size else np.ones(len(ids))

    def new_state(self, n_channels: int) -> None:  # noqa: D102
        self.success = ArmWindow(n_channels, int(self.window))
        self.latency = ArmWindow(n_channels, int(self.window))

    def grow(self, n_segments: int) -> None:  # noqa: D102
        self.success.grow(n_segments)
        self.latency.grow(n_segments)

    def learn(  # noqa: D102
        self, segment: np.ndarray, feedback: RoutingFeedback, reward: np.ndarray
    ) -> None:
        channel = np.asarray(feedback.channel, dtype=np.intp)
        self.success.add(segment, channel, reward)
        latency = np.asarray(feedback.latency_ms, dtype=float)
        answered = ~np.isnan(latency)
        self.latency.add(segment[answered], channel[answered], latency[answered])

    def criterion_scores(
        self, criterion: str, segment: np.ndarray, view: AttemptView
    ) -> np.ndarray:
        """``[payment, channel]`` scores of one criterion."""
        n_rows, cand = len(view), view.candidates
        if criterion in self.given:
            return np.broadcast_to(self.given[criterion], cand.shape)
        if criterion == "fees":
            fee = self.fees.fee_reporting(view) / np.maximum(view.amount_reporting, 1e-9)[:, None]
            return relative_to_best(fee, cand)
        if criterion == "speed":
            mean = self.latency.mean(default=np.nan)[segment]
            known = ~np.isnan(mean)
            scored = relative_to_best(np.where(known, mean, np.inf), cand & known)
            return np.where(known, scored, 1.0)
        if criterion == "stability":
            return self.success.mean(default=1.0)[segment]
        if criterion == "global_reach":
            return np.broadcast_to(self.reach, cand.shape)
        return np.full((n_rows, cand.shape[1]), 0.5)  # not stated, not measurable: neutral

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        if not len(view):
            return np.empty(0, dtype=np.intp)
        segment = self.segment_ids(view)
        # a criterion neither stated nor measurable adds the same to every channel: skipped
        score = np.zeros(view.candidates.shape)
        for criterion, weight in self.weight.items():
            if criterion in self.given or criterion in MEASURABLE:
                score += weight * self.criterion_scores(criterion, segment, view)
        return best_candidate(score / sum(self.weight.values()), view.candidates, self.context.rng)
