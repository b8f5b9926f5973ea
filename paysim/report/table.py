"""The KPI table printed by ``paysim run``."""

from __future__ import annotations

from collections.abc import Mapping

from paysim.analysis.kpis import KPI_NAMES

_COUNTS = {
    "checkouts", "payments_attempted", "payments_succeeded", "payments_failed",
    "checkouts_abandoned", "fraud_attempts", "review_backlog_max", "ledger_imbalance",
}  # fmt: skip
_SHARES = {
    "auth_rate",
    "conversion_rate",
    "fraud_caught_rate",
    "false_decline_rate",
    "chargeback_ratio",
}
_MONEY = {
    "gmv",
    "fees_total",
    "fx_pnl",
    "fx_var95",
    "fx_cvar95",
    "fraud_loss",
    "escrow_peak",
    "net_margin",
}


def format_kpi(name: str, value: float, currency: str) -> str:
    """One KPI value with its unit."""
    if name in _COUNTS:
        return f"{value:,.0f}"
    if name in _SHARES:
        return f"{100 * value:.2f} %"
    if name in _MONEY:
        return f"{value:,.2f} {currency}"
    if name.endswith("_bps"):
        return f"{value:.1f} bps"
    if name.endswith("_ms"):
        return f"{value:,.0f} ms"
    if name.endswith("_days"):
        return f"{value:.2f} days"
    if name.endswith("_h"):
        return f"{value:.2f} h"
    return f"{value:,.3f}"


def kpi_table(kpis: Mapping[str, float], currency: str) -> str:
    """All KPIs, contract order, aligned."""
    names = [n for n in KPI_NAMES if n in kpis]
    width = max(len(n) for n in names)
    return "\n".join(f"{n:<{width}}  {format_kpi(n, kpis[n], currency):>22}" for n in names)
