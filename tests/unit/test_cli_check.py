"""``paysim check`` on bad input: exit 2, one ``field.path: reason`` line, nothing written."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from paysim.report.junit import check_junit_path, is_paysim_junit, junit_xml

GATE = {"metric": "auth_rate", "arm": "b", "vs": "a", "at_least": -0.01}


@pytest.fixture
def experiment_file(tmp_path: Path, tiny_scenario):
    """Write an experiment on the tiny scenario; keyword arguments replace its fields."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny_scenario))

    def write(**changes):
        data = {
            "name": "gate",
            "scenario": "tiny.yaml",
            "replications": {"initial": 6, "max": 12},
            "days": 0.05,
            "baseline": "a",
            "arms": [{"name": "a"}, {"name": "b", "set": {"channels.card_sg.success.base": 0.8}}],
            "metrics": ["auth_rate"],
            "assert": [GATE],
            **changes,
        }
        path = tmp_path / "gate.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    return write


def _one_line(result, start: str) -> None:
    assert result.code == 2, result.out + result.err
    assert result.err_lines == [result.err_lines[0]] and result.err_lines[0].startswith(start)
    assert "Traceback" not in result.err and result.out == ""


def test_a_file_without_assertions_is_refused(experiment_file, run_cli):
    path = experiment_file(**{"assert": []}, replications=6)
    _one_line(run_cli("check", path), "assert: the experiment has no assertions")


def test_a_scenario_file_is_refused(run_cli, quickstart_path):
    _one_line(run_cli("check", quickstart_path), f"{quickstart_path}: is a scenario file")


def test_a_missing_file_is_refused(run_cli, tmp_path):
    result = run_cli("check", tmp_path / "nope.yaml")
    assert result.code == 2 and len(result.err_lines) == 1


@pytest.mark.parametrize(
    ("gate", "start"),
    [
        ({**GATE, "arm": "c"}, "assert.0.arm: not an arm"),
        ({**GATE, "metric": "auth_rat"}, "assert.0.metric: unknown KPI; did you mean auth_rate?"),
        ({**GATE, "at_most": 0.0}, "assert.0: give exactly one of at_least or at_most"),
        ({**GATE, "confidence": 1.5}, "assert.0.confidence:"),
    ],
)
def test_a_bad_assertion_is_one_line(experiment_file, run_cli, gate, start):
    _one_line(run_cli("check", experiment_file(**{"assert": [gate]})), start)


def test_junit_must_not_be_a_directory(experiment_file, run_cli, tmp_path):
    _one_line(run_cli("check", experiment_file(), "--junit", tmp_path), "--junit: is a directory")


def test_junit_never_replaces_a_file_of_the_users(experiment_file, run_cli, tmp_path):
    mine = tmp_path / "notes.xml"
    mine.write_text("<notes>keep me</notes>")
    _one_line(
        run_cli("check", experiment_file(), "--junit", mine),
        "--junit: exists and is not a JUnit file written by paysim",
    )
    assert mine.read_text() == "<notes>keep me</notes>"
    inside = tmp_path / "notes.xml" / "gates.xml"
    _one_line(run_cli("check", experiment_file(), "--junit", inside), "--junit: is inside a file")
    _one_line(run_cli("check", experiment_file(), "--junit", " "), "--junit: must not be empty")


def test_junit_replaces_a_file_paysim_wrote(tmp_path):
    gates = {
        "status": "pass",
        "replications": 6,
        "looks": [6],
        "confidence_is": "per assertion",
        "assertions": [],
    }
    path = tmp_path / "gates.xml"
    path.write_bytes(junit_xml(gates, "gate", "USD", version="0.1.0"))
    assert is_paysim_junit(path)
    check_junit_path(path)  # no error: it may be replaced
    other = tmp_path / "other.xml"
    other.write_text("<testsuites><testsuite name='x'/></testsuites>")
    assert not is_paysim_junit(other)
    assert ET.parse(path).getroot().get("tests") == "0"


def test_an_interrupted_check_writes_no_junit(experiment_file, run_cli, tmp_path, monkeypatch):
    import paysim.experiment.study as study

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(study, "run_experiment", interrupted)
    junit = tmp_path / "gates.xml"
    result = run_cli("check", experiment_file(), "--junit", junit, "--workers", "1")
    assert result.code == 130 and result.err_lines == ["interrupted"]
    assert not junit.exists() and not list(tmp_path.glob(".gates.xml*"))
