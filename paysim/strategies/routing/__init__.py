"""Routing strategies: which channel takes each payment.

Importing this package registers every shipped strategy with ``ROUTERS``.
"""

from paysim.strategies.routing import (
    cheapest,
    contract,
    elimination,
    epsilon_greedy,
    oracle,
    priority,
    success_rate,
    thompson,
    ucb,
    volume_split,
    weighted_score,
)
from paysim.strategies.routing.base import ROUTERS, BaseRouter, first_by_rank

__all__ = [
    "ROUTERS",
    "BaseRouter",
    "cheapest",
    "contract",
    "elimination",
    "epsilon_greedy",
    "first_by_rank",
    "oracle",
    "priority",
    "success_rate",
    "thompson",
    "ucb",
    "volume_split",
    "weighted_score",
]
