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
from paysim.analysis.verdict import decide
from paysim.experiment.design import digest
from paysim.experiment.spec import ExperimentSpec, MetricSpec, TargetSpec


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


def arm_pairs(arms: Sequence[str], baseline: str) -> list[tuple[str, str]]:
    """Every pair of arms once, as ``(arm, vs)`` for the difference ``arm - vs``.

    ``vs`` is the baseline when the pair has it (so these records are the differences to the
    baseline), otherwise the arm listed first.
    """
    others = [a for a in arms if a != baseline]
    pairs = [(arm, baseline) for arm in others]
    return pairs + [(b, a) for i, a in enumerate(others) for b in others[i + 1 :]]


def _pairwise(
    columns: dict[str, np.ndarray],
    pairs: Sequence[tuple[str, str]],
    baseline: str,
    metric: MetricSpec,
    seed: int,
) -> list[dict[str, Any]]:
    """Paired differences of every pair on one metric, Holm-adjusted over all the pairs.

    ``significant`` needs both the adjusted p below 0.05 and the interval shown excluding 0
    (they agree for t intervals; a bootstrap interval may disagree with the t-test).
    """
    tests = []
    for arm, vs in pairs:
        # the seed of a difference to the baseline is the one it always had
        label = (
            ("difference", metric.name, arm) if vs == baseline else ("pair", metric.name, arm, vs)
        )
        tests.append(
            stats.paired_difference(
                columns[arm], columns[vs], metric.method, seed=stable_seed(seed, *label)
            )
        )
    adjusted = stats.holm([t.p_value for t in tests])
    records = []
    for (arm, vs), test, p_holm in zip(pairs, tests, adjusted, strict=True):
        low, high = test.interval.low, test.interval.high
        excludes_zero = bool(low > 0 or high < 0)  # False for NaN bounds (one replication)
        records.append(
            {"arm": arm, "vs": vs}
            | _interval_record(test.interval)
            | {
                "sd": test.sd,
                "p_value": test.p_value,
                "p_holm": float(p_holm),
                # below MIN_REPLICATIONS a p-value rests on normality nobody can check
                "significant": bool(p_holm < 0.05)
                and excludes_zero
                and test.interval.n >= stats.MIN_REPLICATIONS,
            }
        )
    return records


def compare_arms(
    values: dict[str, np.ndarray],
    arms: Sequence[str],
    baseline: str,
    metrics: Sequence[MetricSpec],
    seed: int,
    currency: str = "USD",
) -> dict[str, Any]:
    """Per-arm intervals, paired differences of every pair of arms, ranking and verdict.

    Holm's correction is applied per metric over the family of all k(k-1)/2 pairwise
    comparisons of the k arms; ``differences`` are the pairs that include the baseline, with
    the same adjusted p-values.

    Args:
        values: per metric, an array ``[replication, arm]`` with rows paired.
        arms: arm names, the columns of each array.
        baseline: the baseline arm.
        metrics: the metrics; the first one decides the verdict.
        seed: root of the seeds of bootstrap and posterior draws.
        currency: the reporting currency, for the verdict's words.

    Returns:
        The ``arms``, ``pairwise``, ``differences``, ``ranking``, ``crn_variance_ratio`` and
        ``verdict`` sections of the summary.

    """
    pairs = arm_pairs(arms, baseline)
    per_arm: dict[str, dict[str, Any]] = {arm: {} for arm in arms}
    pairwise: dict[str, list[dict[str, Any]]] = {}
    differences: dict[str, dict[str, Any]] = {arm: {} for arm in arms if arm != baseline}
    variance: dict[str, dict[str, Any]] = {arm: {} for arm in differences}
    ranking: dict[str, list[dict[str, Any]]] = {}
    for metric in metrics:
        x = values[metric.name]
        columns = {arm: x[:, j] for j, arm in enumerate(arms)}
        for arm in arms:
            interval = stats.mean_interval(
                columns[arm], metric.method, seed=stable_seed(seed, "mean", metric.name, arm)
            )
            per_arm[arm][metric.name] = _interval_record(interval)
        pairwise[metric.name] = _pairwise(columns, pairs, baseline, metric, seed)
        base_mean = float(columns[baseline].mean())
        for record in pairwise[metric.name]:
            arm = record["arm"]
            if record["vs"] != baseline:
                continue
            relative = record["mean"] / abs(base_mean) if base_mean else math.nan
            differences[arm][metric.name] = {
                k: v for k, v in record.items() if k not in ("arm", "vs")
            } | {"relative": relative}
            variance[arm][metric.name] = stats.crn_variance_ratio(columns[arm], columns[baseline])
        ranking[metric.name] = _ranking(x, arms, metric, seed)
    sections = {
        "arms": per_arm,
        "pairwise": pairwise,
        "differences": differences,
        "ranking": ranking,
        "crn_variance_ratio": variance,
    }
    goals = {
        m.name: {"goal": "maximize" if m.maximize else "minimize", "interval": m.method}
        for m in metrics
    }
    n = int(values[metrics[0].name].shape[0])
    context = {"metrics": goals, "baseline": baseline, "replications": n}
    sections["verdict"] = decide(_clean(context | sections), currency)
    return sections


