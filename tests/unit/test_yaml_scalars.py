"""Numbers and codes in scenario files read the way a person writes them.

PyYAML's safe loader follows YAML 1.1: ``1e5`` and ``1.0e5`` are strings (1.1 wants a dot and
a signed exponent), ``NO`` (Norway) is ``False``, ``1:30`` is 90 and ``010`` is 8. Scenario
files hold order counts, probabilities and ISO country codes, so they are read with YAML 1.2's
core schema: only true/false are booleans, exponents need no dot or sign.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import paysim
from paysim.errors import ScenarioError
from paysim.scenario import parse_set
from paysim.scenario.loader import parse_yaml
from tests.conftest import QUICKSTART


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e5", 100_000.0),
        ("1.0e5", 100_000.0),
        ("2.5E-3", 0.0025),
        ("-1e-9", -1e-9),
        ("0.9", 0.9),
        (".5", 0.5),
        ("120000", 120_000),
        ("120_000", 120_000),
        ("010", 10),
        ("0x1f", 31),
        ("0o17", 15),
        ("-3", -3),
        ("true", True),
        ("False", False),
        ("NO", "NO"),
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("Off", "Off"),
        ("1:30", "1:30"),
        ("~", None),
        ("null", None),
        (".inf", float("inf")),
        ("card_sg", "card_sg"),
        ("2026-10-30", dt.date(2026, 10, 30)),
    ],
)
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, value: Any) -> None:
    parsed = parse_yaml(f"v: {text}")["v"]
    assert parsed == value
    assert type(parsed) is type(value)


def test_set_accepts_exponent_notation(run_cli, quickstart_path: Path) -> None:
    assert parse_set("demand.orders_per_day=1e4") == ("demand.orders_per_day", 10_000.0)
    result = run_cli("validate", quickstart_path, "--set", "demand.orders_per_day=1.2e4")
    assert (result.code, result.out.strip()) == (0, "ok"), result.err


def test_norway_is_a_market(tiny_scenario: dict[str, Any], tmp_path: Path, run_cli) -> None:
    tiny_scenario["markets"][0].update(code="NO", currency="NOK")
    tiny_scenario["channels"][0].update(markets=["NO"], currency="NOK")
    tiny_scenario["demand"]["corridors"][0]["buyer"] = "NO"
    # written by hand, unquoted, as a person would (PyYAML's dumper quotes it)
    text = yaml.safe_dump(tiny_scenario, sort_keys=False).replace("'NO'", "NO")
    assert "code: NO\n" in text
    path = tmp_path / "norway.yaml"
    path.write_text(text)

    result = run_cli("validate", path, "--set", "markets.NO.buyers=5000")
    assert (result.code, result.out.strip()) == (0, "ok"), result.err
    assert paysim.load_scenario(path).markets[0].code == "NO"


def test_python_tags_stay_refused() -> None:
    with pytest.raises(ScenarioError, match="not allowed"):
        parse_yaml("v: !!python/object/apply:os.system [true]")


def test_a_key_written_twice_is_an_error_not_a_silent_override(tmp_path: Path, run_cli) -> None:
    # the second 'fee:' would silently win: a typo that changes the world unseen
    text = QUICKSTART.read_text()
    edited = text.replace(
        "    fee: {percent: 2.2}\n", "    fee: {percent: 2.2}\n    fee: {percent: 9}\n"
    )
    assert edited != text
    path = tmp_path / "twice.yaml"
    path.write_text(edited)
    line = edited.splitlines().index("    fee: {percent: 9}") + 1

    result = run_cli("validate", path)
    assert result.code == 2
    assert result.err_lines == [f"{path}:{line}:5: duplicate key 'fee'"]


def test_merge_keys_may_still_be_overridden() -> None:
    data = parse_yaml("base: &b {percent: 1, fixed: 2}\nfee:\n  <<: *b\n  percent: 3\n")
    assert data["fee"] == {"percent": 3, "fixed": 2}
