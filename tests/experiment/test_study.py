"""Running studies: identical numbers for any backend, outputs per the contract, statistics."""

from __future__ import annotations

import html
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from paysim.analysis.kpis import KPI_NAMES
from paysim.analysis.stats import MIN_REPLICATIONS
from paysim.cli import main
from paysim.errors import PaysimError
from paysim.experiment import run_experiment
from paysim.experiment.execute import check_code
from paysim.experiment.load import load_experiment
from paysim.experiment.spec import TargetSpec
from paysim.experiment.summary import target_half_width

ROOT = Path(__file__).resolve().parents[2]


def assert_same_study(a, b):
    pd.testing.assert_frame_equal(a.results, b.results)
    assert json.dumps(a.summary, sort_keys=True) == json.dumps(b.summary, sort_keys=True)


def test_results_are_identical_for_one_and_two_workers(write_experiment):
    path = write_experiment(replications=3)
    serial = run_experiment(path, workers=1)
    parallel = run_experiment(path, workers=2)
    assert_same_study(serial, parallel)
    assert len(serial.results) == 6


def test_results_are_identical_on_a_dask_cluster(write_experiment):
    distributed = pytest.importorskip("distributed")
    path = write_experiment(replications=3)
    serial = run_experiment(path, workers=1)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        on_dask = run_experiment(path, dask=cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            ran_on = client.run(lambda: 1)
            assert len(ran_on) == 2  # two worker processes did the work
            with_client = run_experiment(path, dask=client)
    assert_same_study(serial, on_dask)
    assert_same_study(serial, with_client)


def test_unreachable_dask_scheduler_is_an_error(write_experiment, monkeypatch):
    monkeypatch.setattr("paysim.experiment.execute.DASK_CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(PaysimError, match=r"^--dask: no Dask scheduler answers there"):
        run_experiment(write_experiment(), dask="tcp://127.0.0.1:9")


def test_results_table_and_summary_follow_the_contract(write_experiment, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["experiment", str(write_experiment()), "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "verdict: no winner on net_margin (too few replications)" in printed
    assert "premium - standard" in printed
    results = pd.read_parquet(out / "results.parquet")
    assert list(results.columns[:5]) == ["scenario", "arm", "replication", "seed", "spawn_key"]
    assert set(KPI_NAMES) <= set(results.columns)
    assert len(results) == 8 and set(results["scenario"]) == {"tiny"}
    assert results["seed"].tolist() == [5] * 8
    assert results["spawn_key"].tolist() == ["0", "1", "2", "3"] * 2
    summary = json.loads((out / "summary.json").read_text())
    for arm in ("standard", "premium"):
        for metric in ("net_margin", "auth_rate", "fees_bps"):
            record = summary["arms"][arm][metric]
            assert {"mean", "ci95_low", "ci95_high", "n"} <= set(record) and record["n"] == 4
            values = results.loc[results["arm"] == arm, metric]
            assert record["mean"] == pytest.approx(values.mean())
    diff = summary["differences"]["premium"]["auth_rate"]
    assert {"mean", "ci95_low", "ci95_high", "p_value", "p_holm"} <= set(diff)
    assert next(row["arm"] for row in summary["ranking"]["fees_bps"]) == "standard"
    verdict = summary["verdict"]
    assert verdict["metric"] == "net_margin" and verdict["status"] == "too_few_replications"
    assert all(row["prob_best"] is None for row in summary["ranking"]["net_margin"])
    for name in ("report.md", "report.html", "figures/means.png", "figures/replications.png"):
        assert (out / name).is_file(), name
    assert len(list((out / "runs").glob("*.json"))) == 8


def test_report_command_rebuilds_the_same_report(write_experiment, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["experiment", str(write_experiment()), "--out", str(out), "--workers", "1"]) == 0
    first = (out / "report.md").read_text()
    (out / "report.md").unlink()
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.md").read_text() == first
    assert (out / "report.html").is_file()
    capsys.readouterr()
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "not a finished experiment folder" in capsys.readouterr().err


def test_common_random_numbers_shrink_the_variance_of_differences(write_experiment):
    crn = run_experiment(write_experiment(replications=8))
    independent = run_experiment(
        write_experiment("ind.yaml", replications=8, common_random_numbers=False)
    )

    def diff_variance(study, metric):
        table = study.results.pivot(index="replication", columns="arm", values=metric)
        return float(np.var(table["premium"] - table["standard"], ddof=1))

    for metric in ("net_margin", "auth_rate"):
        measured = diff_variance(independent, metric) / diff_variance(crn, metric)
        assert measured > 3, metric
        assert crn.summary["crn_variance_ratio"]["premium"][metric] > 3
    # each arm's marginal distribution is the same either way: means agree within noise
    for arm in ("standard", "premium"):
        a, b = crn.summary["arms"][arm]["auth_rate"], independent.summary["arms"][arm]["auth_rate"]
        assert abs(a["mean"] - b["mean"]) < 2 * (a["ci95_high"] - a["ci95_low"])


def test_sequential_mode_stops_at_the_first_batch_reaching_the_target(write_experiment):
    fixed = run_experiment(write_experiment("fixed.yaml", replications=11))
    spec = fixed.experiment.spec
    goal = TargetSpec(metric="auth_rate", half_width=1.0)
    widths = {
        n: target_half_width(fixed.results[fixed.results["replication"] < n], spec, goal)
        for n in (3, 5, 7, 9, 11)
    }
    target = widths[7]
    expected_n = next(n for n in (3, 5, 7) if widths[n] <= target)
    sequential = run_experiment(
        write_experiment(
            replications={
                "target": {"metric": "auth_rate", "half_width": target},
                "initial": 3,
                "batch": 2,
                "max": 11,
            }
        )
    )
    record = sequential.summary["sequential"]
    assert record["reached"] and record["replications"] == expected_n
    assert record["half_width"] <= target
    assert sequential.summary["replications"] == expected_n
    pd.testing.assert_frame_equal(
        sequential.results.reset_index(drop=True),
        fixed.results[fixed.results["replication"] < expected_n].reset_index(drop=True),
    )
    unreachable = run_experiment(
        write_experiment(
            "never.yaml",
            replications={
                "target": {"metric": "auth_rate", "half_width": 1e-9, "on": "mean"},
                "initial": 2,
                "batch": 2,
                "max": 4,
            },
        )
    )
    assert unreachable.summary["sequential"]["reached"] is False
    assert unreachable.summary["replications"] == 4


def test_grid_sweep_summarises_every_point(write_experiment, tmp_path):
    path = write_experiment(
        replications=2, sweep={"grid": {"checkout.retry.probability": [0.1, 0.9]}}
    )
    out = tmp_path / "sweep"
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1"]) == 0
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 8
    assert sorted(set(results["checkout.retry.probability"])) == [0.1, 0.9]
    summary = json.loads((out / "summary.json").read_text())
    points = summary["sweep"]["points"]
    assert [p["params"] for p in points] == [{"checkout.retry.probability": v} for v in (0.1, 0.9)]
    low, high = (p["arms"]["standard"]["net_margin"]["mean"] for p in points)
    assert high > low  # buyers who retry more pay more often
    # every point has its own verdict by the same rule; 2 replications decide nothing
    assert [p["verdict"]["status"] for p in points] == ["too_few_replications"] * 2
    assert summary["verdict"]["status"] == "too_few_replications"
    assert "| none (too few replications;" in (out / "report.md").read_text()
    assert (out / "figures" / "sweep.png").is_file()


def test_latin_hypercube_sweep_runs(write_experiment):
    study = run_experiment(
        write_experiment(
            replications=2,
            sweep={
                "latin_hypercube": {
                    "n": 3,
                    "params": {"channels.card_sg.success.base": [0.8, 0.95]},
                }
            },
        )
    )
    assert sorted(set(study.results["point"])) == [0, 1, 2]
    assert study.summary["sweep"]["kind"] == "latin_hypercube"
    assert len(study.summary["sweep"]["points"]) == 3


def test_progress_bar_goes_to_stderr(write_experiment, capsys):
    run_experiment(write_experiment(replications=2), progress=True)
    captured = capsys.readouterr()
    assert "tiny_compare" in captured.err and captured.out == ""


def test_a_worker_with_other_code_is_refused():
    with pytest.raises(PaysimError, match="different paysim simulation code"):
        check_code({"code": "0000"})


@pytest.mark.parametrize("name", ["quickstart_compare", "flagship_routing"])
def test_shipped_experiments_run(name):
    """Every shipped experiment runs (two replications; the flagship on a tenth of a day)."""
    experiment = load_experiment(ROOT / "experiments" / f"{name}.yaml", replications=2)
    if name == "flagship_routing":
        spec = experiment.spec.model_copy(update={"days": 0.1})
        experiment = type(experiment)(
            spec, experiment.scenario_path, experiment.scenario_raw, experiment.points
        )
    study = run_experiment(experiment)
    assert len(study.results) == 2 * len(experiment.spec.arms)
    assert study.summary["verdict"]["leader"] in experiment.spec.arm_names
    assert study.summary["verdict"]["status"] == "too_few_replications"
    assert (study.results["ledger_imbalance"] == 0).all()


def test_one_replication_and_one_arm_give_a_summary_without_intervals(write_experiment, tmp_path):
    out = tmp_path / "one"
    path = write_experiment(arms=[{"name": "standard"}], replications=1)
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    record = summary["arms"]["standard"]["auth_rate"]
    assert record["n"] == 1 and record["ci95_low"] is None and record["ci95_high"] is None
    assert summary["differences"] == {} and summary["verdict"]["leader"] == "standard"
    assert summary["verdict"]["status"] == "single_arm"
    assert "n/a (one replication)" in (out / "report.md").read_text()


def test_sequential_mode_never_stops_before_a_verdict_is_possible(write_experiment):
    """A target met at once (a huge half-width) still runs to MIN_REPLICATIONS (6)."""
    study = run_experiment(
        write_experiment(
            replications={
                "target": {"metric": "auth_rate", "half_width": 1.0},
                "initial": 2,
                "batch": 2,
                "max": 10,
            }
        )
    )
    record = study.summary["sequential"]
    assert record["reached"] and record["replications"] == 6 == MIN_REPLICATIONS
    assert record["min_replications"] == MIN_REPLICATIONS
    assert study.summary["verdict"]["status"] != "too_few_replications"
    assert study.summary["verdict"]["prob_best"] is not None


def test_quickstart_compare_with_two_replications_names_no_winner(tmp_path, capsys):
    """The issue's command, on a quarter day: one verdict in stdout, report and summary."""
    raw = yaml.safe_load((ROOT / "experiments" / "quickstart_compare.yaml").read_text())
    raw.update(scenario=str(ROOT / "scenarios" / "quickstart.yaml"), days=0.25)
    path = tmp_path / "quickstart_compare.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    out = tmp_path / "out"
    argv = ["experiment", str(path), "--replications", "2", "--out", str(out), "--workers", "1"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    verdict = summary["verdict"]
    assert verdict["status"] == "too_few_replications" and verdict["winner"] is None
    assert verdict["prob_best"] is None and verdict["replications"] == 2
    assert "P(best) =" not in printed and "P(best) =" not in (out / "report.md").read_text()
    assert "verdict: no winner on net_margin (too few replications)" in printed
    below = printed.partition("\nverdict: ")[2].splitlines()[1:]
    body = [line.strip() for line in itertools.takewhile(lambda x: x.startswith("  "), below)]
    assert " ".join(body) == verdict["text"]
    assert verdict["text"] in (out / "report.md").read_text()
    assert html.escape(verdict["text"], quote=False) in (out / "report.html").read_text()
    assert "± is the half-width of a Student-t 95% CI of the mean, over 2 replications." in (
        printed
    )
