"""From an experiment to tasks: design points, seeds and content fingerprints.

A task is one replication of one arm at one design point. Its seed depends only on the
experiment seed and the replication (with common random numbers) or on those and the arm's
index (without), never on which worker runs it or when. Its fingerprint hashes everything that
determines its result (the fully resolved scenario, the seed, the horizon and the simulation
code), so a stored result is reused only when it is exactly the result that would be computed.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from paysim.experiment.spec import SweepSpec

#: Parts of the package that decide what a simulation produces (hashed into fingerprints).
_SIMULATION_SOURCES = (
    "engine",
    "model",
    "strategies",
    "scenario",
    "data",
    "analysis/kpis.py",
    "experiment/single.py",
    "errors.py",
)


@dataclass(frozen=True)
class Task:
    """One replication of one arm at one design point: everything a worker needs.

    Attributes:
        arm: the arm's name.
        arm_index: the arm's position in the experiment file.
        point: index of the design point (0 without a sweep).
        replication: replication number, from 0.
        seed: the experiment seed (entropy of the task's ``SeedSequence``).
        spawn_key: spawn key of the task's ``SeedSequence``: ``(r,)`` with common random
            numbers, ``(r, arm_index)`` without.
        days: horizon in days, or None for the scenario's.
        scenario: the scenario as plain data with the point's and the arm's overrides applied.
        fingerprint: hex digest naming the task's result.

    """

    arm: str
    arm_index: int
    point: int
    replication: int
    seed: int
    spawn_key: tuple[int, ...]
    days: float | None
    scenario: Mapping[str, Any]
    fingerprint: str

    @property
    def seed_sequence(self) -> np.random.SeedSequence:
        """The root ``SeedSequence`` of the task's simulation."""
        return np.random.SeedSequence(self.seed, spawn_key=self.spawn_key)

    @property
    def spawn_label(self) -> str:
        """The spawn key as text, e.g. ``3`` or ``3.1``."""
        return ".".join(str(k) for k in self.spawn_key)


def spawn_key(replication: int, arm_index: int, common_random_numbers: bool) -> tuple[int, ...]:
    """The spawn key of a task's seed.

    With common random numbers every arm of replication ``r`` gets ``(r,)``, the key of
    ``paysim.engine.replication.replication_seed``: all arms see the same buyers and luck.
    Without, each arm gets ``(r, arm_index)``: independent streams per arm.
    """
    if replication < 0:
        raise ValueError(f"replication ({replication}) must be >= 0")
    return (replication,) if common_random_numbers else (replication, arm_index)


def design_points(sweep: SweepSpec | None, seed: int) -> list[dict[str, Any]]:
    """The sweep's design points as ``{path: value}`` mappings, in a fixed order.

    A grid gives every combination of the listed values (the last path varies fastest). A
    Latin hypercube gives ``n`` points whose every one-dimensional projection hits each of
    ``n`` equal strata once (McKay, Beckman and Conover 1979), drawn by ``scipy.stats.qmc``
    with the sweep's seed (the experiment's when absent). Without a sweep there is one point
    with no overrides.
    """
    if sweep is None:
        return [{}]
    if sweep.grid is not None:
        paths = list(sweep.grid)
        return [
            dict(zip(paths, values, strict=True))
            for values in itertools.product(*sweep.grid.values())
        ]
    from scipy.stats import qmc  # only sweeps need it; workers start faster without

    lhs = sweep.latin_hypercube
    assert lhs is not None
    lhs_seed = seed if lhs.seed is None else lhs.seed
    unit = qmc.LatinHypercube(d=len(lhs.params), rng=np.random.default_rng(lhs_seed)).random(lhs.n)
    points: list[dict[str, Any]] = [{} for _ in range(lhs.n)]
    for column, (path, rng) in enumerate(lhs.params.items()):
        u = unit[:, column]
        if rng.log:
            values = np.exp(math.log(rng.low) + u * (math.log(rng.high) - math.log(rng.low)))
        else:
            values = rng.low + u * (rng.high - rng.low)
        for point, value in zip(points, values, strict=True):
            point[path] = int(np.rint(value)) if rng.integer else float(value)
    return points


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no whitespace: the same data always give the same text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, allow_nan=True)


def digest(*parts: Any) -> str:
    """A short, stable hex digest of JSON-able parts."""
    return hashlib.sha256(canonical_json(parts).encode()).hexdigest()[:24]


@functools.cache
def simulation_code_hash() -> str:
    """A digest of the source files that decide what a simulation produces.

    Stored results carry it; a result computed by different model code is never reused, and
    a Dask worker running another version of paysim is caught.
    """
    return code_hash(_SIMULATION_SOURCES)


@functools.cache
def code_hash(sources: tuple[str, ...]) -> str:
    """A digest of package source files and folders (paths relative to ``paysim/``)."""
    root = Path(__file__).resolve().parent.parent
    hasher = hashlib.sha256()
    for name in sources:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                hasher.update(file.relative_to(root).as_posix().encode())
                hasher.update(file.read_bytes())
    return hasher.hexdigest()[:16]


def make_tasks(
    cells: Mapping[tuple[int, int], tuple[Mapping[str, Any], str]],
    arm_names: list[str],
    replications: Iterable[int],
    seed: int,
    common_random_numbers: bool,
    days: float | None,
) -> list[Task]:
    """Tasks for the given replications, replication by replication, then point, then arm.

    Args:
        cells: ``(point, arm_index)`` to the resolved scenario data and its digest.
        arm_names: arm names by index.
        replications: replication numbers to make tasks for.
        seed: the experiment seed.
        common_random_numbers: whether arms share replication seeds.
        days: horizon override.

    Returns:
        The tasks, in an order that completes whole replications first.

    """
    code = simulation_code_hash()
    tasks = []
    for r in replications:
        for (point, arm_index), (scenario, scenario_digest) in sorted(cells.items()):
            key = spawn_key(r, arm_index, common_random_numbers)
            tasks.append(
                Task(
                    arm=arm_names[arm_index],
                    arm_index=arm_index,
                    point=point,
                    replication=r,
                    seed=seed,
                    spawn_key=key,
                    days=days,
                    scenario=scenario,
                    fingerprint=digest(scenario_digest, seed, key, days, code),
                )
            )
    return tasks
