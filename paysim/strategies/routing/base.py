"""The routing family: ``BaseRouter`` and its registry."""

from __future__ import annotations

import abc
import inspect

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext, RoutingFeedback
from paysim.strategies.registry import Registry

ROUTERS = Registry("routing")


class BaseRouter(abc.ABC):
    """Base of routing strategies: implement ``choose``; ``bind`` and ``observe`` are hooks."""

    name: str = ""
    context: RoutingContext

    def bind(self, context: RoutingContext) -> None:
        """Keep the channel facts; override to precompute from them (call super)."""
        self.context = context

    @abc.abstractmethod
    def choose(self, attempts: AttemptView) -> np.ndarray:
        """The channel index for each payment, among its candidates."""

    def observe(self, feedback: RoutingFeedback) -> None:  # noqa: B027 - optional hook
        """Learn from results; the default learns nothing."""

    observe.ignores_feedback = True  # type: ignore[attr-defined]  # the world may skip it

    def get_params(self) -> dict[str, object]:
        """The keyword parameters the strategy was built with (to clone or write back)."""
        signature = inspect.signature(type(self).__init__)
        return {name: getattr(self, name) for name in list(signature.parameters)[1:]}


def first_by_rank(candidates: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Per payment, the candidate channel with the lowest rank."""
    scored = np.where(candidates, rank[None, :], np.inf)
    return scored.argmin(axis=1)
