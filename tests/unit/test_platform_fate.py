"""Order fates: per-order money identities (hypothesis) and the chargeback timing law."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import RandomStreams
from paysim.model.core.distributions import Lognormal
from paysim.model.platform.order_fate import CHARGEBACK, NONE, ORDER_LUCK, REFUND, decide
from paysim.model.platform.spec import PlatformSpec

DAY = SECONDS_PER_DAY


def uniforms(n: int, seed: int) -> np.ndarray:
    return RandomStreams(seed).keyed("platform.order").uniforms(np.arange(n), len(ORDER_LUCK))


def fates(spec: PlatformSpec, n: int, seed: int, commission: float = 0.0) -> Any:
    rng = np.random.default_rng(seed)
    value = rng.integers(1, 5_000_000, n)
    amount = rng.integers(1, 5_000_000, n)
    return (
        value,
        amount,
        decide(
            spec,
            rng.uniform(0, 10 * DAY, n),
            value,
            amount,
            np.full(n, commission),
            [spec.delivery_days],
            np.zeros(n, dtype=np.intp),
            uniforms(n, seed),
        ),
    )


probability = st.floats(0, 1)
fate_spec = st.fixed_dictionaries(
    {
        "take_rate_percent": st.floats(0, 60),
        "release_at_shipment_percent": st.floats(0, 100),
        "commission_paid_by": st.sampled_from(["seller", "platform"]),
        "auto_release_days": st.floats(0, 10),
        "refunds": st.fixed_dictionaries(
            {
                "before_release_probability": st.floats(0, 0.4),
                "after_release_probability": st.floats(0, 0.3),
                "partial_probability": probability,
            }
        ),
        "disputes": st.fixed_dictionaries(
            {
                "probability": st.floats(0, 0.3),
                "represent_probability": probability,
                "win_probability": probability,
                "seller_liable": st.booleans(),
            }
        ),
    }
)


@settings(max_examples=60, deadline=None)
@given(terms=fate_spec, commission=st.floats(0, 40), seed=st.integers(0, 2**32 - 1))
def test_every_order_pays_out_exactly_its_value(
    terms: dict[str, Any], commission: float, seed: int
) -> None:
    spec = PlatformSpec.model_validate(terms)
    value, amount, f = fates(spec, 400, seed, commission)
    seller_pays = spec.commission_paid_by == "seller"
    escrow_out = (
        f.partial + f.final_release + f.take + (f.commission if seller_pays else 0) + f.escrow_out
    )
    assert np.array_equal(escrow_out, value)  # escrow ends at exactly zero for every order
    for name in (
        "partial",
        "final_release",
        "take",
        "commission",
        "escrow_out",
        "seller_debt",
        "take_back",
        "reversed_value",
        "reversed_amount",
    ):
        assert (getattr(f, name) >= 0).all(), name
    assert (f.take_back <= f.reversed_value).all()
    assert (f.reversed_value <= value).all() and (f.reversed_amount <= amount).all()
    assert ((f.reversed_value > 0) <= (f.kind != NONE)).all()
    # what the seller ends with never exceeds its share of the full value
    kept = np.where(f.pre_release, value - f.reversed_value, value)
    assert (f.seller_share <= kept).all()
    assert np.array_equal(f.partial + f.final_release - f.seller_debt, f.seller_share)
    # timeline: shipment <= delivery <= release; pre-release reversals before release
    assert (f.ship_s <= f.delivery_s).all() and (f.delivery_s <= f.release_s).all()
    assert (f.reversal_s[f.pre_release] < f.release_s[f.pre_release]).all()
    assert not f.won[f.kind != CHARGEBACK].any()


def test_fates_are_keyed_by_checkout_not_by_batch():
    spec = PlatformSpec()
    _, _, whole = fates(spec, 1000, 3)
    u = uniforms(1000, 3)
    rng = np.random.default_rng(3)
    value, amount, t_s = (
        rng.integers(1, 5_000_000, 1000),
        rng.integers(1, 5_000_000, 1000),
        rng.uniform(0, 10 * DAY, 1000),
    )
    half = decide(
        spec,
        t_s[500:],
        value[500:],
        amount[500:],
        np.zeros(500),
        [spec.delivery_days],
        np.zeros(500, dtype=np.intp),
        u[500:],
    )
    assert np.array_equal(half.kind, whole.kind[500:])
    assert np.array_equal(half.release_s, whole.release_s[500:])


def test_delivery_time_per_corridor():
    spec = PlatformSpec(auto_release_days=0.0)
    slow = Lognormal(dist="lognormal", p50=20.0, p99=40.0)
    n = 20_000
    corridor = np.arange(n) % 2
    f = decide(
        spec,
        np.zeros(n),
        np.full(n, 100),
        np.full(n, 100),
        np.zeros(n),
        [spec.delivery_days, slow],
        corridor,
        uniforms(n, 5),
    )
    days = f.delivery_s / DAY
    assert abs(np.median(days[corridor == 0]) - 7.0) < 0.3
    assert abs(np.median(days[corridor == 1]) - 20.0) < 0.8


def test_chargeback_rate_timing_and_win_rate():
    """Chargebacks: their share, 30-120 days after delivery (uniform), and won share."""
    spec = PlatformSpec.model_validate(
        {
            "refunds": {"before_release_probability": 0.0, "after_release_probability": 0.0},
            "disputes": {"probability": 0.05, "represent_probability": 0.6, "win_probability": 0.5},
        }
    )
    n = 200_000
    _, _, f = fates(spec, n, 11)
    cb = f.kind == CHARGEBACK
    k, p = int(cb.sum()), 0.05
    assert abs(k - n * p) < 4 * np.sqrt(n * p * (1 - p))
    delay_days = (f.reversal_s[cb] - f.delivery_s[cb]) / DAY
    assert delay_days.min() >= 30 and delay_days.max() <= 120
    assert stats.kstest(delay_days, stats.uniform(30, 90).cdf).pvalue > 0.001
    won = int(f.won.sum())
    q = 0.6 * 0.5
    assert abs(won - k * q) < 4 * np.sqrt(k * q * (1 - q))
    decided = (f.decision_s[f.won] - f.reversal_s[f.won]) / DAY
    assert decided.min() >= 30 and decided.max() <= 75
    # with a 7-day auto-release every friendly-fraud chargeback hits a released order
    assert not f.pre_release[cb].any()


def test_refund_kinds_and_partial_shares():
    spec = PlatformSpec.model_validate(
        {
            "refunds": {
                "before_release_probability": 0.1,
                "after_release_probability": 0.05,
                "partial_probability": 0.5,
            },
            "disputes": {"probability": 0.0},
        }
    )
    n = 100_000
    value, _, f = fates(spec, n, 13)
    refund = f.kind == REFUND
    assert abs(refund.mean() - 0.15) < 4 * np.sqrt(0.15 * 0.85 / n)
    assert abs(f.pre_release[refund].mean() - 0.1 / 0.15) < 0.02
    share = f.reversed_value[refund] / value[refund]
    partial = share < 0.999
    assert abs(partial.mean() - 0.5) < 0.02
    assert share[partial].min() > 0.09 and share[partial].max() < 0.91


def test_fate_probabilities_must_leave_room_for_no_fate():
    from paysim.errors import ScenarioError
    from paysim.scenario.loader import validate_model

    with pytest.raises(ScenarioError) as error:
        validate_model(
            PlatformSpec,
            {
                "refunds": {"before_release_probability": 0.7, "after_release_probability": 0.3},
                "disputes": {"probability": 0.1},
            },
        )
    assert error.value.problems == [
        "platform.refunds: before_release_probability + after_release_probability + "
        "disputes.probability must be <= 1, got 1.1"
    ]
