"""The oracle: routes by the simulator's truth. A bound to measure against, not a strategy.

``reads_truth = True`` asks the world to fill ``AttemptView.truth`` (a ``RoutingTruth``) with
``p_success[payment, channel]``, the true probability that each payment would be approved at
each channel right now (the world's ``ChannelTruth.p``: health, outages, buyer risk, card
network included), and optionally ``fee_reporting[payment, channel]``, the true fee. No real
platform knows these; the oracle's KPIs are the ceiling a learning router can approach, and
its ``routing_regret`` is 0 under the ``success_rate`` objective.

Objective ``success_rate``: the candidate with the highest true probability (ties at random).
``expected_value``: the highest ``p × (amount − fee)``, with the true fee when the world gives
it and the price list's otherwise.
"""

from __future__ import annotations

import numpy as np

from paysim.errors import PaysimError
from paysim.model.routing import AttemptView, RoutingContext
from paysim.strategies.params import check_choice
from paysim.strategies.routing.base import ROUTERS, BaseRouter, best_candidate
from paysim.strategies.routing.fees import FeeModel, net_value
from paysim.strategies.routing.learner import OBJECTIVES


@ROUTERS.register("oracle")
class OracleRouter(BaseRouter):
    """Bound, not a strategy: routes by the true current success probability and fee.

    Args:
        objective: ``success_rate`` or ``expected_value``.

    """

    reads_truth = True

    def __init__(self, objective: str = "success_rate") -> None:
        self.objective = objective
        check_choice("objective", objective, OBJECTIVES)

    def bind(self, context: RoutingContext) -> None:  # noqa: D102
        super().bind(context)
        self.fees = FeeModel(context)

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        if not len(view):
            return np.empty(0, dtype=np.intp)
        truth = view.truth
        if truth is None:
            raise PaysimError(
                "routing strategy 'oracle' needs the world to hand it the truth "
                "(AttemptView.truth), which this world does not do"
            )
        score = truth.p_success
        if self.objective == "expected_value":
            fee = truth.fee_reporting
            score = net_value(score, view, self.fees.fee_reporting(view) if fee is None else fee)
        return best_candidate(score, view.candidates, self.context.rng)
