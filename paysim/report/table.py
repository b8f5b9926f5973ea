"""The KPI table printed by ``paysim run``."""

from __future__ import annotations

from collections.abc import Mapping

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


def kpi_table(kpis: Mapping[str, float], currency: str) -> str:
    """All KPIs, contract order first, aligned."""
    names = [n for n in KPI_NAMES if n in kpis] + [n for n in kpis if n not in KPI_NAMES]
    width = max(len(n) for n in names)
    return "\n".join(f"{n:<{width}}  {format_kpi(n, kpis[n], currency):>22}" for n in names)
