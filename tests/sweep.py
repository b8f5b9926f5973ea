"""Generated malformed inputs: every schema field, every CLI option, file-system cases.

Each case is one bad (or borderline) thing a user could type or save. ``outcome(case)`` runs
it through ``paysim.cli.main`` in this process and says what happened: ``ok`` (the input was
valid and the command succeeded), ``error`` (exit 2 with exactly one well-formed problem line
naming the field, nothing left behind), or a description of what went wrong (a traceback, a
hang, several lines, a line that does not name the field, stray files).

``python -m tests.sweep`` prints the tally and every case that did not end well.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import signal
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

REPO = Path(__file__).resolve().parent.parent
QUICKSTART = REPO / "scenarios" / "quickstart.yaml"
FLAGSHIP = REPO / "scenarios" / "flagship.yaml"
EXIT_BAD_INPUT = 2
#: Seconds a case may take before it counts as a hang.
CASE_TIMEOUT_S = 20.0
#: Horizon and demand of the runs that check accepted values (small: hundreds of runs).
RUN_DAYS = "0.01"
RUN_ORDERS_PER_DAY = 3000

# Values every numeric field is tried with: wrong types, signs, non-finite and huge values.
NUMBER_VALUES: dict[str, Any] = {
    "string": "lots",
    "bool": True,
    "list": [1],
    "mapping": {"a": 1},
    "null": None,
    "negative": -1,
    "zero": 0,
    "tiny": 1e-9,
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "huge_float": 1e300,
    "huge_int": 10**31,
    "-huge_int": -(10**31),
}
STRING_VALUES: dict[str, Any] = {
    "number": 12,
    "empty": "",
    "long": "x" * 300,
    "slash": "../x",
    "absolute": "/abs/x",
    "list": ["a"],
    "null": None,
}
LIST_VALUES: dict[str, Any] = {"empty": [], "scalar": "x", "mapping": {"a": 1}, "null": None}


@dataclass(frozen=True)
class Case:
    """One invocation: CLI arguments (``{tmp}`` is replaced by a fresh folder) and what to expect.

    Attributes:
        kind: a short name of the kind of input (field path and value kind, or CLI option).
        args: the command line, with ``{tmp}`` placeholders.
        field: the field or option the problem line must name (a prefix of the line).
        files: files to create in ``{tmp}`` first: name to text (or bytes).
        may_pass: whether success (exit 0) is acceptable (a valid, borderline value).
        keep: names in ``{tmp}`` that may exist afterwards (besides the created files).

    """

    kind: str
    args: tuple[str, ...]
    field: str = ""
    files: tuple[tuple[str, str | bytes], ...] = ()
    may_pass: bool = True
    keep: tuple[str, ...] = ()
    setup: Callable[[Path], None] | None = None


# -- scenario fields -------------------------------------------------------------------------


def _label(item: Any) -> str | None:
    for key in ("id", "code", "kind", "name"):
        value = getattr(item, key, None)
        if isinstance(value, str):
            return value
    return None


def _is_number_type(annotation: Any) -> bool:
    if annotation in (int, float):
        return True
    return any(_is_number_type(arg) for arg in typing.get_args(annotation))


def _leaves(model: BaseModel, path: str, generic: str) -> Iterator[tuple[str, str, str]]:
    """``(path, generic path, kind)`` of every scalar or list leaf of a validated model."""
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        value = getattr(model, name)
        here, gen = f"{path}{key}", f"{generic}{key}"
        if isinstance(value, BaseModel):
            yield from _leaves(value, f"{here}.", f"{gen}.")
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            yield here, gen, "list"
            for i, item in enumerate(value):
                label = _label(item) or str(i)
                yield from _leaves(item, f"{here}.{label}.", f"{gen}.*.")
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    yield f"{here}.{k}", f"{gen}.*", "number"
        elif isinstance(value, list):
            yield here, gen, "list"
            if value and isinstance(value[0], int | float):
                yield f"{here}.0", f"{gen}.*", "number"
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int | float) or (value is None and _is_number_type(info.annotation)):
            yield here, gen, "number"
        elif isinstance(value, str):
            yield here, gen, "string"


def scenario_leaves(path: Path) -> list[tuple[str, str]]:
    """``(path, kind)`` of each distinct field of a scenario, one list item per list."""
    from paysim.scenario.loader import load_scenario

    seen: set[str] = set()
    found = []
    for here, generic, kind in _leaves(load_scenario(path), "", ""):
        if generic not in seen:
            seen.add(generic)
            found.append((here, kind))
    return found


def _yaml(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return ".nan"
    if isinstance(value, float) and math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def _scenario_file(path: Path) -> tuple[str, str]:
    raw = yaml.safe_load(path.read_text())
    raw["demand"]["orders_per_day"] = RUN_ORDERS_PER_DAY
    return ("scenario.yaml", yaml.safe_dump(raw, sort_keys=False))


def field_cases(
    command: str = "validate", values: dict[str, dict[str, Any]] | None = None
) -> list[Case]:
    """Every field of the two scenarios that cover the schema, set to every bad value kind."""
    values = values or {"number": NUMBER_VALUES, "string": STRING_VALUES, "list": LIST_VALUES}
    cases = []
    seen: set[str] = set()
    for scenario in (QUICKSTART, FLAGSHIP):
        file = _scenario_file(scenario)
        for here, kind in scenario_leaves(scenario):
            if here in seen:
                continue
            seen.add(here)
            for name, value in values[kind].items():
                args = [command, "{tmp}/scenario.yaml", "--set", f"{here}={_yaml(value)}"]
                if command == "run":
                    args += ["--days", RUN_DAYS, "--out", "{tmp}/out"]
                cases.append(
                    Case(
                        f"{scenario.stem}:{here}={name}",
                        tuple(args),
                        field=here.split(".")[0],
                        files=(file,),
                        keep=("out",),
                    )
                )
    return cases


# -- outcome ---------------------------------------------------------------------------------


class _Hang(BaseException):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def _raise(signum: int, frame: Any) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    """What a case did."""

    code: int | None
    err: str
    out: str
    verdict: str = ""
    left: list[str] = field(default_factory=list)


def run_case(case: Case, tmp: Path, timeout_s: float = CASE_TIMEOUT_S) -> Outcome:
    """Run one case through ``paysim.cli.main`` in this process and judge it."""
    from paysim import cli

    for name, content in case.files:
        target = tmp / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    if case.setup is not None:
        case.setup(tmp)
    before = set(os.listdir(tmp))
    args = [a.replace("{tmp}", str(tmp)) for a in case.args]
    out, err = io.StringIO(), io.StringIO()
    code: int | None
    crash = ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            with _time_limit(timeout_s):
                code = cli.main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except _Hang:
            code, crash = None, f"hang (> {timeout_s:g} s)"
        except BaseException as exc:  # the point is to catch everything
            code, crash = None, f"traceback: {type(exc).__name__}: {str(exc)[:120]}"
    result = Outcome(code, err.getvalue(), out.getvalue())
    result.left = sorted(set(os.listdir(tmp)) - before - set(case.keep))
    result.verdict = crash or judge(case, result)
    return result


def judge(case: Case, result: Outcome) -> str:
    """``ok``, ``error``, or what is wrong with the outcome."""
    lines = [line for line in result.err.splitlines() if line.strip()]
    if result.code == 0:
        return "ok" if case.may_pass else "accepted bad input (exit 0)"
    if "Traceback" in result.err:
        return "traceback on stderr"
    if result.code != EXIT_BAD_INPUT:
        return f"exit {result.code}: {lines[-1] if lines else ''}"[:200]
    if len(lines) != 1:
        return f"{len(lines)} lines: {' | '.join(lines)[:200]}"
    if case.field and not lines[0].startswith(case.field):
        return f"line does not name {case.field}: {lines[0][:160]}"
    if result.left:
        return f"left behind: {result.left}"
    return "error"


def tally(cases: list[Case], tmp_root: Path, timeout_s: float = CASE_TIMEOUT_S) -> dict[str, str]:
    """The verdict of every case (each in its own folder)."""
    verdicts = {}
    for i, case in enumerate(cases):
        tmp = tmp_root / f"c{i}"
        tmp.mkdir()
        verdicts[case.kind] = run_case(case, tmp, timeout_s).verdict
    return verdicts


def main() -> int:
    """Run every case; print the tally and the failures."""
    import tempfile

    kinds = sys.argv[1:] or ["validate", "run"]
    cases = []
    for kind in kinds:
        cases += ALL_CASES[kind]()
    with tempfile.TemporaryDirectory() as tmp:
        verdicts = tally(cases, Path(tmp))
    bad = {k: v for k, v in verdicts.items() if v not in ("ok", "error")}
    for kind, verdict in bad.items():
        print(f"{kind}: {verdict}")
    print(f"{len(verdicts)} kinds tried, {len(bad)} ended in something other than ok or error")
    return 1 if bad else 0


ALL_CASES: dict[str, Callable[[], list[Case]]] = {
    "validate": lambda: field_cases("validate"),
    "run": lambda: field_cases("run"),
}

if __name__ == "__main__":
    sys.exit(main())
