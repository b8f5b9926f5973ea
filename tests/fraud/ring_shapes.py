"""Derivation of the shipped collusion-ring shapes (imported by tests only).

One row per laundering attempt of IBM's AMLworld HI-Small set as flattened in
``../shared/data/aml_laundering_patterns.csv``: its typology, how many transactions and
distinct accounts it has, how long it lasts, and how spread its amounts are (standard
deviation of log amounts within the attempt, in its main currency). The collusion rings draw
one row of their typology per ring (``paysim/data/aml_ring_shapes.md``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

_BESIDE = Path(__file__).resolve().parents[3] / "shared"
SHARED = _BESIDE if _BESIDE.is_dir() else Path("/work/shared")
PATTERNS = SHARED / "data" / "aml_laundering_patterns.csv"
SHIPPED = Path(__file__).resolve().parents[2] / "paysim" / "data" / "aml_ring_shapes.csv"
COLUMNS = ("typology", "n_transactions", "n_accounts", "span_h", "amount_log_sd")


def _accounts(frame: pd.DataFrame) -> int:
    sources = frame["from_bank"] + ":" + frame["from_account"]
    sinks = frame["to_bank"] + ":" + frame["to_account"]
    return int(pd.concat([sources, sinks]).nunique())


def _log_sd(frame: pd.DataFrame) -> float:
    main = frame["payment_currency"].mode().iloc[0]
    amounts = frame.loc[frame["payment_currency"] == main, "amount_paid"].to_numpy(float)
    amounts = amounts[amounts > 0]
    return float(np.std(np.log(amounts))) if amounts.size > 1 else 0.0


def derive(path: Path = PATTERNS) -> pd.DataFrame:
    """One row per laundering attempt, in the shipped table's columns and order."""
    text = {c: str for c in ("from_bank", "from_account", "to_bank", "to_account")}
    frame = pd.read_csv(path, dtype=text)
    frame["t"] = pd.to_datetime(frame["timestamp"], format="%Y/%m/%d %H:%M")
    rows = []
    for _, attempt in frame.groupby("pattern_id", sort=True):
        span = (attempt["t"].max() - attempt["t"].min()).total_seconds() / 3600.0
        rows.append({
            "typology": attempt["pattern_family"].iloc[0].lower().replace("-", "_"),
            "n_transactions": len(attempt),
            "n_accounts": _accounts(attempt),
            "span_h": round(span, 4),
            "amount_log_sd": round(_log_sd(attempt), 4),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


if __name__ == "__main__":  # rebuild the shipped table: python -m tests.fraud.ring_shapes
    derive().to_csv(SHIPPED, index=False)
