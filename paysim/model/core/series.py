"""Hourly series of a run: what happened in each simulated hour, per key (a channel, an arm...).

A run's totals say how much; its series say when. Each series is declared once with its keys
and a kind: ``sum`` series add values into the hour they happen in (attempts, successes,
regret), ``level`` series hold a reading taken at the end of an hour (a queue's backlog).
Both are dense arrays of hours x keys, filled with whole windows of values at a time (one
``np.bincount`` per call), so recording costs nothing per payment.

``frame()`` is the tidy table a run writes to ``series.parquet``: one row per series, hour
and key, with columns ``hour`` (hours since the run started; the row covers
``[hour, hour + 1)``), ``series``, ``key`` and ``value``. A study stacks its runs' tables
with their ``arm``, ``point`` and ``replication``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

SECONDS_PER_HOUR = 3600.0
COLUMNS = ("hour", "series", "key", "value")

Kind = Literal["sum", "level"]


class HourlySeries:
    """Named hours x keys arrays of one run."""

    def __init__(self, horizon_s: float) -> None:
        self.hours = max(1, math.ceil(horizon_s / SECONDS_PER_HOUR - 1e-9))
        self._values: dict[str, np.ndarray] = {}
        self._keys: dict[str, tuple[str, ...]] = {}
        self._kinds: dict[str, Kind] = {}

    def declare(self, name: str, keys: Sequence[str] = ("",), kind: Kind = "sum") -> None:
        """Add a series with its keys (``("",)`` for a single line); zeros until recorded."""
        if name in self._values:
            raise ValueError(f"series {name!r} is declared twice")
        if kind not in ("sum", "level"):
            raise ValueError(f"series kind must be 'sum' or 'level', not {kind!r}")
        self._keys[name] = tuple(keys)
        self._kinds[name] = kind
        self._values[name] = np.zeros((self.hours, len(keys)))

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def hour_of(self, t_s: np.ndarray | float) -> np.ndarray:
        """The hour each time falls in (times at or past the horizon count in the last hour)."""
        hour = np.floor_divide(np.asarray(t_s, dtype=float), SECONDS_PER_HOUR).astype(np.intp)
        return np.clip(hour, 0, self.hours - 1)

    def add(
        self,
        name: str,
        t_s: np.ndarray,
        key: np.ndarray | int = 0,
        values: np.ndarray | float = 1.0,
    ) -> None:
        """Add ``values`` (one per time, or one for all) at key indices ``key`` (a ``sum``)."""
        table = self._values[name]
        t_s = np.asarray(t_s, dtype=float)
        if not t_s.size:
            return
        n_keys = table.shape[1]
        flat = self.hour_of(t_s) * n_keys + np.broadcast_to(np.asarray(key, np.intp), t_s.shape)
        weights = np.broadcast_to(np.asarray(values, dtype=float), t_s.shape)
        table += np.bincount(flat, weights=weights, minlength=table.size).reshape(table.shape)

    def set_level(self, name: str, t_s: float, values: np.ndarray | float) -> None:
        """A ``level`` reading of every key, for the hour that ends at ``t_s``."""
        hour = int(self.hour_of(t_s - 1e-9))
        self._values[name][hour] = values

    def values(self, name: str) -> np.ndarray:
        """A read-only hours x keys view of a series."""
        view = self._values[name].view()
        view.flags.writeable = False
        return view

    def frame(self) -> pd.DataFrame:
        """The tidy table (see the module docstring), series in declaration order."""
        parts = []
        for name, table in self._values.items():
            keys = self._keys[name]
            parts.append(
                pd.DataFrame(
                    {
                        "hour": np.repeat(np.arange(self.hours), len(keys)),
                        "series": name,
                        "key": np.tile(np.asarray(keys, dtype=object), self.hours),
                        "value": table.ravel(),
                    }
                )
            )
        if not parts:
            return empty_frame()
        return pd.concat(parts, ignore_index=True)

    def to_record(self) -> dict[str, Any]:
        """The same table as plain lists (a study's task results are JSON)."""
        frame = self.frame()
        return {column: frame[column].tolist() for column in COLUMNS}


def empty_frame() -> pd.DataFrame:
    """A series table with no rows."""
    return pd.DataFrame(
        {
            "hour": pd.Series([], dtype=np.int64),
            "series": pd.Series([], dtype=object),
            "key": pd.Series([], dtype=object),
            "value": pd.Series([], dtype=float),
        }
    )


def frame_from_record(record: Mapping[str, Sequence[Any]] | None) -> pd.DataFrame:
    """The table back from ``to_record`` (empty for a run that recorded none)."""
    if not record:
        return empty_frame()
    frame = pd.DataFrame({column: list(record[column]) for column in COLUMNS})
    return frame.astype({"hour": np.int64, "value": float})
