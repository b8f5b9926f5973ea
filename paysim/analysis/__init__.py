"""KPIs, statistics and calibration."""

from paysim.analysis.kpis import KPI_DESCRIPTIONS, KPI_NAMES, compute_kpis, kpis_from_payments

__all__ = ["KPI_DESCRIPTIONS", "KPI_NAMES", "compute_kpis", "kpis_from_payments"]
