"""Long runs report progress on stderr even when it is not a terminal (CI logs)."""

from __future__ import annotations

import io

from paysim.experiment import progress as progress_module
from paysim.experiment.progress import Progress
from paysim.experiment.single import run_to_directory, simulate
from paysim.experiment.study import run_experiment
from paysim.scenario.loader import load_scenario
from tests.conftest import QUICKSTART


def test_lines_every_few_seconds_when_not_a_terminal(monkeypatch) -> None:
    clock = iter([0.0, 1.0, 6.0, 7.0, 12.5])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    meter = Progress("study", "runs", None, stream)  # monotonic: 0.0 at the start
    meter.add_total(30)
    for _ in range(4):  # at 1.0 (quiet), 6.0 (a line), 7.0 (quiet), 12.5 (a line)
        meter.update(3)
    assert stream.getvalue().splitlines() == [
        "study: 6/30 runs done, 6 s elapsed",
        "study: 12/30 runs done, 12 s elapsed",
    ]


def test_a_short_command_prints_no_progress() -> None:
    stream = io.StringIO()
    meter = Progress("study", "runs", None, stream)
    meter.add_total(2)
    meter.update(2)
    assert stream.getvalue() == ""


def test_an_experiment_reports_runs(write_experiment, capsys, monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "LINE_EVERY_S", 0.0)
    run_experiment(write_experiment(replications=2), progress=None)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("tiny_compare: 4/4 runs done, ")
    assert all(" runs done, " in line for line in lines)


def test_a_run_reports_simulated_hours_and_is_unchanged(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "LINE_EVERY_S", 0.0)
    scenario = load_scenario(QUICKSTART)
    shown = run_to_directory(scenario, tmp_path / "a", days=0.1, progress=None)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("quickstart: 2.4/2.4 simulated hours done, ")
    quiet = simulate(scenario, days=0.1)
    assert shown.kpis == quiet.kpis  # the reporting job changes nothing in the simulation
