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
    BadInput(
        "session protection above one",
        "fraud.attackers.mitm.protected_share: must be <= 1, got 1.5",
        sets=("fraud.attackers=[{kind: mitm, protected_share: 1.5}]",),
    ),
    BadInput(
        "unknown ring typology",
        "fraud.attackers.collusion_ring.typologies: unknown typology 'fan'",
        sets=("fraud.attackers=[{kind: collusion_ring, typologies: {fan: 1}}]",),
    ),
    BadInput(
        "ring purposes all zero",
        "fraud.attackers.collusion_ring.purpose: weights must not all be 0",
        sets=("fraud.attackers=[{kind: collusion_ring, purpose: {launder: 0}}]",),
    ),
    BadInput(
        "ring too large",
        "fraud.attackers.collusion_ring.max_accounts: must be <= 100, got 500",
        sets=("fraud.attackers=[{kind: collusion_ring, max_accounts: 500}]",),
    ),
    BadInput(
        "QR method that is no method",
        "fraud.attackers.qr_substitution.methods.0: must be one of",
        sets=("fraud.attackers=[{kind: qr_substitution, methods: [cash]}]",),
    ),
    BadInput(
        "no accounts on an abuser's device",
        "fraud.attackers.fake_refund.accounts_per_device: must be >= 1, got 0",
        sets=("fraud.attackers=[{kind: fake_refund, accounts_per_device: 0}]",),
    ),
    BadInput(
        "negative AML threshold",
        "fraud.aml.threshold_reporting: must be > 0, got -5",
        sets=("fraud.aml.threshold_reporting=-5",),
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
