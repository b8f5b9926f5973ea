"""Routing strategies: which channel takes each payment."""

from paysim.strategies.routing import priority
from paysim.strategies.routing.base import ROUTERS, BaseRouter, first_by_rank

__all__ = ["ROUTERS", "BaseRouter", "first_by_rank", "priority"]
