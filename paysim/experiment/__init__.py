"""Running simulations: one replication, and Monte Carlo studies comparing arms.

Everything is imported on first use: a worker process that only runs replications does not pay
for the statistics stack (scipy.stats), and reading a finished study does not load the world.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paysim.experiment.load import Experiment, load_experiment
    from paysim.experiment.single import RunResult, resolve_scenario, run_to_directory, simulate
    from paysim.experiment.spec import ExperimentSpec
    from paysim.experiment.study import ExperimentResult, run_experiment

_LAZY = {
    "RunResult": "paysim.experiment.single",
    "resolve_scenario": "paysim.experiment.single",
    "run_to_directory": "paysim.experiment.single",
    "simulate": "paysim.experiment.single",
    "Experiment": "paysim.experiment.load",
    "load_experiment": "paysim.experiment.load",
    "ExperimentSpec": "paysim.experiment.spec",
    "ExperimentResult": "paysim.experiment.study",
    "run_experiment": "paysim.experiment.study",
}

__all__ = [
    "Experiment",
    "ExperimentResult",
    "ExperimentSpec",
    "RunResult",
    "load_experiment",
    "resolve_scenario",
    "run_experiment",
    "run_to_directory",
    "simulate",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
