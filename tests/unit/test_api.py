"""The Python API of DESIGN.md section 3: load_scenario, simulate, RunResult, errors."""

from __future__ import annotations

import math
from typing import Any

import pydantic
import pytest

import paysim
from paysim.errors import PaysimError, ScenarioError
from tests.conftest import QUICKSTART


def test_simulate_accepts_a_path_a_scenario_or_plain_data(tiny_scenario: dict[str, Any]) -> None:
    from_data = paysim.simulate(tiny_scenario, days=0.05)
    from_model = paysim.simulate(paysim.Scenario.model_validate(tiny_scenario), days=0.05)
    assert from_data.kpis == from_model.kpis
    assert paysim.simulate(str(QUICKSTART), days=0.02).kpis["checkouts"] > 0


def test_run_result_carries_its_seed_and_horizon() -> None:
    result = paysim.simulate(QUICKSTART, seed=9, days=0.05)
    assert (result.seed, result.days, result.seed_sequence) == (9, 0.05, "9")
    summary = result.summary()
    assert summary["kpis"] == result.kpis
    assert (summary["scenario"], summary["reporting_currency"]) == ("quickstart", "USD")


def test_days_lengthens_the_horizon_beyond_the_file() -> None:
    short = paysim.simulate(QUICKSTART, seed=1, days=0.05)
    longer = paysim.simulate(QUICKSTART, seed=1, days=0.1)
    assert longer.kpis["checkouts"] > short.kpis["checkouts"]


def test_scenario_errors_are_value_errors_and_paysim_errors() -> None:
    assert issubclass(ScenarioError, ValueError)
    assert issubclass(ScenarioError, PaysimError)
    with pytest.raises(ScenarioError) as caught:
        paysim.load_scenario(QUICKSTART, {"horizon_days": -1})
    assert caught.value.problems == ["horizon_days: must be > 0, got -1"]


@pytest.mark.parametrize("days", [0, -1, math.nan, math.inf])
def test_simulate_refuses_a_bad_horizon(days: float) -> None:
    with pytest.raises(ScenarioError, match=r"^days: "):
        paysim.simulate(QUICKSTART, days=days)


def test_simulate_refuses_a_negative_seed() -> None:
    with pytest.raises(ScenarioError, match=r"^seed: "):
        paysim.simulate(QUICKSTART, seed=-1, days=0.01)


def test_the_scenario_model_is_frozen() -> None:
    scenario = paysim.load_scenario(QUICKSTART)
    with pytest.raises(pydantic.ValidationError):
        scenario.horizon_days = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        scenario.channels[0].fee.percent = 1  # type: ignore[misc]


def test_the_scenarios_lists_and_mappings_cannot_be_changed_either() -> None:
    # a scenario is shared by the arms of an experiment: a mutable list inside it would let
    # one run change the world of the next, past validation
    scenario = paysim.load_scenario(QUICKSTART)
    with pytest.raises((TypeError, AttributeError, pydantic.ValidationError)):
        scenario.channels.append(scenario.channels[0])  # type: ignore[attr-defined]
    with pytest.raises((TypeError, AttributeError, pydantic.ValidationError)):
        scenario.markets[0].method_mix["card"] = 1.0  # type: ignore[index]
