"""The short text summary ``paysim experiment`` prints: arms, paired differences, verdict."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from paysim.analysis.formatting import format_difference, format_estimate
from paysim.report.table import arm_table

__all__ = [
    "format_difference",
    "holm_note",
    "summary_text",
    "verdict_headline",
    "verdict_lines",
    "verdict_short",
]

_STATUS_WORDS = {
    "decisive": "decisive",
    "leading": "not decisive",
    "no_significant_difference": "no significant difference",
    "too_few_replications": "too few replications",
    "single_arm": "one arm only",
}


def holm_note(summary: Mapping[str, Any]) -> str:
    """Which family the Holm-adjusted p-values are adjusted over."""
    k = len(summary["arms"])
    m = k * (k - 1) // 2
    if m <= 1:
        return "one comparison per metric, so Holm's adjustment changes nothing"
    return f"Holm-adjusted over the {m} pairwise comparisons of each metric"


def verdict_headline(verdict: Mapping[str, Any]) -> str:
    """``winner on net_margin: premium (decisive)`` or ``no winner on ...``."""
    words = _STATUS_WORDS[verdict["status"]]
    if verdict["winner"] is not None:
        return f"winner on {verdict['metric']}: {verdict['winner']} ({words})"
    if verdict["status"] == "leading":
        words = f"{verdict['leader']} leads, {words}"
    return f"no winner on {verdict['metric']} ({words})"


def verdict_short(verdict: Mapping[str, Any]) -> str:
    """``premium (decisive)`` or ``none (not decisive; premium leads)``, for a table cell."""
    words = _STATUS_WORDS[verdict["status"]]
    if verdict["winner"] is not None:
        return f"{verdict['winner']} ({words})"
    if verdict["status"] == "single_arm":
        return words
    return f"none ({words}; {verdict['leader']} leads)"


def verdict_lines(summary: Mapping[str, Any], width: int = 100) -> list[str]:
    """The verdict as printed: its headline, then its words wrapped and indented."""
    verdict = summary["verdict"]
    glued = verdict["text"].replace(" = ", "\0=\0").replace(" < ", "\0<\0")  # keep "p = 0.07"
    body = textwrap.wrap(glued, width - 2, break_on_hyphens=False)
    lines = ("  " + line.replace("\0", " ") for line in body)
    return [f"verdict: {verdict_headline(verdict)}", *lines]


def summary_text(summary: Mapping[str, Any], currency: str = "USD") -> str:
    """Arms x metrics with 95% CIs, paired differences of the arms, and the verdict."""
    arms = list(summary["arms"])
    lines = [
        f"{summary['experiment']}: {len(arms)} arms x {summary['replications']} replications "
        f"of scenario {summary['scenario']} (common random numbers "
        f"{'on' if summary['common_random_numbers'] else 'off'})",
        "",
        *arm_table(summary, currency),
    ]
    name_width = max(len(m) for m in [*summary["metrics"], "metric"])
    pairs: dict[tuple[str, str], list[str]] = {}
    for metric, records in summary.get("pairwise", {}).items():
        for rec in records:
            estimate = format_estimate(
                metric, rec["mean"], rec["ci95_low"], rec["ci95_high"], currency
            )
            p = "n/a" if rec["p_holm"] is None else f"{rec['p_holm']:.3g}"
            mark = " *" if rec["significant"] else ""
            pairs.setdefault((rec["arm"], rec["vs"]), []).append(
                f"  {metric:<{name_width}}  {estimate}  p={p}{mark}"
            )
    for (arm, vs), rows in pairs.items():
        lines += ["", f"{arm} - {vs} (paired, 95% CI, Holm p):", *rows]
    if pairs:
        lines += [
            "",
            f"p: {holm_note(summary)}; * significant at 5% "
            "(the CI excludes 0, at least 6 replications).",
        ]
    return "\n".join([*lines, "", *verdict_lines(summary)])
