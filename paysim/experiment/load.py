"""Loading an experiment: the file, its scenario, and every override checked against it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paysim.errors import ScenarioError
from paysim.experiment.design import Task, design_points, digest, make_tasks
from paysim.experiment.sizing import check_run_size
from paysim.experiment.spec import (
    MAX_REPLICATIONS,
    UNION_TAGS,
    ExperimentSpec,
    MetricSpec,
    cross_problems,
    too_many_runs,
)
from paysim.model.spec import Scenario
from paysim.scenario.loader import (
    apply_overrides,
    read_yaml,
    scenario_from_dict,
    validate_model,
)

#: Above this many (arm, point) combinations only arms and points are checked on their own.
_MAX_CHECKED_COMBINATIONS = 200


@dataclass(frozen=True)
class Experiment:
    """A validated experiment with its scenario resolved: ready to make tasks.

    Attributes:
        spec: the experiment file's content.
        scenario_path: the scenario file (resolved against the experiment file's folder).
        scenario_raw: the scenario file's data, before any override.
        points: design points of the sweep (one empty point without a sweep).
        source: the experiment file, when loaded from one.

    """

    spec: ExperimentSpec
    scenario_path: Path
    scenario_raw: Mapping[str, Any]
    points: tuple[Mapping[str, Any], ...]
    source: Path | None = None
    _cells: dict[tuple[int, int], tuple[dict[str, Any], str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.spec.name

    @property
    def scenario_name(self) -> str:
        """The scenario's ``name``."""
        return str(self.scenario_raw.get("name", self.scenario_path.stem))

    @property
    def metrics(self) -> list[MetricSpec]:
        """The compared metrics; the first decides the winner."""
        return self.spec.metric_specs

    def overrides(self, arm_index: int, point: int) -> dict[str, Any]:
        """The overrides of one cell: the design point's values, then the arm's ``set``."""
        return {**self.points[point], **self.spec.arms[arm_index].overrides}

    def cell(self, point: int, arm_index: int) -> tuple[dict[str, Any], str]:
        """The scenario data of a cell and a digest of its validated content."""
        key = (point, arm_index)
        if key not in self._cells:
            raw = apply_overrides(self.scenario_raw, self.overrides(arm_index, point))
            scenario = scenario_from_dict(raw)
            self._cells[key] = (raw, digest(scenario.model_dump(mode="json", by_alias=True)))
        return self._cells[key]

    def tasks(self, replications: range) -> list[Task]:
        """The tasks of the given replications (every arm at every point)."""
        cells = {
            (p, a): self.cell(p, a)
            for p in range(len(self.points))
            for a in range(len(self.spec.arms))
        }
        return make_tasks(
            cells,
            self.spec.arm_names,
            replications,
            self.spec.seed,
            self.spec.common_random_numbers,
            self.spec.days,
        )

    def with_replications(self, replications: int) -> Experiment:
        """The same experiment with a fixed number of replications (``--replications``)."""
        if not 1 <= replications <= MAX_REPLICATIONS:
            raise ScenarioError.at(
                "--replications", f"must be >= 1 and <= {MAX_REPLICATIONS:,}", replications
            )
        if problem := too_many_runs(replications, len(self.spec.arms), len(self.points)):
            raise ScenarioError.at("--replications", problem, replications)
        spec = self.spec.model_copy(update={"replications": replications})
        return Experiment(spec, self.scenario_path, self.scenario_raw, self.points, self.source)

    def describe(self) -> dict[str, Any]:
        """Plain data recording what was run (written to ``experiment.json``)."""
        return {
            "experiment": self.spec.model_dump(mode="json", by_alias=True, exclude_none=True),
            "scenario_path": str(self.scenario_path),
            "scenario_name": self.scenario_name,
            "reporting_currency": self.scenario_raw.get("reporting_currency", "USD"),
            "points": [dict(p) for p in self.points],
        }


def load_experiment(path: str | Path, replications: int | None = None) -> Experiment:
    """Read and validate an experiment file; its scenario path is relative to the file.

    Args:
        path: the experiment file (YAML).
        replications: a fixed number of replications replacing the file's.

    Returns:
        The validated experiment.

    Raises:
        ScenarioError: one ``field.path: reason`` line per problem found.

    """
    path = Path(path)
    return experiment_from_dict(
        read_yaml(path), base_dir=path.parent, source=path, replications=replications
    )


def experiment_from_dict(
    raw: Mapping[str, Any],
    base_dir: str | Path = ".",
    source: Path | None = None,
    replications: int | None = None,
) -> Experiment:
    """Validate an experiment given as plain data (the Python-API twin of the file).

    Every arm's overrides are applied to the scenario and validated, and the resulting world
    is built (without running), so an unknown path, a bad value or an unknown channel in a
    routing order is reported before any simulation starts.
    """
    spec = validate_spec(raw)
    problems = cross_problems(spec)
    if problems:
        raise ScenarioError(problems)
    scenario_path = Path(base_dir) / spec.scenario
    try:
        scenario_raw = read_yaml(scenario_path)
    except ScenarioError as exc:
        reason = exc.problems[0].split(": ", 1)[-1]
        raise ScenarioError.at("scenario", reason, spec.scenario) from None
    points = tuple(design_points(spec.sweep, spec.seed))
    experiment = Experiment(spec, scenario_path, scenario_raw, points, source)
    check_against_scenario(experiment)
    if replications is not None:
        experiment = experiment.with_replications(replications)
    return experiment


def validate_spec(raw: Mapping[str, Any]) -> ExperimentSpec:
    """Validate an experiment's fields (not yet against its scenario)."""
    try:
        return validate_model(ExperimentSpec, raw)
    except ScenarioError as exc:
        lines = []
        for line in exc.problems:
            for tag in UNION_TAGS:
                if line.startswith((f"{tag}.", f"{tag}:")):
                    line = "replications" + line[len(tag) :]
            lines.append(line)
        raise ScenarioError(lines) from None


def check_against_scenario(experiment: Experiment) -> None:
    """Apply and validate every arm's and every design point's overrides."""
    spec = experiment.spec
    problems = _build_problems("scenario", experiment.scenario_raw, {})
    if problems:
        raise ScenarioError(problems)
    for arm in spec.arms:
        problems += _build_problems(
            f"arms.{arm.name}.set", experiment.scenario_raw, arm.overrides, spec.days
        )
    sweep_prefix = (
        "sweep.grid" if spec.sweep and spec.sweep.grid else "sweep.latin_hypercube.params"
    )
    for point in experiment.points:
        problems += _build_problems(sweep_prefix, experiment.scenario_raw, point, spec.days)
    problems = list(dict.fromkeys(problems))
    if problems:
        raise ScenarioError(problems)
    n_cells = len(experiment.points) * len(spec.arms)
    if len(experiment.points) > 1 and n_cells <= _MAX_CHECKED_COMBINATIONS:
        for p in range(len(experiment.points)):
            for a, arm in enumerate(spec.arms):
                overrides = experiment.overrides(a, p)
                problems += _build_problems(
                    f"arms.{arm.name}.set", experiment.scenario_raw, overrides, spec.days
                )
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))


