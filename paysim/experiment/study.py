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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from paysim.analysis.kpis import KPI_NAMES
from paysim.errors import ScenarioError
from paysim.experiment.design import Task, code_hash, digest, simulation_code_hash
from paysim.experiment.execute import Backend, check_code, make_backend, parallel_runs
from paysim.experiment.load import Experiment, check_experiment_size, resolve_experiment
from paysim.experiment.outdir import (
    EXPERIMENT_FILES,
    STUDY_OUTPUTS,
    check_output_directory,
    experiment_recogniser,
    link_into,
    staged_directory,
)
from paysim.experiment.progress import Progress
from paysim.experiment.spec import ExperimentSpec
from paysim.experiment.store import ResultStore, write_atomic
from paysim.experiment.summary import summarize, target_half_width
from paysim.model.core.series import empty_frame, frame_from_record

#: Files of a finished study (``runs/`` holds the per-task results and is kept).
OUTPUT_FILES = STUDY_OUTPUTS
#: Code that turns results into ``summary.json`` and the report (hashed into provenance).
REPORT_SOURCES = ("analysis", "report", "experiment/summary.py", "experiment/gates.py")
#: Writes more outputs (the report) into a study folder being staged, from its results.
OutputWriter = Callable[[Path, "ExperimentResult"], Any]
#: Sequential mode: whether the results so far are enough (replaces the experiment's rule).
StopRule = Callable[[pd.DataFrame], bool]


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
    series: pd.DataFrame = field(default_factory=empty_frame)

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
    write_more: OutputWriter | None = None,
    stop: StopRule | None = None,
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
        progress: progress on stderr: None shows a bar on a terminal and a line every few
            seconds elsewhere (what the command line does), True a bar, False nothing.
        backend: where to run, replacing ``workers`` and ``dask`` (see
            ``paysim.experiment.execute``); closed when the study ends.
        write_more: called with the staging folder and the result, to add outputs (the
            command line writes the report) that appear with the others, atomically.
        stop: in sequential mode, called with the results after each batch; True stops the
            study (``paysim check`` stops when every assertion is decided). Default: the
            experiment's target, or its assertions when it has no target.

    Returns:
        The results table and the summary. The numbers are the same whatever ``workers``
        and ``dask`` are.

    Raises:
        ScenarioError: the experiment or its scenario is invalid, a run would not fit in
            memory (as many side by side as there are workers), or ``out`` is not a new,
            empty or earlier folder of the same experiment.

    """
    experiment = resolve_experiment(path_or_experiment, replications)
    out_dir = None if out is None else Path(out)
    try:
        if out_dir is not None:
            start_study_folder(out_dir, experiment)
        store = ResultStore(None if out_dir is None else out_dir / "runs")
        backend = make_backend(workers, dask) if backend is None else backend
    except BaseException:
        if backend is not None:
            backend.abort()
        raise
    try:
        check_experiment_size(experiment, parallel_runs(backend))
        n, counts = _run_replications(experiment, store, backend, progress, stop)
        backend.close()
    except BaseException:
        backend.abort()
        raise
    results = results_frame(experiment, experiment.tasks(range(n)), store)
    currency = str(experiment.scenario_raw.get("reporting_currency", "USD"))
    summary = summarize(
        results, experiment.spec, experiment.scenario_name, experiment.points, currency
    )
    series = series_frame(experiment, experiment.tasks(range(n)), store)
    result = ExperimentResult(experiment, results, summary, out_dir, *counts, series=series)
    if out_dir is not None:
        finish_study_folder(out_dir, result, n, write_more)
    return result


def start_study_folder(out_dir: Path, experiment: Experiment) -> None:
    """Check ``out_dir`` is new, empty or this experiment's, clear old outputs, mark it."""
    check_output_directory(out_dir, EXPERIMENT_FILES, experiment_recogniser(experiment.name))
    try:
        _clear_outputs(out_dir)
    except OSError as exc:
        raise ScenarioError.at(
            "--out", f"cannot write there ({exc.strerror})", str(out_dir)
        ) from None
    write_atomic(out_dir / "experiment.json", json.dumps(experiment.describe(), indent=2) + "\n")


