"""The statistical summary of a study: ``summary.json``, computed from the results table alone.

The unit of analysis is the replication. With a sweep, an arm's value in replication ``r`` is
its mean over the design points (all points of a replication share its seed, so points are
not independent of each other, while replications are); each design point also gets its own
comparison. Everything random (bootstrap, posterior draws) is seeded from the experiment seed,
so the same results always give the same summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from paysim.analysis import stats
from paysim.experiment.design import digest
from paysim.experiment.spec import ExperimentSpec, MetricSpec, TargetSpec

#: Probability of being best above which a winner is called decisive.
DECISIVE = 0.95


def stable_seed(*parts: Any) -> int:
    """A 32-bit seed derived from labelled parts (the same parts, the same seed)."""
    return int(digest(*parts)[:8], 16)


def replication_matrix(frame: pd.DataFrame, metric: str, arms: Sequence[str]) -> np.ndarray:
    """Values ``[replication, arm]`` of a metric, each the mean over design points.

    Only replications finished for every arm are kept, so rows stay paired.
    """
    table = frame.groupby(["replication", "arm"], sort=True)[metric].mean().unstack("arm")
    table = table.reindex(columns=list(arms)).dropna()
    return table.to_numpy(dtype=float)


def _clean(value: Any) -> Any:
    """NaN and infinities become None (JSON has no NaN); numpy scalars become Python ones."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _interval_record(interval: stats.Interval) -> dict[str, Any]:
    return {
        "mean": interval.estimate,
        "ci95_low": interval.low,
        "ci95_high": interval.high,
        "n": interval.n,
        "interval": interval.method,
    }


def compare_arms(
    values: dict[str, np.ndarray],
    arms: Sequence[str],
    baseline: str,
    metrics: Sequence[MetricSpec],
    seed: int,
) -> dict[str, Any]:
    """Per-arm intervals, paired differences to the baseline, ranking and winner.

    Args:
        values: per metric, an array ``[replication, arm]`` with rows paired.
        arms: arm names, the columns of each array.
        baseline: the baseline arm.
        metrics: the metrics; the first one decides the winner.
        seed: root of the seeds of bootstrap and posterior draws.

    Returns:
        The ``arms``, ``differences``, ``ranking``, ``crn_variance_ratio`` and ``winner``
        sections of the summary.

    """
    base = list(arms).index(baseline)
    others = [a for a in arms if a != baseline]
    per_arm: dict[str, dict[str, Any]] = {arm: {} for arm in arms}
    differences: dict[str, dict[str, Any]] = {arm: {} for arm in others}
    variance: dict[str, dict[str, Any]] = {arm: {} for arm in others}
    ranking: dict[str, list[dict[str, Any]]] = {}
    for metric in metrics:
        x = values[metric.name]
        for j, arm in enumerate(arms):
            interval = stats.mean_interval(
                x[:, j], metric.method, seed=stable_seed(seed, "mean", metric.name, arm)
            )
            per_arm[arm][metric.name] = _interval_record(interval)
        tests = {}
        for arm in others:
            j = list(arms).index(arm)
            tests[arm] = stats.paired_difference(
                x[:, j],
                x[:, base],
                metric.method,
                seed=stable_seed(seed, "difference", metric.name, arm),
            )
            variance[arm][metric.name] = stats.crn_variance_ratio(x[:, j], x[:, base])
        adjusted = stats.holm([tests[arm].p_value for arm in others])
        base_mean = float(x[:, base].mean())
        for arm, p_holm in zip(others, adjusted, strict=True):
            test = tests[arm]
            record = _interval_record(test.interval)
            record.update(
                relative=test.interval.estimate / abs(base_mean) if base_mean else math.nan,
                p_value=test.p_value,
                p_holm=float(p_holm),
                significant=bool(p_holm < 0.05),
            )
            differences[arm][metric.name] = record
        ranking[metric.name] = _ranking(x, arms, metric, seed)
    return {
        "arms": per_arm,
        "differences": differences,
        "ranking": ranking,
        "crn_variance_ratio": variance,
        "winner": _winner(ranking, per_arm, differences, metrics[0], baseline),
    }


def _ranking(
    x: np.ndarray, arms: Sequence[str], metric: MetricSpec, seed: int
) -> list[dict[str, Any]]:
    prob = stats.probability_best(
        x, maximize=metric.maximize, seed=stable_seed(seed, "best", metric.name)
    )
    means = x.mean(axis=0)
    sign = -1.0 if metric.maximize else 1.0
    order = sorted(range(len(arms)), key=lambda j: (sign * means[j], -prob[j], j))
    return [
        {"rank": rank + 1, "arm": arms[j], "mean": float(means[j]), "prob_best": float(prob[j])}
        for rank, j in enumerate(order)
    ]


