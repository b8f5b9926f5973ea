"""Running simulations: one replication, and Monte Carlo studies comparing arms."""

from paysim.experiment.load import Experiment, load_experiment
from paysim.experiment.single import RunResult, resolve_scenario, run_to_directory, simulate
from paysim.experiment.spec import ExperimentSpec
from paysim.experiment.study import ExperimentResult, run_experiment

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
