"""The ``paysim`` command on good input: run, validate, list."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import paysim.analysis.kpis
from paysim import cli
from tests.conftest import FLAGSHIP, QUICKSTART

# DESIGN.md section 3, copied here on purpose: the test holds the code to the contract.
CONTRACT_KPIS = [
    "checkouts",
    "payments_attempted",
    "payments_succeeded",
    "payments_failed",
    "checkouts_abandoned",
    "gmv",
    "auth_rate",
    "conversion_rate",
    "fees_total",
    "fees_bps",
    "latency_p50_ms",
    "latency_p99_ms",
    "fx_pnl",
    "fx_cost_bps",
    "fx_var95",
    "fx_cvar95",
    "fraud_attempts",
    "fraud_loss",
    "fraud_loss_bps",
    "fraud_caught_rate",
    "false_decline_rate",
    "chargeback_ratio",
    "review_mean_wait_h",
    "review_backlog_max",
    "payout_mean_days",
    "escrow_peak",
    "net_margin",
    "routing_regret",
    "ledger_imbalance",
]
CONTRACT_PAYMENT_COLUMNS = [
    "t_s",
    "checkout_id",
    "attempt",
    "buyer_id",
    "seller_id",
    "buyer_market",
    "seller_market",
    "method",
    "channel",
    "amount",
    "currency",
    "amount_reporting",
    "outcome",
    "decline_code",
    "latency_ms",
    "fee_reporting",
    "is_fraud",
    "fraud_kind",
    "risk_score",
    "defence_action",
]
CONTRACT_OUTCOMES = {"succeeded", "declined", "failed", "timeout", "blocked", "abandoned"}
ROUTING_STRATEGIES = ("priority",)  # the ones issue 2 ships; later issues add the rest


@pytest.fixture(scope="module")
def quickstart_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One short quickstart run through the CLI: its output directory and what it printed."""
    out_dir = tmp_path_factory.mktemp("cli") / "run"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli.main(["run", str(QUICKSTART), "--days", "0.1", "--out", str(out_dir)])
    assert code == 0
    return out_dir, printed.getvalue()


def test_run_writes_exactly_its_three_files(quickstart_run: tuple[Path, str]) -> None:
    out_dir, _ = quickstart_run
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "payments.parquet",
        "series.parquet",
        "summary.json",
    ]
    assert not list(out_dir.parent.glob(".run*")), "a staging directory was left behind"


def test_summary_holds_every_contract_kpi(quickstart_run: tuple[Path, str]) -> None:
    summary = json.loads((quickstart_run[0] / "summary.json").read_text())
    missing = [k for k in CONTRACT_KPIS if k not in summary["kpis"]]
    assert missing == []
    breakdowns = paysim.analysis.kpis.BREAKDOWN_DESCRIPTIONS
    assert all(isinstance(v, int | float) or k in breakdowns for k, v in summary["kpis"].items())
    assert set(breakdowns) <= set(summary["kpis"])  # latency per channel and per method
    assert summary["kpis"]["ledger_imbalance"] == 0
    assert summary["seed"] == 7  # the scenario's seed when --seed is not given
    assert summary["days"] == pytest.approx(0.1)


def test_payments_log_has_the_contract_columns(quickstart_run: tuple[Path, str]) -> None:
    out_dir, _ = quickstart_run
    payments = pq.read_table(out_dir / "payments.parquet").to_pandas()
    summary = json.loads((out_dir / "summary.json").read_text())
    assert [c for c in CONTRACT_PAYMENT_COLUMNS if c not in payments.columns] == []
    assert len(payments) == summary["kpis"]["payments_attempted"] > 0
    assert set(payments["outcome"].astype(str)) <= CONTRACT_OUTCOMES
    succeeded = payments["outcome"] == "succeeded"
    assert (payments.loc[succeeded, "decline_code"].astype(str) == "").all()
    assert (payments["attempt"] >= 1).all()


def test_run_prints_the_kpi_table(quickstart_run: tuple[Path, str]) -> None:
    _, printed = quickstart_run
    lines = printed.splitlines()
    assert lines[0].startswith("quickstart: 0.1 days, seed 7")
    kpi_lines = lines[1 : lines.index("")]  # then latency per channel and per method
    table = {line.split()[0] for line in kpi_lines}
    assert set(CONTRACT_KPIS) <= table  # the contract allows additions
    assert table <= set(paysim.analysis.kpis.KPI_NAMES)
    assert any(line.startswith("latency by channel") for line in lines)
    assert any(line.split()[:1] == ["card_sg"] for line in lines)


