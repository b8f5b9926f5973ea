"""Static priority routing: the first channel of a fixed order that can take the payment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.errors import ScenarioError
from paysim.model.routing import AttemptView, RoutingContext
from paysim.strategies.routing.base import ROUTERS, BaseRouter, first_by_rank


@ROUTERS.register("priority")
class PriorityRouter(BaseRouter):
    """First eligible channel in a fixed order (the scenario's order by default)."""

    def __init__(self, order: Sequence[str] | None = None) -> None:
        self.order = order
        self._rank = np.empty(0)

    def bind(self, context: RoutingContext) -> None:  # noqa: D102
        super().bind(context)
        order = self.order if self.order is not None else list(context.channel_ids)
        unknown = [c for c in order if c not in context.channel_ids]
        if unknown:
            raise ScenarioError.at("strategies.routing.params.order", "unknown channel", unknown[0])
        listed = {c: i for i, c in enumerate(order)}
        # channels left out of ``order`` come after the listed ones, in scenario order
        self._rank = np.array(
            [listed.get(c, len(order) + i) for i, c in enumerate(context.channel_ids)], dtype=float
        )

    def choose(self, attempts: AttemptView) -> np.ndarray:  # noqa: D102
        return first_by_rank(attempts.candidates, self._rank)
