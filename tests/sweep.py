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
import json
import math
import os
import re
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
    may_change: tuple[str, ...] = ("study",)


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


def _bounds(info: Any) -> list[tuple[str, float]]:
    """The ends of a field's declared range (``ge``/``le``; ``gt``/``lt`` nudged inside)."""
    ends = []
    for item in getattr(info, "metadata", []):
        for attr, nudge in (("ge", 0.0), ("le", 0.0), ("gt", 1.0), ("lt", -1.0)):
            bound = getattr(item, attr, None)
            if isinstance(bound, int | float):
                value = bound if nudge == 0 else bound + nudge * max(abs(bound) * 1e-6, 1e-6)
                ends.append((f"{attr}_bound", value))
    return ends


def _bound_leaves(model: BaseModel, path: str, generic: str) -> Iterator[tuple[str, str, Any]]:
    """``(path, generic path, (name, value))`` of each end of each bounded field."""
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        value = getattr(model, name)
        here, gen = f"{path}{key}", f"{generic}{key}"
        if isinstance(value, BaseModel):
            yield from _bound_leaves(value, f"{here}.", f"{gen}.")
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                label = _label(item) or str(i)
                yield from _bound_leaves(item, f"{here}.{label}.", f"{gen}.*.")
        elif not isinstance(value, bool | list | dict | str):
            for end in _bounds(info):
                yield here, gen, end


def bound_cases() -> list[Case]:
    """Every bounded field at each end of its range: valid values that must run cleanly."""
    from paysim.scenario.loader import load_scenario

    cases = []
    seen: set[str] = set()
    for scenario in (QUICKSTART, FLAGSHIP):
        file = _scenario_file(scenario)
        for here, generic, (name, value) in _bound_leaves(load_scenario(scenario), "", ""):
            if (generic, name) in seen:
                continue
            seen.add((generic, name))
            args = ("run", "{tmp}/scenario.yaml", "--set", f"{here}={_yaml(value)}")
            cases.append(
                Case(
                    f"{scenario.stem}:{here}={name} ({value:g})",
                    (*args, "--days", RUN_DAYS, "--out", "{tmp}/out"),
                    files=(file,),
                    keep=("out",),
                )
            )
    return cases


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
                        field="",  # a cross-field line may name the related field
                        files=(file,),
                        keep=("out",),
                    )
                )
    return cases


# -- experiment fields -----------------------------------------------------------------------

SMALL_EXPERIMENT: dict[str, Any] = {
    "name": "sweep_compare",
    "scenario": "scenario.yaml",
    "seed": 3,
    "replications": {
        "target": {"metric": "auth_rate", "half_width": 0.01},
        "max": 4,
        "initial": 2,
        "batch": 2,
    },
    "days": 0.01,
    "baseline": "standard",
    "arms": [
        {"name": "standard"},
        {"name": "premium", "set": {"channels.card_sg.fee.percent": 3.0}},
    ],
    "metrics": ["net_margin", {"name": "auth_rate", "goal": "maximize"}],
    "sweep": {
        "latin_hypercube": {
            "n": 2,
            "seed": 1,
            "params": {"channels.card_sg.success.base": {"low": 0.8, "high": 0.9}},
        }
    },
    "assert": [{"metric": "auth_rate", "arm": "premium", "vs": "standard", "at_least": 0.0}],
}
GRID_EXPERIMENT = {
    **SMALL_EXPERIMENT,
    "replications": 2,
    "sweep": {"grid": {"channels.card_sg.success.base": [0.85, 0.9]}},
}


def _experiment_leaves(raw: dict[str, Any]) -> list[tuple[str, str]]:
    from paysim.experiment.spec import ExperimentSpec

    seen: set[str] = set()
    found = []
    for here, generic, kind in _leaves(ExperimentSpec.model_validate(raw), "", ""):
        if generic not in seen and not here.startswith("arms.premium.set"):
            seen.add(generic)
            found.append((here, kind))
    return found


def _set_dotted(raw: Any, path: str, value: Any) -> Any:
    """A copy of ``raw`` with one dotted path replaced (list items by name or index)."""
    import copy

    data = copy.deepcopy(raw)
    node = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            index = next(
                (
                    k
                    for k, item in enumerate(node)
                    if isinstance(item, dict) and item.get("name") == part
                ),
                None,
            )
            index = int(part) if index is None else index
            if last:
                node[index] = value
            node = node[index]
        else:
            key = next((k for k in node if k == part), part)
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
    return data


