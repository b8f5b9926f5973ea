"""The verdict of a comparison: one function of the summary, shown everywhere the same.

The arm with the best mean on the deciding metric (the first one) is the leader. It is the
winner, and the verdict ``decisive``, only if its paired difference to every other arm on that
metric is significant in the metric's goal direction: Holm-adjusted p below 0.05, with Holm
applied per metric over all k(k-1)/2 pairwise comparisons of the k arms, and the paired 95%
interval shown on the right side of 0. Otherwise it is ``leading`` (significantly better than
some arms, not all) or ``no_significant_difference``; with fewer than ``MIN_REPLICATIONS``
replications it is ``too_few_replications`` and carries no probability of being best; with
one arm it is ``single_arm``. The words say why, how many replications would resolve what is
unresolved, and what the leader loses on the other metrics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paysim.analysis.formatting import format_difference, format_estimate, format_kpi, format_p
from paysim.analysis.stats import MIN_REPLICATIONS, replications_for_power

ALPHA = 0.05
POWER = 0.8

STATUSES = (
    "decisive",
    "leading",
    "no_significant_difference",
    "too_few_replications",
    "single_arm",
)


def oriented(pairwise: Sequence[Mapping[str, Any]], arm: str, vs: str) -> dict[str, Any]:
    """The pairwise record of ``arm - vs``, flipped when it is stored as ``vs - arm``."""
    for record in pairwise:
        if (record["arm"], record["vs"]) == (arm, vs):
            return dict(record)
        if (record["arm"], record["vs"]) == (vs, arm):
            flipped = dict(record, arm=arm, vs=vs)
            flipped["mean"] = -record["mean"]
            low, high = record["ci95_low"], record["ci95_high"]
            flipped["ci95_low"] = None if high is None else -high
            flipped["ci95_high"] = None if low is None else -low
            return flipped
    raise KeyError(f"no pairwise comparison of {arm} and {vs}")


def significant_side(record: Mapping[str, Any]) -> int:
    """+1 or -1 when ``arm - vs`` is significantly positive or negative, else 0."""
    if not record.get("significant"):
        return 0
    low, high = record["ci95_low"], record["ci95_high"]
    if low is not None and low > 0:
        return 1
    if high is not None and high < 0:
        return -1
    return 0


def decide(summary: Mapping[str, Any], currency: str = "USD") -> dict[str, Any]:
    """The verdict of a summary's comparison (``summary.json["verdict"]``).

    Args:
        summary: a mapping with ``metrics`` (name to ``goal`` and ``interval``, the first
            deciding), ``baseline``, ``replications``, ``arms`` (per arm and metric: ``mean``,
            ``ci95_low``, ``ci95_high``), ``pairwise`` (per metric, every pair of arms) and
            ``ranking`` (per metric, with ``prob_best``).
        currency: the reporting currency, for the words.

    Returns:
        ``status``, ``metric``, ``goal``, ``winner`` (None unless decisive), ``leader``,
        ``prob_best``, the leader's ``mean`` and interval, ``comparisons`` (leader minus each
        other arm on the deciding metric), ``tradeoffs``, ``resolve`` and ``text``.

    """
    metrics = list(summary["metrics"])
    metric = metrics[0]
    goal = summary["metrics"][metric]["goal"]
    arms = list(summary["arms"])
    n = int(summary["replications"])
    leader = summary["ranking"][metric][0]["arm"]
    record = summary["arms"][leader][metric]
    n_pairs = len(arms) * (len(arms) - 1) // 2
    verdict: dict[str, Any] = {
        "metric": metric,
        "goal": goal,
        "replications": n,
        "min_replications": MIN_REPLICATIONS,
        "leader": leader,
        "winner": None,
        "prob_best": summary["ranking"][metric][0]["prob_best"],
        **{k: record[k] for k in ("mean", "ci95_low", "ci95_high")},
        "holm_family": f"the {n_pairs} pairwise comparisons of each metric",
        "comparisons": [],
        "tradeoffs": [],
        "resolve": None,
    }
    if len(arms) == 1:
        verdict["status"] = "single_arm"
        verdict["text"] = _single_arm_text(verdict, currency)
        return verdict
    sign = 1 if goal == "maximize" else -1
    comparisons = [
        oriented(summary["pairwise"][metric], leader, other) for other in arms if other != leader
    ]
    better = [significant_side(c) == sign for c in comparisons]
    if n < MIN_REPLICATIONS:
        status = "too_few_replications"
    elif all(better):
        status = "decisive"
    else:
        status = "leading" if any(better) else "no_significant_difference"
    verdict.update(status=status, comparisons=comparisons)
    if status == "decisive":
        verdict["winner"] = leader
    if status != "decisive":
        unresolved = [c for c, b in zip(comparisons, better, strict=True) if not b]
        verdict["resolve"] = _resolve(unresolved, len(arms), n)
    if n >= MIN_REPLICATIONS:
        verdict["tradeoffs"] = _tradeoffs(summary, leader)
    verdict["text"] = _text(summary, verdict, better, currency)
    return verdict


def _resolve(unresolved: list[dict[str, Any]], k: int, n: int) -> dict[str, Any] | None:
    """Replications for 80% power on the hardest unresolved comparison (None at n = 1)."""
    m = k * (k - 1) // 2
    alpha = ALPHA / m
    best: dict[str, Any] | None = None
    for c in unresolved:
        sd = c.get("sd")
        if sd is None or c["ci95_low"] is None:
            continue
        observed = float(c["mean"])
        half = (c["ci95_high"] - c["ci95_low"]) / 2.0
        if sd == 0.0:
            needed, target, basis = None, 0.0, "identical"
        else:
            basis = "observed" if abs(observed) >= half / 2.0 else "half_width"
            target = abs(observed) if basis == "observed" else half / 2.0
            needed = replications_for_power(target, sd, alpha, POWER)
            needed = None if needed is None else max(needed, MIN_REPLICATIONS, n + 1)
        row = {
            "vs": c["vs"],
            "replications": needed,
            "difference": target,
            "observed": observed,
            "basis": basis,
            "sd": sd,
            "power": POWER,
            "alpha": alpha,
            "family_size": m,
        }
        if best is None or _harder(row, best):
            best = row
    return best


def _harder(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether comparison ``a`` needs more replications than ``b`` (None: never resolved)."""
    if b["replications"] is None:
        return False
    return a["replications"] is None or a["replications"] > b["replications"]


