"""The routing registry: decorator and entry points (also in workers), errors with paths."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

import paysim
from paysim.errors import PaysimError, ScenarioError
from paysim.strategies import ROUTERS, BaseRouter
from paysim.strategies.registry import Registry
from paysim.testing import RoutingStrategyContract

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "scenarios" / "quickstart.yaml"

PLUGIN = '''
"""A third-party routing strategy, shipped in its own package."""

import numpy as np

from paysim.strategies.routing.base import BaseRouter


class LastCandidateRouter(BaseRouter):
    """The candidate listed last in the scenario (a plug-in for the tests)."""

    def __init__(self, skip: int = 0) -> None:
        self.skip = skip

    def choose(self, view):
        last = view.candidates.shape[1] - 1 - np.argmax(view.candidates[:, ::-1], axis=1)
        return last.astype(np.intp)
'''


def _distribution(root: Path, name: str, entry_points: str, module: str | None = None) -> None:
    info = root / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    if module is not None:
        (root / f"{name}.py").write_text(module)


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """An installed package declaring ``last_candidate`` under ``paysim.routing``."""
    _distribution(
        tmp_path,
        "paysim_demo_plugin",
        "[paysim.routing]\nlast_candidate = paysim_demo_plugin:LastCandidateRouter\n",
        PLUGIN,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}:{REPO}")  # for Dask's worker processes
    ROUTERS.refresh()
    yield tmp_path
    monkeypatch.undo()
    sys.modules.pop("paysim_demo_plugin", None)
    ROUTERS.refresh()


def test_a_declared_plugin_is_listed_without_being_imported(plugin):
    assert "last_candidate" in ROUTERS.names()
    assert "paysim_demo_plugin" not in sys.modules


def test_a_plugin_is_imported_on_lookup_and_says_where_it_comes_from(plugin):
    cls = ROUTERS.get("last_candidate", "strategies.routing")
    assert issubclass(cls, BaseRouter) and cls.name == "last_candidate"
    assert ROUTERS.origin("last_candidate") == "paysim_demo_plugin 0.1"
    assert ROUTERS.describe()["last_candidate"].startswith("The candidate listed last")


def test_a_plugin_runs_by_name_from_a_scenario(plugin):
    overrides = {"strategies.routing": {"name": "last_candidate", "params": {"skip": 1}}}
    result = paysim.simulate(QUICKSTART, seed=2, days=0.05, overrides=overrides)
    assert result.kpis["payments_attempted"] > 0


def test_a_plugin_passes_the_contract(plugin):
    cls = ROUTERS.get("last_candidate", "strategies.routing")

    class TestPlugin(RoutingStrategyContract):
        def make_strategy(self):
            return cls(skip=2)

    kit = TestPlugin()
    for name in dir(kit):
        if name.startswith("test_"):
            getattr(kit, name)()


def _experiment(tmp_path: Path) -> Path:
    path = tmp_path / "plugin_experiment.yaml"
    experiment = {
        "name": "plugin_in_workers",
        "scenario": str(QUICKSTART),
        "seed": 3,
        "replications": 2,
        "days": 0.05,
        "baseline": "priority",
        "arms": [
            {"name": "priority"},
            {"name": "plugin", "set": {"strategies.routing": {"name": "last_candidate"}}},
        ],
        "metrics": ["auth_rate"],
    }
    path.write_text(yaml.safe_dump(experiment))
    return path


def test_a_plugin_works_in_spawned_worker_processes(plugin, tmp_path):
    path = _experiment(tmp_path)
    serial = paysim.run_experiment(path, workers=1, out=tmp_path / "serial")
    parallel = paysim.run_experiment(path, workers=2, out=tmp_path / "parallel")
    assert len(parallel.results) == 4
    assert serial.results["auth_rate"].tolist() == parallel.results["auth_rate"].tolist()


def test_a_plugin_works_on_dask_workers(plugin, tmp_path):
    distributed = pytest.importorskip("distributed")
    path = _experiment(tmp_path)
    serial = paysim.run_experiment(path, workers=1, out=tmp_path / "serial")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_dask = paysim.run_experiment(path, dask=cluster.scheduler_address, out=tmp_path / "dask")
    assert serial.results["auth_rate"].tolist() == on_dask.results["auth_rate"].tolist()


def test_a_broken_plugin_is_an_error_naming_it(tmp_path, monkeypatch):
    _distribution(
        tmp_path,
        "paysim_broken_plugin",
        "[paysim.routing]\nbroken = paysim_no_such_module:Router\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ROUTERS.refresh()
    try:
        assert "broken" in ROUTERS.names()  # declared: listed without importing
        ROUTERS.get("priority", "strategies.routing")  # others are unaffected
        with pytest.raises(
            PaysimError,
            match=r"plug-in 'broken' \(paysim_no_such_module:Router, "
            r"from paysim_broken_plugin 0.1\) failed to load: ModuleNotFoundError",
        ):
            ROUTERS.get("broken", "strategies.routing")
        with pytest.raises(PaysimError, match="plug-in 'broken'"):
            ROUTERS.describe()
    finally:
        monkeypatch.undo()
        ROUTERS.refresh()


def test_a_plugin_that_is_not_a_router_is_an_error_naming_it(tmp_path, monkeypatch):
    _distribution(
        tmp_path,
        "paysim_odd_plugin",
        "[paysim.routing]\nodd = paysim_odd_plugin:NotARouter\n",
        "class NotARouter:\n    pass\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ROUTERS.refresh()
    try:
        with pytest.raises(
            PaysimError, match=r"plug-in 'odd'.*is not usable: .*subclass of BaseRouter"
        ):
            ROUTERS.get("odd", "strategies.routing")
    finally:
        monkeypatch.undo()
        sys.modules.pop("paysim_odd_plugin", None)
        ROUTERS.refresh()


def test_a_plugin_may_not_take_a_shipped_name(tmp_path, monkeypatch):
    _distribution(
        tmp_path, "paysim_clash_plugin", "[paysim.routing]\nucb = paysim_clash_plugin:Router\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ROUTERS.refresh()
    try:
        with pytest.raises(
            PaysimError, match=r"plug-in 'ucb'.*clashes with the strategy of that name"
        ):
            ROUTERS.describe()
    finally:
        monkeypatch.undo()
        ROUTERS.refresh()


class _Router(BaseRouter):
    """A router for registry tests."""

    def __init__(self, limit: int = 1) -> None:
        self.limit = limit
        if limit < 1:
            raise ValueError(f"limit: must be >= 1, got {limit}")

    def bind(self, context):
        super().bind(context)
        if self.limit > len(context.channel_ids):
            raise ValueError("more than the scenario's channels")

    def choose(self, view):
        return np.argmax(view.candidates, axis=1)


def test_the_decorator_registers_and_refuses_a_second_class_under_a_name():
    registry = Registry("routing", base=BaseRouter, group="paysim.tests.none")
    registry.register("mine")(_Router)
    assert registry.get("mine", "strategies.routing") is _Router and _Router.name == "mine"
    registry.register("mine")(_Router)  # the same class again is fine

    class Other(_Router):
        """Another."""

    with pytest.raises(ValueError, match="already registered"):
        registry.register("mine")(Other)
    with pytest.raises(TypeError, match="subclass of BaseRouter"):
        registry.register("odd")(dict)


def test_plain_errors_get_the_scenario_path():
    registry = Registry("routing", base=BaseRouter, group="paysim.tests.none")
    registry.register("mine")(_Router)
    with pytest.raises(ScenarioError) as exc:
        registry.create("mine", {"limit": 0}, "strategies.routing")
    assert exc.value.problems == ["strategies.routing.params.limit: must be >= 1, got 0"]
    router = registry.create("mine", {"limit": 9}, "strategies.routing")
    with pytest.raises(ScenarioError) as exc:
        registry.bind(router, paysim.testing.fake_context(3), "strategies.routing")
    assert exc.value.problems == ["strategies.routing.params: more than the scenario's channels"]


def test_unknown_and_missing_parameters_and_names():
    with pytest.raises(
        ScenarioError,
        match=r"^strategies.routing.params.shares: required parameter of routing strategy "
        r"'volume_split'$",
    ):
        ROUTERS.create("volume_split", {}, "strategies.routing")
    with pytest.raises(
        ScenarioError,
        match=r"^strategies.routing.params.windw: unknown parameter of routing strategy "
        r"'success_rate'; it takes .*window",
    ):
        ROUTERS.create("success_rate", {"windw": 3}, "strategies.routing")
    with pytest.raises(
        ScenarioError,
        match=r"strategies.routing.name: unknown routing strategy; expected one of "
        r".*thompson.*, got 'thompsn'",
    ):
        ROUTERS.create("thompsn", {}, "strategies.routing")


def test_every_shipped_name_of_the_contract_is_registered():
    shipped = {
        "priority", "volume_split", "cheapest", "weighted_score", "success_rate", "epsilon_greedy",
        "ucb", "sw_ucb", "thompson", "elimination", "contract", "oracle",
    }  # fmt: skip
    assert shipped <= set(ROUTERS.names())
    assert ROUTERS.describe()["oracle"].startswith("Bound, not a strategy")


def test_paysim_list_strategies_shows_every_routing_strategy_and_labels_the_bound(run_cli):
    result = run_cli("list", "strategies")
    assert result.code == 0
    lines = {line.split()[0]: line for line in result.out.splitlines()}
    for name in ROUTERS.names():
        assert f"routing/{name}" in lines, name
        assert len(lines[f"routing/{name}"].split(None, 1)) == 2  # a description
    assert "Bound, not a strategy" in lines["routing/oracle"]
