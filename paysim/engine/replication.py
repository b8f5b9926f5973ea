"""Replication seeds and a sequential replication runner.

Replication ``r`` of a study with seed ``s`` always gets ``SeedSequence(s, spawn_key=(r,))``:
it depends on nothing else (not on the worker, the order of completion, or the other arms), so
the same study gives the same numbers on one core, many cores or a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The root ``SeedSequence`` of replication ``replication`` of a study seeded ``seed``."""
    if replication < 0:
        raise ValueError(f"replication ({replication}) must be >= 0")
    return np.random.SeedSequence(int(seed), spawn_key=(int(replication),))


def seed_label(seed_sequence: np.random.SeedSequence) -> str:
    """A printable record of a seed: ``entropy/spawn_key``, enough to rerun it exactly."""
    key = ".".join(str(k) for k in seed_sequence.spawn_key)
    return f"{seed_sequence.entropy}/{key}" if key else str(seed_sequence.entropy)


def run_replications(
    run: Callable[[int, np.random.SeedSequence], T], seed: int, replications: Iterable[int]
) -> Iterator[T]:
    """Run ``run(r, seed_sequence)`` for each replication, in order, yielding results."""
    for r in replications:
        yield run(r, replication_seed(seed, r))
