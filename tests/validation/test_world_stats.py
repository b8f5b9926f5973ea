"""The whole world's behaviour against its own parameters, statistically.

Each attempt's success and latency come from its own counter-based uniforms, so given the
channel they are independent draws: a first attempt's success is Bernoulli(base x
cross-border factor), latency lognormal(p50, p99) (a retry's success also depends on the
decline before it: tests/validation/test_retry_recovery.py). A buyer who fails retries with
probability ``retry.probability`` and switches method with probability
``retry.switch_method``; each funnel step drops a checkout independently. Counts are
binomial: a share over n trials has standard error sqrt(p (1 - p) / n); checks allow 5 of
those. Seeds are fixed; outages are off so that only the parameter under test decides.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import paysim
from paysim.model.checkout.platform_declines import ALL_DECLINE_CODES, IS_HARD_DECLINE
from tests.conftest import QUICKSTART

Z = 5.0
P_MIN = 0.001
NO_OUTAGES = {f"channels.{c}.outages": None for c in ("card_sg", "wallet_local", "bank_local")}
# success.base is the probability for a low-risk buyer: take the buyers' risk away
NO_RISK = {f"markets.{m}.buyer_risk_mean": 0.0 for m in ("ID", "TH")}
DAYS = [1.0, pytest.param(8.0, marks=pytest.mark.slow)]
SUCCESS = {"card_sg": 0.90 * 0.88, "wallet_local": 0.95, "bank_local": 0.90}
LATENCY = {"card_sg": (450, 2500), "wallet_local": (350, 1800), "bank_local": (900, 6000)}


@functools.lru_cache(maxsize=2)
def _steady(days: float) -> pd.DataFrame:
    """The quickstart's payments log without outages (shared by the tests that only read it)."""
    overrides = {**NO_OUTAGES, **NO_RISK}
    return paysim.simulate(QUICKSTART, seed=17, days=days, overrides=overrides).payments


def _binomial_ok(successes: int, n: int, p: float) -> bool:
    return abs(successes / n - p) <= Z * np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("days", DAYS)
@pytest.mark.parametrize("channel", list(SUCCESS))
def test_success_share_is_base_times_cross_border_factor(days: float, channel: str) -> None:
    payments = _steady(days)
    at_channel = payments[(payments["channel"] == channel) & (payments["attempt"] == 1)]
    succeeded = int((at_channel["outcome"] == "succeeded").sum())
    # timeouts are failures too: P(latency > timeout) < 1e-4 for every quickstart channel
    assert _binomial_ok(succeeded, len(at_channel), SUCCESS[channel])


@pytest.mark.parametrize("days", DAYS)
@pytest.mark.parametrize("channel", list(LATENCY))
def test_latency_is_lognormal_with_its_quantiles(days: float, channel: str) -> None:
    p50, p99 = LATENCY[channel]
    sigma = (np.log(p99) - np.log(p50)) / special.ndtri(0.99)
    latency = _steady(days).loc[lambda f: f["channel"] == channel, "latency_ms"].to_numpy()
    result = stats.kstest(latency, stats.lognorm(s=sigma, scale=p50).cdf)
    assert result.pvalue > P_MIN


def _next_attempts(payments: pd.DataFrame) -> pd.DataFrame:
    """Each failed attempt that could be retried, with its retry (NaN method when none)."""
    horizon_s = payments["t_s"].max()
    failed = payments[
        (payments["outcome"] != "succeeded")
        & (payments["attempt"] < 3)  # quickstart: max_attempts 3
        & (payments["t_s"] < horizon_s - 3600)  # a retry comes within minutes, not an hour
    ]
    following = payments[["checkout_id", "attempt", "method"]].assign(
        attempt=lambda f: f["attempt"] - 1
    )
    return failed.merge(
        following, on=["checkout_id", "attempt"], how="left", suffixes=("", "_next")
    )


@pytest.mark.parametrize("days", DAYS)
def test_failed_buyers_retry_with_the_retry_probability(days: float) -> None:
    pairs = _next_attempts(_steady(days))
    retried = int(pairs["method_next"].notna().sum())
    assert _binomial_ok(retried, len(pairs), 0.5)


