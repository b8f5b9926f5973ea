"""Experiment files: bad input gives one clean line per problem naming the field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from paysim.cli import main
from paysim.errors import ScenarioError
from paysim.experiment.load import load_experiment

ROOT = Path(__file__).resolve().parents[2]


def problems_of(path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err.strip().splitlines()


PREMIUM = {"name": "premium", "set": {"channels.card_sg.fee.percent": 3.2}}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"arms": [{"name": "standard"}, {"name": "x", "set": {"channels.card_sg.fee.pct": 3}}]},
            "arms.x.set.channels.card_sg.fee.pct: unknown field",
        ),
        (
            {
                "arms": [
                    {"name": "standard"},
                    {"name": "x", "set": {"channels.nope.fee.percent": 1}},
                ]
            },
            "arms.x.set.channels.nope: no item 'nope' in channels (known: card_sg, wallet_local, "
            "bank_local)",
        ),
        (
            {
                "arms": [
                    {"name": "standard"},
                    {"name": "x", "set": {"channels.card_sg.fee.percent": -1}},
                ]
            },
            "arms.x.set.channels.card_sg.fee.percent: must be >= 0",
        ),
        (
            {
                "arms": [
                    {"name": "standard"},
                    {
                        "name": "x",
                        "set": {
                            "strategies.routing": {
                                "name": "priority",
                                "params": {"order": ["card_xx"]},
                            }
                        },
                    },
                ]
            },
            "arms.x.set.strategies.routing.params.order: unknown channel, got 'card_xx'",
        ),
        (
            {
                "arms": [
                    {"name": "standard"},
                    {"name": "x", "set": {"strategies.routing": {"name": "fastest"}}},
                ]
            },
            "arms.x.set.strategies.routing.name: unknown routing strategy",
        ),
        (
            {"metrics": ["net_margin", "auth_rat"]},
            "metrics.1: unknown KPI; did you mean auth_rate?",
        ),
        ({"baseline": "control"}, "baseline: not an arm (arms: standard, premium), got 'control'"),
        ({"replications": 0}, "replications: must be >= 1, got 0"),
        (
            {"arms": [{"name": "standard"}, {"name": "standard"}]},
            "arms.standard: duplicate arm name",
        ),
        ({"arms": []}, "arms: must have at least 1 item(s)"),
        ({"seed": -1}, "seed: must be >= 0, got -1"),
        ({"days": 0}, "days: must be > 0"),
        ({"scenario": "missing.yaml"}, "scenario: file not found, got 'missing.yaml'"),
        ({"colour": "red"}, "colour: unknown field"),
        (
            {"replications": {"target": {"metric": "gmv", "half_width": 0.01}, "max": 20}},
            "replications.target.metric: must be one of the experiment's metrics, got 'gmv'",
        ),
        (
            {"replications": {"target": {"metric": "auth_rate", "half_width": 0}, "max": 20}},
            "replications.target.half_width: must be > 0",
        ),
        (
            {"sweep": {"grid": {"channels.card_sg.success.base": [0.9, 1.5]}}},
            "sweep.grid.channels.card_sg.success.base: must be <= 1",
        ),
        (
            {
                "sweep": {"grid": {"channels.card_sg.fee.percent": [2, 3]}},
                "arms": [{"name": "standard"}, PREMIUM],
            },
            "sweep.channels.card_sg.fee.percent: also set by arm 'premium'; sweep or set it",
        ),
        (
            {
                "sweep": {
                    "latin_hypercube": {"n": 4, "params": {"demand.orders_per_day": [900, 100]}}
                }
            },
            "low (900.0) must be < high (100.0)",
        ),
        (
            {"assert": [{"metric": "auth_rate", "arm": "premium", "vs": "nobody", "at_least": 0}]},
            "assert.0.vs: not an arm (arms: standard, premium), got 'nobody'",
        ),
        (
            {"assert": [{"metric": "auth_rate", "arm": "premium", "at_least": 0, "at_most": 1}]},
            "assert.0: give exactly one of at_least or at_most",
        ),
    ],
)
def test_bad_experiment_is_one_line_naming_the_field(write_experiment, capsys, changes, expected):
    lines = problems_of(write_experiment(**changes), capsys)
    assert any(expected in line for line in lines), lines
    assert len(lines) <= 3


def test_several_problems_are_all_reported(write_experiment, capsys):
    lines = problems_of(
        write_experiment(baseline="nobody", metrics=["net_margin", "speed"]), capsys
    )
    assert len(lines) == 2
    assert lines[0].startswith("baseline:") and lines[1].startswith("metrics.1:")


def test_experiment_command_rejects_bad_input_before_running(write_experiment, capsys, tmp_path):
    out = tmp_path / "out"
    code = main(["experiment", str(write_experiment(replications=0)), "--out", str(out)])
    assert code == 2
    assert "replications: must be >= 1" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(SystemExit) as exit_info:
        main(["experiment", str(write_experiment()), "--workers", "0"])
    assert exit_info.value.code == 2
    assert "--workers: must be >= 1, got 0" in capsys.readouterr().err


def test_yaml_tags_are_refused(tmp_path, capsys):
    path = tmp_path / "evil.yaml"
    path.write_text("name: x\narms: !!python/object/apply:os.system ['true']\n")
    lines = problems_of(path, capsys)
    assert "is not allowed" in lines[0]


def test_validate_accepts_the_shipped_experiments(capsys):
    for path in sorted((ROOT / "experiments").glob("*.yaml")):
        assert main(["validate", str(path)]) == 0, path
        assert capsys.readouterr().out.strip() == "ok"


def test_scenario_path_is_relative_to_the_experiment_file(tmp_path, tiny_scenario_path):
    folder = tmp_path / "studies"
    folder.mkdir()
    (folder / "world.yaml").write_text(tiny_scenario_path.read_text())
    data = {
        "name": "rel",
        "scenario": "world.yaml",
        "baseline": "a",
        "arms": [{"name": "a"}],
        "metrics": ["auth_rate"],
    }
    (folder / "exp.yaml").write_text(yaml.safe_dump(data))
    experiment = load_experiment(folder / "exp.yaml")
    assert experiment.scenario_path == folder / "world.yaml"
    assert experiment.scenario_name == "tiny"


def test_metric_goals_and_intervals():
    from paysim.experiment.spec import MetricSpec

    assert MetricSpec(name="auth_rate").maximize and MetricSpec(name="auth_rate").method == "t"
    assert not MetricSpec(name="fees_bps").maximize
    assert MetricSpec(name="fx_var95").method == "bootstrap"
    assert not MetricSpec(name="gmv", goal="minimize").maximize
    assert MetricSpec(name="fraud_loss", interval="t").method == "t"


def test_sequential_spec_checks(write_experiment):
    with pytest.raises(ScenarioError, match="initial"):
        load_experiment(
            write_experiment(
                replications={
                    "target": {"metric": "auth_rate", "half_width": 0.01},
                    "max": 3,
                    "initial": 5,
                }
            )
        )
    one_arm = write_experiment(
        arms=[{"name": "standard"}],
        replications={"target": {"metric": "auth_rate", "half_width": 0.01}, "max": 9},
    )
    with pytest.raises(ScenarioError, match="'difference' needs at least two arms"):
        load_experiment(one_arm)


def test_every_kpi_has_a_goal():
    """A new KPI must say whether more is better before experiments rank arms on it."""
    from paysim.analysis.kpis import KPI_GOALS, KPI_NAMES, SKEWED_KPIS

    assert set(KPI_GOALS) == set(KPI_NAMES)
    assert SKEWED_KPIS.issubset(KPI_NAMES)