def _tradeoffs(summary: Mapping[str, Any], leader: str) -> list[dict[str, Any]]:
    """Other metrics on which the leader is significantly worse than the baseline/runner-up."""
    metrics = list(summary["metrics"])
    tradeoffs = []
    for vs in _tradeoff_arms(summary, leader):
        for metric in metrics[1:]:
            c = oriented(summary["pairwise"][metric], leader, vs)
            worse = -1 if summary["metrics"][metric]["goal"] == "maximize" else 1
            if significant_side(c) == worse:
                tradeoffs.append(
                    {"metric": metric, "vs": vs}
                    | {k: c[k] for k in ("mean", "ci95_low", "ci95_high", "p_holm")}
                )
    return tradeoffs


def _tradeoff_arms(summary: Mapping[str, Any], leader: str) -> list[str]:
    """The arms trade-offs are measured against: the baseline, then the runner-up."""
    runner_up = summary["ranking"][next(iter(summary["metrics"]))][1]["arm"]
    against = [summary["baseline"]] if summary["baseline"] != leader else []
    return against + ([runner_up] if runner_up not in against else [])


def _estimate(metric: str, c: Mapping[str, Any], currency: str) -> str:
    return format_estimate(metric, c["mean"], c["ci95_low"], c["ci95_high"], currency)


def _comparison(metric: str, c: Mapping[str, Any], currency: str, n_pairs: int) -> str:
    """``a - b +9.10 USD [+8.70, +9.50] (Holm p < 0.001)`` (plain p for a single pair)."""
    label = "Holm " if n_pairs > 1 else ""
    p = "" if c["p_holm"] is None else f" ({label}{format_p(c['p_holm'])})"
    return f"{c['arm']} - {c['vs']} {_estimate(metric, c, currency)}{p}"


def _names(arms: Sequence[str]) -> str:
    return arms[0] if len(arms) == 1 else ", ".join(arms[:-1]) + " and " + arms[-1]


def _single_arm_text(verdict: Mapping[str, Any], currency: str) -> str:
    metric = verdict["metric"]
    value = format_kpi(metric, verdict["mean"], currency)
    if verdict["ci95_low"] is not None:
        low, high = (format_kpi(metric, verdict[k], currency) for k in ("ci95_low", "ci95_high"))
        value += f" [{low}, {high}]"
    return f"One arm only ({verdict['leader']}): nothing to compare; {metric} {value}."


