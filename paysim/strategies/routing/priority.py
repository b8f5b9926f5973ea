"""Static priority routing: the first channel of a fixed order that can take the payment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext
from paysim.strategies.params import check_channels, param_error
from paysim.strategies.routing.base import ROUTERS, BaseRouter, first_by_rank


def rank_of(order: Sequence[str] | None, param: str, context: RoutingContext) -> np.ndarray:
    """Each channel's rank in ``order``; channels left out follow, in scenario order.

    Raises:
        ValueError: ``order`` names an unknown channel or one twice.

    """
    ids = context.channel_ids
    if order is None:
        return np.arange(len(ids), dtype=float)
    if isinstance(order, str) or not isinstance(order, Sequence):
        raise param_error(param, "must be a list of channel ids", order)
    check_channels(param, order, ids)
    if len(set(order)) != len(order):
        raise param_error(param, "lists a channel twice", list(order))
    listed = {c: i for i, c in enumerate(order)}
    return np.array([listed.get(c, len(order) + i) for i, c in enumerate(ids)], dtype=float)


@ROUTERS.register("priority")
class PriorityRouter(BaseRouter):
    """First eligible channel in a fixed order (the scenario's order by default).

    Args:
        order: channel ids, most preferred first; channels left out come after, in
            scenario order. The rule-based baseline every orchestrator offers.

    """

    def __init__(self, order: Sequence[str] | None = None) -> None:
        self.order = order
        self._rank = np.empty(0)

    def bind(self, context: RoutingContext) -> None:  # noqa: D102
        super().bind(context)
        self._rank = rank_of(self.order, "order", context)

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        return first_by_rank(view.candidates, self._rank)
