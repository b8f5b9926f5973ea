"""Output directories: paysim writes only where it can lose nothing, and atomically.

An output directory is accepted when it is new, empty, or recognisably paysim's own: for a
run, one holding an earlier run's ``summary.json`` and ``payments.parquet``; for an
experiment, one whose ``experiment.json`` names the same experiment (the resumable case).
Anything else (the working directory, a folder of the user's files, another experiment's
results, a file) is refused with a one-line error before anything is written.

Outputs are built in a hidden sibling directory (``.<name>.XXXX``) that replaces the output
directory only once complete, so an interrupted or failed command leaves the previous state
or nothing, never a partial one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from paysim.errors import ScenarioError

RUN_FILES = frozenset({"summary.json", "payments.parquet", "series.parquet"})
#: What a study folder holds: the marker, finished runs, and the outputs of a finished study.
STUDY_OUTPUTS = (
    "results.parquet",
    "series.parquet",
    "summary.json",
    "report.md",
    "report.html",
    "figures",
)
EXPERIMENT_FILES = frozenset({"experiment.json", "runs", *STUDY_OUTPUTS})
# what ``store.write_atomic`` leaves when killed mid-write: ``.<name>.<pid>.<hex>.tmp``
_TEMPORARY = re.compile(r"^\..+\.\d+\.[0-9a-f]+\.tmp$")

#: Why an existing, non-empty directory is not ours (None: it is).
Recogniser = Callable[[Path], "str | None"]


def check_output_directory(
    out: Path, own_files: frozenset[str] = RUN_FILES, recognise: Recogniser | None = None
) -> Path:
    """The output directory, created up to its parent; refuse anything that would lose data.

    Args:
        out: the directory (``--out``).
        own_files: the names paysim writes into it; anything else makes it foreign.
        recognise: for a non-empty directory, why it is not paysim's (None if it is).

    Raises:
        ScenarioError: ``--out: reason, got 'path'``.

    """
    try:
        return _checked(out, own_files, recognise or _recognise_run)
    except OSError as exc:
        raise ScenarioError.at(
            "--out", f"cannot use this path ({exc.strerror})", str(out)
        ) from None


def _checked(out: Path, own_files: frozenset[str], recognise: Recogniser) -> Path:
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise ScenarioError.at(
            "--out", "must not be the working directory or one of its parents", str(out)
        )
    if out.exists() and not out.is_dir():
        raise ScenarioError.at("--out", "exists and is not a directory", str(out))
    if out.is_dir():
        names = {p.name for p in out.iterdir()}
        foreign = sorted(n for n in names - own_files if not _TEMPORARY.match(n))
        if foreign:
            raise ScenarioError.at(
                "--out",
                f"is a directory with other files ({_listed(foreign)}); choose a new or empty one",
                str(out),
            )
        if names and (reason := recognise(out)) is not None:
            raise ScenarioError.at("--out", reason, str(out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ScenarioError.at("--out", "is inside a file, not a directory", str(out)) from None
    except OSError as exc:
        raise ScenarioError.at(
            "--out", f"cannot create its parent ({exc.strerror})", str(out)
        ) from None
    return out


def _listed(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _recognise_run(out: Path) -> str | None:
    try:
        summary = json.loads((out / "summary.json").read_text())
    except (OSError, ValueError):
        summary = None
    if not isinstance(summary, dict) or not {"scenario", "seed_sequence", "kpis"} <= summary.keys():
        return "holds files that are not a paysim run's; choose a new or empty one"
    return None


def recorded_experiment(out: Path) -> str | None:
    """The experiment name recorded in a study folder's ``experiment.json``, if readable."""
    try:
        record = json.loads((out / "experiment.json").read_text())
        name = record["experiment"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def experiment_recogniser(name: str) -> Recogniser:
    """Accept a study folder of the experiment ``name`` only (whose runs can be resumed)."""

    def recognise(out: Path) -> str | None:
        recorded = recorded_experiment(out)
        if recorded is None:
            return "is not a paysim experiment folder (no readable experiment.json)"
        if recorded != name:
            return f"holds the results of experiment '{recorded}', not '{name}'"
        runs = out / "runs"
        if runs.exists() and (
            not runs.is_dir() or any(not p.is_file() or p.suffix not in (".json", ".tmp")
                                     for p in runs.iterdir())
        ):  # fmt: skip
            return "its runs/ folder holds other things than paysim results"
        return None

    return recognise


@contextmanager
def staged_directory(out: Path) -> Iterator[Path]:
    """A hidden sibling of ``out`` to write into; it replaces ``out`` if the block succeeds.

    If the block fails or is interrupted, the staging directory is removed and ``out`` is
    left as it was.
    """
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise ScenarioError.at("--out", f"cannot write there ({exc.strerror})", str(out)) from None
    try:
        yield staging
        replace_directory(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_directory(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, replacing an older ``target`` with no partial state."""
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, retired / target.name)
        os.replace(source, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(source, target)


def link_into(source: Path, target: Path) -> None:
    """Hard-link (or copy) the files of ``source``, recursively, into ``target``."""
    target.mkdir(exist_ok=True)
    for entry in source.iterdir():
        if entry.name.startswith("."):
            continue  # temporaries of an interrupted write
        if entry.is_dir():
            link_into(entry, target / entry.name)
            continue
        try:
            os.link(entry, target / entry.name)
        except OSError:  # no hard links on this file system
            shutil.copy2(entry, target / entry.name)
