"""The report of a finished experiment: ``report.md`` and ``report.html`` with ``figures/``.

The report is built from the study folder alone (``experiment.json``, ``results.parquet`` and,
when the runs recorded any, ``series.parquet``):
the summary is recomputed from the results, so ``paysim report DIR`` always agrees with the
data. One list of blocks (headings, paragraphs, tables, images) is rendered twice, once as
Markdown and once as a self-contained HTML page.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from paysim.experiment.store import write_atomic
from paysim.report.figures import write_figures
from paysim.report.summary_text import (
    format_difference,
    holm_note,
    verdict_headline,
    verdict_short,
)
from paysim.report.table import format_kpi, interval_legend


@dataclass(frozen=True)
class Block:
    """One piece of the report: ``kind`` is heading, text, table or image."""

    kind: str
    content: Any


def _fmt(metric: str, value: float | None, currency: str) -> str:
    return "n/a" if value is None else format_kpi(metric, value, currency).strip()


_fmt_diff = format_difference


def _ci(metric: str, record: Mapping[str, Any], currency: str, diff: bool = False) -> str:
    fmt = _fmt_diff if diff else _fmt
    if record["ci95_low"] is None:
        return "n/a (one replication)"
    low, high = (
        fmt(metric, record["ci95_low"], currency),
        fmt(metric, record["ci95_high"], currency),
    )
    return f"{low} to {high}"


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _p_relation(value: float | None) -> str:
    """``< 0.001`` or ``= 0.042``, to follow a ``p``."""
    text = _p(value)
    return text if text.startswith("<") else f"= {text}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:+.2f} %"


def report_blocks(
    summary: Mapping[str, Any], figures: Sequence[tuple[str, str]], currency: str = "USD"
) -> list[Block]:
    """The report's content, in order."""
    metrics = list(summary["metrics"])
    arms = list(summary["arms"])
    baseline = summary["baseline"]
    blocks = [Block("heading", (1, f"Experiment {summary['experiment']}"))]
    if summary.get("description"):
        blocks.append(Block("text", summary["description"]))
    days = (
        f"{summary['days']:g} simulated day(s)" if summary.get("days") else "the scenario horizon"
    )
    blocks.append(
        Block(
            "text",
            (
                f"Scenario `{summary['scenario']}`, {len(arms)} arms x {summary['replications']} "
                f"replications of {days}, seed {summary['seed']}, common random numbers "
                f"{'on' if summary['common_random_numbers'] else 'off'}. Baseline: `{baseline}`. "
                f"Money in {currency}."
            ),
        )
    )
    blocks += _verdict(summary, currency)
    blocks.append(Block("heading", (2, "Arms: mean and 95% confidence interval")))
    header = ["metric", *arms]
    rows = [
        [f"{m} ({summary['metrics'][m]['goal']})"]
        + [
            f"{_fmt(m, summary['arms'][a][m]['mean'], currency)} "
            f"({_ci(m, summary['arms'][a][m], currency)})"
            for a in arms
        ]
        for m in metrics
    ]
    blocks.append(Block("table", (header, rows)))
    blocks.append(Block("text", interval_legend(summary, cells="bounds")))
    if summary["differences"]:
        blocks += _differences(summary, currency)
        blocks += _other_pairs(summary, currency)
    blocks += _ranking(summary)
    if summary["differences"]:
        blocks += _crn(summary)
    if "sequential" in summary:
        blocks += _sequential(summary["sequential"])
    if "gates" in summary:
        blocks += _gates(summary["gates"], currency)
    if "sweep" in summary:
        blocks += _sweep(summary, currency)
    blocks.append(Block("heading", (2, "Figures")))
    blocks += [Block("image", figure) for figure in figures]
    blocks.append(Block("heading", (2, "Method")))
    blocks.append(Block("text", _METHOD.format(min_n=summary["min_replications"])))
    return blocks


_METHOD = (
    "Each replication is one independent simulated world; its seed depends only on the "
    "experiment seed and the replication number, so results do not depend on how many workers "
    "ran them. Means carry Student-t 95% intervals (BCa bootstrap for skewed KPIs: VaR, "
    "losses, backlogs). Differences are paired by replication, for every pair of arms: paired "
    "t-test p-values, Holm-adjusted per metric over all k(k-1)/2 pairwise comparisons of the k "
    "arms; a difference is significant when the adjusted p is below 0.05 and its 95% interval "
    "excludes 0. The verdict is decisive only when the arm with the best mean on the first "
    "metric is significantly better than every other arm on it, with at least {min_n} "
    "replications. P(best) is the probability that an arm has the best mean, drawn from the "
    "same Student-t model as the intervals (for two arms it is one minus the one-sided paired "
    "t-test p-value; a Bayesian bootstrap over whole replications for bootstrap metrics); it is "
    "not given below {min_n} replications. The replications said to resolve a difference give "
    "a paired t-test 80% power at the Bonferroni level of the family, from the observed SD of "
    "the paired differences. The CRN ratio estimates how many times more replications "
    "independent random streams would need for the same precision: "
    "(Var(arm) + Var(baseline)) / Var(arm - baseline)."
)