def _text(
    summary: Mapping[str, Any], verdict: Mapping[str, Any], better: list[bool], currency: str
) -> str:
    metric, goal, leader, n = (verdict[k] for k in ("metric", "goal", "leader", "replications"))
    comparisons = verdict["comparisons"]
    n_pairs = len(comparisons) * (len(comparisons) + 1) // 2
    listed = "; ".join(_comparison(metric, c, currency, n_pairs) for c in comparisons)
    on = f"{metric} ({goal})"
    status = verdict["status"]
    if status == "too_few_replications":
        sentences = [_too_few(verdict, listed, better, currency)]
    elif status == "decisive":
        sentences = [
            f"Decisive: {leader} is best on {on}, significantly better than every other arm: "
            f"{listed}."
        ]
    else:
        behind = [c["vs"] for c, b in zip(comparisons, better, strict=True) if not b]
        ahead = [c["vs"] for c, b in zip(comparisons, better, strict=True) if b]
        if status == "leading":
            sentences = [
                f"No decisive winner on {on}: {leader} leads and is significantly better than "
                f"{_names(ahead)}, but not than {_names(behind)}: {listed}."
            ]
        else:
            sentences = [
                f"No significant difference on {on} with {n} replications: {leader}, ahead on "
                f"the mean, is not significantly better than any other arm: {listed}."
            ]
    if verdict["prob_best"] is not None:
        sentences.append(f"P({leader} best) = {verdict['prob_best']:.3f}.")
    if verdict["resolve"] is not None:
        sentences.append(_resolve_text(verdict, currency))
    if n >= MIN_REPLICATIONS:
        sentences.append(_tradeoff_text(summary, verdict, currency))
    family = (
        "one comparison per metric, so Holm changes nothing"
        if len(summary["arms"]) == 2
        else f"Holm over {verdict['holm_family']}"
    )
    sentences.append(f"(Paired differences by replication with their 95% CIs; {family}.)")
    return " ".join(s for s in sentences if s)


def _too_few(verdict: Mapping[str, Any], listed: str, better: list[bool], currency: str) -> str:
    metric, goal, leader, n = (verdict[k] for k in ("metric", "goal", "leader", "replications"))
    need = verdict["min_replications"]
    if n == 1:
        return (
            f"Too few replications for a verdict: 1 replication gives no confidence interval "
            f"and no P(best); a verdict needs at least {need}. In this replication {leader} "
            f"is ahead on {metric} ({goal}): {listed}."
        )
    if any(better):
        caveat = (
            f"significant on these {n} replications, but that rests on the normality of the "
            f"differences, which {n} values cannot check"
        )
    else:
        caveat = f"no significant difference with {n} replications"
    return (
        f"Too few replications for a verdict: {n}, and a verdict and P(best) need at least "
        f"{need}. On {metric} ({goal}) {leader} is ahead on the mean: {listed}; {caveat}."
    )


def _alpha_text(resolve: Mapping[str, Any]) -> str:
    m = resolve["family_size"]
    if m == 1:
        return "alpha = 0.05"
    return f"alpha = 0.05/{m}, Bonferroni over the {m} pairwise comparisons (Holm's strictest step)"


def _resolve_text(verdict: Mapping[str, Any], currency: str) -> str:
    resolve = verdict["resolve"]
    metric, leader, vs = verdict["metric"], verdict["leader"], resolve["vs"]
    if resolve["basis"] == "identical":
        return (
            f"{leader} and {vs} gave identical {metric} in every replication: more "
            "replications will not separate them."
        )
    how = f"80% power, two-sided paired t-test at {_alpha_text(resolve)}"
    target = format_difference(metric, resolve["difference"], currency, signed=False)
    observed = format_difference(metric, resolve["observed"], currency)
    needed = resolve["replications"]
    about = "More than 1,000,000" if needed is None else f"About {needed:,}"
    if verdict["replications"] < verdict["min_replications"]:
        how += f"; the SD of the paired differences is from only {verdict['replications']} values"
    how = f"({how})"
    if resolve["basis"] == "observed":
        return (
            f"{about} replications would resolve the observed difference of {observed} "
            f"between {leader} and {vs} {how}."
        )
    return (
        f"The observed difference between {leader} and {vs} ({observed}) is under half the "
        f"interval's half-width, too close to 0 to size a study on; {about.lower()} "
        f"replications would resolve a difference of {target} (half that half-width) {how}."
    )


def _tradeoff_text(summary: Mapping[str, Any], verdict: Mapping[str, Any], currency: str) -> str:
    leader = verdict["leader"]
    if len(summary["metrics"]) == 1:
        return ""
    by_arm: dict[str, list[str]] = {}
    for t in verdict["tradeoffs"]:
        by_arm.setdefault(t["vs"], []).append(
            f"{t['metric']} {_estimate(t['metric'], t, currency)}"
        )
    if not by_arm:
        against = _names(_tradeoff_arms(summary, leader))
        return f"{leader} is not significantly worse than {against} on any other metric."
    parts = [f"against {vs}, {', '.join(items)}" for vs, items in by_arm.items()]
    return f"Trade-offs (where {leader} is significantly worse): {'; '.join(parts)}."
