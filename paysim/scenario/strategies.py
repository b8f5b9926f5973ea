"""Building a scenario's strategies from their registered names."""

from __future__ import annotations

from paysim.errors import ScenarioError
from paysim.model.routing import Router
from paysim.model.spec import Scenario
from paysim.strategies import ROUTERS


def build_router(scenario: Scenario) -> Router:
    """The routing strategy a scenario names, built with its parameters."""
    spec = scenario.strategies.routing
    router: Router = ROUTERS.create(spec.name, dict(spec.params), "strategies.routing")
    return router


def strategy_problems(scenario: Scenario) -> list[str]:
    """Problems with the scenario's strategy names and parameters (empty when all build)."""
    try:
        build_router(scenario)
    except ScenarioError as exc:
        return exc.problems
    return []
