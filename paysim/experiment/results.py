"""Reading a finished study folder back: its experiment record and results table.

This is all ``paysim report`` needs of a study; it loads neither the world nor the runner.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from paysim.errors import ScenarioError
from paysim.experiment.load import Experiment, experiment_from_record


def load_results(out_dir: str | Path) -> tuple[Experiment, pd.DataFrame]:
    """The experiment and results table of a finished study folder.

    Raises:
        ScenarioError: ``experiment.json`` or ``results.parquet`` is missing, unreadable or not
            what paysim writes (one line naming the file).

    """
    folder = Path(out_dir)
    record_path, results_path = folder / "experiment.json", folder / "results.parquet"
    try:
        record = json.loads(record_path.read_text())
        experiment = experiment_from_record(record)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ScenarioError.at(
            str(record_path), f"not a paysim experiment record ({_why(exc)})"
        ) from None
    try:
        results = pd.read_parquet(results_path)
    except Exception as exc:  # pyarrow raises its own error types for a damaged file
        raise ScenarioError.at(str(results_path), f"cannot read it ({_why(exc)})") from None
    if problem := _results_problem(experiment, results):
        raise ScenarioError.at(str(results_path), problem)
    return experiment, results


def _why(exc: BaseException) -> str:
    if isinstance(exc, ScenarioError):
        return exc.problems[0]
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:120]


def _results_problem(experiment: Experiment, results: pd.DataFrame) -> str | None:
    """Why a results table cannot be what this experiment produced (None if it can)."""
    spec = experiment.spec
    needed = ["arm", "replication", *(m.name for m in spec.metric_specs)]
    if spec.sweep is not None:
        needed += ["point", *spec.sweep.paths]
    missing = [name for name in needed if name not in results.columns]
    if missing:
        return f"not this experiment's results (no column {', '.join(missing[:3])})"
    arms = set(results["arm"].astype(str))
    if not arms or not arms <= set(spec.arm_names) or spec.baseline not in arms:
        return f"not this experiment's results (arms {sorted(arms)[:5]})"
    for metric in spec.metric_specs:
        if not pd.api.types.is_numeric_dtype(results[metric.name]):
            return f"column {metric.name} is not numeric"
    return None