def _build_problems(
    prefix: str, raw: Mapping[str, Any], overrides: Mapping[str, Any], days: float | None = None
) -> list[str]:
    try:
        scenario = scenario_from_dict(apply_overrides(raw, overrides))
        check_run_size(scenario, days)  # before the dry build, which allocates per buyer
        dry_build(scenario)
    except ScenarioError as exc:
        return [f"{prefix}.{problem}" for problem in exc.problems]
    return []


def check_experiment_size(experiment: Experiment, processes: int) -> None:
    """Refuse an experiment whose runs, ``processes`` side by side, would not fit in memory."""
    if processes < 1:
        return  # runs on other machines (Dask): their memory is not known here
    spec = experiment.spec
    first = spec.replications if spec.sequential is None else spec.sequential.initial
    assert isinstance(first, int)
    processes = min(processes, first * len(spec.arms) * len(experiment.points))
    for p in range(len(experiment.points)):
        for a, arm in enumerate(spec.arms):
            prefix = f"arms.{arm.name}.set." if experiment.overrides(a, p) else "scenario."
            scenario = scenario_from_dict(experiment.cell(p, a)[0])
            check_run_size(scenario, spec.days, processes=processes, prefix=prefix)


def dry_build(scenario: Scenario) -> None:
    """Build the scenario's world without running it, so strategy parameters are checked."""
    import numpy as np  # the world and its strategies load only when a run is checked

    from paysim.model.world import World
    from paysim.scenario.strategies import build_defence, build_hedger, build_router

    World(
        scenario, build_router(scenario), np.random.SeedSequence(0), horizon_s=1.0,
        defence=build_defence(scenario), hedger=build_hedger(scenario),
    )  # fmt: skip


def resolve_experiment(
    experiment: Experiment | ExperimentSpec | Mapping[str, Any] | str | Path,
    replications: int | None = None,
) -> Experiment:
    """An ``Experiment`` from a file path, plain data, a spec, or an ``Experiment``."""
    if isinstance(experiment, Experiment):
        return experiment if replications is None else experiment.with_replications(replications)
    if isinstance(experiment, str | Path):
        return load_experiment(experiment, replications)
    if isinstance(experiment, ExperimentSpec):
        experiment = experiment.model_dump(mode="python", by_alias=True, exclude_none=True)
    return experiment_from_dict(experiment, replications=replications)


def experiment_from_record(record: Mapping[str, Any]) -> Experiment:
    """The experiment recorded in a study folder's ``experiment.json`` (see ``describe``).

    The scenario file is not read again: the report of a finished study needs only the
    experiment, the scenario's name and the design points.
    """
    try:
        spec = validate_spec(record["experiment"])
    except ScenarioError as exc:  # a damaged record: one line, the first problem
        raise ScenarioError.at("experiment", exc.problems[0]) from None
    return Experiment(
        spec,
        Path(record["scenario_path"]),
        {"name": record["scenario_name"], "reporting_currency": record["reporting_currency"]},
        tuple(record["points"]),
    )


def is_experiment(raw: Mapping[str, Any]) -> bool:
    """Whether file data is an experiment (it has arms or names a scenario), not a scenario."""
    return "arms" in raw or "scenario" in raw
