"""The run-size estimate: checkouts from the demand model, memory from measured bytes."""

from __future__ import annotations

import pytest

from paysim.errors import ScenarioError
from paysim.experiment import sizing
from paysim.experiment.single import simulate
from paysim.scenario.loader import load_scenario
from tests.conftest import FLAGSHIP, QUICKSTART


@pytest.mark.parametrize("path", [QUICKSTART, FLAGSHIP], ids=["quickstart", "flagship"])
def test_expected_checkouts_match_a_run(path) -> None:
    # the flagship's campaigns and group buys are in the estimate too
    scenario = load_scenario(path, {"demand.orders_per_day": 20_000})
    expected = sizing.estimate(scenario, days=0.5).checkouts
    actual = simulate(scenario, days=0.5).kpis["checkouts"]
    assert abs(actual - expected) < 0.1 * expected


def test_memory_grows_with_checkouts_buyers_and_sellers() -> None:
    scenario = load_scenario(FLAGSHIP)  # has daily KYC limits: each buyer's spending is kept
    base = sizing.estimate(scenario, days=1)
    more = sizing.estimate(load_scenario(FLAGSHIP, {"markets.ID.buyers": 10**9}), days=1)
    assert more.memory_bytes - base.memory_bytes == pytest.approx(12 * (10**9 - 2_000_000))
    assert more.largest == "markets.ID.buyers"
    on_disk = sizing.estimate(scenario, days=1, log_in_memory=False)
    assert on_disk.memory_bytes < base.memory_bytes


def test_no_limit_known_means_no_refusal(monkeypatch) -> None:
    monkeypatch.setattr(sizing, "available_memory_bytes", lambda: None)
    scenario = load_scenario(QUICKSTART, {"demand.orders_per_day": 1e9})
    assert sizing.check_run_size(scenario).checkouts > 1e9


def test_the_api_refuses_what_the_command_line_refuses(monkeypatch) -> None:
    monkeypatch.setattr(sizing, "available_memory_bytes", lambda: 1e9)
    with pytest.raises(ScenarioError, match=r"^demand\.orders_per_day: the run would need"):
        simulate(QUICKSTART, overrides={"demand.orders_per_day": 1e8})


def test_available_memory_is_known_here() -> None:
    available = sizing.available_memory_bytes()
    assert available is not None and available > 1e8


MEASURE = """
import resource, sys
from paysim.experiment.single import simulate
result = simulate(sys.argv[1], days=1, overrides={"demand.orders_per_day": float(sys.argv[2])})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, result.kpis["checkouts"])
"""


@pytest.mark.slow
@pytest.mark.parametrize("path", [QUICKSTART, FLAGSHIP], ids=["quickstart", "flagship"])
def test_the_memory_estimate_is_honest(path) -> None:
    # peak RSS of a real run (payments log in memory, as experiments keep it)
    import subprocess
    import sys

    orders = 1_000_000 if path == QUICKSTART else 500_000
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(orders)],
        capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    peak, _ = map(float, done.stdout.split())
    scenario = load_scenario(path, {"demand.orders_per_day": orders})
    estimated = sizing.estimate(scenario, days=1).memory_bytes
    assert peak <= estimated <= 1.6 * peak
