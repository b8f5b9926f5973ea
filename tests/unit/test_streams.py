"""Named random streams, block-served draws, counter-based uniforms, replication seeds."""

from __future__ import annotations

import numpy as np
import pytest

from paysim.engine import (
    BlockStream,
    KeyedUniforms,
    RandomStreams,
    replication_seed,
    run_replications,
    seed_label,
)
from paysim.engine.streams import name_key


def test_same_name_gives_the_same_numbers() -> None:
    a = RandomStreams(42).stream("arrivals").uniform(1000)
    b = RandomStreams(42).stream("arrivals").uniform(1000)
    np.testing.assert_array_equal(a, b)


def test_int_seed_and_seed_sequence_are_the_same_root() -> None:
    a = RandomStreams(42).generator("x").random(10)
    b = RandomStreams(np.random.SeedSequence(42)).generator("x").random(10)
    np.testing.assert_array_equal(a, b)


def test_different_names_and_seeds_give_different_numbers() -> None:
    streams = RandomStreams(42)
    arrivals = streams.stream("arrivals").uniform(100)
    amounts = streams.stream("amounts").uniform(100)
    other_seed = RandomStreams(43).stream("arrivals").uniform(100)
    assert not np.array_equal(arrivals, amounts)
    assert not np.array_equal(arrivals, other_seed)


def test_adding_a_stream_does_not_shift_another() -> None:
    alone = RandomStreams(9)
    expected = alone.stream("outages.card").uniform(500)

    crowded = RandomStreams(9)
    crowded.stream("fraud").uniform(10_000)  # a new component, created and drawn first
    crowded.generator("strategy.routing").random(77)
    np.testing.assert_array_equal(crowded.stream("outages.card").uniform(500), expected)


def test_stream_is_created_once_per_name() -> None:
    streams = RandomStreams(1)
    assert streams.stream("a") is streams.stream("a")


def test_name_key_is_stable_across_processes() -> None:
    # blake2b of the name, not Python's salted hash(): pinned so a change is noticed.
    assert name_key("arrivals") == name_key("arrivals")
    assert name_key("arrivals") != name_key("arrivals ")
    assert 0 <= name_key("x") < 2**64


@pytest.mark.parametrize("sizes", [[3, 5000, 8192, 1, 20_000, 7], [8192] * 4, [1] * 9000])
def test_block_refills_continue_the_generator_sequence(sizes: list[int]) -> None:
    seed = np.random.SeedSequence(5)
    stream = BlockStream("s", seed)
    served = np.concatenate([stream.uniform(n) for n in sizes])

    reference = np.random.Generator(np.random.PCG64DXSM(np.random.SeedSequence(5)))
    np.testing.assert_array_equal(served, reference.random(sum(sizes)))


def test_block_normals_continue_the_generator_sequence() -> None:
    stream = BlockStream("s", np.random.SeedSequence(5))
    served = np.concatenate([stream.normal(n) for n in (10, 9000, 3)])
    reference = np.random.Generator(np.random.PCG64DXSM(np.random.SeedSequence(5)))
    np.testing.assert_array_equal(served, reference.standard_normal(9013))


def test_block_uniform_shapes_and_range() -> None:
    stream = BlockStream("s", np.random.SeedSequence(0))
    block = stream.uniform((3, 4))
    assert block.shape == (3, 4)
    assert stream.uniform(0).shape == (0,)
    assert ((block >= 0) & (block < 1)).all()


def test_choice_index_follows_the_cumulative_weights() -> None:
    stream = BlockStream("s", np.random.SeedSequence(3))
    cumulative = np.cumsum([0.2, 0.0, 0.5, 0.3])
    n = 40_000
    counts = np.bincount(stream.choice_index(cumulative, n), minlength=4)
    assert counts[1] == 0  # a zero weight is never drawn
    # binomial standard error of each share: sqrt(p (1 - p) / n) <= 0.0025; allow 5 of them
    np.testing.assert_allclose(counts / n, [0.2, 0.0, 0.5, 0.3], atol=5 * 0.0025)


def _keyed(seed: int = 1, name: str = "checkout") -> KeyedUniforms:
    return RandomStreams(seed).keyed(name)


def test_keyed_value_ignores_call_order_and_batching() -> None:
    keyed = _keyed()
    keys = np.arange(1000, dtype=np.int64) * 16 + 3
    whole = keyed.uniforms(keys, 6)

    shuffled = np.random.default_rng(0).permutation(len(keys))
    np.testing.assert_array_equal(keyed.uniforms(keys[shuffled], 6), whole[shuffled])
    halves = np.vstack([keyed.uniforms(keys[:313], 6), keyed.uniforms(keys[313:], 6)])
    np.testing.assert_array_equal(halves, whole)
    np.testing.assert_array_equal(keyed.uniforms(keys, 2), whole[:, :2])
    np.testing.assert_array_equal(_keyed().uniforms(keys[::-1], 6), whole[::-1])


def test_keyed_streams_differ_by_name_and_seed() -> None:
    keys = np.arange(100)
    base = _keyed().uniforms(keys, 2)
    assert not np.array_equal(base, _keyed(name="order").uniforms(keys, 2))
    assert not np.array_equal(base, _keyed(seed=2).uniforms(keys, 2))


def test_keyed_uniforms_are_in_the_unit_interval() -> None:
    values = _keyed().uniforms(np.arange(50_000), 4)
    assert values.shape == (50_000, 4)
    assert values.dtype == np.float64
    assert values.min() >= 0.0
    assert values.max() < 1.0


def test_replication_seed_depends_only_on_seed_and_replication() -> None:
    def state(seed: int, r: int) -> np.ndarray:
        return replication_seed(seed, r).generate_state(4)

    np.testing.assert_array_equal(state(10, 3), state(10, 3))
    assert not np.array_equal(state(10, 3), state(10, 4))
    assert not np.array_equal(state(10, 3), state(11, 3))
    # the same as the r-th child a SeedSequence would spawn, whoever asks for it, in any order
    children = np.random.SeedSequence(10).spawn(5)
    np.testing.assert_array_equal(state(10, 3), children[3].generate_state(4))


def test_replication_seed_rejects_a_negative_replication() -> None:
    with pytest.raises(ValueError, match="replication"):
        replication_seed(1, -1)


def test_seed_label_reruns_the_replication() -> None:
    seed_sequence = replication_seed(123, 7)
    assert seed_label(seed_sequence) == "123/7"
    assert seed_label(np.random.SeedSequence(5)) == "5"


def test_run_replications_gives_each_its_own_seed_in_any_order() -> None:
    def first_uniform(r: int, seed_sequence: np.random.SeedSequence) -> tuple[int, float]:
        return r, float(RandomStreams(seed_sequence).stream("x").uniform(1)[0])

    forward = dict(run_replications(first_uniform, seed=8, replications=range(4)))
    backward = dict(run_replications(first_uniform, seed=8, replications=[3, 2, 1, 0]))
    only_two = dict(run_replications(first_uniform, seed=8, replications=[2]))
    assert forward == backward
    assert only_two[2] == forward[2]
    assert len(set(forward.values())) == 4
