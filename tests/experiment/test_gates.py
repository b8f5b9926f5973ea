"""CI gates: the statistics on synthetic data, then ``paysim check`` on a tiny world."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from paysim.errors import ScenarioError
from paysim.experiment.gates import (
    FAIL,
    PASS,
    UNDECIDED,
    decision_looks,
    evaluate_gate,
    look_schedule,
    overall,
)
from paysim.experiment.load import experiment_from_dict, validate_spec

WORSE = {"channels.card_sg.success.cross_border_factor": 0.70}


def _spec(replications, *assertions):
    return validate_spec(
        {
            "name": "synthetic",
            "scenario": "unused.yaml",
            "seed": 1,
            "replications": replications,
            "baseline": "production",
            "arms": [{"name": "production"}, {"name": "candidate"}],
            "metrics": ["auth_rate"],
            "assert": list(assertions),
        }
    )


def _frame(production, candidate):
    """A results table with one auth_rate value per arm and replication."""
    rows = [
        {"arm": arm, "replication": r, "auth_rate": float(v)}
        for arm, values in (("production", production), ("candidate", candidate))
        for r, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


# --- the statistics, on synthetic data ---------------------------------------------------


def test_the_look_schedule_follows_the_runner_batches():
    spec = _spec({"initial": 4, "batch": 5, "max": 20}, _gate(at_least=0))
    assert look_schedule(spec) == [4, 9, 14, 19, 20]
    assert decision_looks(spec) == [9, 14, 19, 20]  # below 6 replications nothing is decided
    assert look_schedule(_spec(12, _gate(at_least=0))) == [12]


def _gate(**bound):
    return {"metric": "auth_rate", "arm": "candidate", "vs": "production", **bound}


def test_the_bound_is_the_one_sided_paired_t_bound_at_alpha_over_looks():
    rng = np.random.default_rng(3)
    production = rng.normal(0.80, 0.02, 12)
    candidate = production + rng.normal(0.001, 0.003, 12)
    spec = _spec({"initial": 6, "batch": 6, "max": 12}, _gate(at_least=-0.5, confidence=0.9))
    result = evaluate_gate(_frame(production, candidate), spec, 0)
    diff = (candidate - production)[:6]  # decided at the first look
    alpha = 0.1 / 2
    half = sps.t.ppf(1 - alpha, 5) * diff.std(ddof=1) / math.sqrt(6)
    assert result.status == PASS and result.n == 6
    assert result.alpha_look == pytest.approx(alpha)
    assert result.estimate == pytest.approx(diff.mean())
    assert result.low == pytest.approx(diff.mean() - half)
    assert result.high == pytest.approx(diff.mean() + half)


def test_pass_fail_and_undecided_follow_the_bounds():
    rng = np.random.default_rng(4)
    production = rng.normal(0.80, 0.02, 6)
    noise = rng.normal(0.0, 0.002, 6)
    worse = _frame(production, production - 0.02 + noise)
    spec = _spec(6, _gate(at_least=-0.005), _gate(at_most=-0.005), _gate(at_least=-0.02))
    assert [evaluate_gate(worse, spec, i).status for i in range(3)] == [FAIL, PASS, UNDECIDED]
    mean_gate = {"metric": "auth_rate", "arm": "production", "at_least": 0.75}
    assert evaluate_gate(worse, _spec(6, mean_gate), 0).status == PASS
    assert overall([PASS, UNDECIDED]) == UNDECIDED
    assert overall([UNDECIDED, FAIL, PASS]) == FAIL
    assert overall([PASS, PASS]) == PASS


def test_too_few_replications_decide_nothing():
    production = np.full(4, 0.8)
    spec = _spec(4, _gate(at_least=-0.01))
    result = evaluate_gate(_frame(production, production - 0.1), spec, 0)
    assert result.status == UNDECIDED
    assert "at least 6 replications" in result.reason


def test_undefined_values_leave_a_look_undecided_when_too_few_remain():
    # 8 replications, but the KPI is undefined (NaN) in 3 of the candidate's: 5 pairs remain
    production = np.full(8, 0.8)
    candidate = np.r_[np.full(5, 0.7), np.full(3, np.nan)]
    result = evaluate_gate(_frame(production, candidate), _spec(8, _gate(at_least=-0.01)), 0)
    assert result.status == UNDECIDED
    whole = np.full(8, 0.7)
    assert (
        evaluate_gate(_frame(production, whole), _spec(8, _gate(at_least=-0.01)), 0).status == FAIL
    )


def test_assertions_cannot_pool_the_points_of_a_sweep():
    sweep = {"grid": {"demand.orders_per_day": [1000, 2000]}}
    gate = {"metric": "auth_rate", "arm": "b", "vs": "a", "at_least": 0}
    with pytest.raises(ScenarioError, match=r"^assert: cannot be combined with sweep"):
        experiment_from_dict({**_spec_data(), "sweep": sweep, "assert": [gate]})


def test_the_first_decision_is_kept():
    # a clear failure on the first 6 replications, then values that alone would pass
    production = np.full(12, 0.8)
    candidate = np.concatenate([0.8 - 0.05 + np.linspace(-1e-3, 1e-3, 6), np.full(6, 0.95)])
    spec = _spec({"initial": 6, "batch": 6, "max": 12}, _gate(at_least=0))
    result = evaluate_gate(_frame(production, candidate), spec, 0)
    assert (result.status, result.n) == (FAIL, 6)


def _false_pass_rate(looks: list[int], alpha_look: float, n_sims: int, seed: int) -> float:
    """How often a candidate 0.1 SD below the threshold passes at some look."""
    diff = np.random.default_rng(seed).normal(-0.1, 1.0, (n_sims, looks[-1]))
    passed = np.zeros(n_sims, dtype=bool)
    for n in looks:
        x = diff[:, :n]
        t = sps.t.ppf(1 - alpha_look, n - 1)
        passed |= x.mean(axis=1) - t * x.std(axis=1, ddof=1) / math.sqrt(n) >= 0
    return float(passed.mean())


def test_bonferroni_over_looks_keeps_the_false_pass_rate_below_alpha():
    spec = _spec({"initial": 6, "batch": 6, "max": 60}, _gate(at_least=0.0, confidence=0.9))
    looks = decision_looks(spec)
    result = evaluate_gate(_frame(np.zeros(6), np.zeros(6)), spec, 0)
    assert result.alpha_look == pytest.approx(0.1 / len(looks))
    corrected = _false_pass_rate(looks, result.alpha_look, 20_000, seed=7)
    naive = _false_pass_rate(looks, 0.1, 20_000, seed=7)
    assert corrected <= 0.1
    assert naive > 0.1  # looking ten times at the uncorrected level would not be valid


def test_a_sequential_spec_needs_a_target_or_assertions():
    with pytest.raises(ScenarioError, match=r"replications.target: required unless"):
        experiment_from_dict(
            {**_spec_data(), "replications": {"initial": 6, "max": 12}, "assert": []}
        )
    with pytest.raises(ScenarioError, match=r"assert.0.vs: must be another arm"):
        gate = {"metric": "auth_rate", "arm": "a", "vs": "a", "at_least": 0}
        experiment_from_dict({**_spec_data(), "assert": [gate]})


def _spec_data():
    return {
        "name": "x",
        "scenario": "unused.yaml",
        "baseline": "a",
        "arms": [{"name": "a"}, {"name": "b"}],
        "metrics": ["auth_rate"],
    }


# --- paysim check on a tiny world --------------------------------------------------------


@pytest.fixture
def gate_file(write_experiment):
    """An experiment with a production and a candidate arm and the given assertions."""

    def write(candidate, *assertions, replications=None):
        return write_experiment(
            baseline="production",
            arms=[{"name": "production"}, {"name": "candidate", "set": candidate}],
            replications=replications or {"initial": 6, "batch": 6, "max": 18},
            metrics=["auth_rate", "net_margin"],
            **{"assert": list(assertions)},
        )

    return write


def _vs(metric, **bound):
    return {"metric": metric, "arm": "candidate", "vs": "production", **bound}


def test_a_clearly_worse_candidate_fails_at_the_first_look(gate_file, run_cli, tmp_path):
    path = gate_file(WORSE, _vs("auth_rate", at_least=-0.005))
    junit = tmp_path / "out" / "gates.xml"
    result = run_cli("check", path, "--junit", junit, "--workers", "1")
    assert result.code == 3, result.err
    line = result.out.splitlines()[0]
    assert line.startswith("FAIL") and "auth_rate: candidate - production >= -0.50 pp" in line
    assert "n=6" in line
    assert "gate: fail" in result.out and "after 6 replications" in result.out
    root = ET.parse(junit).getroot()
    assert root.find("testsuite/testcase/failure") is not None


def test_an_equal_candidate_passes(gate_file, run_cli, tmp_path):
    # the same routing under another name: with common random numbers every paired
    # difference is 0, which unpaired intervals (a few pp wide here) could not show
    path = gate_file(
        {"strategies.routing": {"name": "priority"}},
        _vs("auth_rate", at_least=-0.001),
        _vs("net_margin", at_least=-1.0),
        {"metric": "fees_bps", "arm": "candidate", "at_most": 1000},
    )
    result = run_cli("check", path, "--workers", "1")
    assert result.code == 0, result.out + result.err
    assert [line.split()[0] for line in result.out.splitlines()[:3]] == ["PASS"] * 3


def test_a_difference_within_the_noise_is_undecided(gate_file, run_cli, tmp_path):
    # a 0.5-point change of the cross-border factor moves auth_rate by about 0.2 pp, far
    # less than the noise of 12 replications of a quarter day: neither pass nor fail
    candidate = {"channels.card_sg.success.cross_border_factor": 0.875}
    path = gate_file(
        candidate, _vs("auth_rate", at_least=0.0), replications={"initial": 6, "max": 12}
    )
    junit = tmp_path / "gates.xml"
    result = run_cli("check", path, "--junit", junit, "--workers", "1")
    assert result.code == 4, result.out + result.err
    assert result.out.startswith("UNDECIDED") and "n=12" in result.out
    assert ET.parse(junit).getroot().find("testsuite/testcase/skipped") is not None


def test_replications_are_added_until_the_assertion_is_decided(gate_file, run_cli):
    # a 2-point lower cross-border factor costs about 0.8 pp of auth_rate: not yet clear at 6
    # or 12 replications, clear at 18, and the check stops there instead of running to 30
    candidate = {"channels.card_sg.success.cross_border_factor": 0.86}
    path = gate_file(
        candidate,
        _vs("auth_rate", at_least=0.0),
        replications={"initial": 6, "batch": 6, "max": 30},
    )
    result = run_cli("check", path, "--workers", "1")
    assert result.code == 3, result.out + result.err
    assert result.out.startswith("FAIL") and "n=18" in result.out
    assert "after 18 replications" in result.out


def test_the_junit_file_has_what_junit_readers_expect(gate_file, run_cli, tmp_path):
    path = gate_file(
        WORSE,
        _vs("auth_rate", at_least=-0.005),
        _vs("auth_rate", at_most=0.0),
        _vs("net_margin", at_least=-1e9),
        replications={"initial": 6, "max": 6},
    )
    junit = tmp_path / "gates.xml"
    assert run_cli("check", path, "--junit", junit, "--workers", "1").code == 3
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    cases = suite.findall("testcase")
    assert len(cases) == 3
    for node in (root, suite):
        assert {k: node.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
            "tests": "3",
            "failures": "1",
            "errors": "0",
            "skipped": "0",
        }
        assert float(node.get("time")) >= 0
    assert all(case.get("name") and case.get("classname") for case in cases)
    failures = [case.find("failure") for case in cases]
    assert [f is not None for f in failures] == [True, False, False]
    assert failures[0].get("message").startswith("auth_rate: candidate - production")


def test_experiment_prints_the_gate_table_and_records_it(gate_file, run_cli, tmp_path):
    path = gate_file(WORSE, _vs("auth_rate", at_least=-0.005))
    out = tmp_path / "study"
    result = run_cli("experiment", path, "--out", out, "--workers", "1")
    assert result.code == 0, result.err
    assert any(line.startswith("FAIL ") for line in result.out.splitlines())
    summary = json.loads((out / "summary.json").read_text())
    gates = summary["gates"]
    assert gates["status"] == "fail" and gates["replications"] == 6
    assert gates["assertions"][0]["name"] == "auth_rate: candidate - production >= -0.005"
    assert "## CI gates (assert)" in (out / "report.md").read_text()


def test_the_shipped_ci_example_passes_as_the_readme_shows(run_cli):
    from tests.experiment.conftest import ROOT

    result = run_cli("check", ROOT / "experiments" / "ci_example.yaml", "--workers", "1")
    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines[:4]] == ["PASS"] * 4
    readme = (ROOT / "README.md").read_text()
    assert all(line in readme for line in lines[:5]), "README's ci_example output is stale"


def test_sigterm_during_check_writes_no_junit_and_stops_workers(tmp_path):
    import signal
    import time

    import yaml

    from tests.experiment.test_signals import alive, children, paysim, wait_until
    from tests.experiment.test_signals import write_experiment as slow_experiment

    path = slow_experiment(tmp_path, 8000)  # runs of a second or two each
    raw = yaml.safe_load(path.read_text())
    raw["assert"] = [{"metric": "net_margin", "arm": "b", "vs": "a", "at_least": 0}]
    path.write_text(yaml.safe_dump(raw))
    junit = tmp_path / "gates.xml"
    process = paysim("check", path, "--junit", junit, "--workers", "2", cwd=tmp_path)
    wait_until(lambda: len(children(process.pid)) >= 2, process)
    time.sleep(2.0)  # the workers are under way
    workers = children(process.pid)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, out + err
    assert err.strip().splitlines()[-1] == "terminated" and "Traceback" not in err
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["experiment.yaml", "scenario.yaml"]
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)
