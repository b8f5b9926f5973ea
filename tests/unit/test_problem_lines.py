"""Problem lines read the way the README quotes them: path, reason, the bad value once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import QUICKSTART


def test_issue_example_line_is_exact(run_cli, tmp_path: Path) -> None:
    # The README and issue 2 quote this line verbatim: bounds print as the user wrote them.
    result = run_cli(
        "run", QUICKSTART, "--set", "channels.card_sg.fee.percent=-1", "--out", tmp_path / "x"
    )
    assert result.err_lines == ["channels.card_sg.fee.percent: must be >= 0, got -1"]


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("markets.TH.currency=XXX", "markets.TH.currency: unknown ISO 4217 currency, got 'XXX'"),
        (
            "markets.ID.method_mix={card: 0.5, wallet: 0.4}",
            "markets.ID.method_mix: must sum to 1, got 0.9",
        ),
        ("engine.batch_s=0", "engine.batch_s: must be >= 0.1, got 0"),
        ("checkout.retry.probability=1.5", "checkout.retry.probability: must be <= 1, got 1.5"),
    ],
)
def test_problem_line_states_the_bad_value_once(assignment: str, expected: str, run_cli) -> None:
    result = run_cli("validate", QUICKSTART, "--set", assignment)
    assert result.err_lines == [expected]
