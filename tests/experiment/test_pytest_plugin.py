"""The pytest plugin: loaded lazily, its fixture runs experiments and feeds pytest-benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from paysim.pytest_plugin import run_summary

HEAVY = ("numpy", "pandas", "scipy", "simpy", "pydantic", "yaml", "matplotlib")


def test_loading_the_plugin_imports_nothing_heavy():
    code = f"import sys, paysim.pytest_plugin; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_plugin_is_registered_for_pytest():
    from importlib.metadata import entry_points

    plugins = {e.name: e.value for e in entry_points(group="pytest11")}
    assert plugins.get("paysim") == "paysim.pytest_plugin"


def test_kpis_and_intervals_reach_the_benchmark_json(tmp_path, experiment_data, tiny_scenario_path):
    data = experiment_data(
        tiny_scenario_path,
        baseline="production",
        arms=[
            {"name": "production"},
            {"name": "candidate", "set": {"channels.card_sg.success.cross_border_factor": 0.7}},
        ],
        **{"assert": [{"metric": "auth_rate", "arm": "candidate", "vs": "production",
                       "at_least": -0.005}]},
    )  # fmt: skip
    (tmp_path / "test_strategy.py").write_text(
        textwrap.dedent(
            f"""
            EXPERIMENT = {data!r}

            def test_candidate(paysim_experiment, benchmark):
                summary = paysim_experiment(EXPERIMENT, replications=6)
                assert summary["gates"]["status"] == "fail"

            def test_without_benchmark(paysim_experiment):
                assert paysim_experiment(EXPERIMENT, replications=2)["replications"] == 2
            """
        )
    )
    report = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"--benchmark-json={report}", "test_strategy.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    (bench,) = json.loads(report.read_text())["benchmarks"]
    assert bench["name"] == "test_candidate" and bench["stats"]["rounds"] == 1
    record = bench["extra_info"]["paysim"]["tiny_compare"]
    assert record["replications"] == 6 and record["gates"]["status"] == "fail"
    expected = run_summary(data, replications=6)
    for arm in ("production", "candidate"):
        for metric in ("net_margin", "auth_rate", "fees_bps"):
            kept, full = record["kpis"][arm][metric], expected["arms"][arm][metric]
            assert kept == {k: full[k] for k in ("mean", "ci95_low", "ci95_high", "n")}
            assert kept["ci95_low"] < kept["mean"] < kept["ci95_high"]
    diff = record["differences"]["candidate"]["auth_rate"]
    assert diff["mean"] == expected["differences"]["candidate"]["auth_rate"]["mean"] < 0
