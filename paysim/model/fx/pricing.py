"""Forward and option prices of a currency pair: covered interest parity, Garman-Kohlhagen.

``spot`` is domestic units (the reporting currency) per unit of the foreign currency; rates
are continuously compounded per year, ``tenor_y`` in years.

- Forward: ``F = S exp((r_d - r_f) T)`` (covered interest parity).
- Garman and Kohlhagen (1983), "Foreign currency option values", J. Int. Money and Finance
  2(3): Black-Scholes with the foreign rate as a dividend yield.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats


def forward_rate(spot: np.ndarray, r_domestic: np.ndarray, r_foreign: np.ndarray, tenor_y):
    """The covered-interest-parity forward."""
    return spot * np.exp((r_domestic - r_foreign) * tenor_y)


def _d1_d2(spot, strike, r_d, r_f, sigma, tenor_y):
    vol = sigma * np.sqrt(tenor_y)
    d1 = (np.log(spot / strike) + (r_d - r_f + 0.5 * sigma**2) * tenor_y) / vol
    return d1, d1 - vol


def garman_kohlhagen(spot, strike, r_d, r_f, sigma, tenor_y, call: bool):
    """Price of a European call (right to buy the foreign currency) or put, domestic units."""
    d1, d2 = _d1_d2(spot, strike, r_d, r_f, sigma, tenor_y)
    df_d, df_f = np.exp(-r_d * tenor_y), np.exp(-r_f * tenor_y)
    if call:
        return spot * df_f * stats.norm.cdf(d1) - strike * df_d * stats.norm.cdf(d2)
    return strike * df_d * stats.norm.cdf(-d2) - spot * df_f * stats.norm.cdf(-d1)


def gk_delta(spot, strike, r_d, r_f, sigma, tenor_y, call: bool):
    """Sensitivity of the option's price to the spot (foreign units per unit of notional)."""
    d1, _ = _d1_d2(spot, strike, r_d, r_f, sigma, tenor_y)
    df_f = np.exp(-r_f * tenor_y)
    return df_f * (stats.norm.cdf(d1) if call else stats.norm.cdf(d1) - 1.0)


def zero_cost_floor(spot: float, cap: float, r_d: float, r_f: float, sigma: float, tenor_y):
    """The put strike whose premium pays for the call at ``cap`` (a zero-cost collar).

    A buyer of the foreign currency buys the call (protection above ``cap``) and sells the
    put at the floor; the floor lies below the forward when the cap lies above it.
    """
    premium = float(garman_kohlhagen(spot, cap, r_d, r_f, sigma, tenor_y, call=True))
    forward = float(forward_rate(spot, r_d, r_f, tenor_y))

    def gap(floor: float) -> float:
        put = float(garman_kohlhagen(spot, floor, r_d, r_f, sigma, tenor_y, call=False))
        return put - premium

    if cap <= forward:  # a cap at or below the forward is paid for by a floor at the cap
        return cap
    return float(optimize.brentq(gap, forward * 1e-3, forward, xtol=1e-12 * forward))