def _winner(
    ranking: dict[str, list[dict[str, Any]]],
    per_arm: dict[str, dict[str, Any]],
    differences: dict[str, dict[str, Any]],
    metric: MetricSpec,
    baseline: str,
) -> dict[str, Any]:
    top = max(ranking[metric.name], key=lambda row: (row["prob_best"], -row["rank"]))
    arm = top["arm"]
    return {
        "metric": metric.name,
        "goal": "maximize" if metric.maximize else "minimize",
        "arm": arm,
        "prob_best": top["prob_best"],
        "decisive": top["prob_best"] >= DECISIVE,
        **{k: per_arm[arm][metric.name][k] for k in ("mean", "ci95_low", "ci95_high")},
        "vs_baseline": None if arm == baseline else differences[arm][metric.name],
    }


def summarize(
    results: pd.DataFrame,
    spec: ExperimentSpec,
    scenario_name: str,
    points: Sequence[dict[str, Any]] = ({},),
) -> dict[str, Any]:
    """The content of ``summary.json`` from the results table and the experiment.

    Args:
        results: one row per arm, design point and replication, with a column per KPI.
        spec: the experiment.
        scenario_name: the scenario's name.
        points: the design points (one empty point without a sweep).

    Returns:
        Plain JSON-able data (NaN written as null).

    """
    arms, metrics = spec.arm_names, spec.metric_specs
    pooled = {m.name: replication_matrix(results, m.name, arms) for m in metrics}
    n = int(pooled[metrics[0].name].shape[0])
    summary: dict[str, Any] = {
        "experiment": spec.name,
        "description": spec.description,
        "scenario": scenario_name,
        "seed": spec.seed,
        "common_random_numbers": spec.common_random_numbers,
        "replications": n,
        "days": spec.days,
        "confidence": stats.CONFIDENCE,
        "baseline": spec.baseline,
        "primary_metric": metrics[0].name,
        "metrics": {
            m.name: {"goal": "maximize" if m.maximize else "minimize", "interval": m.method}
            for m in metrics
        },
        **compare_arms(pooled, arms, spec.baseline, metrics, spec.seed),
    }
    if (sequential := spec.sequential) is not None:
        half_width = target_half_width(results, spec, sequential.target)
        summary["sequential"] = {
            "target": sequential.target.model_dump(),
            "reached": bool(half_width <= sequential.target.half_width),
            "half_width": half_width,
            "replications": n,
            "max": sequential.max,
        }
    if spec.sweep is not None:
        summary["sweep"] = {
            "kind": "grid" if spec.sweep.grid is not None else "latin_hypercube",
            "params": spec.sweep.paths,
            "points": [_point_summary(results, spec, points, p) for p in range(len(points))],
        }
    return _clean(summary)


def _point_summary(
    results: pd.DataFrame, spec: ExperimentSpec, points: Sequence[dict[str, Any]], point: int
) -> dict[str, Any]:
    """The comparison at one design point, over its replications."""
    here = results[results["point"] == point]
    values = {m.name: replication_matrix(here, m.name, spec.arm_names) for m in spec.metric_specs}
    seed = stable_seed(spec.seed, "point", point)
    return {
        "point": point,
        "params": dict(points[point]),
        **compare_arms(values, spec.arm_names, spec.baseline, spec.metric_specs, seed),
    }


def target_half_width(results: pd.DataFrame, spec: ExperimentSpec, target: TargetSpec) -> float:
    """The largest 95% CI half-width of a precision target (over arms or differences).

    Uses the same interval method as the summary, so stopping agrees with what is reported.
    """
    metric = next(m for m in spec.metric_specs if m.name == target.metric)
    arms = spec.arm_names
    x = replication_matrix(results, metric.name, arms)
    if x.shape[0] < 2:
        return math.inf
    base = arms.index(spec.baseline)
    widths = []
    for j, arm in enumerate(arms):
        if target.on == "mean":
            seed = stable_seed(spec.seed, "mean", metric.name, arm)
            widths.append(stats.mean_interval(x[:, j], metric.method, seed=seed).half_width)
        elif j != base:
            seed = stable_seed(spec.seed, "difference", metric.name, arm)
            test = stats.paired_difference(x[:, j], x[:, base], metric.method, seed=seed)
            widths.append(test.interval.half_width)
    return max(widths)
