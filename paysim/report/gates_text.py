"""The table of CI gates that ``paysim check`` and ``paysim experiment`` print."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paysim.analysis.formatting import format_difference, format_kpi

_LABELS = {"pass": "PASS", "fail": "FAIL", "undecided": "UNDECIDED"}


def _value(record: Mapping[str, Any], value: float | None, currency: str, signed: bool) -> str:
    if value is None:
        return "n/a"
    if record["vs"] is None:
        return format_kpi(record["metric"], value, currency)
    return format_difference(record["metric"], value, currency, signed=signed)


def assertion_text(record: Mapping[str, Any], currency: str) -> str:
    """``auth_rate: candidate - production >= -0.10 pp`` with the threshold in the KPI's unit."""
    subject = record["arm"] if record["vs"] is None else f"{record['arm']} - {record['vs']}"
    relation = ">=" if record["bound"] == "at_least" else "<="
    threshold = _value(record, record["threshold"], currency, signed=False)
    return f"{record['metric']}: {subject} {relation} {threshold}"


def estimate_text(record: Mapping[str, Any], currency: str) -> str:
    """The estimate and its two one-sided bounds: ``-6.45 pp [-11.59 pp, -1.31 pp]``."""
    signed = record["vs"] is not None
    estimate = _value(record, record["estimate"], currency, signed)
    if record["low"] is None or record["high"] is None:
        return estimate
    low = _value(record, record["low"], currency, signed)
    high = _value(record, record["high"], currency, signed)
    return f"{estimate} [{low}, {high}]"


def gate_lines(gates: Mapping[str, Any], currency: str) -> list[str]:
    """One line per assertion, then the gate's status with what the bounds mean."""
    records = gates["assertions"]
    rows = [
        (_LABELS[r["status"]], assertion_text(r, currency), estimate_text(r, currency), r["n"])
        for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        f"{label:<{widths[0]}}  {text:<{widths[1]}}  {estimate:<{widths[2]}}  n={n}"
        for label, text, estimate, n in rows
    ]
    counts = {s: sum(r["status"] == s for r in records) for s in _LABELS}
    tally = ", ".join(f"{counts[s]} {s}" for s in _LABELS if counts[s])
    looks = ", ".join(str(n) for n in gates["decision_looks"]) or "none"
    levels = sorted({f"{1 - r['alpha_look']:.4g}" for r in records})
    lines.append(
        f"gate: {gates['status']} ({tally}) after {gates['replications']} replications; "
        f"bounds one-sided at {'/'.join(levels)} per look (looks at {looks}), "
        "confidence per assertion"
    )
    return lines