def _sequential(seq: Mapping[str, Any]) -> list[Block]:
    target = seq["target"]
    state = "reached" if seq["reached"] else "not reached at the maximum"
    achieved = "n/a" if seq["half_width"] is None else f"{seq['half_width']:.4g}"
    text = (
        f"Target: 95% CI half-width of the {target['on']} of `{target['metric']}` at most "
        f"{target['half_width']:g}; {state} after {seq['replications']} replications "
        f"(maximum {seq['max']}; the target counts only from {seq['min_replications']} "
        f"replications, the fewest a verdict needs); achieved half-width {achieved}."
    )
    return [Block("heading", (2, "Sequential stopping")), Block("text", text)]


def _gates(gates: Mapping[str, Any], currency: str) -> list[Block]:
    """The CI gates: the table ``paysim check`` prints, with its closing line."""
    from paysim.report.gates_text import assertion_text, estimate_text, gate_lines

    rows = [
        [r["status"].upper(), assertion_text(r, currency), estimate_text(r, currency), str(r["n"])]
        for r in gates["assertions"]
    ]
    return [
        Block("heading", (2, "CI gates (assert)")),
        Block("table", (["status", "assertion", "estimate [one-sided bounds]", "n"], rows)),
        Block("text", gate_lines(gates, currency)[-1]),
    ]


def _verdict(summary: Mapping[str, Any], currency: str) -> list[Block]:
    """The verdict's own words (the same as ``paysim experiment`` prints and summary.json)."""
    verdict = summary["verdict"]
    headline = verdict_headline(verdict)
    text = f"**{headline[0].upper()}{headline[1:]}.** {verdict['text']}"
    return [Block("heading", (2, "Verdict")), Block("text", text)]


def _differences(summary: Mapping[str, Any], currency: str) -> list[Block]:
    header = ["arm", "metric", "difference", "95% CI", "relative", "p", "p (Holm)"]
    rows = [
        [
            arm,
            metric,
            _fmt_diff(metric, rec["mean"], currency),
            _ci(metric, rec, currency, True),
            _pct(rec["relative"]),
            _p(rec["p_value"]),
            _p(rec["p_holm"]) + (" *" if rec["significant"] else ""),
        ]
        for arm, records in summary["differences"].items()
        for metric, rec in records.items()
    ]
    return [
        Block("heading", (2, f"Paired differences to {summary['baseline']}")),
        Block("table", (header, rows)),
        Block("text", _significance_note(summary)),
    ]


def _significance_note(summary: Mapping[str, Any]) -> str:
    return (
        f"p (Holm): {holm_note(summary)}. * significant at 5% after Holm's correction, with "
        "the 95% CI excluding 0, on at least 6 replications."
    )


def _other_pairs(summary: Mapping[str, Any], currency: str) -> list[Block]:
    """The pairwise differences that do not involve the baseline (three or more arms)."""
    baseline = summary["baseline"]
    rows = [
        [
            f"{rec['arm']} - {rec['vs']}",
            metric,
            _fmt_diff(metric, rec["mean"], currency),
            _ci(metric, rec, currency, True),
            _p(rec["p_value"]),
            _p(rec["p_holm"]) + (" *" if rec["significant"] else ""),
        ]
        for metric, records in summary["pairwise"].items()
        for rec in records
        if rec["vs"] != baseline
    ]
    if not rows:
        return []
    header = ["pair", "metric", "difference", "95% CI", "p", "p (Holm)"]
    return [
        Block("heading", (2, "Other pairwise differences")),
        Block("table", (header, rows)),
        Block("text", _significance_note(summary)),
    ]


def _ranking(summary: Mapping[str, Any]) -> list[Block]:
    header = ["metric", *[f"#{i + 1}" for i in range(len(summary["arms"]))]]
    rows = [
        [metric]
        + [
            row["arm"] + ("" if row["prob_best"] is None else f" (P(best) {row['prob_best']:.2f})")
            for row in ranking
        ]
        for metric, ranking in summary["ranking"].items()
    ]
    blocks = [Block("heading", (2, "Ranking by mean")), Block("table", (header, rows))]
    if summary["replications"] < summary["min_replications"]:
        blocks.append(
            Block(
                "text",
                f"No P(best) with {summary['replications']} replication(s): it needs at least "
                f"{summary['min_replications']}. The order is that of the means alone.",
            )
        )
    return blocks


