"""KPI values and differences as text, with their units (shared by the verdict and reports)."""

from __future__ import annotations

from paysim.analysis.kpis import kpi_unit

_FORMATS = {
    "count": "{:,.0f}",
    "share": "{:.2%}",
    "bps": "{:.1f} bps",
    "ms": "{:,.0f} ms",
    "days": "{:.2f} days",
    "h": "{:.2f} h",
    "expected": "{:,.1f}",
}

#: How a difference is written, without its unit: shares in percentage points.
_DIFFERENCE_FORMATS = {
    "money": ("{:,.2f}", " {currency}"),
    "share": ("{:.2f}", " pp"),
    "bps": ("{:.1f}", " bps"),
    "ms": ("{:,.0f}", " ms"),
    "days": ("{:.2f}", " days"),
    "h": ("{:.2f}", " h"),
    "expected": ("{:,.1f}", ""),
    "count": ("{:,.0f}", ""),
}


def format_kpi(name: str, value: float, currency: str) -> str:
    """One KPI value with its unit."""
    unit = kpi_unit(name)
    if unit == "money":
        return f"{value:,.2f} {currency}"
    return _FORMATS[unit].format(value)


def format_difference(
    metric: str, value: float | None, currency: str, unit: bool = True, signed: bool = True
) -> str:
    """A difference of a KPI with its sign and unit (shares in percentage points).

    Args:
        metric: the KPI.
        value: the difference (None is written ``n/a``).
        currency: the reporting currency of money KPIs.
        unit: whether to append the unit (``USD``, ``pp``, ``bps``...).
        signed: whether to write ``+`` before a positive number.

    """
    if value is None:
        return "n/a"
    kind = kpi_unit(metric)
    number, suffix = _DIFFERENCE_FORMATS[kind]
    magnitude = 100 * abs(value) if kind == "share" else abs(value)
    sign = "-" if value < 0 else ("+" if signed else "")
    text = sign + number.format(magnitude)
    return text + suffix.format(currency=currency) if unit else text


def format_estimate(
    metric: str,
    mean: float | None,
    low: float | None,
    high: float | None,
    currency: str,
) -> str:
    """A difference with its interval: ``-90.50 USD [-221.80, +40.80]`` (no interval: bare)."""
    text = format_difference(metric, mean, currency)
    if low is None or high is None:
        return text
    bounds = (format_difference(metric, v, currency, unit=False) for v in (low, high))
    return f"{text} [{', '.join(bounds)}]"


def format_p(value: float | None) -> str:
    """A p-value as ``p < 0.001`` or ``p = 0.042`` (``p n/a`` without one)."""
    if value is None:
        return "p n/a"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"
