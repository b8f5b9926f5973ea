"""Tables as text: the KPI table of ``paysim run`` and the arms table of ``paysim experiment``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paysim.analysis.formatting import format_kpi
from paysim.analysis.kpis import KPI_NAMES

__all__ = ["arm_table", "format_kpi", "interval_cell", "interval_legend", "kpi_table"]

#: How the summary's ``interval`` field is named in words.
_METHOD_NAMES = {"t": "Student-t", "bca": "BCa bootstrap", "percentile": "percentile bootstrap"}


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


def _value(metric: str, value: float | None, currency: str) -> str:
    return "n/a" if value is None else format_kpi(metric, value, currency).strip()


def interval_cell(metric: str, record: Mapping[str, Any], currency: str) -> str:
    """A mean with its 95% CI: ``mean ± half`` (t, symmetric) or ``mean [low, high]``.

    Bootstrap intervals are not symmetric around the mean, so they are written as bounds.
    """
    mean = _value(metric, record["mean"], currency)
    low, high = record["ci95_low"], record["ci95_high"]
    if low is None or high is None:
        return mean
    if record.get("interval", "t") == "t":
        return f"{mean} ± {_value(metric, (high - low) / 2, currency)}"
    return f"{mean} [{_value(metric, low, currency)}, {_value(metric, high, currency)}]"


def interval_legend(summary: Mapping[str, Any], cells: str = "table") -> str:
    """What the intervals shown are: 95% CIs of the mean, of which kind, over how many runs.

    Args:
        summary: the study's summary.
        cells: ``table`` for cells written by ``interval_cell`` (``±`` or brackets), ``bounds``
            for cells that write every interval as bounds.

    """
    n = summary["replications"]
    if n < 2:
        return "One replication: values without confidence intervals (an interval needs 2)."
    by_method: dict[str, list[str]] = {}
    for metric in summary["metrics"]:
        methods = {summary["arms"][arm][metric].get("interval", "t") for arm in summary["arms"]}
        for method in sorted(methods):
            by_method.setdefault(method, []).append(metric)
    parts = []
    for method, metrics in by_method.items():
        if cells == "bounds":
            mark = "intervals are"
        else:
            mark = "± is the half-width of" if method == "t" else "[low, high] is"
        scope = "" if len(by_method) == 1 else f" ({', '.join(metrics)})"
        parts.append(f"{mark} a {_METHOD_NAMES.get(method, method)} 95% CI of the mean{scope}")
    text = "; ".join(parts)
    return f"{text[0].upper()}{text[1:]}, over {n} replications."


def arm_table(summary: Mapping[str, Any], currency: str) -> list[str]:
    """Arms x metrics, each cell a mean with its 95% CI, then the legend line."""
    arms, metrics = list(summary["arms"]), list(summary["metrics"])
    cells = {
        (arm, m): interval_cell(m, summary["arms"][arm][m], currency)
        for arm in arms
        for m in metrics
    }
    name_width = max(len(m) for m in [*metrics, "metric"])
    widths = [max(len(arm), *(len(cells[arm, m]) for m in metrics)) for arm in arms]
    lines = [
        f"{'metric':<{name_width}}  "
        + "  ".join(f"{arm:>{w}}" for arm, w in zip(arms, widths, strict=True))
    ]
    for m in metrics:
        lines.append(
            f"{m:<{name_width}}  "
            + "  ".join(f"{cells[arm, m]:>{w}}" for arm, w in zip(arms, widths, strict=True))
        )
    return [*lines, interval_legend(summary)]
