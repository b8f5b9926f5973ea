"""The verdict (issue 7): consistent with the intervals shown, on synthetic results frames.

Each test builds a results table by hand (one row per arm and replication), summarises it as
``paysim experiment`` does, and checks ``summary["verdict"]``, the words, and the tables that
print it. No simulation runs here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from paysim.analysis import stats
from paysim.analysis.verdict import oriented
from paysim.experiment.spec import ExperimentSpec
from paysim.experiment.summary import summarize
from paysim.report.experiment import render_markdown, report_blocks
from paysim.report.summary_text import summary_text


def summary_of(
    columns: dict[str, dict[str, np.ndarray | list[float]]],
    metrics: list[str | dict[str, str]],
    baseline: str | None = None,
) -> dict:
    """The summary of a hand-made results table: ``columns[arm][metric]`` per replication."""
    arms = list(columns)
    rows = [
        {"arm": arm, "replication": r, **{m: float(v[r]) for m, v in columns[arm].items()}}
        for arm in arms
        for r in range(len(next(iter(columns[arm].values()))))
    ]
    spec = ExperimentSpec.model_validate(
        {
            "name": "synthetic",
            "scenario": "none.yaml",
            "seed": 3,
            "baseline": baseline or arms[0],
            "arms": [{"name": arm} for arm in arms],
            "metrics": metrics,
        }
    )
    return summarize(pd.DataFrame(rows), spec, "synthetic")


def world(n: int, seed: int = 0, level: float = 1000.0, sd: float = 100.0) -> np.ndarray:
    """The shared luck of ``n`` replications (what common random numbers pair)."""
    return np.random.default_rng(seed).normal(level, sd, n)


def test_one_replication_is_too_few_and_has_no_interval_nor_p_best():
    summary = summary_of(
        {"standard": {"net_margin": [1543.1]}, "premium": {"net_margin": [1452.6]}},
        ["net_margin"],
    )
    verdict = summary["verdict"]
    assert verdict["status"] == "too_few_replications"
    assert verdict["winner"] is None and verdict["leader"] == "standard"
    assert verdict["prob_best"] is None and verdict["ci95_low"] is None
    assert all(row["prob_best"] is None for row in summary["ranking"]["net_margin"])
    assert verdict["resolve"] is None  # no SD from one value: no replication count either
    assert "1 replication gives no confidence interval and no P(best)" in verdict["text"]
    assert "at least 6" in verdict["text"]
    assert "P(best) =" not in summary_text(summary)


def test_two_replications_with_a_ci_including_0_are_not_decisive():
    """The issue's case: -90.50 USD [-221.80, +40.80], then 'winner ... P(best) = 1.000'."""
    base = np.array([330.0, 2756.2])
    summary = summary_of(
        {
            "standard": {"net_margin": base},
            "premium": {"net_margin": base + np.array([-80.17, -100.83])},
        },
        ["net_margin"],
    )
    diff = summary["differences"]["premium"]["net_margin"]
    assert diff["ci95_low"] < 0 < diff["ci95_high"]
    verdict = summary["verdict"]
    assert verdict["status"] == "too_few_replications" and verdict["winner"] is None
    assert verdict["prob_best"] is None
    assert "no significant difference with 2 replications" in verdict["text"]
    assert "replications would resolve the observed difference of +90.50 USD" in verdict["text"]
    assert "80% power, two-sided paired t-test at alpha = 0.05" in verdict["text"]
    printed = summary_text(summary)
    assert "verdict: no winner on net_margin (too few replications)" in printed
    assert "P(best)" not in printed.split("verdict:")[0]  # the tables show none either


def test_a_clear_difference_with_enough_replications_is_decisive():
    shared = world(20, seed=1)
    noise = np.random.default_rng(2).normal(0, 5, 20)
    summary = summary_of(
        {"standard": {"net_margin": shared}, "premium": {"net_margin": shared + 30 + noise}},
        ["net_margin"],
    )
    verdict = summary["verdict"]
    assert verdict["status"] == "decisive" and verdict["winner"] == "premium"
    assert verdict["prob_best"] > 0.975
    assert verdict["resolve"] is None
    assert verdict["text"].startswith(
        "Decisive: premium is best on net_margin (maximize), significantly better than every "
        "other arm: premium - standard +"
    )
    assert "verdict: winner on net_margin: premium (decisive)" in summary_text(summary)


