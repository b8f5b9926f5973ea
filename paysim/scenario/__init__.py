"""Scenario files: safe YAML loading, ``--set`` overrides, validation with field paths."""

from paysim.model.spec import Scenario
from paysim.scenario.loader import (
    apply_overrides,
    load_scenario,
    parse_set,
    read_yaml,
    scenario_from_dict,
    validate_model,
)

__all__ = [
    "Scenario",
    "apply_overrides",
    "load_scenario",
    "parse_set",
    "read_yaml",
    "scenario_from_dict",
    "validate_model",
]
