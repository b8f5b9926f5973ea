"""The checkout funnel drops buyers at the configured rates; shortcuts skip steps."""

import numpy as np
import pytest
from scipy import stats

from paysim.engine.streams import RandomStreams
from paysim.experiment.single import resolve_scenario
from paysim.model.checkout.funnel import CANNOT_RETRY, MAY_RETRY, MUST_SWITCH, CheckoutModel
from paysim.model.demand.arrivals import Arrivals

QUICKSTART = "scenarios/quickstart.yaml"
ABANDON = {"choose_method": 0.05, "enter_details": 0.10, "confirm": 0.04}


def _model(**checkout):
    overrides = {f"checkout.{k}": v for k, v in checkout.items()}
    scenario = resolve_scenario(QUICKSTART, overrides)
    markets = tuple(m.code for m in scenario.markets)
    currencies = ("CNY", "IDR", "THB", "USD")
    # rough: shortcuts and method limits need an amount only
    usd_per_minor = {0: 1 / 7 / 100, 1: 1 / 16_500 / 100, 2: 1 / 33 / 100, 3: 1 / 100}
    return CheckoutModel(
        scenario,
        markets,
        currencies,
        RandomStreams(11),
        lambda minor, ccy: minor * np.vectorize(usd_per_minor.get)(ccy),
    )


def _arrivals(n):
    return Arrivals(np.linspace(0, 86_400, n, endpoint=False), np.zeros(n, dtype=np.intp))


def test_each_step_drops_its_configured_share():
    n = 200_000
    model = _model(abandonment=ABANDON)
    attempts, dropped = model.open(_arrivals(n))
    p = np.array(list(ABANDON.values()))
    reach = np.cumprod(np.r_[1.0, 1 - p[:-1]])
    expected = n * reach * p
    # multinomial counts: z-scores within 4 standard deviations
    sd = np.sqrt(n * reach * p * (1 - reach * p))
    assert np.all(np.abs(dropped - expected) < 4 * sd)
    assert attempts.n + dropped.sum() == n


def test_one_click_buyers_skip_the_first_two_steps():
    n = 100_000
    everyone = _model(abandonment=ABANDON, one_click_share=1.0)
    _, dropped = everyone.open(_arrivals(n))
    assert dropped[0] == 0 and dropped[1] == 0
    assert dropped[2] == pytest.approx(n * ABANDON["confirm"], rel=0.08)


def test_one_click_shortens_time_to_confirm():
    n = 20_000
    slow, _ = _model(abandonment={}, one_click_share=0.0).open(_arrivals(n))
    fast, _ = _model(abandonment={}, one_click_share=1.0, shortcut_time_factor=0.25).open(
        _arrivals(n)
    )
    t = np.linspace(0, 86_400, n, endpoint=False)
    # both draw the same uniforms: the shortcut scales each buyer's time exactly
    np.testing.assert_allclose(fast["t_s"] - t, 0.25 * (slow["t_s"] - t), rtol=1e-9)


def test_default_method_share_makes_buyers_loyal():
    n = 50_000
    loyal, _ = _model(default_method_share=1.0).open(_arrivals(n))
    assert np.all(loyal["method"] == loyal["default_method"])
    free, _ = _model(default_method_share=0.0).open(_arrivals(n))
    agree = np.mean(free["method"] == free["default_method"])
    assert agree < 0.6  # independent draws from a mix with no dominant method


def test_retry_modes():
    model = _model(
        **{"retry.probability": 1.0, "retry.max_attempts": 3, "retry.switch_method": 0.0}
    )
    attempts, _ = model.open(_arrivals(3000))
    luck = model.attempt_luck(attempts)
    n = attempts.n
    t = attempts["t_s"]
    channel = np.zeros(n, dtype=np.intp)
    code = np.zeros(n, dtype=np.int8)
    again, gave_up = model.retries(attempts, luck, np.full(n, MAY_RETRY), channel, code, t)
    assert not gave_up.any()
    assert again.n == n and np.all(again["method"] == attempts["method"])
    assert np.all(again["attempt"] == 2) and np.all(again["t_s"] > t)
    never, gave_up = model.retries(attempts, luck, np.full(n, CANNOT_RETRY), channel, code, t)
    assert gave_up.all()
    assert never.n == 0
    switched, gave_up = model.retries(attempts, luck, np.full(n, MUST_SWITCH), channel, code, t)
    assert switched.n + gave_up.sum() == n
    before = attempts.take(np.isin(attempts["checkout_id"], switched["checkout_id"]))
    assert switched.n > 0 and np.all(switched["method"] != before["method"])


def test_retries_stop_at_max_attempts():
    model = _model(**{"retry.probability": 1.0, "retry.max_attempts": 2})
    attempts, _ = model.open(_arrivals(500))
    second = _retry_all(model, attempts)
    third = _retry_all(model, second)
    assert second.n == attempts.n and third.n == 0


def test_buyer_traits_are_stable_per_buyer():
    model = _model(one_click_share=0.3, **{"personal_limit.share": 0.2})
    buyers = np.arange(1000, dtype=np.int64)
    market = np.zeros(1000, dtype=np.intp)
    a = model.buyers.traits(buyers, market)
    b = model.buyers.traits(buyers[::-1], market)
    assert np.array_equal(a.one_click, b.one_click[::-1])
    assert np.array_equal(a.kyc_tier, b.kyc_tier[::-1])
    assert np.allclose(a.risk, b.risk[::-1])
    assert 0.25 < a.one_click.mean() < 0.35
    assert stats.kstest(a.risk, stats.beta(1.0, 19.0).cdf).pvalue > 0.001


def _retry_all(model, attempts):
    n = attempts.n
    channel = np.zeros(n, dtype=np.intp)
    mode = np.full(n, MAY_RETRY, dtype=np.int8)
    code = np.zeros(n, dtype=np.int8)
    retries, _ = model.retries(
        attempts, model.attempt_luck(attempts), mode, channel, code, attempts["t_s"]
    )
    return retries


@pytest.mark.parametrize("risk_mean", [0.0, 0.05, 0.5])
def test_tabulated_buyer_risk_matches_the_beta_quantile(risk_mean):
    from scipy import special

    model = _model()
    u = np.r_[np.random.default_rng(3).random(20_000), 0.9999, 0.99999999]
    market = np.zeros(len(u), dtype=np.intp)
    model.buyers.risk_a[0] = max(risk_mean * 20, 1e-9)
    model.buyers.risk_b[0] = (1 - risk_mean) * 20
    model.buyers.risk_table[0] = special.betaincinv(
        model.buyers.risk_a[0], model.buyers.risk_b[0], np.linspace(0, 1, 4097)
    )
    exact = special.betaincinv(model.buyers.risk_a[0], model.buyers.risk_b[0], u)
    np.testing.assert_allclose(model.buyers._risk(market, u), exact, atol=2e-4)
