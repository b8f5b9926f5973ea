"""The routing family: ``BaseRouter``, its registry ``ROUTERS``, and choice helpers.

A routing strategy picks one channel for each payment of a batch. The world calls, in order:

1. ``bind(context)`` once, with the static channel facts (``RoutingContext``) and the
   strategy's own random generator ``context.rng``;
2. ``choose(view)`` for every batch of payments to send (``AttemptView``, one row each,
   in time order), which returns one channel index per payment among ``view.candidates``;
3. ``observe(feedback)`` with the results that have come back since (``RoutingFeedback``,
   in the order they came back), only if the class says ``learns_from_feedback = True``.

Views are frozen dataclasses of read-only arrays holding what a real platform knows before
and after sending a payment: never the simulator's truth. The one labelled exception is a
router with ``reads_truth = True`` (the ``oracle`` bound), whose views carry ``truth``.

Implement ``choose`` (vectorised over the batch: no Python loop over payments); override
``bind`` and ``observe`` when needed (call ``super().bind``). Raise plain ``ValueError`` with a
message starting with the parameter's name (``paysim.strategies.params.param_error``); the
registry adds the scenario path.
"""

from __future__ import annotations

import abc
from typing import ClassVar

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext, RoutingFeedback
from paysim.strategies.base import Strategy
from paysim.strategies.registry import Registry


class BaseRouter(Strategy):
    """Base of routing strategies: implement ``choose``; ``bind`` and ``observe`` are hooks.

    Attributes:
        learns_from_feedback: whether the world must send results to ``observe`` (False:
            the world skips collecting them, which is faster).
        reads_truth: whether the strategy is handed the simulator's truth in
            ``AttemptView.truth`` (only for bounds such as ``oracle``, never a deployable
            strategy).
        context: the channel facts given to ``bind``.

    """

    family: ClassVar[str] = "routing"
    learns_from_feedback: ClassVar[bool] = False
    reads_truth: ClassVar[bool] = False
    context: RoutingContext

    def bind(self, context: RoutingContext) -> None:
        """Receive the static channel facts before the first payment (a no-op hook).

        Override to check parameters against the channels and to set up state; call
        ``super().bind(context)``. Binding again resets the strategy.
        """
        self.context = context

    @abc.abstractmethod
    def choose(self, view: AttemptView) -> np.ndarray:
        """The channel index of each payment, one of its ``view.candidates``.

        Args:
            view: the payments to route now, in time order.

        Returns:
            Integer array of shape ``(len(view),)``.

        """

    def observe(self, feedback: RoutingFeedback) -> None:
        """Learn from results in the order they came back (a no-op hook).

        Only called when ``learns_from_feedback`` is True. The world calls it before routing
        payments at time t with the results that came back before t (or, with
        ``platform.routing_refresh_s`` > 0, before the last refresh), whatever
        ``engine.batch_s`` is.
        """


ROUTERS = Registry("routing", base=BaseRouter, group="paysim.routing")


def first_by_rank(candidates: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Per payment, the candidate channel with the lowest rank."""
    scored = np.where(candidates, rank[None, :], np.inf)
    return scored.argmin(axis=1)


def best_candidate(
    scores: np.ndarray, candidates: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Per payment, the candidate with the highest score; exact ties broken at random.

    Args:
        scores: ``[payment, channel]`` scores (``inf`` allowed, ``nan`` counts as lowest).
        candidates: bool ``[payment, channel]``; every row has at least one candidate.
        rng: the strategy's generator.

    """
    masked = np.where(candidates & ~np.isnan(scores), scores, -np.inf)
    top = masked.max(axis=1, keepdims=True)
    tied = candidates & (masked == top)
    return random_candidate(tied, rng)


def random_candidate(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per row, one of the ``True`` columns of ``mask``, uniformly at random.

    A row with none gets column 0.
    """
    if mask.shape[1] == 1:
        return np.zeros(mask.shape[0], dtype=np.intp)
    u = rng.random(mask.shape)
    return np.where(mask, u, -1.0).argmax(axis=1)


def weighted_candidate(
    weights: np.ndarray, candidates: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Per payment, a candidate drawn with probability proportional to its weight.

    A payment whose candidates all weigh 0 draws uniformly among them.
    """
    w = np.where(candidates, weights, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total > 0, w, candidates.astype(float))
    cdf = np.cumsum(w, axis=1)
    u = rng.random((len(w), 1)) * cdf[:, -1:]
    chosen = (cdf <= u).sum(axis=1)
    # guard the float edge u == total: fall back to the last candidate with weight
    last = w.shape[1] - 1 - np.argmax(w[:, ::-1] > 0, axis=1)
    return np.minimum(chosen, last)
