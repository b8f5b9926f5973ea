"""The short text summary ``paysim experiment`` prints: arms, differences, winner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paysim.analysis.kpis import kpi_unit
from paysim.report.table import format_kpi


def _value(metric: str, value: float | None, currency: str) -> str:
    return "n/a" if value is None else format_kpi(metric, value, currency).strip()


def format_difference(metric: str, value: float | None, currency: str) -> str:
    """A difference of a KPI with its sign and unit (shares in percentage points)."""
    if value is None:
        return "n/a"
    sign = "+" if value >= 0 else "-"
    if kpi_unit(metric) == "share":
        return f"{sign}{100 * abs(value):.2f} pp"
    return sign + _value(metric, abs(value), currency)


def _half(metric: str, record: Mapping[str, Any], currency: str) -> str:
    if record["ci95_low"] is None:
        return ""
    half = (record["ci95_high"] - record["ci95_low"]) / 2
    return "± " + _value(metric, half, currency)


def summary_text(summary: Mapping[str, Any], currency: str = "USD") -> str:
    """Arms × metrics with 95% CIs, paired differences to the baseline, and the winner."""
    arms = list(summary["arms"])
    metrics = list(summary["metrics"])
    baseline = summary["baseline"]
    lines = [
        f"{summary['experiment']}: {len(arms)} arms x {summary['replications']} replications "
        f"of scenario {summary['scenario']} (common random numbers "
        f"{'on' if summary['common_random_numbers'] else 'off'})",
        "",
    ]
    cells = {
        (arm, m): f"{_value(m, summary['arms'][arm][m]['mean'], currency)} "
        f"{_half(m, summary['arms'][arm][m], currency)}".strip()
        for arm in arms
        for m in metrics
    }
    name_width = max(len(m) for m in [*metrics, "metric"])
    widths = [max(len(arm), *(len(cells[arm, m]) for m in metrics)) for arm in arms]
    lines.append(
        f"{'metric':<{name_width}}  "
        + "  ".join(f"{arm:>{w}}" for arm, w in zip(arms, widths, strict=True))
    )
    for m in metrics:
        lines.append(
            f"{m:<{name_width}}  "
            + "  ".join(f"{cells[arm, m]:>{w}}" for arm, w in zip(arms, widths, strict=True))
        )
    for arm, records in summary["differences"].items():
        lines.append("")
        lines.append(f"{arm} - {baseline} (paired, 95% CI, Holm p):")
        for m, rec in records.items():
            low, high = (format_difference(m, rec[k], currency) for k in ("ci95_low", "ci95_high"))
            ci = "" if rec["ci95_low"] is None else f" [{low}, {high}]"
            p = "n/a" if rec["p_holm"] is None else f"{rec['p_holm']:.3g}"
            lines.append(
                f"  {m:<{name_width}}  {format_difference(m, rec['mean'], currency)}{ci}  p={p}"
            )
    win = summary["winner"]
    verdict = "" if win["decisive"] else " (not decisive: run more replications)"
    lines += [
        "",
        f"winner on {win['metric']}: {win['arm']}, P(best) = {win['prob_best']:.3f}{verdict}",
    ]
    return "\n".join(lines)