def test_set_changes_the_world(tmp_path: Path, run_cli) -> None:
    out_dir = tmp_path / "declined"
    result = run_cli(
        "run",
        QUICKSTART,
        "--days", "0.05",
        "--seed", "3",
        "--set", "channels.card_sg.success.base=0",
        "--set", "channels.wallet_local.success.base=0",
        "--set", "channels.bank_local.success.base=0",
        "--out", out_dir,
    )  # fmt: skip
    assert result.code == 0, result.err
    kpis = json.loads((out_dir / "summary.json").read_text())["kpis"]
    assert kpis["payments_attempted"] > 0
    assert kpis["payments_succeeded"] == 0
    assert kpis["auth_rate"] == 0
    assert kpis["gmv"] == 0


def test_rerun_replaces_an_existing_output(tmp_path: Path, run_cli) -> None:
    out_dir = tmp_path / "x"
    first = run_cli("run", QUICKSTART, "--days", "0.02", "--seed", "1", "--out", out_dir)
    first_log = (out_dir / "payments.parquet").read_bytes()
    second = run_cli("run", QUICKSTART, "--days", "0.03", "--seed", "2", "--out", out_dir)

    assert first.code == second.code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "payments.parquet",
        "series.parquet",
        "summary.json",
    ]
    summary = json.loads((out_dir / "summary.json").read_text())
    assert (summary["seed"], summary["days"]) == (2, 0.03)
    assert (out_dir / "payments.parquet").read_bytes() != first_log
    assert [p.name for p in tmp_path.iterdir()] == ["x"], "staging or retired dirs left behind"


def test_validate_prints_ok(run_cli) -> None:
    for path in (QUICKSTART, FLAGSHIP):
        result = run_cli("validate", path)
        assert (result.code, result.out.strip(), result.err) == (0, "ok", "")


def test_validate_binds_the_router_to_the_channels_as_run_does(run_cli) -> None:
    bad = ("--set", "strategies.routing.params.order=[nope]")
    for command in ("validate", "run"):
        result = run_cli(command, QUICKSTART, *bad)
        assert result.code == 2
        assert result.err.strip() == "strategies.routing.params.order: unknown channel, got 'nope'"


def test_list_kpis_names_every_contract_kpi(run_cli) -> None:
    result = run_cli("list", "kpis")
    listed = {line.split()[0] for line in result.out.splitlines()}
    assert result.code == 0
    assert set(CONTRACT_KPIS) <= listed


def test_list_strategies_includes_priority(run_cli) -> None:
    result = run_cli("list", "strategies")
    names = {line.split()[0] for line in result.out.splitlines()}
    assert result.code == 0
    assert {f"routing/{name}" for name in ROUTING_STRATEGIES} <= names
    assert all(len(line.split(maxsplit=1)) == 2 for line in result.out.splitlines()), (
        "every strategy has a one-line description"
    )


def test_list_scenarios_includes_the_shipped_ones(run_cli, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # found from the package's checkout, not the caller's cwd
    result = run_cli("list", "scenarios")
    names = {line.split()[0] for line in result.out.splitlines()}
    assert result.code == 0
    assert {"quickstart", "flagship"} <= names


def test_unknown_list_topic_is_a_usage_error(run_cli) -> None:
    result = run_cli("list", "widgets")
    assert result.code == 2
    assert len(result.err_lines) == 1


def test_run_defaults_to_runs_slash_scenario_name(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("run", QUICKSTART, "--days", "0.02")
    assert result.code == 0, result.err
    written = sorted(p.name for p in (tmp_path / "runs" / "quickstart").iterdir())
    assert written == ["payments.parquet", "series.parquet", "summary.json"]


@pytest.mark.slow
def test_bench_quick_json_reports_the_ratio(run_cli) -> None:
    result = run_cli("bench", "--quick", "--json")
    report = json.loads(result.out)
    assert result.code == 0
    assert report["ratio"] > 0
    assert report["payments"] > 0
