"""The generated sweep of malformed inputs (``tests/sweep.py``): nothing crashes or hangs.

The default suite judges every scenario and experiment field set to every bad kind of value
in process (seconds); the slow tests run the whole sweep through the command line: each field
case with ``paysim run`` (accepted values must run), every option and file-system case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import sweep

GOOD = ("ok", "error")


def _failures(verdicts: dict[str, str]) -> dict[str, str]:
    return {kind: verdict for kind, verdict in verdicts.items() if verdict not in GOOD}


def test_every_field_with_every_bad_value_is_one_line_or_valid() -> None:
    verdicts = sweep.fast_field_verdicts()
    assert len(verdicts) > 2000, "the sweep lost its cases"
    assert sum(v == "error" for v in verdicts.values()) > 0.8 * len(verdicts)
    assert _failures(verdicts) == {}


def test_the_sweep_catches_a_traceback() -> None:
    # the harness itself: a crash in validation must not pass as an error line
    def crash() -> None:
        raise OverflowError("Python int too large to convert to C long")

    case = sweep.field_cases("validate")[0]
    assert sweep._verdict_of(crash, case).startswith("traceback: OverflowError")


@pytest.mark.slow
@pytest.mark.parametrize("family", ["cli", "experiment", "validate", "run"])
def test_whole_sweep_through_the_command_line(family: str, tmp_path: Path) -> None:
    verdicts = sweep.tally(sweep.ALL_CASES[family](), tmp_path)
    assert _failures(verdicts) == {}


def test_command_line_and_file_cases(tmp_path: Path) -> None:
    # the option and file-system cases that need no simulation run (the rest are slow)
    cases = [c for c in sweep.cli_cases() if c.setup is None and "huge file" not in c.kind]
    cases = [c for c in cases if c.args[:1] != ("experiment",) or c.may_pass is False]
    verdicts = sweep.tally(cases, tmp_path)
    assert len(verdicts) > 80
    assert _failures(verdicts) == {}
