"""The README's example strategy works as written: contract, YAML round trip, a world run."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

import paysim
from paysim.strategies import ROUTERS
from paysim.testing import RoutingStrategyContract
from tests.conftest import FLAGSHIP

README = Path(__file__).resolve().parents[2] / "README.md"


def _example_code() -> str:
    text = README.read_text()
    section = text.split("### Write your own routing strategy", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def ewma():
    module = types.ModuleType("readme_example_routing")
    sys.modules[module.__name__] = module  # so that pickling finds the class
    try:
        exec(compile(_example_code(), str(README), "exec"), module.__dict__)
        yield module.EwmaRouter
    finally:
        ROUTERS.unregister("ewma")
        sys.modules.pop(module.__name__, None)


def test_the_example_passes_the_contract(ewma):
    class TestEwma(RoutingStrategyContract):
        def make_strategy(self):
            return ewma(half_life=100)

    kit = TestEwma()
    for name in dir(kit):
        if name.startswith("test_"):
            getattr(kit, name)()


def test_the_example_runs_by_name_and_reports_bad_parameters(ewma):
    overrides = {"strategies.routing": {"name": "ewma", "params": {"half_life": 100}}}
    result = paysim.simulate(FLAGSHIP, seed=1, days=0.02, overrides=overrides)
    assert result.kpis["payments_attempted"] > 0
    with pytest.raises(paysim.ScenarioError) as exc:
        paysim.load_scenario(
            FLAGSHIP, {"strategies.routing": {"name": "ewma", "params": {"half_life": 0}}}
        )
    assert exc.value.problems == ["strategies.routing.params.half_life: must be >= 1, got 0"]


def test_the_readme_lists_every_shipped_strategy():
    text = README.read_text().split("## Routing strategies", 1)[1].split("### Write your own", 1)[0]
    listed = set(re.findall(r"^\| `(\w+)` \|", text, re.M))
    shipped = {n for n in ROUTERS.names() if ROUTERS.origin(n).startswith("paysim.strategies")}
    assert listed == shipped