@pytest.mark.parametrize("days", DAYS)
def test_retrying_buyers_switch_method_with_the_switch_probability(days: float) -> None:
    pairs = _next_attempts(_steady(days)).dropna(subset=["method_next"])
    # a hard decline (stolen card, invalid account...) forces a switch: only soft ones choose
    hard = {c for c, h in zip(ALL_DECLINE_CODES, IS_HARD_DECLINE, strict=True) if h}
    pairs = pairs[~pairs["decline_code"].astype(str).isin(hard)]
    switched = int((pairs["method"].astype(str) != pairs["method_next"].astype(str)).sum())
    # every quickstart market offers three methods, so a switch always finds another one
    assert _binomial_ok(switched, len(pairs), 0.3)


@pytest.mark.parametrize("days", DAYS)
def test_method_mix_of_first_attempts_follows_each_market(days: float) -> None:
    firsts = _steady(days).loc[lambda f: f["attempt"] == 1]
    mixes = {
        "ID": {"card": 0.35, "wallet": 0.50, "bank_transfer": 0.15},
        "TH": {"card": 0.45, "wallet": 0.45, "bank_transfer": 0.10},
    }
    for market, mix in mixes.items():
        methods = firsts.loc[firsts["buyer_market"] == market, "method"].astype(str)
        counts = methods.value_counts().reindex(list(mix), fill_value=0)
        expected = np.array(list(mix.values())) * len(methods)
        assert len(methods) == counts.sum(), "only methods of the mix are chosen"
        assert stats.chisquare(counts.to_numpy(), expected).pvalue > P_MIN, market


@pytest.mark.parametrize("days", DAYS)
def test_funnel_steps_drop_checkouts_independently(days: float) -> None:
    # without retries every failed attempt ends its checkout, so the funnel's drop-outs are
    # checkouts_abandoned - payments_failed, binomial with 1 - prod(1 - a_step)
    steps = {"choose_method": 0.10, "enter_details": 0.20, "confirm": 0.05}
    overrides = {**NO_OUTAGES, "checkout.abandonment": steps, "checkout.retry.probability": 0.0}
    kpis = paysim.simulate(QUICKSTART, seed=5, days=days, overrides=overrides).kpis
    dropped = kpis["checkouts_abandoned"] - kpis["payments_failed"]
    p_drop = 1 - np.prod([1 - a for a in steps.values()])
    assert _binomial_ok(int(dropped), int(kpis["checkouts"]), p_drop)


@pytest.mark.parametrize("days", DAYS)
def test_basket_amounts_follow_each_markets_distribution(days: float) -> None:
    firsts = _steady(days).loc[lambda f: f["attempt"] == 1]
    baskets = {"ID": (180_000, 2_500_000), "TH": (450, 6_000)}
    for market, (p50, p99) in baskets.items():
        amount = firsts.loc[firsts["buyer_market"] == market, "amount"].to_numpy()
        sigma = (np.log(p99) - np.log(p50)) / special.ndtri(0.99)
        # amounts are rounded to the minor unit (0.01): far below the lognormal's spread
        assert stats.kstest(amount, stats.lognorm(s=sigma, scale=p50).cdf).pvalue > P_MIN


@pytest.mark.parametrize("days", DAYS)
def test_attempts_slower_than_the_timeout_time_out(days: float) -> None:
    # card_sg latency is lognormal(450, 2500): a 300 ms timeout cuts about 71 % of attempts
    overrides = {**NO_OUTAGES, "channels.card_sg.timeout_ms": 300.0}
    payments = paysim.simulate(QUICKSTART, seed=3, days=days / 2, overrides=overrides).payments
    card = payments[payments["channel"] == "card_sg"]
    timed_out = card[card["outcome"] == "timeout"]
    sigma = (np.log(2500) - np.log(450)) / special.ndtri(0.99)
    assert _binomial_ok(len(timed_out), len(card), stats.lognorm(s=sigma, scale=450).sf(300.0))
    assert (timed_out["latency_ms"] == 300.0).all(), "the platform waits exactly the timeout"
    assert (card.loc[card["outcome"] != "timeout", "latency_ms"] <= 300.0).all()
    answered = card[card["outcome"] != "timeout"]
    assert _binomial_ok(int((answered["outcome"] == "succeeded").sum()), len(answered), 0.792)
