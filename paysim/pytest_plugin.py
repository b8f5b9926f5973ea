"""pytest plugin (entry point ``pytest11``): the ``paysim_experiment`` fixture.

A test runs an experiment, asserts on its summary, and, when it also uses pytest-benchmark's
``benchmark`` fixture, has the run timed and its KPIs with their intervals stored in
``benchmark.extra_info["paysim"]``, so ``--benchmark-autosave`` / ``--benchmark-json`` keep
the speed and the business numbers of a strategy commit after commit::

    def test_candidate_routing(paysim_experiment, benchmark):
        summary = paysim_experiment("experiments/ci_example.yaml", replications=6)
        assert summary["gates"]["status"] == "pass"

The plugin is loaded by every pytest run where paysim is installed, so this module imports
nothing heavy: the simulator and its statistics load when the fixture is first called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

#: Per-arm fields kept in ``extra_info`` (the rest of the summary is in the return value).
_INTERVAL_FIELDS = ("mean", "ci95_low", "ci95_high", "n")
_DIFFERENCE_FIELDS = ("mean", "ci95_low", "ci95_high", "n", "p_value", "p_holm")
_GATE_FIELDS = ("name", "status", "estimate", "low", "high", "n", "alpha_look")


def _experiment_data(experiment: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], Path]:
    """The experiment's data and the folder its scenario path is relative to."""
    from paysim.scenario.loader import read_yaml

    if isinstance(experiment, str | Path):
        path = Path(experiment)
        return dict(read_yaml(path)), path.parent
    return dict(experiment), Path(".")


def run_summary(
    experiment: str | Path | Mapping[str, Any], workers: int | None = 1, **changes: Any
) -> dict[str, Any]:
    """Run an experiment with top-level fields replaced; return its ``summary.json`` content.

    Args:
        experiment: an experiment file, or its content as a mapping (the scenario path then
            relative to the working directory, as for ``paysim.run_experiment``).
        workers: local worker processes (1: in the test's process).
        **changes: top-level fields to replace, e.g. ``replications=6, days=0.1, seed=3``.

    """
    from paysim.experiment.load import experiment_from_dict
    from paysim.experiment.study import run_experiment

    data, base_dir = _experiment_data(experiment)
    data.update(changes)
    source = Path(experiment) if isinstance(experiment, str | Path) else None
    loaded = experiment_from_dict(data, base_dir=base_dir, source=source)
    return run_experiment(loaded, workers=workers).summary


def benchmark_record(summary: Mapping[str, Any]) -> dict[str, Any]:
    """What ``extra_info`` keeps of a summary: per-arm intervals, differences, gates."""
    record: dict[str, Any] = {
        "scenario": summary["scenario"],
        "seed": summary["seed"],
        "replications": summary["replications"],
        "baseline": summary["baseline"],
        "kpis": {
            arm: {m: {k: v[k] for k in _INTERVAL_FIELDS} for m, v in metrics.items()}
            for arm, metrics in summary["arms"].items()
        },
        "differences": {
            arm: {m: {k: v[k] for k in _DIFFERENCE_FIELDS} for m, v in metrics.items()}
            for arm, metrics in summary["differences"].items()
        },
    }
    if "gates" in summary:
        record["gates"] = {
            "status": summary["gates"]["status"],
            "assertions": [{k: a[k] for k in _GATE_FIELDS} for a in summary["gates"]["assertions"]],
        }
    return record


@pytest.fixture
def paysim_experiment(request: pytest.FixtureRequest) -> Callable[..., dict[str, Any]]:
    """``paysim_experiment(path_or_mapping, workers=1, **changes) -> summary``.

    Runs the experiment (see ``run_summary``) and returns the content of its
    ``summary.json``: ``arms``, ``differences``, ``verdict``, and ``gates`` when it has
    assertions. In a test that also uses ``benchmark``, the first call is timed by it and
    every call's KPIs and intervals go to ``benchmark.extra_info["paysim"][<name>]``.
    """
    benchmark = (
        request.getfixturevalue("benchmark") if "benchmark" in request.fixturenames else None
    )

    def run(
        experiment: str | Path | Mapping[str, Any], workers: int | None = 1, **changes: Any
    ) -> dict[str, Any]:
        if benchmark is None:
            return run_summary(experiment, workers, **changes)
        if getattr(benchmark, "_mode", None) is None:  # not used yet in this test: time it
            summary = benchmark.pedantic(
                run_summary, args=(experiment, workers), kwargs=changes, rounds=1, iterations=1
            )
        else:
            summary = run_summary(experiment, workers, **changes)
        benchmark.extra_info.setdefault("paysim", {})[summary["experiment"]] = benchmark_record(
            summary
        )
        return summary

    return run
