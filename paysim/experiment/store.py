"""Finished task results, kept one small JSON file each so an interrupted study can resume.

Files are named by the task's fingerprint (a digest of the resolved scenario, the seed, the
horizon and the simulation code), written to a temporary name and renamed into place: a file
either holds a complete result or does not exist, and a changed experiment can never pick up
a stale result because its tasks have other names.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from paysim.experiment.design import Task


class ResultStore:
    """Task results by fingerprint, in memory and, given a folder, on disk."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = None if folder is None else Path(folder)
        self._memory: dict[str, dict[str, Any]] = {}
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, fingerprint: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{fingerprint}.json"

    def get(self, fingerprint: str) -> dict[str, Any] | None:
        """The stored result of a task, or None when it has not finished."""
        if fingerprint in self._memory:
            return self._memory[fingerprint]
        if self.folder is None:
            return None
        try:
            record = json.loads(self._path(fingerprint).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if record.get("fingerprint") != fingerprint or "kpis" not in record:
            return None
        self._memory[fingerprint] = record
        return record

    def has(self, fingerprint: str) -> bool:
        """Whether the task has a stored result."""
        return self.get(fingerprint) is not None

    def put(self, task: Task, outcome: dict[str, Any]) -> dict[str, Any]:
        """Keep a finished task's outcome (written atomically when on disk)."""
        record = {
            "fingerprint": task.fingerprint,
            "arm": task.arm,
            "point": task.point,
            "replication": task.replication,
            "seed": task.seed,
            "spawn_key": list(task.spawn_key),
            **outcome,
        }
        self._memory[task.fingerprint] = record
        if self.folder is not None:
            write_atomic(self._path(task.fingerprint), json.dumps(record, indent=1) + "\n")
        return record


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file through a temporary sibling and a rename: never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as handle:  # the usual permissions (umask), unlike mkstemp
            handle.write(text.encode() if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
