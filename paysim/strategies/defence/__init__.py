"""Defence strategies: approve, decline, challenge or review each payment attempt.

Importing this package registers every shipped defence with ``DEFENCES``.
"""

from paysim.strategies.defence import shipped
from paysim.strategies.defence.base import (
    APPROVE,
    DECLINE,
    DEFENCES,
    REVIEW,
    STEP_UP,
    BaseDefence,
)

__all__ = ["APPROVE", "DECLINE", "DEFENCES", "REVIEW", "STEP_UP", "BaseDefence", "shipped"]
