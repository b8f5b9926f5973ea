"""The columnar recorder: chunking, dictionary columns, empty logs, file and memory modes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from paysim.engine import Column, ColumnarRecorder

OUTCOMES = ("succeeded", "declined", "failed")
COLUMNS = [
    Column("t_s", "float64"),
    Column("checkout_id", "int64"),
    Column("attempt", "int16"),
    Column("outcome", categories=OUTCOMES),
    Column("is_fraud", "bool"),
    Column("risk_score", "float32"),
]


def _blocks(n_rows: int, block_rows: int, seed: int = 0) -> list[dict[str, np.ndarray]]:
    """Rows as the model appends them: one dict of equal-length arrays per window."""
    rng = np.random.default_rng(seed)
    blocks = []
    for start in range(0, n_rows, block_rows):
        n = min(block_rows, n_rows - start)
        blocks.append(
            {
                "t_s": np.sort(rng.uniform(0, 1e5, n)),
                "checkout_id": np.arange(start, start + n, dtype=np.int64),
                "attempt": rng.integers(1, 4, n).astype(np.int16),
                "outcome": rng.integers(0, len(OUTCOMES), n).astype(np.int8),
                "is_fraud": rng.random(n) < 0.1,
                "risk_score": rng.random(n).astype(np.float32),
            }
        )
    return blocks


def _record(blocks, path: Path | None = None, chunk_rows: int = 1_000_000) -> ColumnarRecorder:
    recorder = ColumnarRecorder(COLUMNS, path=path, chunk_rows=chunk_rows)
    for block in blocks:
        recorder.append(block)
    recorder.close()
    return recorder


@pytest.mark.parametrize("to_file", [False, True], ids=["memory", "file"])
def test_chunked_flush_gives_the_same_table_as_one_chunk(to_file: bool, tmp_path: Path) -> None:
    blocks = _blocks(5_000, block_rows=37)
    chunked = _record(blocks, tmp_path / "chunked.parquet" if to_file else None, chunk_rows=500)
    single = _record(blocks, tmp_path / "single.parquet" if to_file else None)

    assert chunked.to_table().equals(single.to_table())
    assert chunked.n_rows == 5_000
    if to_file:
        # chunks really were written separately: several row groups, each of >= chunk_rows
        metadata = pq.ParquetFile(tmp_path / "chunked.parquet").metadata
        assert metadata.num_row_groups > 1
        assert pq.ParquetFile(tmp_path / "single.parquet").metadata.num_row_groups == 1


def test_file_and_memory_modes_agree(tmp_path: Path) -> None:
    blocks = _blocks(3_000, block_rows=100)
    in_memory = _record(blocks, chunk_rows=700).to_frame()
    on_disk = _record(blocks, tmp_path / "log.parquet", chunk_rows=700).to_frame()
    pd.testing.assert_frame_equal(in_memory, on_disk)


@pytest.mark.parametrize("to_file", [False, True], ids=["memory", "file"])
def test_dictionary_columns_round_trip_to_categoricals(to_file: bool, tmp_path: Path) -> None:
    blocks = _blocks(400, block_rows=50)
    frame = _record(blocks, tmp_path / "log.parquet" if to_file else None, chunk_rows=90).to_frame()

    codes = np.concatenate([b["outcome"] for b in blocks])
    assert isinstance(frame["outcome"].dtype, pd.CategoricalDtype)
    assert list(frame["outcome"].cat.categories) == list(OUTCOMES)
    np.testing.assert_array_equal(frame["outcome"].cat.codes.to_numpy(), codes)
    np.testing.assert_array_equal(frame["outcome"].astype(str), np.array(OUTCOMES)[codes])


def test_categories_survive_when_some_are_never_used(tmp_path: Path) -> None:
    block = _blocks(10, block_rows=10)[0]
    block["outcome"] = np.zeros(10, dtype=np.int8)  # only "succeeded"
    frame = _record([block], tmp_path / "log.parquet").to_frame()
    assert list(frame["outcome"].cat.categories) == list(OUTCOMES)


def test_plain_columns_keep_their_dtypes(tmp_path: Path) -> None:
    frame = _record(_blocks(10, block_rows=10), tmp_path / "log.parquet").to_frame()
    expected = {"t_s": "float64", "checkout_id": "int64", "attempt": "int16"}
    assert {name: str(frame[name].dtype) for name in expected} == expected
    assert frame["is_fraud"].dtype == bool
    assert frame["risk_score"].dtype == np.float32


def test_zero_rows_still_write_a_valid_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    recorder = _record([], path)

    table = pq.read_table(path)
    assert table.num_rows == 0
    assert table.schema.equals(recorder.schema)
    assert list(recorder.to_frame().columns) == [c.name for c in COLUMNS]


def test_zero_rows_in_memory_give_the_schema() -> None:
    recorder = _record([])
    assert recorder.to_table().num_rows == 0
    assert recorder.to_table().schema.equals(recorder.schema)


def test_empty_blocks_are_skipped() -> None:
    empty = {name: array[:0] for name, array in _blocks(1, block_rows=1)[0].items()}
    recorder = _record([empty, *_blocks(5, block_rows=5), empty])
    assert recorder.n_rows == 5
    assert recorder.to_table().num_rows == 5


def test_blocks_with_ragged_columns_are_refused() -> None:
    block = _blocks(5, block_rows=5)[0]
    block["attempt"] = block["attempt"][:4]
    recorder = ColumnarRecorder(COLUMNS)
    with pytest.raises(ValueError, match="differ in length"):
        recorder.append(block)


def test_close_is_idempotent(tmp_path: Path) -> None:
    recorder = _record(_blocks(20, block_rows=20), tmp_path / "log.parquet")
    recorder.close()
    assert pq.read_table(tmp_path / "log.parquet").num_rows == 20
