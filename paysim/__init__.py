"""paysim: simulate cross-border social-commerce payments and compare strategies on them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from paysim.errors import PaysimError, ScenarioError
from paysim.experiment import RunResult, simulate
from paysim.model.spec import Scenario
from paysim.scenario import load_scenario

if TYPE_CHECKING:
    from paysim.experiment.study import ExperimentResult, run_experiment

__version__ = "0.1.0"

__all__ = [
    "ExperimentResult",
    "PaysimError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run_experiment",
    "simulate",
]


def __getattr__(name: str) -> Any:
    # the study API loads the statistics stack: imported on first use (see paysim.experiment)
    if name in ("run_experiment", "ExperimentResult"):
        import paysim.experiment.study as study

        return getattr(study, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
