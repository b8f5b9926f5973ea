"""Bad ``fraud.attackers`` through the real CLI: one line naming the field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_cli_bad_input import EXIT_BAD_INPUT, BadInput

CASES = [
    BadInput(
        "attacker shares above one",
        "fraud.attackers: shares sum to 1.6, must be <= 1",
        sets=(
            "fraud.attackers=[{kind: stolen_card, share: 0.8}, "
            "{kind: account_takeover, share: 0.8}]",
        ),
    ),
    BadInput(
        "attacker kind given twice",
        "fraud.attackers: duplicate kind 'stolen_card'",
        sets=(
            "fraud.attackers=[{kind: stolen_card, share: 0.01}, {kind: stolen_card, share: 0.02}]",
        ),
    ),
    BadInput(
        "card tester given twice",
        "fraud.attackers: duplicate kind 'card_testing'",
        sets=("fraud.attackers=[{kind: card_testing}, {kind: card_testing}]",),
    ),
]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_attackers_are_one_line_naming_the_field(case, command, tmp_path: Path, run_cli):
    scenario = case.scenario_file(tmp_path)
    out = ("--out", tmp_path / "x") if command == "run" else ()
    result = run_cli(command, scenario, *case.set_args(), *out)

    assert result.code == EXIT_BAD_INPUT, result.err
    assert len(result.err_lines) == 1, result.err
    assert case.expect_prefix in result.err_lines[0], result.err
    assert "Traceback" not in result.err


def test_shares_summing_to_one_are_accepted(tmp_path: Path, run_cli):
    result = run_cli(
        "validate", BadInput("ok", "").scenario_file(tmp_path), "--set",
        "fraud.attackers=[{kind: stolen_card, share: 0.5}, {kind: account_takeover, share: 0.5},"
        " {kind: card_testing}]",
    )  # fmt: skip
    assert result.code == 0, result.err
