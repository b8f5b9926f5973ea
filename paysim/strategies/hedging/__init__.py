"""Hedging strategies: when the treasury converts, and how it covers what it owes.

Importing this package registers every shipped strategy with ``HEDGERS``.
"""

from paysim.strategies.hedging import forwards, spot
from paysim.strategies.hedging.base import HEDGERS, BaseHedger

__all__ = ["HEDGERS", "BaseHedger", "forwards", "spot"]