def experiment_field_cases() -> list[Case]:
    """Every field of an experiment file (both sweep kinds, sequential, gates), badly set."""
    scenario = _scenario_file(QUICKSTART)
    values = {"number": NUMBER_VALUES, "string": STRING_VALUES, "list": LIST_VALUES}
    cases = []
    for label, base in (("sequential_lhs", SMALL_EXPERIMENT), ("grid", GRID_EXPERIMENT)):
        for here, kind in _experiment_leaves(base):
            for name, value in values[kind].items():
                data = _set_dotted(base, here, value)
                text = yaml.safe_dump(data, sort_keys=False)
                cases.append(
                    Case(
                        f"experiment[{label}]:{here}={name}",
                        ("validate", "{tmp}/experiment.yaml"),
                        field="",  # a cross-field line may name the related field
                        files=(scenario, ("experiment.yaml", text)),
                    )
                )
    return cases


# -- command-line options and files ----------------------------------------------------------


def _experiment_file(**changes: Any) -> tuple[str, str]:
    data = {**GRID_EXPERIMENT, "replications": 1, "sweep": None, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return ("experiment.yaml", yaml.safe_dump(data, sort_keys=False))


def _user_files(tmp: Path) -> None:
    (tmp / "out").mkdir()
    (tmp / "out" / "report.md").write_text("my own notes")
    (tmp / "out" / "thesis.tex").write_text("years of work")


def _own_names_only(tmp: Path) -> None:
    (tmp / "out").mkdir()
    for name in ("summary.json", "report.md", "results.parquet"):
        (tmp / "out" / name).write_text("not paysim's")


def _other_experiment(tmp: Path) -> None:
    (tmp / "out" / "runs").mkdir(parents=True)
    (tmp / "out" / "experiment.json").write_text(json.dumps({"experiment": {"name": "other"}}))


def _finished_study(tmp: Path) -> None:
    """A study folder as paysim writes it (experiment.json, results.parquet, summary.json)."""
    from paysim.experiment.study import run_experiment

    path = tmp / "study.yaml"
    path.write_text(_experiment_file(name="done", scenario="scenario.yaml")[1])
    run_experiment(path, out=tmp / "study")


def _damage(name: str, content: bytes) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        _finished_study(tmp)
        (tmp / "study" / name).write_bytes(content)

    return setup


def _drop_column(tmp: Path) -> None:
    import pandas as pd

    _finished_study(tmp)
    path = tmp / "study" / "results.parquet"
    pd.read_parquet(path).drop(columns=["net_margin"]).to_parquet(path)


def _deep(n: int) -> str:
    return "a: " + "[" * n + "]" * n + "\n"


def _bomb() -> str:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def cli_cases() -> list[Case]:
    """Every option of every command with bad values, and the file-system cases."""
    scenario = _scenario_file(QUICKSTART)
    experiment = _experiment_file()
    run = ("run", "{tmp}/scenario.yaml", "--days", RUN_DAYS)
    exp = ("experiment", "{tmp}/experiment.yaml", "--workers", "1")
    cases: list[Case] = []

    def add(kind: str, args: tuple[str, ...], field: str, **kw: Any) -> None:
        kw.setdefault("files", (scenario, experiment))
        cases.append(Case(kind, args, field=field, **kw))

    for value in ("abc", "-1", "1.5", str(10**30), "", "1e3", "0x10"):
        add(f"run --seed {value!r}", (*run, "--seed", value, "--out", "{tmp}/o"), "", keep=("o",))
    for value in ("abc", "-1", "0", "nan", "inf", "-inf", "1e9", "1e-9", "", "3661"):
        add(
            f"run --days {value!r}",
            ("run", "{tmp}/scenario.yaml", "--days", value, "--out", "{tmp}/o"),
            "",
            keep=("o",),
        )
    sets = {
        "no '='": "demand.orders_per_day",
        "empty path": "=1",
        "empty segment": "demand..orders_per_day=1",
        "leading dot": ".demand=1",
        "trailing dot": "demand.=1",
        "bad yaml": "horizon_days=[1",
        "deep path": "a." * 3000 + "b=1",
        "deep value": "strategies.routing.params.x=" + "[" * 3000 + "]" * 3000,
        "set inside a number": "horizon_days.x=1",
        "unknown item": "channels.nope.fee.percent=1",
        "index out of range": "markets.99.buyers=1",
        "whole section wrong": "demand=3",
        "tag": "name=!!python/name:os.system",
        "list for mapping": "channels=[1, 2]",
    }
    for kind, assignment in sets.items():
        add(f"run --set {kind}", (*run, "--set", assignment, "--out", "{tmp}/o"), "", keep=("o",))
    outs = {
        "a file": ("{tmp}/scenario.yaml", None),
        "inside a file": ("{tmp}/scenario.yaml/x", None),
        "unwritable (/proc)": ("/proc/paysim-sweep/x", None),
        "unwritable parent (/proc)": ("/proc/paysim-sweep", None),
        "working directory": (".", None),
        "root": ("/", None),
        "user files": ("{tmp}/out", _user_files),
        "own names, not paysim's": ("{tmp}/out", _own_names_only),
        "another experiment's": ("{tmp}/out", _other_experiment),
        "too long a name": ("{tmp}/" + "x" * 300, None),
        "empty": ("", None),
    }
    for kind, (out, setup) in outs.items():
        add(
            f"run --out {kind}",
            (*run, "--out", out),
            "--out",
            setup=setup,
            may_pass=False,
            keep=("out",),
        )
        add(
            f"experiment --out {kind}",
            (*exp, "--out", out),
            "--out",
            setup=setup,
            may_pass=False,
            keep=("out",),
        )
    for value in ("0", "-1", "abc", str(10**9), "1.5", ""):
        add(
            f"experiment --workers {value!r}",
            ("experiment", "{tmp}/experiment.yaml", "--workers", value, "--out", "{tmp}/o"),
            "",
            may_pass=False,
            keep=("o",),
        )
    for value in ("0", "-1", "abc", str(10**9), str(10**30), "1.5", ""):
        add(
            f"experiment --replications {value!r}",
            (*exp, "--replications", value, "--out", "{tmp}/o"),
            "",
            may_pass=False,
            keep=("o",),
        )
    for value in (
        "not a url",
        "",
        "http://x:1",
        "tcp://host",
        "tcp://:99999",
        "tcp://127.0.0.1:1",
        "tcp://[::1:1",
    ):
        add(
            f"experiment --dask {value!r}",
            ("experiment", "{tmp}/experiment.yaml", "--dask", value, "--out", "{tmp}/o"),
            "--dask",
            may_pass=False,
            keep=("o",),
        )
    add(
        "experiment given a scenario",
        ("experiment", "{tmp}/scenario.yaml", "--out", "{tmp}/o"),
        "{tmp}/scenario.yaml",
        may_pass=False,
    )
    add(
        "run given an experiment",
        ("run", "{tmp}/experiment.yaml", "--out", "{tmp}/o"),
        "{tmp}/experiment.yaml",
        may_pass=False,
    )
    add(
        "experiment: too many runs",
        ("validate", "{tmp}/e.yaml"),
        "replications",
        files=(
            scenario,
            (
                "e.yaml",
                _experiment_file(
                    replications=100_000,
                    arms=[{"name": f"a{i}"} for i in range(20)],
                    baseline="a0",
                    **{"assert": []},
                )[1],
            ),
        ),
        may_pass=False,
    )
    add(
        "experiment: huge grid",
        ("validate", "{tmp}/e.yaml"),
        "sweep",
        files=(
            scenario,
            (
                "e.yaml",
                _experiment_file(
                    sweep={
                        "grid": {
                            "markets.ID.utc_offset_h": list(range(10)),
                            "markets.TH.utc_offset_h": list(range(10)),
                            "markets.ID.buyers": list(range(1, 101)),
                            "markets.TH.buyers": list(range(1, 101)),
                        }
                    }
                )[1],
            ),
        ),
        may_pass=False,
    )
    files = {
        "missing": None,
        "a directory": "dir",
        "a device": "/dev/null",
        "empty": "",
        "binary": b"\x00\xff\xfe garbage",
        "not UTF-8": "name: caf\xe9\n".encode("latin-1"),
        "a list": "- 1\n- 2\n",
        "a scalar": "42\n",
        "YAML nested 5000 deep": _deep(5000),
        "YAML nested 60 deep": _deep(60),
        "billion laughs": _bomb(),
        "duplicate keys": "name: a\nname: b\n",
        "python tag": "name: !!python/object/apply:os.system [true]\n",
        "syntax error": "name: [\n",
        "huge file": "# " + "x" * 21_000_000 + "\n",
    }
    for kind, content in files.items():
        for command in ("validate", "run", "experiment"):
            if content == "/dev/null":
                target, extra_files = "/dev/null", ()
            elif content == "dir":
                target, extra_files = "{tmp}", ()
            elif content is None:
                target, extra_files = "{tmp}/missing.yaml", ()
            else:
                target, extra_files = "{tmp}/file.yaml", (("file.yaml", content),)
            out = ("--out", "{tmp}/o") if command != "validate" else ()
            add(
                f"{command} file {kind}",
                (command, target, *out),
                target,
                files=extra_files,
                may_pass=False,
            )
    reports = {
        "missing folder": ("{tmp}/nothing", None),
        "a file": ("{tmp}/scenario.yaml", None),
        "an empty folder": ("{tmp}/empty", lambda tmp: (tmp / "empty").mkdir()),
        "corrupt experiment.json": ("{tmp}/study", _damage("experiment.json", b"{not json")),
        "experiment.json a list": ("{tmp}/study", _damage("experiment.json", b"[]")),
        "experiment.json of another shape": (
            "{tmp}/study",
            _damage("experiment.json", b'{"experiment": {"name": 3}}'),
        ),
        "corrupt results.parquet": ("{tmp}/study", _damage("results.parquet", b"PAR1 garbage")),
        "results.parquet empty": ("{tmp}/study", _damage("results.parquet", b"")),
        "results.parquet missing a metric": ("{tmp}/study", _drop_column),
    }
    for kind, (folder, setup) in reports.items():
        add(
            f"report {kind}",
            ("report", folder),
            folder,
            setup=setup,
            may_pass=False,
            keep=("study", "empty"),
        )
    add(
        "report corrupt summary.json",
        ("report", "{tmp}/study"),
        "",
        setup=_damage("summary.json", b"{"),
        keep=("study",),
    )
    add("no command", (), "", may_pass=False)
    add("unknown command", ("frobnicate",), "", may_pass=False)
    add("list nonsense", ("list", "nonsense"), "", may_pass=False)
    add("unknown option", ("run", "{tmp}/scenario.yaml", "--colour", "blue"), "", may_pass=False)
    add("missing option value", ("run", "{tmp}/scenario.yaml", "--days"), "", may_pass=False)
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
    contents = _snapshot(tmp, case.may_change)
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
        except _Hang:  # a long valid run that reports progress is alive, not hung
            alive = " done, " in err.getvalue() and case.may_pass
            code, crash = (0, "") if alive else (None, f"hang (> {timeout_s:g} s)")
        except BaseException as exc:  # the point is to catch everything
            code, crash = None, f"traceback: {type(exc).__name__}: {str(exc)[:120]}"
    result = Outcome(code, err.getvalue(), out.getvalue())
    result.left = sorted(set(os.listdir(tmp)) - before - set(case.keep))
    lost = sorted(k for k, v in contents.items() if _snapshot(tmp, case.may_change).get(k) != v)
    field_name = case.field.replace("{tmp}", str(tmp))
    result.verdict = crash or (
        f"data loss: {lost[:3]}" if lost else judge(case, result, field_name)
    )
    return result


def _snapshot(tmp: Path, may_change: tuple[str, ...]) -> dict[str, bytes]:
    """Every file under ``tmp`` and its content (but those paysim may rewrite)."""
    found = {}
    for path in tmp.rglob("*"):
        relative = path.relative_to(tmp).as_posix()
        if path.is_file() and not relative.startswith(may_change):
            found[relative] = path.read_bytes()
    return found


def judge(case: Case, result: Outcome, field_name: str = "") -> str:
    """``ok``, ``error``, or what is wrong with the outcome."""
    lines = [line for line in result.err.splitlines() if line.strip()]
    if result.code == 0:
        return "ok" if case.may_pass else "accepted bad input (exit 0)"
    if "Traceback" in result.err:
        return "traceback on stderr"
    if result.code != EXIT_BAD_INPUT:
        return f"exit {result.code}: {lines[-1] if lines else ''}"[:200]
    if not lines:
        return "exit 2 without a problem line"
    for line in lines:  # several problems are several lines, one each
        if not _PROBLEM_LINE.match(line):
            return f"not a 'field: reason' line: {line[:160]}"
    if len(lines) > 1 and len({line.split(": ", 1)[0] for line in lines}) < len(lines):
        return f"{len(lines)} lines for one field: {' | '.join(lines)[:200]}"
    if field_name and field_name not in lines[0]:
        return f"line does not name {field_name}: {lines[0][:160]}"
    if result.left:
        return f"left behind: {result.left}"
    return "error"


def fast_field_verdicts() -> dict[str, str]:
    """Every field case judged in process without files: the default suite's sweep.

    The same validation as ``paysim validate FILE --set PATH=VALUE`` (the ``--set`` parsing,
    the schema, the strategies, the run size), minus reading the YAML file for every case.
    """
    from paysim.experiment import sizing
    from paysim.experiment.load import experiment_from_dict
    from paysim.scenario import loader

    verdicts = {}
    available = sizing.available_memory_bytes
    sizing.available_memory_bytes = lambda: SWEEP_MEMORY_BYTES
    try:
        cases = field_cases("validate")
        for scenario in (QUICKSTART, FLAGSHIP):
            raw = loader.read_yaml(scenario)
            for case in cases:
                if not case.kind.startswith(f"{scenario.stem}:"):
                    continue

                def check(case: Case = case, raw: dict[str, Any] = raw) -> None:
                    path, value = loader.parse_set(case.args[3])
                    sizing.check_run_size(loader.scenario_from_dict(raw, {path: value}))

                verdicts[case.kind] = _verdict_of(check, case)
        scenario_raw = loader.read_yaml(QUICKSTART)
        original = loader.read_yaml
        try:  # every experiment case reads the same scenario file: read it once
            import paysim.experiment.load as load_module

            load_module.read_yaml = lambda path: scenario_raw  # type: ignore[assignment]
            for case in experiment_field_cases():
                data = yaml.safe_load(dict(case.files)["experiment.yaml"])
                verdicts[case.kind] = _verdict_of(
                    lambda data=data: experiment_from_dict(data), case
                )
        finally:
            load_module.read_yaml = original
    finally:
        sizing.available_memory_bytes = available
    return verdicts


def _verdict_of(check: Callable[[], Any], case: Case) -> str:
    from paysim.errors import ScenarioError

    try:
        with _time_limit(CASE_TIMEOUT_S):
            check()
    except ScenarioError as exc:
        return judge(case, Outcome(EXIT_BAD_INPUT, "\n".join(exc.problems) + "\n", ""))
    except _Hang:
        return f"hang (> {CASE_TIMEOUT_S:g} s)"
    except BaseException as exc:  # the point is to catch everything
        return f"traceback: {type(exc).__name__}: {str(exc)[:120]}"
    return "ok"


#: A problem line: a field path, an option or a file (with ``:line:column``), then the reason.
_PROBLEM_LINE = re.compile(
    r"^(paysim( \w+)?: |(--set )?[^\s:]+(:\d+:\d+)?: |[^:]*\.yaml(:\d+:\d+)?: )\S"
)
#: The memory the sweep's runs pretend the machine has (a valid population of 10^9 buyers
#: must be refused with the estimate, not allocated).
SWEEP_MEMORY_BYTES = 1e9


def tally(cases: list[Case], tmp_root: Path, timeout_s: float = CASE_TIMEOUT_S) -> dict[str, str]:
    """The verdict of every case (each in its own folder, working directory ``tmp_root``)."""
    import importlib

    try:
        sizing: Any = importlib.import_module("paysim.experiment.sizing")
    except ImportError:  # code from before the run-size estimate (to count its failures)
        sizing = type("NoSizing", (), {"available_memory_bytes": None})

    verdicts = {}
    cwd, available = os.getcwd(), sizing.available_memory_bytes
    sizing.available_memory_bytes = lambda: SWEEP_MEMORY_BYTES
    os.chdir(tmp_root)
    try:
        for i, case in enumerate(cases):
            tmp = tmp_root / f"c{i}"
            tmp.mkdir()
            verdicts[case.kind] = run_case(case, tmp, timeout_s).verdict
    finally:
        os.chdir(cwd)
        sizing.available_memory_bytes = available
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
    n_ok = sum(v == "ok" for v in verdicts.values())
    print(
        f"{len(verdicts)} kinds tried: {len(verdicts) - n_ok - len(bad)} refused with one line "
        f"per problem and exit 2, {n_ok} valid and ran, {len(bad)} anything else"
    )
    return 1 if bad else 0


ALL_CASES: dict[str, Callable[[], list[Case]]] = {
    "validate": lambda: field_cases("validate"),
    "run": lambda: field_cases("run"),
    "experiment": experiment_field_cases,
    "cli": cli_cases,
    "bounds": bound_cases,
}

if __name__ == "__main__":
    sys.exit(main())
