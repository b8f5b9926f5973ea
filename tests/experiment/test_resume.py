"""Resuming: kill a study midway, run the same command again, get the uninterrupted result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from paysim.experiment import run_experiment

FINAL = ("results.parquet", "summary.json", "report.md")


def start(path: Path, out: Path) -> subprocess.Popen[bytes]:
    """``paysim experiment`` in its own process group (so the test can stop all of it)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paysim.cli",
            "experiment",
            str(path),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_for_runs(process: subprocess.Popen[bytes], runs: Path, at_least: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if runs.is_dir() and len(list(runs.glob("*.json"))) >= at_least:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError("no task finished in time")


def snapshot(runs: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in runs.glob("*.json")}


def assert_same_outputs(a: Path, b: Path) -> None:
    pd.testing.assert_frame_equal(
        pd.read_parquet(a / "results.parquet"), pd.read_parquet(b / "results.parquet")
    )
    assert (a / "summary.json").read_text() == (b / "summary.json").read_text()
    assert (a / "report.md").read_text() == (b / "report.md").read_text()


@pytest.fixture(scope="module")
def reference(tiny_scenario_path, experiment_data, tmp_path_factory):
    """The experiment and its uninterrupted outputs (run in this process)."""
    from paysim.cli import main

    folder = tmp_path_factory.mktemp("reference")
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment_data(tiny_scenario_path, replications=8)))
    out = folder / "out"
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1"]) == 0
    return path, out


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_killed_study_resumes_to_the_same_outputs(reference, tmp_path, how):
    path, expected = reference
    out = tmp_path / "killed"
    process = start(path, out)
    wait_for_runs(process, out / "runs", at_least=4)
    if how == signal.SIGKILL:
        os.killpg(process.pid, signal.SIGKILL)  # the whole group: parent and workers
    else:
        process.send_signal(signal.SIGINT)  # Ctrl-C reaches the parent; workers ignore it
    _, stderr = process.communicate(timeout=60)
    kept = snapshot(out / "runs")
    assert 4 <= len(kept) < 16, "the kill came too late to test anything"
    assert not any((out / name).exists() for name in FINAL)
    if how == signal.SIGINT:
        assert process.returncode == 130
        assert b"run the same command again to resume" in stderr
    else:
        assert process.returncode == -signal.SIGKILL

    again = start(path, out)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert f"reused {len(kept)} finished runs".encode() in stdout
    assert_same_outputs(expected, out)
    after = snapshot(out / "runs")
    assert len(after) == 16
    assert all(after[name] == text for name, text in kept.items())  # finished runs not redone


def test_a_changed_experiment_never_reuses_stale_results(write_experiment, tmp_path):
    out = tmp_path / "out"
    first = run_experiment(write_experiment(replications=3), out=out)
    data = yaml.safe_load(first.experiment.source.read_text())
    data["arms"][1]["set"]["channels.card_sg.fee.percent"] = 4.0
    changed_path = write_experiment("changed.yaml", **data)
    changed = run_experiment(changed_path, out=out)
    assert (changed.n_run, changed.n_reused) == (3, 3)
    fresh = run_experiment(changed_path, out=tmp_path / "fresh")
    pd.testing.assert_frame_equal(changed.results, fresh.results)
    assert json.dumps(changed.summary) == json.dumps(fresh.summary)
    standard = changed.results[changed.results["arm"] == "standard"]
    pd.testing.assert_frame_equal(  # the unchanged arm's runs were reused, and are the same
        standard, first.results[first.results["arm"] == "standard"]
    )
    assert len(list((out / "runs").glob("*.json"))) == 9  # 3 standard + 3 old + 3 new premium


def test_an_interrupted_rerun_leaves_no_stale_summary(write_experiment, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run_experiment(write_experiment(replications=2), out=out)
    assert (out / "summary.json").exists()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("paysim.experiment.study.summarize", boom)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(write_experiment(replications=3), out=out)
    assert not (out / "summary.json").exists()
    assert not (out / "results.parquet").exists()
    assert len(list((out / "runs").glob("*.json"))) == 6
