"""Volume split: each payment goes to a channel drawn by configured traffic shares.

The rule-based "percentage volume split" every orchestrator offers (Juspay's decision engine
lists it among its rule-based routing algorithms): shares per channel, renormalised over the
channels that can take the payment. A payment none of whose candidates has a share is split
evenly among them. The draw uses the strategy's own random stream.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext
from paysim.strategies.params import check_channels, check_number, param_error
from paysim.strategies.routing.base import ROUTERS, BaseRouter, weighted_candidate


@ROUTERS.register("volume_split")
class VolumeSplitRouter(BaseRouter):
    """Weighted random split of traffic by configured shares, renormalised over the candidates.

    Args:
        shares: channel id to its share of traffic (any non-negative numbers; channels left
            out get none).

    """

    def __init__(self, shares: Mapping[str, float]) -> None:
        self.shares = shares
        if not isinstance(shares, Mapping) or not shares:
            raise param_error("shares", "must map channel ids to shares", shares)
        for channel, share in shares.items():
            check_number(f"shares.{channel}", share, low=0)
        if sum(float(v) for v in shares.values()) <= 0:
            raise param_error("shares", "must give some channel a positive share", dict(shares))

    def bind(self, context: RoutingContext) -> None:  # noqa: D102
        super().bind(context)
        check_channels("shares", self.shares, context.channel_ids)
        ids = context.channel_ids
        self.weights = np.array([float(self.shares.get(c, 0.0)) for c in ids])

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        if not len(view):
            return np.empty(0, dtype=np.intp)
        return weighted_candidate(self.weights[None, :], view.candidates, self.context.rng)
