"""paysim: simulate cross-border social-commerce payments and compare strategies on them.

The API is imported on first use (module ``__getattr__``): ``import paysim`` and the command
line's ``--help`` and ``--version`` load neither numpy nor pandas nor scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from paysim.errors import PaysimError, ScenarioError

if TYPE_CHECKING:
    from paysim.experiment import RunResult, simulate
    from paysim.experiment.study import ExperimentResult, run_experiment
    from paysim.model.spec import Scenario
    from paysim.scenario import load_scenario

__version__ = "0.1.0"

_LAZY = {
    "ExperimentResult": "paysim.experiment.study",
    "run_experiment": "paysim.experiment.study",
    "RunResult": "paysim.experiment.single",
    "simulate": "paysim.experiment.single",
    "Scenario": "paysim.model.spec",
    "load_scenario": "paysim.scenario.loader",
}

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
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups are plain attribute reads
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
