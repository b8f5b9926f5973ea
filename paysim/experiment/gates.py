"""CI gates: an experiment's ``assert`` section judged on one-sided confidence bounds.

An assertion ``{metric, arm, vs, at_least | at_most, confidence}`` is about the mean paired
difference ``arm - vs`` (replication by replication: with common random numbers both arms of
a replication saw the same world) or, without ``vs``, about the arm's mean. At each *look*
(a number of finished replications) it gets the interval of ``paysim.analysis.stats`` at
two-sided level ``1 - 2 * alpha_look``, whose two bounds are one-sided ``1 - alpha_look``
bounds. ``at_least x`` passes when the lower bound is ``>= x``, fails when the upper bound is
``< x`` and is undecided otherwise (``at_most`` mirrors it). The first look that decides an
assertion decides it for good.

Repeated looks: the replications are looked at on a schedule fixed by the experiment
(``initial``, ``initial + batch``, ... ``max``; one look for a fixed count), and
``alpha_look = (1 - confidence) / K`` for the ``K`` looks with at least
``stats.MIN_REPLICATIONS`` replications (Bonferroni over looks). Whatever the data do, the
probability that an assertion is ever wrongly passed is at most ``1 - confidence``, and so
is the probability that it is ever wrongly failed. ``confidence`` is per assertion: the gate
(all assertions must pass) wrongly passes with probability at most ``1 - confidence`` of any
assertion that is false (an intersection-union test needs no correction), while a wrongly
failed build has probability at most the sum of ``1 - confidence`` over the true ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from paysim.analysis import stats
from paysim.experiment.spec import AssertSpec, ExperimentSpec, MetricSpec
from paysim.experiment.summary import replication_matrix, stable_seed

PASS, FAIL, UNDECIDED = "pass", "fail", "undecided"
#: ``paysim check`` exit codes by the gate's status.
EXIT_CODES = {PASS: 0, FAIL: 3, UNDECIDED: 4}


@dataclass(frozen=True)
class GateResult:
    """One assertion's outcome, with the numbers of the look that decided it (or the last).

    Attributes:
        index: position in the ``assert`` list.
        name: the assertion as text, e.g. ``auth_rate: candidate - production >= -0.001``.
        status: ``pass``, ``fail`` or ``undecided``.
        estimate: mean difference (or mean) at that look; None without any replication.
        low: lower one-sided bound at level ``1 - alpha_look`` (None below two replications).
        high: upper one-sided bound at the same level.
        n: replications at that look.
        threshold: the ``at_least`` or ``at_most`` value.
        bound: ``at_least`` or ``at_most``.
        alpha_look: one-sided error level spent at each look.
        interval: ``t``, ``bca`` or ``percentile``.
        reason: why, in words.

    """

    index: int
    name: str
    metric: str
    arm: str
    vs: str | None
    status: str
    estimate: float | None
    low: float | None
    high: float | None
    n: int
    threshold: float
    bound: str
    confidence: float
    alpha_look: float
    interval: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """The fields as plain data (for ``summary.json``)."""
        return asdict(self)


def look_schedule(spec: ExperimentSpec) -> list[int]:
    """The replication counts at which a study may stop, in order (the runner's batches)."""
    sequential = spec.sequential
    if sequential is None:
        assert isinstance(spec.replications, int)
        return [spec.replications]
    looks = list(range(sequential.initial, sequential.max, sequential.batch))
    return [*looks, sequential.max]


def decision_looks(spec: ExperimentSpec) -> list[int]:
    """The looks that may decide: those with at least ``stats.MIN_REPLICATIONS``."""
    return [n for n in look_schedule(spec) if n >= stats.MIN_REPLICATIONS]


def describe(gate: AssertSpec) -> str:
    """An assertion as text: ``auth_rate: candidate - production >= -0.001``."""
    subject = gate.arm if gate.vs is None else f"{gate.arm} - {gate.vs}"
    if gate.at_least is not None:
        return f"{gate.metric}: {subject} >= {gate.at_least:g}"
    return f"{gate.metric}: {subject} <= {gate.at_most:g}"


def _metric_spec(spec: ExperimentSpec, name: str) -> MetricSpec:
    """The experiment's spec of a metric (its interval method), or the KPI's default."""
    return next((m for m in spec.metric_specs if m.name == name), MetricSpec(name=name))


def _values(results: pd.DataFrame, gate: AssertSpec) -> tuple[np.ndarray, np.ndarray]:
    """Replication numbers and values ``[replication, arm (, vs)]``, rows paired."""
    arms = [gate.arm] if gate.vs is None else [gate.arm, gate.vs]
    if results.empty:
        return np.zeros(0, dtype=int), np.zeros((0, len(arms)))
    table = results.groupby(["replication", "arm"], sort=True)[gate.metric].mean()
    table = table.unstack("arm").reindex(columns=arms).dropna()
    return table.index.to_numpy(dtype=int), table.to_numpy(dtype=float)


def _interval(
    x: np.ndarray, gate: AssertSpec, method: str, alpha: float, seed: int
) -> stats.Interval:
    """Estimate and the two one-sided bounds at level ``1 - alpha`` (NaN below two values)."""
    if gate.vs is None:
        return stats.mean_interval(x[:, 0], method, confidence=1 - 2 * alpha, seed=seed)
    test = stats.paired_difference(x[:, 0], x[:, 1], method, confidence=1 - 2 * alpha, seed=seed)
    return test.interval


def _judge(gate: AssertSpec, low: float, high: float) -> str:
    """Pass when the bound clears the threshold, fail when the other bound misses it."""
    if math.isnan(low) or math.isnan(high):
        return UNDECIDED
    if gate.at_least is not None:
        if low >= gate.at_least:
            return PASS
        return FAIL if high < gate.at_least else UNDECIDED
    assert gate.at_most is not None
    if high <= gate.at_most:
        return PASS
    return FAIL if low > gate.at_most else UNDECIDED


def evaluate_gate(results: pd.DataFrame, spec: ExperimentSpec, index: int) -> GateResult:
    """Judge assertion ``index`` at every look the results reach, the first decision final."""
    gate = spec.assertions[index]
    method = _metric_spec(spec, gate.metric).method
    looks = decision_looks(spec)
    alpha = (1.0 - gate.confidence) / max(1, len(looks))
    replications, x = _values(results, gate)
    ran = 0 if results.empty else int(results["replication"].max()) + 1
    # a replication whose KPI is undefined (NaN) is left out of the looks that include it
    reached = [n for n in looks if n <= ran]
    status, interval, n = UNDECIDED, None, int(x.shape[0])
    for n in reached:
        rows = x[replications < n]
        if rows.shape[0] == 0:  # the KPI is undefined in every replication so far
            continue
        seed = stable_seed(spec.seed, "gate", index, n)
        interval = _interval(rows, gate, method, alpha, seed)
        if rows.shape[0] < stats.MIN_REPLICATIONS:  # undefined values left too few to decide
            continue
        status = _judge(gate, interval.low, interval.high)
        if status != UNDECIDED:
            break
    if interval is None and x.shape[0] > 0:  # no decision look reached: show what there is
        seed = stable_seed(spec.seed, "gate", index, int(x.shape[0]))
        interval = _interval(x, gate, method, alpha, seed)
    return _result(gate, index, status, interval, n, alpha, looks, method)


def _result(
    gate: AssertSpec,
    index: int,
    status: str,
    interval: stats.Interval | None,
    n: int,
    alpha: float,
    looks: Sequence[int],
    method: str,
) -> GateResult:
    def number(value: float | None) -> float | None:
        return None if value is None or not math.isfinite(value) else float(value)

    estimate = low = high = None
    if interval is not None:
        n, method = interval.n, interval.method
        estimate, low, high = number(interval.estimate), number(interval.low), number(interval.high)
    bound = "at_least" if gate.at_least is not None else "at_most"
    threshold = gate.at_least if gate.at_least is not None else gate.at_most
    assert threshold is not None
    return GateResult(
        index=index,
        name=describe(gate),
        metric=gate.metric,
        arm=gate.arm,
        vs=gate.vs,
        status=status,
        estimate=estimate,
        low=low,
        high=high,
        n=n,
        threshold=float(threshold),
        bound=bound,
        confidence=gate.confidence,
        alpha_look=alpha,
        interval=method,
        reason=_reason(status, gate, n, looks, alpha),
    )


def _reason(status: str, gate: AssertSpec, n: int, looks: Sequence[int], alpha: float) -> str:
    level = f"{1 - alpha:.4g} one-sided"
    if status == PASS:
        side = "lower" if gate.at_least is not None else "upper"
        return f"the {level} {side} bound clears the threshold at {n} replications"
    if status == FAIL:
        side = "upper" if gate.at_least is not None else "lower"
        return f"the {level} {side} bound is on the wrong side at {n} replications"
    if not looks:
        return (
            f"a decision needs at least {stats.MIN_REPLICATIONS} replications; "
            "the experiment allows fewer"
        )
    return f"the {level} interval still contains the threshold at {n} replications"


def evaluate(results: pd.DataFrame, spec: ExperimentSpec) -> list[GateResult]:
    """Every assertion of the experiment, judged on the results."""
    return [evaluate_gate(results, spec, i) for i in range(len(spec.assertions))]


def overall(statuses: Sequence[str]) -> str:
    """The gate's status: ``fail`` if one fails, else ``undecided`` if one is, else ``pass``."""
    if FAIL in statuses:
        return FAIL
    return UNDECIDED if UNDECIDED in statuses else PASS


def all_decided(results: pd.DataFrame, spec: ExperimentSpec) -> bool:
    """Whether every assertion is decided (the stopping rule of ``paysim check``)."""
    return all(gate.status != UNDECIDED for gate in evaluate(results, spec))


def gates_summary(results: pd.DataFrame, spec: ExperimentSpec) -> dict[str, Any]:
    """The ``gates`` section of ``summary.json``."""
    gates = evaluate(results, spec)
    n = int(replication_matrix(results, spec.metric_specs[0].name, spec.arm_names).shape[0])
    return {
        "status": overall([g.status for g in gates]),
        "replications": n,
        "looks": look_schedule(spec),
        "decision_looks": decision_looks(spec),
        "min_replications": stats.MIN_REPLICATIONS,
        "confidence_is": "per assertion",
        "assertions": [g.as_dict() for g in gates],
    }


def exit_code(gates: Mapping[str, Any]) -> int:
    """``paysim check``'s exit code for a ``gates`` section."""
    return EXIT_CODES[gates["status"]]
