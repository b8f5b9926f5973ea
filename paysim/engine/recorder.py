"""Columnar event recording, flushed to Parquet (or kept in memory) in chunks.

The model appends whole arrays per window, never one dict per event. Categorical columns are
stored as integer codes and written as Parquet dictionary columns, so a 10-million-row log
stays small and streams to disk with bounded memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_CHUNK_ROWS = 131_072


@dataclass(frozen=True)
class Column:
    """One recorded column: a numpy dtype, or categories for a dictionary column."""

    name: str
    dtype: str = "float64"
    categories: tuple[str, ...] | None = None

    def arrow(self, values: np.ndarray) -> pa.Array:
        """The Arrow array of a chunk of this column."""
        if self.categories is None:
            return pa.array(values.astype(self.dtype, copy=False))
        dictionary = pa.array(list(self.categories), type=pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(values.astype(np.int32)), dictionary)

    def arrow_type(self) -> pa.DataType:
        """The Arrow type of this column."""
        if self.categories is None:
            return pa.from_numpy_dtype(np.dtype(self.dtype))
        return pa.dictionary(pa.int32(), pa.string())


class ColumnarRecorder:
    """Buffers columns and writes them in chunks to a Parquet file or to memory."""

    def __init__(
        self,
        columns: Sequence[Column],
        path: str | Path | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> None:
        self.columns = tuple(columns)
        self.path = Path(path) if path is not None else None
        self.chunk_rows = chunk_rows
        self.schema = pa.schema([(c.name, c.arrow_type()) for c in self.columns])
        self._buffers: dict[str, list[np.ndarray]] = {c.name: [] for c in self.columns}
        self._buffered_rows = 0
        self._tables: list[pa.Table] = []
        self._writer: pq.ParquetWriter | None = None
        self.n_rows = 0
        self._closed = False

    def append(self, values: Mapping[str, np.ndarray]) -> None:
        """Append one block of rows; every column must be given, all of one length."""
        lengths = {len(values[c.name]) for c in self.columns}
        if len(lengths) != 1:
            raise ValueError(f"columns of one block differ in length: {sorted(lengths)}")
        n = lengths.pop()
        if n == 0:
            return
        for column in self.columns:
            self._buffers[column.name].append(np.asarray(values[column.name]))
        self._buffered_rows += n
        self.n_rows += n
        if self._buffered_rows >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered as one chunk (one Parquet row group)."""
        if self._buffered_rows == 0:
            return
        arrays = []
        for column in self.columns:
            parts = self._buffers[column.name]
            arrays.append(column.arrow(np.concatenate(parts)))
            parts.clear()
        self._buffered_rows = 0
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        if self.path is None:
            self._tables.append(table)
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self._writer.write_table(table)

    def close(self) -> None:
        """Flush and finish the file; a run with no rows still writes a valid, empty file."""
        if self._closed:
            return
        self.flush()
        if self.path is not None:
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
            self._writer.close()
        self._closed = True

    def to_table(self) -> pa.Table:
        """Everything recorded, as one Arrow table."""
        self.close()
        if self.path is not None:
            return pq.read_table(self.path)
        if not self._tables:
            return self.schema.empty_table()
        return pa.concat_tables(self._tables)

    def to_frame(self) -> pd.DataFrame:
        """Everything recorded, as a pandas DataFrame (dictionary columns become categoricals)."""
        return self.to_table().to_pandas()
