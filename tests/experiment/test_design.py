"""Design points, seeds and fingerprints."""

from __future__ import annotations

import numpy as np
import pytest

from paysim.engine.replication import replication_seed
from paysim.experiment.design import design_points, spawn_key
from paysim.experiment.load import load_experiment
from paysim.experiment.spec import SweepSpec


def test_seeds_with_common_random_numbers_come_from_seed_and_replication_only(write_experiment):
    experiment = load_experiment(write_experiment(seed=9))
    tasks = experiment.tasks(range(3))
    assert len(tasks) == 6
    for task in tasks:
        assert task.spawn_key == (task.replication,)
        expected = replication_seed(9, task.replication)
        assert task.seed_sequence.generate_state(4).tolist() == expected.generate_state(4).tolist()
    # replication-major order: whole replications finish first
    assert [t.replication for t in tasks] == [0, 0, 1, 1, 2, 2]


def test_independent_streams_give_each_arm_its_own_seed(write_experiment):
    experiment = load_experiment(write_experiment(common_random_numbers=False))
    keys = {(t.arm, t.replication): t.spawn_key for t in experiment.tasks(range(2))}
    assert keys == {
        ("standard", 0): (0, 0),
        ("premium", 0): (0, 1),
        ("standard", 1): (1, 0),
        ("premium", 1): (1, 1),
    }
    states = {
        k: np.random.SeedSequence(0, spawn_key=v).generate_state(2).tolist()
        for k, v in keys.items()
    }
    assert len({tuple(s) for s in states.values()}) == 4
    with pytest.raises(ValueError):
        spawn_key(-1, 0, True)


def test_fingerprints_name_exactly_what_decides_a_result(write_experiment, tiny_scenario_path):
    base = load_experiment(write_experiment()).tasks(range(2))
    again = load_experiment(write_experiment("again.yaml")).tasks(range(2))
    assert [t.fingerprint for t in base] == [t.fingerprint for t in again]
    assert len({t.fingerprint for t in base}) == 4
    # more replications keep the first ones' names (they are reused)
    longer = load_experiment(write_experiment(replications=9)).tasks(range(3))
    assert {t.fingerprint for t in base} < {t.fingerprint for t in longer}
    # anything that changes a result changes the name
    for changes in ({"seed": 6}, {"days": 0.3}, {"common_random_numbers": False}):
        other = load_experiment(write_experiment("other.yaml", **changes)).tasks(range(2))
        assert not {t.fingerprint for t in other} & {t.fingerprint for t in base}, changes
    # a changed arm gets new names; an unchanged one keeps them
    arms = load_experiment(write_experiment("other.yaml")).spec.model_dump(by_alias=True)["arms"]
    arms[0]["set"] = {"checkout.retry.probability": 0.2}
    changed = load_experiment(write_experiment("other.yaml", arms=arms)).tasks(range(2))
    assert [t.fingerprint == b.fingerprint for t, b in zip(changed, base, strict=True)] == [
        False,
        True,
        False,
        True,
    ]
    # renaming an arm or adding metrics does not
    renamed = load_experiment(
        write_experiment(
            "renamed.yaml",
            metrics=["gmv"],
            arms=[
                {"name": "control"},
                {
                    "name": "premium",
                    "set": {
                        "channels.card_sg.success.cross_border_factor": 0.95,
                        "channels.card_sg.fee.percent": 3.2,
                    },
                },
            ],
            baseline="control",
        )
    ).tasks(range(2))
    assert [t.fingerprint for t in renamed] == [t.fingerprint for t in base]


def test_grid_points_are_the_full_product_in_order():
    sweep = SweepSpec.model_validate({"grid": {"a.x": [1, 2], "b.y": ["p", "q", "r"]}})
    points = design_points(sweep, seed=0)
    assert points == [{"a.x": a, "b.y": b} for a in (1, 2) for b in ("p", "q", "r")]
    assert design_points(None, seed=0) == [{}]


def test_latin_hypercube_is_seeded_stratified_and_in_bounds():
    sweep = SweepSpec.model_validate(
        {
            "latin_hypercube": {
                "n": 10,
                "params": {
                    "a": [0.5, 1.5],
                    "b": {"low": 100, "high": 10000, "log": True},
                    "c": {"low": 1, "high": 10, "integer": True},
                },
            }
        }
    )
    points = design_points(sweep, seed=3)
    assert points == design_points(sweep, seed=3)
    assert points != design_points(sweep, seed=4)
    a = np.array([p["a"] for p in points])
    assert sorted(np.floor((a - 0.5) * 10).astype(int)) == list(range(10))  # one per stratum
    b = np.array([p["b"] for p in points])
    assert sorted(np.floor(np.log10(b / 100) / 2 * 10).astype(int)) == list(range(10))
    c = [p["c"] for p in points]
    assert all(isinstance(v, int) and 1 <= v <= 10 for v in c)
    pinned = SweepSpec.model_validate(
        {"latin_hypercube": {"n": 4, "seed": 1, "params": {"a": [0, 1]}}}
    )
    assert design_points(pinned, seed=3) == design_points(pinned, seed=99)


def test_sweep_tasks_carry_their_point(write_experiment):
    experiment = load_experiment(
        write_experiment(sweep={"grid": {"checkout.retry.probability": [0.2, 0.6]}})
    )
    tasks = experiment.tasks(range(1))
    assert [(t.point, t.arm) for t in tasks] == [
        (0, "standard"),
        (0, "premium"),
        (1, "standard"),
        (1, "premium"),
    ]
    assert tasks[0].scenario["checkout"]["retry"]["probability"] == 0.2
    assert tasks[3].scenario["checkout"]["retry"]["probability"] == 0.6
    assert tasks[3].scenario["channels"][0]["fee"]["percent"] == 3.2
    assert len({t.spawn_key for t in tasks}) == 1  # points share the replication's world
