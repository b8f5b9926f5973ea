"""Cheapest routing: the candidate with the lowest expected all-in fee for the payment.

The fee is the channel's price list applied to the payment (percent, cross-border surcharge,
FX markup, fixed fee: ``paysim.strategies.routing.fees``), in the reporting currency. Ties go
to the channel listed first in the scenario. Approval rates are ignored: a cost-only
baseline, against which ``expected_value`` objectives show what acceptance is worth.
"""

from __future__ import annotations

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext
from paysim.strategies.routing.base import ROUTERS, BaseRouter
from paysim.strategies.routing.fees import FeeModel


@ROUTERS.register("cheapest")
class CheapestRouter(BaseRouter):
    """Lowest expected all-in fee for each payment among its candidates (ties: scenario order)."""

    def __init__(self) -> None:
        pass

    def bind(self, context: RoutingContext) -> None:  # noqa: D102
        super().bind(context)
        self.fees = FeeModel(context)

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        if not len(view):
            return np.empty(0, dtype=np.intp)
        fee = np.where(view.candidates, self.fees.fee_reporting(view), np.inf)
        return fee.argmin(axis=1)
