"""Test kits for strategies: contract tests to subclass, fake views, a synthetic bandit.

* ``RoutingStrategyContract``: subclass it with ``make_strategy()`` and pytest checks your
  routing strategy against the family's contract (``paysim.testing.routing``).
* ``DefenceStrategyContract``: the same for defence strategies (``paysim.testing.defence``),
  with ``fake_defence_context``, ``fake_defence_view`` and ``fake_labels``.
* ``HedgingStrategyContract``: the same for hedging strategies (``paysim.testing.hedging``),
  with ``fake_treasury_context`` and ``fake_treasury_view``.
* ``StrategyContract``: the family-independent part, for the hedging and defence kits.
* ``fake_context``, ``fake_view``, ``feedback_for``: routing inputs without a simulation.
* ``BanditHarness``: channels with known success curves, to check that a learner learns.

Importing this package does not import pytest.
"""

from paysim.testing.bandit import BanditHarness, BanditRun, constant, switch
from paysim.testing.contract import StrategyContract
from paysim.testing.defence import (
    DefenceStrategyContract,
    fake_defence_context,
    fake_defence_view,
    fake_labels,
)
from paysim.testing.fakes import empty_feedback, empty_view, fake_context, fake_view, feedback_for
from paysim.testing.hedging import (
    HedgingStrategyContract,
    fake_treasury_context,
    fake_treasury_view,
)
from paysim.testing.routing import RoutingStrategyContract

__all__ = [
    "BanditHarness",
    "BanditRun",
    "DefenceStrategyContract",
    "HedgingStrategyContract",
    "RoutingStrategyContract",
    "StrategyContract",
    "constant",
    "empty_feedback",
    "empty_view",
    "fake_context",
    "fake_defence_context",
    "fake_defence_view",
    "fake_labels",
    "fake_treasury_context",
    "fake_treasury_view",
    "fake_view",
    "feedback_for",
    "switch",
]