def test_a_leader_not_significantly_better_than_another_arm_is_not_decisive():
    """premium beats the baseline clearly and beats plus in every replication, but by amounts
    so uneven that the paired t-test cannot tell premium from plus: not decisive. (The
    Bayesian bootstrap of today's code gave premium P(best) = 1.000 here: it won every row.)"""
    shared = world(8, seed=4)
    plus = shared + 50.0
    premium = plus + np.array([0.1, 0.2, 0.1, 40.0, 0.1, 0.2, 0.1, 0.3])
    summary = summary_of(
        {
            "standard": {"net_margin": shared},
            "plus": {"net_margin": plus},
            "premium": {"net_margin": premium},
        },
        ["net_margin"],
    )
    verdict = summary["verdict"]
    assert verdict["leader"] == "premium" and verdict["winner"] is None
    assert verdict["status"] == "leading"
    vs_plus = oriented(summary["pairwise"]["net_margin"], "premium", "plus")
    assert vs_plus["p_value"] == pytest.approx(sps.ttest_rel(premium, plus).pvalue, rel=1e-12)
    assert not vs_plus["significant"]
    assert 0.5 < verdict["prob_best"] < 0.975  # agrees with the interval that includes 0
    assert stats.probability_best(
        np.column_stack([shared, plus, premium]), seed=1, method="bootstrap"
    )[2] == pytest.approx(1.0)  # the old Bayesian bootstrap: every row won, so "certain"
    assert (
        "No decisive winner on net_margin (maximize): premium leads and is significantly "
        "better than standard, but not than plus" in verdict["text"]
    )
    assert verdict["resolve"]["vs"] == "plus"
    assert "verdict: no winner on net_margin (premium leads, not decisive)" in summary_text(summary)
    assert "Holm over the 3 pairwise comparisons of each metric" in verdict["text"]
    assert "alpha = 0.05/3" in verdict["text"]


def test_holm_is_applied_over_every_pair_of_arms_on_each_metric():
    rng = np.random.default_rng(9)
    shared = world(10, seed=5)
    columns = {
        arm: {"net_margin": shared + shift + rng.normal(0, 8, 10)}
        for arm, shift in (("a", 0.0), ("b", 6.0), ("c", 9.0), ("d", 2.0))
    }
    summary = summary_of(columns, ["net_margin"])
    records = summary["pairwise"]["net_margin"]
    assert len(records) == 6
    pairs = {(r["arm"], r["vs"]) for r in records}
    assert {frozenset(p) for p in pairs} == {
        frozenset((x, y)) for x in "abcd" for y in "abcd" if x < y
    }
    raw = [r["p_value"] for r in records]
    assert [r["p_holm"] for r in records] == pytest.approx(list(stats.holm(raw)))
    for arm in "bcd":  # the differences to the baseline are the same records
        diff = summary["differences"][arm]["net_margin"]
        pair = oriented(records, arm, "a")
        assert {k: diff[k] for k in ("mean", "p_value", "p_holm")} == {
            k: pair[k] for k in ("mean", "p_value", "p_holm")
        }


def test_goal_direction_decides_for_a_metric_to_minimize():
    shared = world(12, seed=6, level=400, sd=20)
    noise = np.random.default_rng(7).normal(0, 0.5, 12)
    summary = summary_of(
        {"cheap": {"fees_bps": shared}, "dear": {"fees_bps": shared + 25 + noise}},
        ["fees_bps"],
        baseline="dear",
    )
    verdict = summary["verdict"]
    assert verdict["goal"] == "minimize"
    assert verdict["status"] == "decisive" and verdict["winner"] == "cheap"
    assert "cheap - dear -25." in verdict["text"]


def test_the_verdict_names_the_leaders_losses_on_the_other_metrics():
    rng = np.random.default_rng(8)
    shared = world(15, seed=8)
    auth = 0.85 + rng.normal(0, 0.01, 15)
    conv = 0.80 + rng.normal(0, 0.01, 15)
    fees = 400 + rng.normal(0, 3, 15)
    summary = summary_of(
        {
            "standard": {
                "net_margin": shared,
                "auth_rate": auth,
                "conversion_rate": conv,
                "fees_bps": fees,
            },
            "premium": {
                "net_margin": shared + 40 + rng.normal(0, 4, 15),
                "auth_rate": auth - 0.004 + rng.normal(0, 0.0005, 15),
                "conversion_rate": conv - 0.003 + rng.normal(0, 0.0005, 15),
                "fees_bps": fees + rng.normal(0, 5, 15),  # no real difference
            },
        },
        ["net_margin", "auth_rate", "conversion_rate", "fees_bps"],
    )
    verdict = summary["verdict"]
    assert verdict["status"] == "decisive"
    assert [t["metric"] for t in verdict["tradeoffs"]] == ["auth_rate", "conversion_rate"]
    assert all(t["vs"] == "standard" and t["ci95_high"] < 0 for t in verdict["tradeoffs"])
    text = verdict["text"]
    assert (
        "Trade-offs (where premium is significantly worse): against standard, "
        "auth_rate -0.39 pp [-0.41, -0.36], conversion_rate -0.28 pp [-0.32, -0.25]." in text
    )
    assert "fees_bps" not in text.split("Trade-offs")[1]
    report = render_markdown(report_blocks(summary, [], "USD"))
    assert text in report  # one verdict: the report shows the same words


