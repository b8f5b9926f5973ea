"""Segments: the traffic slices a learning router keeps separate estimates for.

A segment is a combination of any subset of ``method``, ``buyer_market``, ``currency``,
``network`` and ``amount_band`` (the band of ``amount_reporting`` between configured edges).
Each payment's fields are packed into one integer code (12 bits a field), and codes are mapped
to dense ids ``0, 1, 2...`` in the order they are first seen, so state arrays grow one row per
segment that actually occurs, whatever the number of combinations.

Given how many values each field takes (``sizes``, from the routing context), a segment is
also looked up in a dense table over every combination, filled as segments are first seen: a
few array operations per batch, as routers key every chunk of payments and of results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from paysim.strategies.params import param_error

SEGMENT_FIELDS = ("method", "buyer_market", "currency", "network", "amount_band")
_BITS = 12
_LIMIT = (1 << _BITS) - 2  # a field value is stored +1 (network -1 becomes 0)


class Keyed(Protocol):
    """What segments are read from: an ``AttemptView`` or a ``RoutingFeedback``."""

    @property
    def method(self) -> np.ndarray: ...  # noqa: D102
    @property
    def buyer_market(self) -> np.ndarray: ...  # noqa: D102
    @property
    def currency(self) -> np.ndarray: ...  # noqa: D102
    @property
    def network(self) -> np.ndarray: ...  # noqa: D102
    @property
    def amount_reporting(self) -> np.ndarray: ...  # noqa: D102
    def __len__(self) -> int: ...


def check_segment_by(param: str, segment_by: Sequence[str]) -> tuple[str, ...]:
    """The fields of ``segment_by`` as a tuple; a ``param_error`` for anything else."""
    if isinstance(segment_by, str) or not isinstance(segment_by, Sequence):
        raise param_error(param, "must be a list of segment fields", segment_by)
    for field in segment_by:
        if field not in SEGMENT_FIELDS:
            raise param_error(param, f"must list fields of {', '.join(SEGMENT_FIELDS)}", field)
    if len(set(segment_by)) != len(segment_by):
        raise param_error(param, "lists a field twice", list(segment_by))
    return tuple(segment_by)


def check_edges(param: str, edges: Sequence[float]) -> np.ndarray:
    """Amount-band edges as a strictly increasing array; a ``param_error`` otherwise."""
    if isinstance(edges, str) or not isinstance(edges, Sequence):
        raise param_error(param, "must be a list of amounts", edges)
    try:
        array = np.asarray(edges, dtype=float)
    except (TypeError, ValueError):
        raise param_error(param, "must be a list of amounts", edges) from None
    if array.ndim != 1 or not np.all(np.isfinite(array)) or np.any(np.diff(array) <= 0):
        raise param_error(param, "must be finite and strictly increasing", list(edges))
    return array


class Segments:
    """Dense segment ids for payments and results.

    Args:
        fields: the fields to key by (a subset of ``SEGMENT_FIELDS``; empty: one segment).
        amount_edges: band edges in the reporting currency (``amount_band`` is the number of
            edges at or below the amount).
        card_method: the index of ``card`` among the methods, to add a card/non-card bit
            when ``split_cards`` is set and ``method`` is not a field.
        split_cards: keep card payments in segments of their own.
        sizes: how many values each field of ``fields`` takes (``network`` not counting -1,
            ``amount_band`` left out); with it, ids are looked up in a table of every
            combination (the rows' values must be in range, as the world's views are).

    """

    def __init__(
        self,
        fields: Sequence[str],
        amount_edges: np.ndarray,
        card_method: int = -1,
        split_cards: bool = False,
        sizes: Mapping[str, int] | None = None,
    ) -> None:
        self.fields = tuple(fields)
        self.amount_edges = amount_edges
        self.card_method = card_method
        self.split_cards = split_cards and "method" not in self.fields and card_method >= 0
        self._codes = np.empty(0, dtype=np.int64)  # sorted known codes
        self._ids = np.empty(0, dtype=np.intp)  # their dense ids
        self.codes_by_id = np.empty(0, dtype=np.int64)
        self.n = 0
        self._dims: tuple[int, ...] = ()  # the table's axes: values each field takes
        self._table: np.ndarray | None = None  # dense id per combination, -1: not seen yet
        if sizes is not None:
            self._table_for(sizes)

    def _table_for(self, sizes: Mapping[str, int]) -> None:
        dims = [
            len(self.amount_edges) + 1
            if field == "amount_band"
            else sizes[field] + (field == "network")  # network -1 (none) is value 0
            for field in self.fields
        ]
        if self.split_cards:
            dims.append(2)
        dims = dims or [1]  # no field: one segment
        if 0 < math.prod(dims) <= 1 << 22:  # else too many combinations for a table
            self._dims = tuple(dims)
            self._table = np.full(math.prod(dims), -1, dtype=np.intp)

    def codes(self, rows: Keyed) -> np.ndarray:
        """The packed code of each row."""
        code = np.zeros(len(rows), dtype=np.int64)
        for i, field in enumerate(self.fields):
            if field == "amount_band":
                value = np.searchsorted(self.amount_edges, rows.amount_reporting, side="right")
            else:
                value = np.asarray(getattr(rows, field))
            if value.size and (value.min() < -1 or value.max() > _LIMIT):
                raise ValueError(f"segment field {field} out of range")
            code |= (value.astype(np.int64) + 1) << (_BITS * i)
        if self.split_cards:
            card = np.asarray(rows.method) == self.card_method
            code |= card.astype(np.int64) << (_BITS * len(SEGMENT_FIELDS))
        return code

    def ids(self, rows: Keyed) -> np.ndarray:
        """Dense segment id of each row; segments not seen before get new ids."""
        if self._table is None:
            return self._ids_of_codes(rows)
        values = []
        for field in self.fields:
            if field == "amount_band":
                values.append(np.searchsorted(self.amount_edges, rows.amount_reporting, "right"))
            elif field == "network":
                values.append(np.asarray(rows.network) + 1)
            else:
                values.append(np.asarray(getattr(rows, field)))
        if self.split_cards:
            values.append((np.asarray(rows.method) == self.card_method).astype(np.intp))
        if not values:
            values.append(np.zeros(len(rows), dtype=np.intp))
        try:  # a value out of the context's range raises: by codes then, which check
            index = np.ravel_multi_index(tuple(values), self._dims)
        except ValueError:
            return self._ids_of_codes(rows)
        ids = self._table[index]
        if ids.size and ids.min() < 0:  # segments not seen yet: ids as ``codes`` gives them
            ids = self._ids_of_codes(rows)
            self._table[index] = ids
        return ids

    def _ids_of_codes(self, rows: Keyed) -> np.ndarray:
        code = self.codes(rows)
        if not code.size:
            return np.empty(0, dtype=np.intp)
        pos = np.searchsorted(self._codes, code)
        found = pos < self._codes.size
        found[found] = self._codes[pos[found]] == code[found]
        if not found.all():
            new = np.unique(code[~found])
            self.codes_by_id = np.concatenate([self.codes_by_id, new])
            new_ids = np.arange(self.n, self.n + new.size)
            self.n += new.size
            order = np.argsort(np.concatenate([self._codes, new]), kind="stable")
            self._codes = np.concatenate([self._codes, new])[order]
            self._ids = np.concatenate([self._ids, new_ids])[order]
            pos = np.searchsorted(self._codes, code)
        return self._ids[pos]

    def is_card(self) -> np.ndarray:
        """Bool per segment id: its payments are card payments (known only when split)."""
        if "method" in self.fields:
            shift = _BITS * self.fields.index("method")
            return ((self.codes_by_id >> shift) & ((1 << _BITS) - 1)) - 1 == self.card_method
        if self.split_cards:
            return ((self.codes_by_id >> (_BITS * len(SEGMENT_FIELDS))) & 1) == 1
        return np.zeros(self.n, dtype=bool)
