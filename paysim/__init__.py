"""paysim: simulate cross-border social-commerce payments and compare strategies on them."""

from paysim.errors import PaysimError, ScenarioError
from paysim.experiment import RunResult, simulate
from paysim.model.spec import Scenario
from paysim.scenario import load_scenario

__version__ = "0.1.0"

__all__ = [
    "PaysimError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "simulate",
]
