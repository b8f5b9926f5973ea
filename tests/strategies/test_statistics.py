"""The vectorised statistics equal a plain one-result-at-a-time reference, batch after batch."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from paysim.strategies.routing.buckets import LeakyBuckets
from paysim.strategies.routing.segments import Segments
from paysim.strategies.routing.windows import ArmWindow, Cumulative, Discounted, SharedWindow
from paysim.testing import fake_context, fake_view
from paysim.testing.fakes import CARD

C, S = 3, 4


def batches(seed, n_batches=25, max_n=60):
    rng = np.random.default_rng(seed)
    t0 = 0.0
    for _ in range(n_batches):
        n = int(rng.integers(0, max_n))
        t = np.sort(t0 + rng.uniform(0, 100, n))
        t0 = float(t[-1]) if n else t0
        yield (rng.integers(0, S, n), rng.integers(0, C, n), (rng.random(n) < 0.5).astype(float), t)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_windows_and_counts_match_a_reference(seed):
    sizes = np.array([7, 3, 7, 1])
    arm, shared = ArmWindow(C, 7), SharedWindow(C, 9)
    cumulative, discounted = Cumulative(C), Discounted(C, 0.9)
    for stats in (arm, shared, cumulative, discounted):
        stats.grow(S)
    arm.set_sizes(sizes)
    per_arm: dict = {}
    per_segment: dict = {}
    ref_n, ref_s = np.zeros((S, C)), np.zeros((S, C))
    for seg, ch, r, _ in batches(seed):
        for stats in (arm, shared, cumulative, discounted):
            stats.add(seg, ch, r)
        for s, c, x in zip(seg, ch, r, strict=True):
            per_arm.setdefault((s, c), []).append(x)
            per_segment.setdefault(s, []).append((c, x))
            ref_n[s] *= 0.9
            ref_s[s] *= 0.9
            ref_n[s, c] += 1
            ref_s[s, c] += x
        for (s, c), results in per_arm.items():
            last = results[-sizes[s] :]
            assert arm.n[s, c] == len(last) and arm.s[s, c] == sum(last)
        for s, results in per_segment.items():
            last = results[-9:]
            for c in range(C):
                mine = [x for k, x in last if k == c]
                assert shared.n[s, c] == len(mine) and shared.s[s, c] == sum(mine)
            assert shared.played[s] == len(last)
            assert cumulative.n[s].sum() == len(results)
        np.testing.assert_allclose(discounted.n, ref_n)
        np.testing.assert_allclose(discounted.s, ref_s)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_leaky_buckets_match_a_reference(seed):
    rng = np.random.default_rng(seed + 100)
    capacity, leak_s = int(rng.integers(1, 6)), float(rng.uniform(5, 60))
    buckets = LeakyBuckets(C, capacity, leak_s)
    buckets.grow(S)
    level, last = np.zeros((S, C)), np.zeros((S, C))
    for seg, ch, r, t in batches(seed, max_n=200):
        failure = r == 0.0
        buckets.add(seg, ch, t, failure)
        for s, c, f, when in zip(seg, ch, failure, t, strict=True):
            drained = max(0.0, level[s, c] - (when - last[s, c]) / leak_s) if level[s, c] else 0.0
            level[s, c] = min(capacity, drained + f)
            last[s, c] = when
        now = float(t[-1]) + 1.0 if len(t) else 1e6
        expected = np.maximum(level - (now - last) / leak_s, 0.0)
        got = buckets.level_at(np.arange(S), np.full(S, now))
        np.testing.assert_allclose(got, expected, atol=1e-9)


def test_a_bucket_drops_a_channel_after_k_quick_failures_and_probes_after_the_leak():
    buckets = LeakyBuckets(2, capacity=5, leak_s=300.0)
    buckets.grow(1)
    zero = np.zeros(4, dtype=np.intp)
    buckets.add(zero, zero, np.array([0.0, 1.0, 2.0, 3.0]), np.ones(4, dtype=bool))
    assert not buckets.full(np.array([0]), np.array([4.0]))[0, 0]  # four failures: not yet
    buckets.add(zero[:1], zero[:1], np.array([4.0]), np.ones(1, dtype=bool))
    assert buckets.full(np.array([0]), np.array([5.0]))[0, 0]
    assert buckets.full(np.array([0]), np.array([290.0]))[0, 0]
    assert not buckets.full(np.array([0]), np.array([310.0]))[0, 0]  # leaked below the mark
    buckets.add(zero[:2], zero[:2], np.array([6.0, 7.0]), np.ones(2, dtype=bool))  # full: capped
    assert not buckets.full(np.array([0]), np.array([7.0 + 300.5]))[0, 0]


def test_segments_keep_the_configured_fields_apart_and_grow():
    context = fake_context(3)
    view = fake_view(context, 500, np.random.default_rng(0))
    none = Segments((), np.array([50.0]))
    assert (none.ids(view) == 0).all() and none.n == 1
    by_method = Segments(("method",), np.array([50.0]))
    ids = by_method.ids(view)
    assert by_method.n == 2 and (ids[view.method == view.method[0]] == ids[0]).all()
    fields = ("method", "buyer_market", "currency", "network", "amount_band")
    fine = Segments(fields, np.array([50.0, 500.0]), card_method=CARD)
    ids = fine.ids(view)
    keys = set(
        zip(
            view.method, view.buyer_market, view.currency, view.network,
            np.searchsorted([50.0, 500.0], view.amount_reporting, side="right"),
            strict=True,
        )
    )  # fmt: skip
    assert fine.n == len(keys) == len(set(ids))
    again = fine.ids(view)  # known segments keep their ids
    assert (again == ids).all() and fine.n == len(keys)
    is_card = fine.is_card()[ids]
    assert (is_card == (view.method == CARD)).all()


def test_card_payments_get_segments_of_their_own_when_asked():
    context = fake_context(3)
    view = fake_view(context, 200, np.random.default_rng(1))
    split = Segments(("buyer_market",), np.array([50.0]), card_method=CARD, split_cards=True)
    ids = split.ids(view)
    assert (split.is_card()[ids] == (view.method == CARD)).all()
    same_market = view.buyer_market == 0
    assert len(set(ids[same_market])) == 2  # card and non-card of one market


def test_network_minus_one_is_a_segment_value():
    context = fake_context(3)
    view = fake_view(context, 50, np.random.default_rng(2))
    view = dataclasses.replace(view, network=np.full(50, -1, dtype=np.int16))
    assert Segments(("network",), np.array([1.0])).ids(view).max() == 0
