"""Figures of an experiment report: ``plot_x(..., ax=None) -> Axes``, from results only.

Nothing here runs a simulation: every plot reads the results table or the summary.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Figures are drawn with the object API (no pyplot): no global state, no display backend.
_COLORS = matplotlib.colormaps["tab10"].colors


def _subplots(
    rows: int = 1, cols: int = 1, figsize: tuple[float, float] = (5, 3.2)
) -> tuple[Figure, Any]:
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = _single((5, 3.2))
    return ax


def _single(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    fig, axes = _subplots(1, 1, figsize)
    return fig, axes[0, 0]


def _err(record: Mapping[str, Any]) -> tuple[float, float]:
    mean, low, high = record["mean"], record["ci95_low"], record["ci95_high"]
    if low is None or high is None:
        return 0.0, 0.0
    return mean - low, high - mean


def plot_arm_means(
    summary: Mapping[str, Any], metric: str, ax: Axes | None = None, baseline_line: bool = True
) -> Axes:
    """Each arm's mean of ``metric`` with its 95% CI, the baseline's mean as a dashed line."""
    ax = _axes(ax)
    arms = list(summary["arms"])
    for i, arm in enumerate(arms):
        record = summary["arms"][arm][metric]
        low, high = _err(record)
        ax.errorbar(
            i,
            record["mean"],
            yerr=[[low], [high]],
            fmt="o",
            capsize=4,
            color=_COLORS[i % len(_COLORS)],
        )
    if baseline_line:
        ax.axhline(summary["arms"][summary["baseline"]][metric]["mean"], ls="--", lw=0.8, c="0.6")
    ax.set_xticks(range(len(arms)), arms, rotation=20 if len(arms) > 3 else 0)
    ax.set_xlim(-0.5, len(arms) - 0.5)
    ax.set_title(f"{metric} (mean, 95% CI)", fontsize=9)
    ax.tick_params(labelsize=8)
    return ax


def plot_differences(summary: Mapping[str, Any], ax: Axes | None = None) -> Axes:
    """Paired differences to the baseline, relative to the baseline's mean, with 95% CIs."""
    ax = _axes(ax)
    rows = [
        (arm, metric, record)
        for arm, metrics in summary["differences"].items()
        for metric, record in metrics.items()
    ]
    labels = []
    for y, (arm, metric, record) in enumerate(reversed(rows)):
        base = abs(summary["arms"][summary["baseline"]][metric]["mean"]) or math.nan
        low, high = _err(record)
        arm_index = list(summary["arms"]).index(arm)
        ax.errorbar(
            100 * record["mean"] / base,
            y,
            xerr=[[100 * low / base], [100 * high / base]],
            fmt="o",
            capsize=3,
            color=_COLORS[arm_index % len(_COLORS)],
        )
        labels.append(f"{arm}: {metric}")
    ax.axvline(0.0, c="0.5", lw=0.8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel(f"difference to {summary['baseline']} (% of its mean), 95% CI", fontsize=8)
    ax.tick_params(labelsize=8)
    return ax


def plot_replications(
    results: pd.DataFrame, metric: str, arms: Sequence[str], ax: Axes | None = None
) -> Axes:
    """Every replication's value per arm; lines join the same replication across arms.

    With common random numbers the lines run nearly parallel: each replication's world is
    shared, and the paired differences vary far less than the values themselves.
    """
    ax = _axes(ax)
    table = results.groupby(["replication", "arm"])[metric].mean().unstack("arm")
    table = table.reindex(columns=list(arms)).dropna()
    x = np.arange(len(arms))
    for _, row in table.iterrows():
        ax.plot(x, row.to_numpy(), c="0.7", lw=0.6, zorder=1)
    for i, arm in enumerate(arms):
        ax.scatter(
            np.full(len(table), i), table[arm], s=12, zorder=2, color=_COLORS[i % len(_COLORS)]
        )
    ax.set_xticks(x, list(arms), rotation=20 if len(arms) > 3 else 0)
    ax.set_xlim(-0.5, len(arms) - 0.5)
    ax.set_title(f"{metric} per replication (lines pair replications)", fontsize=9)
    ax.tick_params(labelsize=8)
    return ax


def plot_sweep(summary: Mapping[str, Any], metric: str, ax: Axes | None = None) -> Axes:
    """Each arm's mean of ``metric`` at each design point against the first swept parameter."""
    ax = _axes(ax)
    sweep = summary["sweep"]
    param = sweep["params"][0]
    points = sorted(sweep["points"], key=lambda p: p["params"][param])
    xs = np.array([p["params"][param] for p in points], dtype=float)
    for i, arm in enumerate(summary["arms"]):
        records = [p["arms"][arm][metric] for p in points]
        means = np.array([r["mean"] for r in records], dtype=float)
        errors = np.array([_err(r) for r in records], dtype=float).T
        ax.errorbar(
            xs,
            means,
            yerr=errors,
            fmt="o-" if sweep["kind"] == "grid" else "o",
            capsize=3,
            ms=4,
            label=arm,
            color=_COLORS[i % len(_COLORS)],
        )
    ax.set_xlabel(param, fontsize=8)
    ax.set_title(f"{metric} across the sweep (mean, 95% CI)", fontsize=9)
    ax.legend(fontsize=8)
    ax.tick_params(labelsize=8)
    return ax


# Modules under paysim.report that draw a strategy family's own figures. Each defines
# ``figures(summary, results, series, folder) -> list[(file name, caption)]`` and returns []
# when the study has nothing of its family to show.
FAMILY_FIGURES: tuple[str, ...] = ()


def write_figures(
    summary: Mapping[str, Any],
    results: pd.DataFrame,
    folder: Path,
    series: pd.DataFrame | None = None,
) -> list[tuple[str, str]]:
    """Draw the report's figures into ``folder``; returns ``(file name, caption)`` pairs.

    ``series`` is the study's hourly series (``series.parquet``), when it has any.
    """
    folder.mkdir(parents=True, exist_ok=True)
    metrics = list(summary["metrics"])
    arms = list(summary["arms"])
    written: list[tuple[str, str]] = []

    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig, axes = _subplots(rows, cols, figsize=(4.2 * cols, 3.1 * rows))
    for ax, metric in zip(axes.flat, metrics, strict=False):
        plot_arm_means(summary, metric, ax)
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    written.append(_save(fig, folder / "means.png", "Each arm's mean with its 95% CI"))

    if summary["differences"]:
        n_rows = sum(len(m) for m in summary["differences"].values())
        fig, ax = _single((7, 0.9 + 0.32 * n_rows))
        plot_differences(summary, ax)
        written.append(
            _save(
                fig,
                folder / "differences.png",
                f"Paired differences to {summary['baseline']}, 95% CI",
            )
        )

    fig, ax = _single((1.6 + 1.4 * len(arms), 3.4))
    plot_replications(results, metrics[0], arms, ax)
    written.append(_save(fig, folder / "replications.png", f"{metrics[0]} in every replication"))

    if "sweep" in summary:
        fig, ax = _single((6, 3.6))
        plot_sweep(summary, metrics[0], ax)
        written.append(_save(fig, folder / "sweep.png", f"{metrics[0]} across the sweep"))
    for module_name in FAMILY_FIGURES:
        module = importlib.import_module(f"paysim.report.{module_name}")
        written += module.figures(summary, results, series, folder)
    return [(f"figures/{name}", caption) for name, caption in written]


def _save(fig: Any, path: Path, caption: str) -> tuple[str, str]:
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    return path.name, caption