def test_no_difference_at_all_sizes_a_study_on_half_the_interval_instead_of_infinity():
    shared = world(10, seed=10)
    noise = np.random.default_rng(11).normal(0, 5, 10)
    noise -= noise.mean()  # the observed mean difference is exactly 0
    summary = summary_of(
        {"standard": {"net_margin": shared}, "premium": {"net_margin": shared + noise}},
        ["net_margin"],
    )
    verdict = summary["verdict"]
    assert verdict["status"] == "no_significant_difference"
    resolve = verdict["resolve"]
    diff = summary["differences"]["premium"]["net_margin"]
    half = (diff["ci95_high"] - diff["ci95_low"]) / 2
    assert resolve["basis"] == "half_width" and resolve["difference"] == pytest.approx(half / 2)
    expected = stats.replications_for_power(half / 2, diff["sd"], 0.05, 0.8)
    assert resolve["replications"] == max(expected, 11)
    assert "too close to 0 to size a study on" in verdict["text"]
    assert (
        "No significant difference on net_margin (maximize) with 10 replications"
        in (verdict["text"])
    )


def test_the_arms_table_says_what_the_intervals_are():
    shared = world(8, seed=12)
    regret = np.random.default_rng(13).lognormal(0, 1, (8, 2))
    summary = summary_of(
        {
            "standard": {"net_margin": shared, "routing_regret": regret[:, 0]},
            "premium": {"net_margin": shared + 1, "routing_regret": regret[:, 1]},
        },
        ["net_margin", "routing_regret"],
    )
    printed = summary_text(summary)
    assert (
        "± is the half-width of a Student-t 95% CI of the mean (net_margin); [low, high] is a "
        "BCa bootstrap 95% CI of the mean (routing_regret), over 8 replications." in printed
    )
    row = next(line for line in printed.splitlines() if line.startswith("routing_regret"))
    assert "±" not in row and "[" in row  # an asymmetric interval is written as its bounds
    report = render_markdown(report_blocks(summary, [], "USD"))
    assert "Student-t 95% CI of the mean (net_margin)" in report


def test_identical_arms_are_not_sized_for_more_replications():
    shared = world(8, seed=14)
    summary = summary_of(
        {"a": {"net_margin": shared}, "b": {"net_margin": shared.copy()}}, ["net_margin"]
    )
    verdict = summary["verdict"]
    assert verdict["status"] == "no_significant_difference"
    assert verdict["resolve"]["basis"] == "identical" and verdict["resolve"]["replications"] is None
    assert "a and b gave identical net_margin in every replication" in verdict["text"]
    assert verdict["prob_best"] == pytest.approx(0.5)


def test_a_single_arm_has_nothing_to_compare():
    summary = summary_of({"only": {"net_margin": world(7)}}, ["net_margin"])
    verdict = summary["verdict"]
    assert verdict["status"] == "single_arm" and verdict["winner"] is None
    assert verdict["text"].startswith("One arm only (only): nothing to compare; net_margin ")


def test_no_difference_is_marked_significant_below_six_replications():
    # a clear, consistent difference: p < 0.05 already at 3 replications, yet no star until 6
    shared = world(6, seed=5)
    noise = np.random.default_rng(6).normal(0, 1, 6)
    for n, significant in ((3, False), (6, True)):
        summary = summary_of(
            {
                "standard": {"net_margin": shared[:n]},
                "premium": {"net_margin": shared[:n] + 30 + noise[:n]},
            },
            ["net_margin"],
        )
        (record,) = summary["pairwise"]["net_margin"]
        assert record["p_holm"] < 0.05
        assert record["significant"] is significant
