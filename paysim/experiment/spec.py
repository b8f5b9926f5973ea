"""The experiment file schema: arms, replications, metrics, sweeps and CI gates.

Like the scenario schema, every model is strict and frozen with unknown keys forbidden, so a
typo is an error naming its field. Checks that span fields (the baseline is an arm, metric
names exist) are in ``cross_problems``; checks against the scenario itself (every override
path applies and validates) are made when the experiment is loaded.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from paysim.analysis.kpis import KPI_GOALS, KPI_NAMES, SKEWED_KPIS
from paysim.errors import field_problem
from paysim.model.core.spec_types import MAX_SEED, Name, Spec

#: Replications of one experiment: 10^5 is far beyond what any CI reaches for.
MAX_REPLICATIONS = 100_000
#: Simulations of one experiment (replications x arms x design points): each is at least a
#: fraction of a second, so a million is days of computing; more is a typo.
MAX_RUNS = 1_000_000
MAX_POINTS = 10_000
Count = Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)]


def _replications_kind(value: Any) -> str:
    return "sequential" if isinstance(value, dict | SequentialSpec) else "count"


#: A number of replications, or a precision target with a maximum (one error per mistake).
Replications = Annotated[
    Annotated[Count, Tag("count")] | Annotated["SequentialSpec", Tag("sequential")],
    Discriminator(_replications_kind),
]
#: Tags that pydantic puts in error locations and the file does not have.
UNION_TAGS = ("replications.count", "replications.sequential")


class MetricSpec(Spec):
    """A KPI to compare, with its goal when the default is not the right one."""

    name: str
    goal: Literal["maximize", "minimize"] | None = None
    interval: Literal["t", "bootstrap"] | None = None

    @property
    def maximize(self) -> bool:
        """Whether a higher value is better (KPIs with no natural goal rank higher first)."""
        if self.goal is not None:
            return self.goal == "maximize"
        return KPI_GOALS.get(self.name) is not False

    @property
    def method(self) -> str:
        """The interval method: ``bootstrap`` for skewed KPIs unless the file says otherwise."""
        if self.interval is not None:
            return self.interval
        return "bootstrap" if self.name in SKEWED_KPIS else "t"


class ArmSpec(Spec):
    """One variant: scenario overrides by dotted path, exactly like ``--set``."""

    name: Name
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set")


class TargetSpec(Spec):
    """The precision to reach: the 95% CI half-width of a metric."""

    metric: str
    half_width: float = Field(gt=0)
    on: Literal["difference", "mean"] = "difference"


class SequentialSpec(Spec):
    """Replications added in deterministic batches until the target precision or ``max``.

    Without a target (allowed when the experiment has assertions) the study stops when every
    assertion is decided.
    """

    target: TargetSpec | None = None
    max: int = Field(ge=2, le=MAX_REPLICATIONS)
    initial: int = Field(default=5, ge=2, le=MAX_REPLICATIONS)
    batch: Count = 5

    @model_validator(mode="after")
    def _initial_within_max(self) -> SequentialSpec:
        if self.initial > self.max:
            raise ValueError(f"initial ({self.initial}) must be <= max ({self.max})")
        return self


class RangeSpec(Spec):
    """A Latin hypercube dimension: ``[low, high]`` or a mapping with options."""

    low: float
    high: float
    integer: bool = False
    log: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"low": value[0], "high": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be < high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"log scale needs low > 0, got {self.low}")
        return self


class LatinHypercubeSpec(Spec):
    """``n`` points spread over the box of ``params`` (scipy.stats.qmc, seeded)."""

    n: int = Field(ge=1, le=MAX_POINTS)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    params: dict[str, RangeSpec] = Field(min_length=1)


class SweepSpec(Spec):
    """Design points: a full grid of listed values, or a Latin hypercube over ranges."""

    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] | None = Field(
        default=None, min_length=1
    )
    latin_hypercube: LatinHypercubeSpec | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SweepSpec:
        if (self.grid is None) == (self.latin_hypercube is None):
            raise ValueError("give exactly one of grid or latin_hypercube")
        return self

    @property
    def paths(self) -> list[str]:
        """The swept scenario paths, in file order."""
        if self.grid is not None:
            return list(self.grid)
        assert self.latin_hypercube is not None
        return list(self.latin_hypercube.params)


class AssertSpec(Spec):
    """A CI gate for ``paysim check``: a metric of an arm, alone or against another arm."""

    metric: str
    arm: str
    vs: str | None = None
    at_least: float | None = None
    at_most: float | None = None
    confidence: float = Field(default=0.95, gt=0, lt=1)

    @model_validator(mode="after")
    def _one_bound(self) -> AssertSpec:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least or at_most")
        return self


class ExperimentSpec(Spec):
    """The root of an experiment file."""

    name: Name
    description: str = ""
    scenario: str = Field(min_length=1)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    replications: Replications = 10
    common_random_numbers: bool = True
    baseline: str
    arms: list[ArmSpec] = Field(min_length=1, max_length=1000)
    metrics: list[str | MetricSpec] = Field(min_length=1)
    days: float | None = Field(default=None, gt=0, le=3660)
    sweep: SweepSpec | None = None
    assertions: list[AssertSpec] = Field(default_factory=list, alias="assert")

    @property
    def metric_specs(self) -> list[MetricSpec]:
        """The metrics, each as a ``MetricSpec`` (the first is the primary metric)."""
        return [m if isinstance(m, MetricSpec) else MetricSpec(name=m) for m in self.metrics]

    @property
    def arm_names(self) -> list[str]:
        """Arm names in file order."""
        return [arm.name for arm in self.arms]

    @property
    def sequential(self) -> SequentialSpec | None:
        """The sequential-mode settings, or None for a fixed number of replications."""
        return self.replications if isinstance(self.replications, SequentialSpec) else None


def cross_problems(spec: ExperimentSpec) -> list[str]:
    """Problems that span fields: names that must refer to arms or KPIs."""
    problems: list[str] = []
    arms = spec.arm_names
    seen: set[str] = set()
    for name in arms:
        if name in seen:
            problems.append(field_problem(f"arms.{name}", "duplicate arm name"))
        seen.add(name)
    if spec.baseline not in arms:
        problems.append(_not_an_arm("baseline", spec.baseline, arms))
    metric_names = [m.name for m in spec.metric_specs]
    for i, name in enumerate(metric_names):
        if name not in KPI_NAMES:
            problems.append(_unknown_kpi(f"metrics.{i}", name))
        elif name in metric_names[:i]:
            problems.append(field_problem(f"metrics.{i}", "listed twice", name))
    sequential = spec.sequential
    target = None if sequential is None else sequential.target
    if sequential is not None and target is None and not spec.assertions:
        problems.append(
            field_problem("replications.target", "required unless the experiment has assert")
        )
    if target is not None:
        if target.metric not in metric_names:
            problems.append(
                field_problem(
                    "replications.target.metric",
                    "must be one of the experiment's metrics",
                    target.metric,
                )
            )
        if target.on == "difference" and len(arms) < 2:
            problems.append(
                field_problem("replications.target.on", "'difference' needs at least two arms")
            )
    if spec.assertions and spec.sweep is not None:
        # pooling the design points would let a candidate pass on average while failing at one
        problems.append(
            field_problem(
                "assert", "cannot be combined with sweep: write one experiment per design point"
            )
        )
    for i, gate in enumerate(spec.assertions):
        if gate.metric not in KPI_NAMES:
            problems.append(_unknown_kpi(f"assert.{i}.metric", gate.metric))
        if gate.arm not in arms:
            problems.append(_not_an_arm(f"assert.{i}.arm", gate.arm, arms))
        if gate.vs is not None and gate.vs not in arms:
            problems.append(_not_an_arm(f"assert.{i}.vs", gate.vs, arms))
        elif gate.vs == gate.arm:
            problems.append(field_problem(f"assert.{i}.vs", "must be another arm", gate.vs))
    problems += _size_problems(spec)
    if spec.sweep is not None:
        for path in spec.sweep.paths:
            for arm in spec.arms:
                if path in arm.overrides:
                    problems.append(
                        field_problem(
                            f"sweep.{path}", f"also set by arm '{arm.name}'; sweep or set it"
                        )
                    )
    return problems


def n_points(sweep: SweepSpec | None) -> int:
    """The number of design points of a sweep (1 without one)."""
    if sweep is None:
        return 1
    if sweep.grid is not None:
        return math.prod(len(values) for values in sweep.grid.values())
    assert sweep.latin_hypercube is not None
    return sweep.latin_hypercube.n


def too_many_runs(replications: int, n_arms: int, points: int) -> str | None:
    """Why replications x arms x points is too many simulations, or None."""
    runs = replications * n_arms * points
    if runs <= MAX_RUNS:
        return None
    return (
        f"{replications:,} replications x {n_arms} arms x {points:,} points are "
        f"{runs:,} simulations, more than {MAX_RUNS:,}"
    )


def _size_problems(spec: ExperimentSpec) -> list[str]:
    points = n_points(spec.sweep)
    if points > MAX_POINTS:
        return [field_problem("sweep.grid", f"{points:,} points, more than {MAX_POINTS:,}")]
    most = spec.replications if spec.sequential is None else spec.sequential.max
    assert isinstance(most, int)
    if problem := too_many_runs(most, len(spec.arms), points):
        return [field_problem("replications", problem)]
    return []


def _not_an_arm(path: str, name: str, arms: list[str]) -> str:
    return field_problem(path, f"not an arm (arms: {', '.join(arms)})", name)


def _unknown_kpi(path: str, name: str) -> str:
    close = difflib.get_close_matches(name, KPI_NAMES, n=1)
    hint = f"; did you mean {close[0]}?" if close else "; see `paysim list kpis`"
    return field_problem(path, f"unknown KPI{hint}", name)