def _ranking(
    x: np.ndarray, arms: Sequence[str], metric: MetricSpec, seed: int
) -> list[dict[str, Any]]:
    """Arms by mean in the goal direction, with P(best) (None below ``MIN_REPLICATIONS``)."""
    if x.shape[0] >= stats.MIN_REPLICATIONS:
        prob: list[float | None] = stats.probability_best(
            x,
            maximize=metric.maximize,
            seed=stable_seed(seed, "best", metric.name),
            method=metric.method,
        ).tolist()
    else:
        prob = [None] * len(arms)
    means = x.mean(axis=0)
    sign = -1.0 if metric.maximize else 1.0
    order = sorted(range(len(arms)), key=lambda j: (sign * means[j], j))
    return [
        {"rank": rank + 1, "arm": arms[j], "mean": float(means[j]), "prob_best": prob[j]}
        for rank, j in enumerate(order)
    ]


def summarize(
    results: pd.DataFrame,
    spec: ExperimentSpec,
    scenario_name: str,
    points: Sequence[dict[str, Any]] = ({},),
    currency: str = "USD",
) -> dict[str, Any]:
    """The content of ``summary.json`` from the results table and the experiment.

    Args:
        results: one row per arm, design point and replication, with a column per KPI.
        spec: the experiment.
        scenario_name: the scenario's name.
        points: the design points (one empty point without a sweep).
        currency: the scenario's reporting currency (for the verdict's words).

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
        "min_replications": stats.MIN_REPLICATIONS,
        "currency": currency,
        "baseline": spec.baseline,
        "primary_metric": metrics[0].name,
        "metrics": {
            m.name: {"goal": "maximize" if m.maximize else "minimize", "interval": m.method}
            for m in metrics
        },
        **compare_arms(pooled, arms, spec.baseline, metrics, spec.seed, currency),
    }
    if (sequential := spec.sequential) is not None and sequential.target is not None:
        half_width = largest_half_width(results, spec, sequential.target)
        summary["sequential"] = {
            "target": sequential.target.model_dump(),
            "reached": bool(
                n >= stats.MIN_REPLICATIONS and half_width <= sequential.target.half_width
            ),
            "half_width": half_width,
            "replications": n,
            "min_replications": stats.MIN_REPLICATIONS,
            "max": sequential.max,
        }
    if spec.assertions:
        from paysim.experiment.gates import gates_summary

        summary["gates"] = gates_summary(results, spec)
    if spec.sweep is not None:
        summary["sweep"] = {
            "kind": "grid" if spec.sweep.grid is not None else "latin_hypercube",
            "params": spec.sweep.paths,
            "points": [
                _point_summary(results, spec, points, p, currency) for p in range(len(points))
            ],
        }
    return _clean(summary)


def _point_summary(
    results: pd.DataFrame,
    spec: ExperimentSpec,
    points: Sequence[dict[str, Any]],
    point: int,
    currency: str,
) -> dict[str, Any]:
    """The comparison at one design point, over its replications."""
    here = results[results["point"] == point]
    values = {m.name: replication_matrix(here, m.name, spec.arm_names) for m in spec.metric_specs}
    seed = stable_seed(spec.seed, "point", point)
    return {
        "point": point,
        "params": dict(points[point]),
        **compare_arms(values, spec.arm_names, spec.baseline, spec.metric_specs, seed, currency),
    }


def target_half_width(results: pd.DataFrame, spec: ExperimentSpec, target: TargetSpec) -> float:
    """The half-width sequential stopping compares with its target (infinite until enough data).

    It is the largest 95% CI half-width of the target (``largest_half_width``), but infinite
    with fewer than ``MIN_REPLICATIONS`` replications: a study never stops before it has the
    replications its verdict needs, nor on a precision estimated from a handful of values.
    """
    if _n_complete(results, spec) < stats.MIN_REPLICATIONS:
        return math.inf
    return largest_half_width(results, spec, target)


def _n_complete(results: pd.DataFrame, spec: ExperimentSpec) -> int:
    metric = spec.metric_specs[0].name
    return int(replication_matrix(results, metric, spec.arm_names).shape[0])


def largest_half_width(results: pd.DataFrame, spec: ExperimentSpec, target: TargetSpec) -> float:
    """The largest 95% CI half-width of a precision target (over arms or differences).

    Uses the same interval method and seeds as the summary, so stopping agrees with what is
    reported.
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