def _crn(summary: Mapping[str, Any]) -> list[Block]:
    ratios = summary["crn_variance_ratio"]
    metrics = list(summary["metrics"])
    header = ["arm", *metrics]
    rows = [
        [arm] + ["n/a" if r[m] is None else f"{r[m]:,.1f}x" for m in metrics]
        for arm, r in ratios.items()
    ]
    state = "with" if summary["common_random_numbers"] else "without (expect about 1x)"
    return [
        Block("heading", (2, "Common random numbers")),
        Block("text", f"Variance ratio Var(independent) / Var(paired), {state} common numbers:"),
        Block("table", (header, rows)),
    ]


def _sweep(summary: Mapping[str, Any], currency: str) -> list[Block]:
    sweep = summary["sweep"]
    metric = summary["primary_metric"]
    arms = list(summary["arms"])
    header = [*sweep["params"], *arms, "verdict"]
    rows = [
        [str(point["params"][p]) for p in sweep["params"]]
        + [_fmt(metric, point["arms"][a][metric]["mean"], currency) for a in arms]
        + [verdict_short(point["verdict"])]
        for point in sweep["points"]
    ]
    title = f"Sweep ({sweep['kind'].replace('_', ' ')}): {metric} per design point"
    note = (
        "Each point's verdict uses the same rule as the overall one, on that point's "
        "replications; the overall verdict compares the arms' means over the design."
    )
    return [Block("heading", (2, title)), Block("table", (header, rows)), Block("text", note)]


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            level, text = block.content
            out.append(f"{'#' * level} {text}")
        elif block.kind == "text":
            out.append(block.content)
        elif block.kind == "table":
            header, rows = block.content
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "---|" * len(header))
            out.extend("| " + " | ".join(row) + " |" for row in rows)
        elif block.kind == "image":
            path, caption = block.content
            out.append(f"![{caption}]({path})")
        out.append("")
    return "\n".join(out)


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
    "color:#222}table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;"
    "padding:.3em .6em;font-size:.9em;text-align:right}td:first-child,th:first-child"
    "{text-align:left}th{background:#f3f3f3}img{max-width:100%}figure{margin:1em 0}"
    "figcaption{color:#555;font-size:.9em}code{background:#f3f3f3;padding:0 .2em}"
)


def _inline(text: str) -> str:
    """Escape, then render the two inline marks the report uses: **bold** and `code`."""
    parts = html.escape(text).split("`")
    text = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    parts = text.split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def render_html(blocks: Sequence[Block], title: str) -> str:
    """The blocks as one self-contained HTML page (figures linked from ``figures/``)."""
    out = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{_CSS}</style></head><body>"
    ]
    for block in blocks:
        if block.kind == "heading":
            level, text = block.content
            out.append(f"<h{level}>{_inline(text)}</h{level}>")
        elif block.kind == "text":
            out.append(f"<p>{_inline(block.content)}</p>")
        elif block.kind == "table":
            header, rows = block.content
            out.append("<table><tr>" + "".join(f"<th>{_inline(h)}</th>" for h in header) + "</tr>")
            out.extend(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in rows
            )
            out.append("</table>")
        elif block.kind == "image":
            path, caption = block.content
            out.append(
                f"<figure><img src='{html.escape(path)}' alt='{html.escape(caption)}'>"
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
    out.append("</body></html>\n")
    return "\n".join(out)


def write_report(
    out_dir: str | Path,
    summary: Mapping[str, Any],
    results: Any,
    currency: str = "USD",
) -> Path:
    """Write ``report.md``, ``report.html`` and ``figures/`` into a study folder.

    Returns:
        The path of ``report.html``.

    """
    folder = Path(out_dir)
    figures_dir = folder / "figures"
    if figures_dir.exists():
        shutil.rmtree(figures_dir)
    series_path = folder / "series.parquet"
    series = pd.read_parquet(series_path) if series_path.exists() else None
    figures = write_figures(summary, results, figures_dir, series)
    blocks = report_blocks(summary, figures, currency)
    write_atomic(folder / "report.md", render_markdown(blocks))
    write_atomic(folder / "report.html", render_html(blocks, f"paysim: {summary['experiment']}"))
    return folder / "report.html"


def rebuild_report(out_dir: str | Path) -> Path:
    """Recompute the summary from ``results.parquet`` and rewrite the report (``paysim report``)."""
    from paysim.experiment.results import load_results
    from paysim.experiment.summary import summarize

    experiment, results = load_results(out_dir)
    currency = experiment_currency(experiment)
    summary = summarize(
        results, experiment.spec, experiment.scenario_name, experiment.points, currency
    )
    return write_report(out_dir, summary, results, currency)


def experiment_currency(experiment: Any) -> str:
    """The scenario's reporting currency (USD when it is not recorded)."""
    return str(experiment.scenario_raw.get("reporting_currency", "USD"))
