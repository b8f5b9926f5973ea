"""Monte Carlo studies: ``paysim.run_experiment`` and ``paysim experiment``.

A study runs every arm at every design point for each replication, keeps each finished task
as soon as it is done (so an interrupted study resumes where it stopped), then builds the
tidy results table and the statistical summary. In sequential mode replications are added in
fixed batches until the target precision is reached, so the stopping point, like everything
else, depends only on the experiment and its seed.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from paysim.analysis.kpis import KPI_NAMES
from paysim.experiment.design import Task
from paysim.experiment.execute import Backend, check_code, make_backend
from paysim.experiment.load import Experiment, resolve_experiment
from paysim.experiment.spec import ExperimentSpec
from paysim.experiment.store import ResultStore, write_atomic
from paysim.experiment.summary import summarize, target_half_width

#: Files of a finished study (``runs/`` holds the per-task results and is kept).
OUTPUT_FILES = ("results.parquet", "summary.json", "report.md", "report.html", "figures")


@dataclass
class ExperimentResult:
    """What a study produced.

    Attributes:
        experiment: the experiment that was run.
        results: one row per arm × design point × replication: ``scenario``, ``arm``,
            (``point`` and the swept parameters with a sweep), ``replication``, ``seed``,
            ``spawn_key``, then every KPI.
        summary: the content of ``summary.json`` (per-arm means and 95% CIs, paired
            differences to the baseline, ranking, winner).
        out_dir: where the outputs were written, if anywhere.
        n_run: simulations run by this call.
        n_reused: finished simulations found in ``out_dir/runs`` and reused.

    """

    experiment: Experiment
    results: pd.DataFrame
    summary: dict[str, Any]
    out_dir: Path | None = None
    n_run: int = 0
    n_reused: int = 0

    def table(self) -> pd.DataFrame:
        """Per arm and metric: mean and 95% CI, as a DataFrame (one row per arm and metric)."""
        rows = [
            {"arm": arm, "metric": metric, **record}
            for arm, metrics in self.summary["arms"].items()
            for metric, record in metrics.items()
        ]
        return pd.DataFrame(rows)


def run_experiment(
    path_or_experiment: Experiment | ExperimentSpec | Mapping[str, Any] | str | Path,
    workers: int | None = 1,
    dask: Any = None,
    *,
    out: str | Path | None = None,
    replications: int | None = None,
    progress: bool | None = False,
    backend: Backend | None = None,
) -> ExperimentResult:
    """Run a Monte Carlo comparison.

    Args:
        path_or_experiment: an experiment file, its content as a mapping (the scenario path
            then relative to the working directory), an ``ExperimentSpec`` or an
            ``Experiment``.
        workers: local worker processes; 1 runs in this process, None uses every core.
        dask: a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
            replaces local workers.
        out: folder for ``runs/`` (one file per finished task, reused on a re-run),
            ``experiment.json``, ``results.parquet`` and ``summary.json``.
        replications: a fixed number of replications replacing the experiment's.
        progress: show a progress bar on stderr (None: only when stderr is a terminal).
        backend: where to run, replacing ``workers`` and ``dask`` (see
            ``paysim.experiment.execute``); closed when the study ends.

    Returns:
        The results table and the summary. The numbers are the same whatever ``workers``
        and ``dask`` are.

    Raises:
        ScenarioError: the experiment or its scenario is invalid.

    """
    experiment = resolve_experiment(path_or_experiment, replications)
    out_dir = None if out is None else Path(out)
    if out_dir is not None:
        _clear_outputs(out_dir)
        write_atomic(
            out_dir / "experiment.json", json.dumps(experiment.describe(), indent=2) + "\n"
        )
    store = ResultStore(None if out_dir is None else out_dir / "runs")
    backend = make_backend(workers, dask) if backend is None else backend
    try:
        n, counts = _run_replications(experiment, store, backend, progress)
        backend.close()
    except BaseException:
        backend.abort()
        raise
    results = results_frame(experiment, experiment.tasks(range(n)), store)
    currency = str(experiment.scenario_raw.get("reporting_currency", "USD"))
    summary = summarize(
        results, experiment.spec, experiment.scenario_name, experiment.points, currency
    )
    if out_dir is not None:
        write_outputs(out_dir, results, summary)
    return ExperimentResult(experiment, results, summary, out_dir, *counts)


def _run_replications(
    experiment: Experiment, store: ResultStore, backend: Backend, progress: bool | None
) -> tuple[int, tuple[int, int]]:
    """Run replications until done (sequential mode: the target or the maximum).

    Returns:
        The number of replications, and how many tasks were run and reused.

    """
    spec = experiment.spec
    sequential = spec.sequential
    n = spec.replications if sequential is None else sequential.initial
    assert isinstance(n, int)
    done, n_run, n_reused = 0, 0, 0
    bar = _progress_bar(experiment, progress)
    try:
        while True:
            ran, reused = _run_tasks(experiment.tasks(range(done, n)), store, backend, bar)
            done, n_run, n_reused = n, n_run + ran, n_reused + reused
            if sequential is None:
                return n, (n_run, n_reused)
            results = results_frame(experiment, experiment.tasks(range(n)), store)
            target = sequential.target
            reached = target_half_width(results, spec, target) <= target.half_width
            if reached or n >= sequential.max:
                return n, (n_run, n_reused)
            n = min(n + sequential.batch, sequential.max)
    finally:
        if bar is not None:
            bar.close()


def _run_tasks(
    tasks: Sequence[Task], store: ResultStore, backend: Backend, bar: Any
) -> tuple[int, int]:
    """Run the tasks without a stored result; returns how many ran and how many were reused."""
    unique = {task.fingerprint: task for task in tasks}
    pending = [task for key, task in unique.items() if not store.has(key)]
    if bar is not None:
        bar.total = (bar.total or 0) + len(unique)
        bar.update(len(unique) - len(pending))
    for task, outcome in backend.run(pending):
        check_code(outcome)
        store.put(task, outcome)
        if bar is not None:
            bar.update(1)
    return len(pending), len(unique) - len(pending)


def _progress_bar(experiment: Experiment, progress: bool | None) -> Any:
    if progress is False:
        return None
    from tqdm import tqdm

    return tqdm(
        total=0,
        desc=experiment.name,
        unit="run",
        file=sys.stderr,
        disable=None if progress is None else not progress,
        dynamic_ncols=True,
    )


def results_frame(
    experiment: Experiment, tasks: Sequence[Task], store: ResultStore
) -> pd.DataFrame:
    """The tidy results table of finished tasks, in arm, point and replication order."""
    spec = experiment.spec
    swept = spec.sweep.paths if spec.sweep is not None else []
    rows = []
    for task in sorted(tasks, key=lambda t: (t.arm_index, t.point, t.replication)):
        record = store.get(task.fingerprint)
        if record is None:
            continue
        row: dict[str, Any] = {"scenario": experiment.scenario_name, "arm": task.arm}
        if spec.sweep is not None:
            row["point"] = task.point
            row.update({path: experiment.points[task.point][path] for path in swept})
        row.update(replication=task.replication, seed=task.seed, spawn_key=task.spawn_label)
        row.update({name: record["kpis"][name] for name in KPI_NAMES})
        rows.append(row)
    return pd.DataFrame(rows)


def write_outputs(out_dir: Path, results: pd.DataFrame, summary: dict[str, Any]) -> None:
    """Write ``results.parquet`` and ``summary.json``, each atomically (summary last)."""
    buffer = io.BytesIO()
    results.to_parquet(buffer, index=False)
    write_atomic(out_dir / "results.parquet", buffer.getvalue())
    write_atomic(out_dir / "summary.json", json.dumps(summary, indent=2) + "\n")


def _clear_outputs(out_dir: Path) -> None:
    """Remove a previous study's outputs, so a partial re-run never shows stale numbers."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def load_results(out_dir: str | Path) -> tuple[Experiment, pd.DataFrame]:
    """The experiment and results table of a finished study folder."""
    from paysim.experiment.load import experiment_from_record

    folder = Path(out_dir)
    record = json.loads((folder / "experiment.json").read_text())
    return experiment_from_record(record), pd.read_parquet(folder / "results.parquet")
