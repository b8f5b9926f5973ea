"""Running simulations: one replication now; Monte Carlo studies build on it."""

from paysim.experiment.single import RunResult, resolve_scenario, run_to_directory, simulate

__all__ = ["RunResult", "resolve_scenario", "run_to_directory", "simulate"]
