"""``paysim bench``: a scenario's throughput (the flagship by default) next to bare SimPy.

The machines this runs on are noisy, so the figure that matters is the ratio: simulated
payments per second of the flagship scenario divided by those of the simplest SimPy model of
a payment (an exponential arrival gap, then one process waiting one lognormal latency),
both timed in the same run.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from paysim.experiment.single import simulate
from paysim.model.spec import Scenario
from paysim.scenario.loader import load_scenario
from paysim.scenarios import scenario_path


def bare_simpy_payments_per_s(n_payments: int, seed: int = 0) -> float:
    """Payments per second of a bare SimPy model: an arrival gap and one latency timeout each."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0, n_payments)
    latencies = rng.lognormal(-1.0, 0.5, n_payments)
    env = simpy.Environment()

    def payment(latency: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(latency)

    def source() -> Generator[simpy.Event, Any, None]:
        for gap, latency in zip(gaps, latencies, strict=True):
            yield env.timeout(gap)
            env.process(payment(latency))

    env.process(source())
    start = time.perf_counter()
    env.run()
    return n_payments / (time.perf_counter() - start)


def load_bench_scenario(name: str = "flagship", sets: dict[str, Any] | None = None) -> Scenario:
    """A shipped scenario by name (or a scenario file), with ``--set`` style overrides."""
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        path = scenario_path(name)
    return load_scenario(path, sets)


def flagship_payments_per_s(
    days: float, seed: int = 0, scenario: Scenario | None = None
) -> tuple[float, int]:
    """Attempts per second of a scenario, the flagship by default (payments log to Parquet)."""
    if scenario is None:
        scenario = load_bench_scenario()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = simulate(scenario, seed=seed, days=days, log_path=Path(tmp) / "payments.parquet")
        elapsed = time.perf_counter() - start
    attempts = int(result.kpis["payments_attempted"])
    if attempts == 0 or result.kpis["ledger_imbalance"] != 0:
        raise RuntimeError("the flagship run produced no payments or an unbalanced ledger")
    return attempts / elapsed, attempts


def run_bench(
    quick: bool = False, scenario: str = "flagship", sets: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Time the scenario and the baseline alternately; keep the best of each."""
    days, repeats = (1.0, 1) if quick else (3.0, 3)
    loaded = load_bench_scenario(scenario, sets)
    flagship, baseline = [], []
    attempts = 0
    for repeat in range(repeats):
        rate, attempts = flagship_payments_per_s(days, seed=repeat, scenario=loaded)
        flagship.append(rate)
        baseline.append(bare_simpy_payments_per_s(min(attempts, 300_000), seed=repeat))
    best_flagship, best_baseline = max(flagship), max(baseline)
    return {
        "scenario": loaded.name,
        "overrides": {key: sets[key] for key in sorted(sets or {})},
        "days": days,
        "repeats": repeats,
        "payments": attempts,
        "paysim_payments_per_s": round(best_flagship, 1),
        "simpy_payments_per_s": round(best_baseline, 1),
        "ratio": round(best_flagship / best_baseline, 4),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
