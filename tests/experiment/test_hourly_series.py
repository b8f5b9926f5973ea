"""Hourly series: the arrays, what a run records in them, and where they are written."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

import paysim
from paysim.experiment import run_experiment
from paysim.model.core.series import HourlySeries, frame_from_record
from tests.conftest import QUICKSTART


def test_sums_land_in_the_hour_they_happen_in() -> None:
    series = HourlySeries(3 * 3600.0)
    series.declare("attempts", ("a", "b"))
    series.add(
        "attempts", np.array([0.0, 3599.9, 3600.0, 7300.0, 10_800.0]), np.array([0, 1, 1, 0, 0])
    )
    series.add("attempts", np.array([10.0, 20.0]), 1, np.array([2.5, 0.5]))
    table = series.values("attempts")
    assert table.tolist() == [
        [1.0, 4.0],
        [0.0, 1.0],
        [2.0, 0.0],
    ]  # the horizon counts in the last hour
    with pytest.raises(ValueError):
        table[0, 0] = 7.0


def test_levels_are_readings_at_the_end_of_an_hour() -> None:
    series = HourlySeries(2.5 * 3600.0)
    assert series.hours == 3
    series.declare("backlog", ("review",), kind="level")
    series.set_level("backlog", 3600.0, 4.0)
    series.set_level("backlog", 3 * 3600.0, 9.0)
    assert series.values("backlog")[:, 0].tolist() == [4.0, 0.0, 9.0]


def test_frame_is_tidy_and_round_trips_through_a_record() -> None:
    series = HourlySeries(7200.0)
    series.declare("attempts", ("a", "b"))
    series.declare("regret")
    series.add("regret", np.array([4000.0]), 0, np.array([0.25]))
    frame = series.frame()
    assert list(frame.columns) == ["hour", "series", "key", "value"]
    assert len(frame) == 2 * 2 + 2 * 1
    assert frame.loc[(frame.series == "regret") & (frame.hour == 1), "value"].item() == 0.25
    back = frame_from_record(json.loads(json.dumps(series.to_record())))
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert frame_from_record(None).empty


def test_a_series_is_declared_once_and_with_a_known_kind() -> None:
    series = HourlySeries(3600.0)
    series.declare("x")
    with pytest.raises(ValueError, match="twice"):
        series.declare("x")
    with pytest.raises(ValueError, match="kind"):
        series.declare("y", kind="mean")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def quickstart_run():
    return paysim.simulate(QUICKSTART, seed=3, days=0.25)


def test_routing_series_add_up_to_the_run_totals(quickstart_run) -> None:
    series, kpis, log = quickstart_run.series, quickstart_run.kpis, quickstart_run.payments
    by_name = series.groupby("series")["value"].sum()
    sent = log[log["channel"].notna()]
    assert by_name["attempts"] == len(sent)
    assert by_name["successes"] == kpis["payments_succeeded"]
    assert by_name["regret"] == pytest.approx(kpis["routing_regret"], abs=1e-9)
    assert series["hour"].max() == 5  # a quarter day: hours 0-5
    per_channel = series[series.series == "attempts"].groupby("key")["value"].sum()
    counted = sent["channel"].astype(str).value_counts()
    for channel, value in per_channel.items():
        assert value == counted.get(channel, 0)


def test_run_folder_holds_the_series_and_the_same_seed_gives_the_same_bytes(
    run_cli, tmp_path
) -> None:
    digests = []
    for name in ("one", "two"):
        out = tmp_path / name
        assert run_cli("run", QUICKSTART, "--days", "0.1", "--out", out).code == 0
        digests.append(hashlib.sha256((out / "series.parquet").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    assert run_cli("run", QUICKSTART, "--days", "0.1", "--out", tmp_path / "one").code == 0


def test_study_stacks_the_series_of_its_runs(write_experiment, tmp_path) -> None:
    path = write_experiment(replications=2, days=0.1)
    study = run_experiment(path, out=tmp_path / "study")
    series = pd.read_parquet(tmp_path / "study" / "series.parquet")
    assert list(series.columns) == ["arm", "replication", "hour", "series", "key", "value"]
    assert set(series["arm"]) == {"standard", "premium"}
    assert set(series["replication"]) == {0, 1}
    pd.testing.assert_frame_equal(series, study.series, check_dtype=False)
    regret = series[series.series == "regret"].groupby(["arm", "replication"])["value"].sum()
    for (arm, replication), value in regret.items():
        row = study.results[(study.results.arm == arm) & (study.results.replication == replication)]
        assert value == pytest.approx(row["routing_regret"].item(), abs=1e-9)
