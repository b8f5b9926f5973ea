"""Shared fixtures: the shipped scenarios, a tiny scenario as plain data, a CLI runner."""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from paysim import cli

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
QUICKSTART = SCENARIOS / "quickstart.yaml"
FLAGSHIP = SCENARIOS / "flagship.yaml"
PAYSIM_EXE = Path(sys.executable).parent / "paysim"

# Property tests run a whole simulation per example: few examples, no deadline (the machine is
# shared), derandomized and without a database so every run of the suite tries the same cases.
settings.register_profile(
    "paysim", max_examples=12, deadline=None, derandomize=True, database=None, print_blob=True
)
settings.load_profile("paysim")

# The smallest world the schema accepts: one buyer market, one seller market, one channel.
TINY_SCENARIO: dict[str, Any] = {
    "name": "tiny",
    "horizon_days": 0.1,
    "reporting_currency": "USD",
    "seed": 1,
    "markets": [
        {
            "code": "SG",
            "currency": "SGD",
            "buyers": 1000,
            "basket_amount": {"dist": "lognormal", "p50": 20, "p99": 200},
            "method_mix": {"card": 1.0},
        },
        {"code": "CN", "currency": "CNY", "sellers": 50},
    ],
    "demand": {"orders_per_day": 2000, "corridors": [{"buyer": "SG", "seller": "CN", "share": 1}]},
    "channels": [
        {
            "id": "card_sg",
            "kind": "card_acquirer",
            "methods": ["card"],
            "markets": ["SG"],
            "currency": "SGD",
            "fee": {"percent": 2.9, "fixed": 0.3},
            "latency_ms": {"dist": "lognormal", "p50": 400, "p99": 2000},
            "success": {"base": 0.9},
        }
    ],
}


@pytest.fixture
def tiny_scenario() -> dict[str, Any]:
    """A fresh deep copy of the tiny scenario (tests may edit it)."""
    return copy.deepcopy(TINY_SCENARIO)


@pytest.fixture
def quickstart_path() -> Path:
    return QUICKSTART


@dataclass(frozen=True)
class CliResult:
    """What one ``paysim`` invocation returned and printed."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Call ``paysim.cli.main`` in-process: ``run_cli("run", path, "--days", "0.1")``.

    Usage errors leave argparse through ``SystemExit``; they count as the exit code too.
    """

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()  # drop anything printed before this call
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def id_th_to_cn_world(
    *,
    name: str,
    horizon_days: float,
    orders_per_day: float,
    buyers: int,
    sellers: int,
    basket_amount: dict[str, Any],
    demand: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A small scenario: ID and TH buyers (3:1) paying CN sellers through one card channel."""
    market = {"basket_amount": basket_amount, "method_mix": {"card": 1.0}}
    return {
        "name": name,
        "horizon_days": horizon_days,
        "markets": [
            {"code": "ID", "currency": "IDR", "buyers": buyers, "utc_offset_h": 7.0, **market},
            {"code": "TH", "currency": "THB", "buyers": buyers, "utc_offset_h": 7.0, **market},
            {"code": "CN", "currency": "CNY", "sellers": sellers, "utc_offset_h": 8.0},
        ],
        "demand": {
            "orders_per_day": orders_per_day,
            "corridors": [
                {"buyer": "ID", "seller": "CN", "share": 0.75},
                {"buyer": "TH", "seller": "CN", "share": 0.25},
            ],
            **(demand or {}),
        },
        "channels": [
            {
                "id": "card",
                "kind": "card_acquirer",
                "methods": ["card"],
                "markets": ["ID", "TH"],
                "currency": "USD",
                "latency_ms": {"dist": "constant", "value": 100.0},
                "success": {"base": 1.0},
            },
        ],
    }
