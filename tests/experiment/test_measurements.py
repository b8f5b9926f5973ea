"""Full-size measurements on the shipped comparisons (slow; the default suite runs them small).

Run with ``pytest -m slow tests/experiment/test_measurements.py -s`` to print the numbers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from paysim.experiment import run_experiment
from paysim.experiment.load import Experiment, load_experiment

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def without_crn(experiment: Experiment) -> Experiment:
    spec = experiment.spec.model_copy(update={"common_random_numbers": False})
    return Experiment(spec, experiment.scenario_path, experiment.scenario_raw, experiment.points)


def diff_variance(study, arm: str, metric: str) -> float:
    table = study.results.pivot(index="replication", columns="arm", values=metric)
    return float(np.var(table[arm] - table[study.experiment.spec.baseline], ddof=1))


def test_crn_variance_reduction_on_quickstart_compare():
    experiment = load_experiment(ROOT / "experiments" / "quickstart_compare.yaml")
    crn = run_experiment(experiment, workers=None)
    independent = run_experiment(without_crn(experiment), workers=None)
    for metric in ("net_margin", "conversion_rate", "auth_rate"):
        ratio = diff_variance(independent, "premium", metric) / diff_variance(
            crn, "premium", metric
        )
        print(f"{metric}: Var(diff, independent) / Var(diff, CRN) = {ratio:.1f}")
        assert ratio > 5, metric
    # pairing makes the comparison far sharper than the arms' own intervals
    arm = crn.summary["arms"]["standard"]["net_margin"]
    diff = crn.summary["differences"]["premium"]["net_margin"]
    assert 5 * (diff["ci95_high"] - diff["ci95_low"]) < arm["ci95_high"] - arm["ci95_low"]
    assert diff["ci95_high"] < 0


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or os.getloadavg()[0] > 0.5,
    reason="needs two idle cores to time parallel speed-up",
)
def test_two_workers_nearly_halve_the_wall_time():
    experiment = load_experiment(ROOT / "experiments" / "flagship_routing.yaml")
    walls = {}
    for workers in (1, 2):
        started = time.perf_counter()
        study = run_experiment(experiment, workers=workers)
        walls[workers] = time.perf_counter() - started
        assert len(study.results) == 30
    speedup = walls[1] / walls[2]
    print(f"1 worker {walls[1]:.1f} s, 2 workers {walls[2]:.1f} s, speed-up {speedup:.2f}")
    assert speedup > 1.6
