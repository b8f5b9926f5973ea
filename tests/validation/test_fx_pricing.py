"""Forward and option prices against closed forms and Monte Carlo of the same model."""

from __future__ import annotations

import numpy as np
import pytest

from paysim.model.fx.pricing import (
    forward_rate,
    garman_kohlhagen,
    gk_delta,
    zero_cost_floor,
)

S, R_D, R_F, SIGMA, T = 0.18, 0.045, 0.1225, 0.15, 0.5  # USD per BRL, Fed vs Selic


def test_forward_follows_covered_interest_parity():
    # a year at 12.25 % against 4.5 %: BRL about 7.4 % cheaper forward
    assert forward_rate(S, R_D, R_F, 1.0) == pytest.approx(S * np.exp(-0.0775))


def test_equals_black_76_on_the_forward():
    # an independent form of the same price: Black (1976) on the CIP forward, discounted
    from scipy.stats import norm

    k = 0.175
    f = S * np.exp((R_D - R_F) * T)
    vol = SIGMA * np.sqrt(T)
    d1 = (np.log(f / k) + vol**2 / 2) / vol
    black = np.exp(-R_D * T) * (f * norm.cdf(d1) - k * norm.cdf(d1 - vol))
    assert garman_kohlhagen(S, k, R_D, R_F, SIGMA, T, call=True) == pytest.approx(black, rel=1e-12)


def test_put_call_parity():
    k = 0.19
    call = garman_kohlhagen(S, k, R_D, R_F, SIGMA, T, call=True)
    put = garman_kohlhagen(S, k, R_D, R_F, SIGMA, T, call=False)
    assert call - put == pytest.approx(S * np.exp(-R_F * T) - k * np.exp(-R_D * T), rel=1e-12)


@pytest.mark.parametrize("call", [True, False])
def test_prices_match_monte_carlo_within_its_standard_error(call):
    rng = np.random.default_rng(8)
    n = 400_000
    s_t = S * np.exp((R_D - R_F - SIGMA**2 / 2) * T + SIGMA * np.sqrt(T) * rng.standard_normal(n))
    k = 0.17
    payoff = np.maximum(s_t - k, 0) if call else np.maximum(k - s_t, 0)
    discounted = np.exp(-R_D * T) * payoff
    se = discounted.std() / np.sqrt(n)
    price = garman_kohlhagen(S, k, R_D, R_F, SIGMA, T, call=call)
    assert abs(discounted.mean() - price) < 4 * se


def test_delta_is_the_price_slope():
    h = 1e-6
    for call in (True, False):
        slope = (
            garman_kohlhagen(S + h, 0.18, R_D, R_F, SIGMA, T, call)
            - garman_kohlhagen(S - h, 0.18, R_D, R_F, SIGMA, T, call)
        ) / (2 * h)
        assert gk_delta(S, 0.18, R_D, R_F, SIGMA, T, call) == pytest.approx(slope, rel=1e-5)


def test_zero_cost_collar_costs_nothing():
    cap = forward_rate(S, R_D, R_F, T) * 1.05
    floor = zero_cost_floor(S, cap, R_D, R_F, SIGMA, T)
    call = garman_kohlhagen(S, cap, R_D, R_F, SIGMA, T, call=True)
    put = garman_kohlhagen(S, floor, R_D, R_F, SIGMA, T, call=False)
    assert floor < forward_rate(S, R_D, R_F, T) < cap
    assert put == pytest.approx(call, rel=1e-9)
