"""Bad input through the real CLI: exit 2, one line per problem, no traceback, no output left.

Each case is what a user could type or save; the expected line names the dotted field path,
list items by their id or code, and the reason.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PAYSIM_EXE, QUICKSTART

EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class BadInput:
    """A bad invocation and the problem line it must produce."""

    name: str
    expect_prefix: str  # the line starts with this (the field path and the start of the reason)
    expect_fragment: str = ""  # and contains this (the bad value, the valid choices, ...)
    replace: tuple[str, str] | None = None  # edit of quickstart.yaml saved to a new file
    text: str | None = None  # or a whole file
    sets: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    missing_file: bool = False

    def scenario_file(self, tmp_path: Path) -> Path:
        if self.missing_file:
            return tmp_path / "no_such_scenario.yaml"
        if self.text is not None:
            return _write(tmp_path / "bad.yaml", self.text)
        if self.replace is not None:
            old, new = self.replace
            original = QUICKSTART.read_text()
            assert old in original, f"the case's edit no longer applies: {old!r}"
            return _write(tmp_path / "bad.yaml", original.replace(old, new, 1))
        return QUICKSTART

    def set_args(self) -> list[str]:
        return [arg for item in self.sets for arg in ("--set", item)]


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


CASES = [
    BadInput("unknown key", "colour: unknown field", replace=("seed: 7", "seed: 7\ncolour: blue")),
    BadInput(
        "unknown nested key",
        "channels.card_sg.fees: unknown field",
        sets=("channels.card_sg.fees={percent: 1}",),
    ),
    BadInput(
        "wrong type",
        "demand.orders_per_day: must be a number",
        "'lots'",
        replace=("orders_per_day: 8000", "orders_per_day: lots"),
    ),
    BadInput(
        "float for an integer",
        "markets.TH.buyers: must be an integer",
        "1.5",
        sets=("markets.TH.buyers=1.5",),
    ),
    BadInput(
        "negative horizon",
        "horizon_days: must be > 0",
        "-2",
        replace=("horizon_days: 2", "horizon_days: -2"),
    ),
    BadInput(
        "unknown currency",
        "markets.TH.currency: unknown ISO 4217 currency",
        "XXX",
        replace=("currency: THB", "currency: XXX"),
    ),
    BadInput(
        "unknown reporting currency",
        "reporting_currency: unknown ISO 4217 currency",
        "ABC",
        sets=("reporting_currency=ABC",),
    ),
    BadInput(
        "method mix not summing to 1",
        "markets.ID.method_mix: must sum to 1",
        "0.9",
        replace=("wallet: 0.50, bank_transfer: 0.15", "wallet: 0.40, bank_transfer: 0.15"),
    ),
    BadInput(
        "YAML syntax error",
        "{file}:3:1: YAML syntax error",
        text="name: broken\nhorizon_days: [1\n",
    ),
    BadInput("missing file", "{file}: file not found", missing_file=True),
    BadInput(
        "unknown --set list item",
        "channels.nope: no item 'nope' in channels",
        "card_sg, wallet_local, bank_local",
        sets=("channels.nope.fee.percent=1",),
    ),
    BadInput(
        "bad --set syntax",
        "--set: must look like PATH=VALUE",
        "demand.orders_per_day: 5",
        sets=("demand.orders_per_day: 5",),
    ),
    BadInput(
        "--set value not YAML",
        "--set horizon_days: value is not valid YAML",
        "[1",
        sets=("horizon_days=[1",),
    ),
    BadInput(
        "unknown strategy name",
        "strategies.routing.name: unknown routing strategy",
        "priority",
        sets=("strategies.routing.name=nope",),
    ),
    BadInput(
        "unknown strategy parameter",
        "strategies.routing.params.foo: unknown parameter",
        "priority",
        sets=("strategies.routing.params={foo: 1}",),
    ),
    BadInput("negative --days", "--days: must be > 0", "-1", extra=("--days", "-1")),
    BadInput("zero --days", "--days: must be > 0", "0", extra=("--days", "0")),
    # Found by this suite: --days inf and --seed -1 reach numpy and end in a traceback.
    BadInput("infinite --days", "--days: ", "inf", extra=("--days", "inf")),
    BadInput("negative --seed", "--seed: ", "-1", extra=("--seed", "-1")),
]


def _problem_line_matches(line: str, case: BadInput, scenario: Path) -> bool:
    prefix = case.expect_prefix.format(file=scenario)
    return line.startswith(prefix) and case.expect_fragment in line


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_run_rejects_bad_input_cleanly(case: BadInput, tmp_path: Path, run_cli) -> None:
    out_dir = tmp_path / "x"
    scenario = case.scenario_file(tmp_path)
    result = run_cli("run", scenario, *case.set_args(), *case.extra, "--out", out_dir)

    assert result.code == EXIT_BAD_INPUT, result.err
    assert result.err_lines and len(result.err_lines) == 1, result.err
    assert _problem_line_matches(result.err_lines[0], case, scenario), result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    assert not out_dir.exists()
    assert not list(tmp_path.glob(".x*")), "a staging directory was left behind"


FILE_AND_SET_CASES = [c for c in CASES if not c.extra]


@pytest.mark.parametrize("case", FILE_AND_SET_CASES, ids=lambda c: c.name)
def test_validate_reports_the_same_problem(case: BadInput, tmp_path: Path, run_cli) -> None:
    scenario = case.scenario_file(tmp_path)
    result = run_cli("validate", scenario, *case.set_args())

    assert result.code == EXIT_BAD_INPUT
    assert len(result.err_lines) == 1, result.err
    assert _problem_line_matches(result.err_lines[0], case, scenario), result.err
    assert "ok" not in result.out


def test_yaml_tag_never_runs_code(tmp_path: Path, run_cli) -> None:
    sentinel = tmp_path / "pwned"
    evil = _write(
        tmp_path / "evil.yaml",
        f'name: !!python/object/apply:os.system ["touch {sentinel}"]\nhorizon_days: 1\n',
    )
    result = run_cli("run", evil, "--out", tmp_path / "x")

    assert result.code == EXIT_BAD_INPUT
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"{evil}:1:7: YAML tag")
    assert "python/object/apply:os.system is not allowed" in result.err_lines[0]
    assert not sentinel.exists()
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "tagged",
    ["!!python/name:os.system", "!!python/object/new:builtins.dict [[]]", "!!python/tuple [1]"],
)
def test_other_constructing_tags_are_refused(tagged: str, tmp_path: Path, run_cli) -> None:
    path = _write(tmp_path / "tagged.yaml", f"name: {tagged}\nhorizon_days: 1\n")
    result = run_cli("validate", path)

    assert result.code == EXIT_BAD_INPUT
    assert len(result.err_lines) == 1
    assert "Traceback" not in result.err


MULTI_PROBLEM_EDITS = [
    ("horizon_days: 2", "horizon_days: -2"),
    ("currency: THB", "currency: XXX"),
    ("fee: {percent: 2.2}", "fee: {percent: -1}"),
    ("wallet: 0.50, bank_transfer: 0.15", "wallet: 0.40, bank_transfer: 0.15"),
    ("seed: 7", "seed: 7\ncolour: blue"),
    ("orders_per_day: 8000", "orders_per_day: lots"),
]
MULTI_PROBLEM_PATHS = {
    "horizon_days",
    "markets.TH.currency",
    "channels.wallet_local.fee.percent",
    "markets.ID.method_mix",
    "colour",
    "demand.orders_per_day",
}


def _multi_problem_file(tmp_path: Path) -> Path:
    text = QUICKSTART.read_text()
    for old, new in MULTI_PROBLEM_EDITS:
        assert old in text
        text = text.replace(old, new, 1)
    return _write(tmp_path / "many.yaml", text)


def test_file_with_several_problems_reports_each_once(tmp_path: Path, run_cli) -> None:
    result = run_cli("run", _multi_problem_file(tmp_path), "--out", tmp_path / "x")

    assert result.code == EXIT_BAD_INPUT
    reported = [line.split(":", 1)[0] for line in result.err_lines]
    assert sorted(reported) == sorted(MULTI_PROBLEM_PATHS), result.err
    assert not (tmp_path / "x").exists()


def test_bad_input_leaves_an_existing_output_untouched(tmp_path: Path, run_cli) -> None:
    out_dir = tmp_path / "x"
    good = run_cli("run", QUICKSTART, "--days", "0.02", "--out", out_dir)
    assert good.code == 0
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}

    bad = run_cli("run", QUICKSTART, "--set", "horizon_days=-1", "--out", out_dir)

    assert bad.code == EXIT_BAD_INPUT
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before


def test_failure_during_the_run_leaves_no_output(tmp_path: Path, run_cli, monkeypatch) -> None:
    from paysim.model.world import World

    def explode(self: World) -> None:
        raise RuntimeError("simulated crash in the middle of a run")

    monkeypatch.setattr(World, "run", explode)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_cli("run", QUICKSTART, "--days", "0.02", "--out", tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


def _assert_out_refused(result, tmp_path: Path, expected_entries: set[str]) -> None:
    assert result.code == EXIT_BAD_INPUT, result.err
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith("--out: ")
    assert "Traceback" not in result.err
    assert {p.name for p in tmp_path.iterdir()} == expected_entries, "stray staging dirs"


def test_out_naming_an_existing_file_is_refused_and_the_file_kept(tmp_path, run_cli) -> None:
    precious = _write(tmp_path / "notes.txt", "not a paysim run")
    result = run_cli("run", QUICKSTART, "--days", "0.01", "--out", precious)
    _assert_out_refused(result, tmp_path, {"notes.txt"})
    assert precious.read_text() == "not a paysim run"


def test_out_under_a_file_is_refused(tmp_path: Path, run_cli) -> None:
    _write(tmp_path / "notes.txt", "not a directory")
    result = run_cli("run", QUICKSTART, "--days", "0.01", "--out", tmp_path / "notes.txt" / "x")
    _assert_out_refused(result, tmp_path, {"notes.txt"})


def test_out_as_the_working_directory_is_refused(tmp_path: Path, run_cli, monkeypatch) -> None:
    # a directory cannot be swapped for itself; this used to leave '..old.*' behind
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = run_cli("run", QUICKSTART, "--days", "0.01", "--out", ".")
    _assert_out_refused(result, work, set())


def _subprocess(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PAYSIM_EXE), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_console_script_shows_no_traceback(tmp_path: Path) -> None:
    many = _multi_problem_file(tmp_path)
    evil = _write(tmp_path / "evil.yaml", "name: !!python/object/apply:os.system [true]\n")
    for scenario in (many, evil, tmp_path / "missing.yaml"):
        done = _subprocess("run", scenario, "--out", tmp_path / "x", cwd=tmp_path)
        assert done.returncode == EXIT_BAD_INPUT, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.strip(), "the problem must be reported"
        assert not (tmp_path / "x").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.yaml", "many.yaml"]


def test_console_script_usage_error_is_one_line(tmp_path: Path) -> None:
    done = _subprocess("run", "--days", cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