def finish_study_folder(
    out_dir: Path, result: ExperimentResult, replications: int, write_more: OutputWriter | None
) -> None:
    """Write the outputs into a staged copy of the folder that then replaces it.

    The finished runs are hard-linked into the copy, so they are never lost: until the swap
    the folder is as it was, after it every output is there.
    """
    record = result.experiment.describe()
    record["provenance"] = provenance(result.experiment, replications)
    with staged_directory(out_dir) as staging:
        if (out_dir / "runs").is_dir():
            link_into(out_dir / "runs", staging / "runs")
        write_atomic(staging / "experiment.json", json.dumps(record, indent=2) + "\n")
        write_outputs(staging, result.results, result.summary, result.series)
        if write_more is not None:
            write_more(staging, result)


def provenance(experiment: Experiment, replications: int) -> dict[str, Any]:
    """What produced a study's outputs: its runs' fingerprints and the code that summarised them.

    A committed report is current when the same experiment, run by the code checked out now,
    gives the same record (``make reports`` regenerates it otherwise).
    """
    tasks = experiment.tasks(range(replications))
    return {
        "replications": replications,
        "runs": digest(sorted(task.fingerprint for task in tasks)),
        "simulation_code": simulation_code_hash(),
        "report_code": code_hash(REPORT_SOURCES),
    }


def _run_replications(
    experiment: Experiment,
    store: ResultStore,
    backend: Backend,
    progress: bool | None,
    stop: StopRule | None = None,
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
    meter = None if progress is False else Progress(experiment.name, "runs", progress)
    try:
        while True:
            ran, reused = _run_tasks(experiment.tasks(range(done, n)), store, backend, meter)
            done, n_run, n_reused = n, n_run + ran, n_reused + reused
            if sequential is None:
                return n, (n_run, n_reused)
            results = results_frame(experiment, experiment.tasks(range(n)), store)
            rule = _default_stop(spec) if stop is None else stop
            if n >= sequential.max or rule(results):
                return n, (n_run, n_reused)
            n = min(n + sequential.batch, sequential.max)
    finally:
        if meter is not None:
            meter.close()


def _default_stop(spec: ExperimentSpec) -> StopRule:
    """The experiment's own rule: its precision target, or every assertion decided."""
    target = spec.sequential.target if spec.sequential is not None else None
    if target is None:
        from paysim.experiment.gates import all_decided

        return lambda results: all_decided(results, spec)
    return lambda results: target_half_width(results, spec, target) <= target.half_width


def _run_tasks(
    tasks: Sequence[Task], store: ResultStore, backend: Backend, meter: Progress | None
) -> tuple[int, int]:
    """Run the tasks without a stored result; returns how many ran and how many were reused."""
    unique = {task.fingerprint: task for task in tasks}
    pending = [task for key, task in unique.items() if not store.has(key)]
    if meter is not None:
        meter.add_total(len(unique))
        meter.update(len(unique) - len(pending))
    for task, outcome in backend.run(pending):
        check_code(outcome)
        store.put(task, outcome)
        if meter is not None:
            meter.update(1)
    return len(pending), len(unique) - len(pending)


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


def series_frame(experiment: Experiment, tasks: Sequence[Task], store: ResultStore) -> pd.DataFrame:
    """The runs' hourly series stacked, each row with its arm, point and replication."""
    frames = []
    for task in sorted(tasks, key=lambda t: (t.arm_index, t.point, t.replication)):
        record = store.get(task.fingerprint)
        frame = frame_from_record(None if record is None else record.get("series"))
        if frame.empty:
            continue
        ids = {"arm": task.arm, "replication": task.replication}
        if experiment.spec.sweep is not None:
            ids = {"arm": task.arm, "point": task.point, "replication": task.replication}
        frames.append(frame.assign(**ids)[[*ids, *frame.columns]])
    if not frames:
        return empty_frame()
    return pd.concat(frames, ignore_index=True)


def write_outputs(
    out_dir: Path,
    results: pd.DataFrame,
    summary: dict[str, Any],
    series: pd.DataFrame | None = None,
) -> None:
    """Write the study's tables and ``summary.json``, each atomically (summary last).

    ``series.parquet`` is written when the runs recorded hourly series.
    """
    buffer = io.BytesIO()
    results.to_parquet(buffer, index=False)
    write_atomic(out_dir / "results.parquet", buffer.getvalue())
    if series is not None and not series.empty:
        buffer = io.BytesIO()
        series.to_parquet(buffer, index=False)
        write_atomic(out_dir / "series.parquet", buffer.getvalue())
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
