"""The KPI table printed by ``paysim run``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paysim.analysis.kpis import KPI_NAMES, kpi_unit

_FORMATS = {
    "count": "{:,.0f}",
    "share": "{:.2%}",
    "bps": "{:.1f} bps",
    "ms": "{:,.0f} ms",
    "days": "{:.2f} days",
    "h": "{:.2f} h",
    "expected": "{:,.1f}",
}


def format_kpi(name: str, value: float, currency: str) -> str:
    """One KPI value with its unit."""
    unit = kpi_unit(name)
    if unit == "money":
        return f"{value:,.2f} {currency}"
    return _FORMATS[unit].format(value)


def kpi_table(kpis: Mapping[str, Any], currency: str) -> str:
    """All KPIs, contract order first, aligned; then latency per channel and per method."""
    scalars = {n: v for n, v in kpis.items() if not isinstance(v, Mapping)}
    names = [n for n in KPI_NAMES if n in scalars] + [n for n in scalars if n not in KPI_NAMES]
    width = max(len(n) for n in names)
    lines = [f"{n:<{width}}  {format_kpi(n, scalars[n], currency):>22}" for n in names]
    for by in ("channel", "method"):
        p50, p99 = kpis.get(f"latency_p50_ms_by_{by}"), kpis.get(f"latency_p99_ms_by_{by}")
        if p50:
            lines += ["", f"latency by {by:<{width - 11}}  {'p50':>10}  {'p99':>10}"]
            lines += [
                f"  {k:<{width - 2}}  {v:>7,.0f} ms  {p99[k]:>7,.0f} ms" for k, v in p50.items()
            ]
    return "\n".join(lines)
