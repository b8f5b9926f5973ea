"""One replication of one scenario: ``paysim.simulate`` and ``paysim run``."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from paysim.analysis.kpis import compute_kpis
from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.recorder import ColumnarRecorder
from paysim.engine.replication import seed_label
from paysim.errors import ScenarioError
from paysim.experiment.outdir import check_output_directory, staged_directory
from paysim.experiment.progress import Progress
from paysim.experiment.sizing import check_run_size
from paysim.model.core.series import empty_frame
from paysim.model.money.ledger import Account
from paysim.model.spec import MAX_HORIZON_DAYS, Scenario
from paysim.model.world import World
from paysim.scenario.loader import load_scenario, scenario_from_dict, scenario_to_dict
from paysim.scenario.strategies import build_defence, build_hedger, build_router


@dataclass
class RunResult:
    """What one replication produced."""

    scenario: Scenario
    seed: int
    seed_sequence: str
    days: float
    kpis: dict[str, float]
    ledger: pd.DataFrame
    _recorder: ColumnarRecorder = field(repr=False)
    series: pd.DataFrame = field(default_factory=empty_frame, repr=False)
    """Hourly series (``series.parquet``): hour, series, key, value; see ``HourlySeries``."""

    @property
    def payments(self) -> pd.DataFrame:
        """One row per payment attempt (the columns of ``payments.parquet``)."""
        return self._recorder.to_frame()

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``: reproducible from the seed, no wall-clock values."""
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "seed_sequence": self.seed_sequence,
            "days": self.days,
            "reporting_currency": self.scenario.reporting_currency,
            "kpis": self.kpis,
        }


def resolve_scenario(
    scenario: Scenario | str | Path | Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """A validated scenario from a model, a file path or plain data, with overrides applied."""
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        return scenario_from_dict(scenario_to_dict(scenario), overrides)
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario, overrides)
    return scenario_from_dict(scenario, overrides)


def simulate(
    scenario: Scenario | str | Path | Mapping[str, Any],
    seed: int | np.random.SeedSequence | None = None,
    days: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    log_path: str | Path | None = None,
) -> RunResult:
    """Run one replication.

    Args:
        scenario: a ``Scenario``, a path to a scenario file, or the same data as a mapping.
        seed: an integer or a ``SeedSequence``; the scenario's ``seed`` when omitted.
        days: horizon in days, replacing ``horizon_days``.
        overrides: dotted paths to values, exactly like ``--set``.
        log_path: write the payments log to this Parquet file instead of memory.

    Returns:
        The KPIs, the payments log and the ledger balances of the run.

    Raises:
        ScenarioError: bad input, or a run too big for this machine's memory (with the
            estimate) or with too many windows.

    """
    spec = resolve_scenario(scenario, overrides)
    check_run_inputs(days, seed)
    check_run_size(spec, days, log_in_memory=log_path is None)
    return run_checked(spec, seed, days, log_path)


def run_checked(
    spec: Scenario,
    seed: int | np.random.SeedSequence | None = None,
    days: float | None = None,
    log_path: str | Path | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """``simulate`` of a scenario whose inputs and size have been checked already."""
    horizon_days = float(days) if days is not None else spec.horizon_days
    seed_value = spec.seed if seed is None else seed
    seed_sequence = (
        seed_value
        if isinstance(seed_value, np.random.SeedSequence)
        else np.random.SeedSequence(int(seed_value))
    )
    world = World(
        spec,
        build_router(spec),
        seed_sequence,
        horizon_days * SECONDS_PER_DAY,
        log_path=None if log_path is None else str(log_path),
        defence=build_defence(spec),
        hedger=build_hedger(spec),
    )
    if progress is not None:  # a clock job that only reports: the simulation is unchanged
        progress.add_total(horizon_days * 24)
        world.clock.every(spec.engine.batch_s, lambda t0, t1: progress.update((t1 - t0) / 3600))
    world.run()
    ledger = pd.DataFrame(
        world.ledger.balances,
        index=[a.name.lower() for a in Account],
        columns=list(world.currencies),
    )
    return RunResult(
        scenario=spec,
        seed=int(seed_sequence.entropy) if isinstance(seed_sequence.entropy, int) else 0,
        seed_sequence=seed_label(seed_sequence),
        days=horizon_days,
        kpis=compute_kpis(world.totals, world.ledger),
        ledger=ledger,
        _recorder=world.recorder,
        series=world.series.frame(),
    )


def check_run_inputs(
    days: float | None, seed: int | np.random.SeedSequence | None, prefix: str = ""
) -> None:
    """Reject a horizon or seed that the scenario schema would reject."""
    if days is not None and not (math.isfinite(days) and 0 < days <= MAX_HORIZON_DAYS):
        raise ScenarioError.at(f"{prefix}days", f"must be > 0 and <= {MAX_HORIZON_DAYS}", days)
    if isinstance(seed, int) and seed < 0:
        raise ScenarioError.at(f"{prefix}seed", "must be >= 0", seed)


def run_to_directory(
    scenario: Scenario,
    out_dir: str | Path,
    seed: int | None = None,
    days: float | None = None,
    progress: bool | None = False,
) -> RunResult:
    """Run one replication; write ``summary.json``, ``payments.parquet`` and ``series.parquet``.

    Everything is written into a temporary sibling directory that replaces ``out_dir`` only
    once complete, so an interrupted or failed run leaves no partial output behind. An
    existing ``out_dir`` is replaced only if it holds an earlier run's files and nothing else.
    ``progress`` shows simulated hours on stderr (None: always, as a bar or periodic lines).
    """
    check_run_inputs(days, seed)
    check_run_size(scenario, days, log_in_memory=False)
    out = check_output_directory(Path(out_dir))
    meter = None if progress is False else Progress(scenario.name, "simulated hours", progress)
    try:
        with staged_directory(out) as staging:
            result = run_checked(scenario, seed, days, staging / "payments.parquet", meter)
            (staging / "summary.json").write_text(json.dumps(result.summary(), indent=2) + "\n")
            result.series.to_parquet(staging / "series.parquet", index=False)
    finally:
        if meter is not None:
            meter.close()
    result._recorder.path = out / "payments.parquet"
    return result
