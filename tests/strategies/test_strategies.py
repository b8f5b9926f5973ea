"""What each routing strategy does, checked on hand-made views (no world)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from paysim.errors import PaysimError
from paysim.model.routing import RoutingTruth
from paysim.strategies import ROUTERS
from paysim.testing import BanditHarness, constant, fake_context, fake_view, feedback_for
from paysim.testing.fakes import CARD, WALLET


def make(name, context=None, **params):
    router = ROUTERS.create(name, params, "strategies.routing")
    router.bind(context or fake_context(3))
    return router


def all_candidates(n, c=3):
    return np.ones((n, c), dtype=bool)


def test_volume_split_follows_the_shares_renormalised_over_the_candidates():
    router = make("volume_split", shares={"ch0": 0.7, "ch1": 0.2, "ch2": 0.1})
    rng = np.random.default_rng(0)
    n = 20_000
    view = fake_view(router.context, n, rng, candidates=all_candidates(n))
    share = np.bincount(router.choose(view), minlength=3) / n
    np.testing.assert_allclose(share, [0.7, 0.2, 0.1], atol=4 * np.sqrt(0.25 / n))
    only_12 = np.zeros((n, 3), dtype=bool)
    only_12[:, 1:] = True
    share = (
        np.bincount(
            router.choose(fake_view(router.context, n, rng, candidates=only_12)), minlength=3
        )
        / n
    )
    np.testing.assert_allclose(share, [0.0, 2 / 3, 1 / 3], atol=4 * np.sqrt(0.25 / n))


def test_volume_split_spreads_evenly_when_no_candidate_has_a_share():
    router = make("volume_split", shares={"ch0": 1.0})
    n = 10_000
    candidates = np.zeros((n, 3), dtype=bool)
    candidates[:, 1:] = True
    view = fake_view(router.context, n, np.random.default_rng(1), candidates=candidates)
    share = np.bincount(router.choose(view), minlength=3) / n
    np.testing.assert_allclose(share, [0.0, 0.5, 0.5], atol=0.03)


def test_cheapest_counts_cross_border_and_fx_markups():
    context = fake_context(3, fee_percent=[2.0, 2.2, 1.0])
    router = make("cheapest", context)
    rng = np.random.default_rng(2)
    view = fake_view(context, 300, rng, candidates=all_candidates(300))
    chosen = router.choose(view)
    cross = np.asarray(context.markets)[view.buyer_market] != context.channel_country[0]
    foreign = view.currency != context.channel_currency[0]
    percent = np.array([2.0, 2.2, 1.0])[None, :] + 1.0 * cross[:, None] + 0.5 * foreign[:, None]
    fee = view.amount_reporting[:, None] * percent / 100 + 0.3
    assert (chosen == fee.argmin(axis=1)).all() and (chosen == 2).all()
    no_ch2 = all_candidates(300)
    no_ch2[:, 2] = False
    assert (router.choose(dataclasses.replace(view, candidates=no_ch2)) == 0).all()


def test_weighted_score_follows_stated_scores_and_weights():
    scores = {"ch0": {"security": 0.2}, "ch1": {"security": 0.9}, "ch2": {"security": 0.5}}
    router = make("weighted_score", weights={"security": 1.0}, scores=scores)
    view = fake_view(router.context, 100, np.random.default_rng(3), candidates=all_candidates(100))
    assert (router.choose(view) == 1).all()


def test_weighted_score_measures_speed_from_results():
    router = make("weighted_score", weights={"speed": 1.0})
    rng = np.random.default_rng(4)
    past = fake_view(router.context, 200, rng, candidates=all_candidates(200))
    channel = np.arange(200) % 3
    router.observe(
        feedback_for(
            past, channel, np.ones(200, bool), latency_ms=np.array([900.0, 300.0, 600.0])[channel]
        )
    )
    now = fake_view(router.context, 100, rng, t0_s=120.0, candidates=all_candidates(100))
    assert (router.choose(now) == 1).all()


def _filled(router, rates, method=WALLET, n=200):
    """Results where channel c succeeded ``rates[c]`` of the time, exactly."""
    rng = np.random.default_rng(5)
    context = router.context
    k = len(rates)
    candidates = all_candidates(n * k, context.eligible.shape[2])
    view = fake_view(context, n * k, rng, candidates=candidates, method=method)
    view = dataclasses.replace(
        view,
        buyer_market=np.zeros(n * k, int),
        currency=np.zeros(n * k, int),
        amount_reporting=np.full(n * k, 100.0),
    )
    channel = np.repeat(np.arange(k), n)
    succeeded = np.concatenate([np.arange(n) < round(r * n) for r in rates])
    router.observe(feedback_for(view, channel, succeeded))
    return dataclasses.replace(view, t_s=np.full(n * k, 200.0))


def test_the_expected_value_objective_trades_approval_for_fees():
    context = fake_context(2, fee_percent=[3.0, 1.0])
    for objective, winner in (("success_rate", 0), ("expected_value", 1)):
        router = make("success_rate", context, window=200, exploration=0.0, objective=objective)
        now = _filled(router, [0.90, 0.89])  # 0.90 x 96.7 < 0.89 x 98.7 on 100 USD
        assert (router.choose(now) == winner).all(), objective


def test_success_rate_uses_its_window_and_its_hedge_for_cards_and_others():
    router = make(
        "success_rate", window=50, exploration=0.2, card_window=200, card_exploration=0.02
    )
    now = _filled(router, [0.9, 0.5, 0.5], method=WALLET)
    chosen = router.choose(now)
    assert router.stats.n.max() == 50  # wallet segments keep 50 results
    assert abs(np.mean(chosen != 0) - 0.2) < 0.05
    card = _filled(router, [0.9, 0.5, 0.5], method=CARD)
    assert router.stats.n.max() == 200
    assert np.mean(router.choose(card) != 0) < 0.05


def test_a_slow_success_counts_as_a_failure_over_the_latency_threshold():
    router = make(
        "success_rate", exploration=0.0, card_exploration=0.0, latency_threshold_ms=1000.0
    )
    rng = np.random.default_rng(6)
    past = fake_view(router.context, 300, rng, candidates=all_candidates(300))
    channel = np.arange(300) % 3
    latency = np.where(channel == 0, 3000.0, 500.0)  # ch0 approves everything, slowly
    router.observe(feedback_for(past, channel, channel != 2, latency_ms=latency))
    now = dataclasses.replace(past, t_s=np.full(300, 100.0))
    assert (router.choose(now) == 1).all()


def test_elimination_skips_a_channel_with_a_full_bucket_until_it_leaks():
    router = make("elimination", order=["ch0", "ch1", "ch2"], segment_by=[])
    rng = np.random.default_rng(7)
    view = fake_view(
        router.context, 5, rng, t0_s=0.0, duration_s=10.0, candidates=all_candidates(5)
    )
    assert (router.choose(view) == 0).all()
    router.observe(feedback_for(view, np.zeros(5, int), np.zeros(5, bool)))
    later = dataclasses.replace(view, t_s=np.full(5, 20.0))
    assert (router.choose(later) == 1).all()
    much_later = dataclasses.replace(view, t_s=np.full(5, 20.0 + 300.0))
    assert (router.choose(much_later) == 0).all()  # one failure leaked out: probe again


def test_contract_meets_its_commitment_and_otherwise_routes_cheapest():
    context = fake_context(3, fee_percent=[1.0, 3.0, 2.0])
    router = make(
        "contract", context, commitments={"ch1": {"target_count": 400, "target_time_s": 3600.0}}
    )
    rng = np.random.default_rng(8)
    chosen = []
    for b in range(60):  # one hour of minute batches, 100 payments each
        view = fake_view(context, 100, rng, t0_s=60.0 * b, candidates=all_candidates(100))
        chosen.append(router.choose(view))
        due = np.ceil(400 * min(1.0, (view.t_s[-1]) / 3600.0))
        assert np.sum(np.concatenate(chosen) == 1) >= due - 1
    chosen = np.concatenate(chosen)
    assert 400 <= np.sum(chosen == 1) <= 402  # the commitment, not more
    assert np.all(chosen[chosen != 1] == 0)  # the rest at the cheapest
    view = fake_view(context, 100, rng, t0_s=3600.0, candidates=all_candidates(100))
    router.choose(view)
    assert router.count[1] <= 12  # a new period starts from zero


def test_contract_tiers_make_a_channel_cheaper_past_a_volume():
    context = fake_context(2, fee_percent=[2.0, 2.0])
    tiers = {"ch1": [{"from_count": 0, "percent": 4.0}, {"from_count": 100, "percent": 1.0}]}
    router = make(
        "contract",
        context,
        commitments={"ch1": {"target_count": 100, "target_time_s": 600.0}},
        tiers=tiers,
    )
    rng = np.random.default_rng(9)
    for b in range(10):
        view = fake_view(context, 50, rng, t0_s=60.0 * b, candidates=all_candidates(50, 2))
        chosen = router.choose(view)
    assert (chosen == 1).all()  # past 100 payments ch1 charges 1% + fixed: the cheapest


def test_the_oracle_routes_by_the_truth_it_is_handed():
    router = make("oracle")
    rng = np.random.default_rng(10)
    view = fake_view(router.context, 200, rng)
    p = rng.random(view.candidates.shape)
    chosen = router.choose(dataclasses.replace(view, truth=RoutingTruth(p_success=p)))
    assert (chosen == np.where(view.candidates, p, -1).argmax(axis=1)).all()
    with pytest.raises(PaysimError, match="needs the world to hand it the truth"):
        router.choose(view)


def test_the_oracle_has_no_regret_on_the_bandit():
    result = BanditHarness(constant([0.55, 0.95]), 2, seed=3).run(
        ROUTERS.create("oracle", {}, "x"), 5_000
    )
    assert result.regret() == 0.0


def test_the_expected_value_oracle_uses_the_true_fee_when_given():
    router = make("oracle", objective="expected_value")
    rng = np.random.default_rng(11)
    view = fake_view(router.context, 100, rng, candidates=all_candidates(100))
    p = np.full(view.candidates.shape, 0.9)
    fee = np.zeros(view.candidates.shape)
    fee[:, 0] = 1e6  # channel 0 would ruin every payment
    chosen = router.choose(
        dataclasses.replace(view, truth=RoutingTruth(p_success=p, fee_reporting=fee))
    )
    assert (chosen != 0).all()


def test_a_view_takes_rows_with_its_truth():
    context = fake_context(3)
    rng = np.random.default_rng(12)
    view = fake_view(context, 10, rng)
    view = dataclasses.replace(view, truth=RoutingTruth(p_success=rng.random((10, 3))))
    part = view.take(np.array([1, 3]))
    assert len(part) == 2 and (part.t_s == view.t_s[[1, 3]]).all()
    assert (part.truth.p_success == view.truth.p_success[[1, 3]]).all()
    assert not part.truth.p_success.flags.writeable and not part.candidates.flags.writeable
