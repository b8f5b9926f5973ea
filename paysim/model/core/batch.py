"""Columnar batches: a dict of equal-length arrays, the unit the model works on."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np

# a payment attempt's key is checkout_id * ATTEMPTS_PER_KEY + attempt; attempts are < 16
# (max_attempts <= 10)
ATTEMPTS_PER_KEY = 16


class Batch:
    """Equal-length named arrays (a tiny, allocation-light stand-in for a DataFrame)."""

    __slots__ = ("columns", "n")

    def __init__(self, columns: Mapping[str, np.ndarray], n: int | None = None) -> None:
        self.columns = dict(columns)
        if n is None:
            lengths = {len(v) for v in self.columns.values()}
            if len(lengths) > 1:
                raise ValueError(f"columns differ in length: {sorted(lengths)}")
            n = lengths.pop() if lengths else 0
        self.n = n

    def __getitem__(self, key: str) -> np.ndarray:
        return self.columns[key]

    def take(self, index: np.ndarray) -> Batch:
        """Rows selected by an index array (or a boolean mask)."""
        columns = {k: v[index] for k, v in self.columns.items()}
        n = int(index.sum()) if index.dtype == bool else len(index)
        return Batch(columns, n)

    def with_columns(self, **columns: np.ndarray) -> Batch:
        """A copy with columns added or replaced (same number of rows)."""
        return Batch({**self.columns, **columns}, self.n)

    @staticmethod
    def concat(batches: Sequence[Batch]) -> Batch:
        """Rows of all batches, in order; empty batches are skipped."""
        parts = [b for b in batches if b.n]
        if len(parts) <= 1:
            return parts[0] if parts else (batches[0] if batches else Batch({}))
        columns = {k: np.concatenate([b.columns[k] for b in parts]) for k in parts[0].columns}
        return Batch(columns, sum(b.n for b in parts))


R = TypeVar("R")


def take_records(records: R, index: np.ndarray) -> R:
    """Rows of a frozen dataclass whose fields are equal-length arrays."""
    values = {f.name: getattr(records, f.name)[index] for f in dataclasses.fields(records)}  # type: ignore[arg-type]
    return type(records)(**values)


def concat_records(parts: Sequence[R]) -> R:
    """Rows of several such dataclasses, in order."""
    if len(parts) == 1:
        return parts[0]
    names = [f.name for f in dataclasses.fields(parts[0])]  # type: ignore[arg-type]
    return type(parts[0])(**{k: np.concatenate([getattr(p, k) for p in parts]) for k in names})
