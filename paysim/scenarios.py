"""Finding the shipped scenario and experiment files."""

from __future__ import annotations

import os
from pathlib import Path

from paysim.errors import ScenarioError


def _roots(kind: str) -> list[Path]:
    roots = []
    if env := os.environ.get(f"PAYSIM_{kind.upper()}"):
        roots.append(Path(env))
    roots.append(Path.cwd() / kind)
    roots.append(Path(__file__).resolve().parent.parent / kind)  # a source checkout
    return roots


def shipped(kind: str = "scenarios") -> dict[str, Path]:
    """Name to path of every shipped scenario (or experiment) file found."""
    found: dict[str, Path] = {}
    for root in _roots(kind):
        for path in sorted(root.glob("*.yaml")) if root.is_dir() else []:
            found.setdefault(path.stem, path)
    return found


def scenario_path(name: str) -> Path:
    """The shipped scenario called ``name``."""
    files = shipped("scenarios")
    if name not in files:
        raise ScenarioError.at(
            "scenario",
            f"no shipped scenario of that name (have: {', '.join(files) or 'none'})",
            name,
        )
    return files[name]
