"""Every shipped scenario validates and runs, and its books balance."""

from __future__ import annotations

from pathlib import Path

import pytest

import paysim
from tests.conftest import SCENARIOS
from tests.invariants import check_all

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def test_the_two_promised_scenarios_ship() -> None:
    assert {"quickstart", "flagship"} <= {path.stem for path in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_validates(path: Path, run_cli) -> None:
    result = run_cli("validate", path)
    assert (result.code, result.out.strip()) == (0, "ok"), result.err


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_runs_with_balanced_books(path: Path) -> None:
    scenario = paysim.load_scenario(path)
    assert scenario.name == path.stem
    result = paysim.simulate(scenario, days=0.1)
    assert result.kpis["payments_attempted"] > 0
    assert result.kpis["payments_succeeded"] > 0
    check_all(result)


def test_flagship_has_at_least_50k_orders_a_day() -> None:
    # issue 2: the flagship world is at least 50,000 orders a day
    assert paysim.load_scenario(SCENARIOS / "flagship.yaml").demand.orders_per_day >= 50_000
