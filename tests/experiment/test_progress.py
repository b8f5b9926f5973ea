"""Long runs report progress on stderr even when it is not a terminal (CI logs)."""

from __future__ import annotations

import io
import time

from paysim.experiment import progress as progress_module
from paysim.experiment.progress import Progress
from paysim.experiment.single import run_to_directory, simulate
from paysim.experiment.study import run_experiment
from paysim.scenario.loader import load_scenario
from tests.conftest import QUICKSTART


def test_lines_every_few_seconds_when_not_a_terminal(monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "LINE_EVERY_S", 0.05)
    stream = io.StringIO()
    meter = Progress("study", "runs", None, stream)
    meter.add_total(30)
    meter.update(12)
    time.sleep(0.5)  # one long task: lines keep coming while nothing finishes
    meter.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3
    assert all(line.startswith("study: 12/30 runs done, ") for line in lines)
    assert lines[-1].endswith(" s elapsed")


def test_the_line_reads_naturally() -> None:
    meter = Progress("quickstart", "simulated hours", False)
    meter.add_total(48)
    meter.update(2.5)
    assert meter.line(meter.started + 40.2) == (
        "quickstart: 2.5/48 simulated hours done, 40 s elapsed"
    )


def test_a_short_command_prints_no_progress() -> None:
    stream = io.StringIO()
    meter = Progress("study", "runs", None, stream)
    meter.add_total(2)
    meter.update(2)
    meter.close()
    assert stream.getvalue() == ""


def test_an_experiment_reports_runs(write_experiment, capsys, monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "LINE_EVERY_S", 0.02)
    run_experiment(write_experiment(replications=2), progress=None)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("tiny_compare: 4/4 runs done, ")
    assert all(" runs done, " in line for line in lines)


def test_a_run_reports_simulated_hours_and_is_unchanged(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "LINE_EVERY_S", 0.02)
    scenario = load_scenario(QUICKSTART)
    shown = run_to_directory(scenario, tmp_path / "a", days=0.1, progress=None)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("quickstart: 2.4/2.4 simulated hours done, ")
    quiet = simulate(scenario, days=0.1)
    assert shown.kpis == quiet.kpis  # the reporting job changes nothing in the simulation
