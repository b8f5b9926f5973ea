"""Moving rates from a scenario's ``fx`` section: calibration, errors, replay, correlation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from paysim.engine.streams import RandomStreams
from paysim.errors import ScenarioError
from paysim.model.fx.ecb import ecb_history
from paysim.model.fx.path import MovingRates, build_rates, resolve_model
from paysim.model.fx.rates import FixedRates
from paysim.model.fx.spec import FxSpec

WINDOW = {"source": "ecb", "start": "2019-01-01", "end": "2023-12-31"}
DAY_S = 86400.0


def _spec(**fields) -> FxSpec:
    return FxSpec.model_validate(fields, strict=False)


def test_fixed_model_stays_fixed_rates():
    rates = build_rates(_spec(), ["EUR", "USD"], RandomStreams(0), 10 * DAY_S)
    assert type(rates) is FixedRates


def test_path_starts_at_the_fixing_and_crosses_via_eur():
    spec = _spec(model="gbm", calibrate_from=WINDOW)
    rates = build_rates(spec, ["BRL", "EUR", "USD"], RandomStreams(1), 5 * DAY_S)
    fixed = FixedRates.from_spec(spec, ["BRL", "EUR", "USD"])
    assert isinstance(rates, MovingRates)
    assert np.array_equal(rates.path[0], fixed.per_eur)
    assert (rates.path[:, rates.index["EUR"]] == 1.0).all()
    t = np.array([0.0, 3 * DAY_S + 10])
    usd, brl = rates.index["USD"], rates.index["BRL"]
    row = rates.path[rates.tick(t)]
    cross = row[:, brl] / row[:, usd]
    factor = rates.factor_at(usd, brl, t)  # both have 2 decimals: minor factor = rate
    assert np.allclose(factor, cross)
    assert factor[0] != factor[1]


def test_calibrated_correlation_is_the_ecb_one():
    spec = _spec(model="gbm", calibrate_from=WINDOW)
    setup = resolve_model(spec, ["CHF", "EUR", "USD"])
    history = ecb_history().loc["2019-01-01":"2023-12-31", ["CHF", "USD"]].dropna()
    returns = np.diff(np.log(history.to_numpy()), axis=0)
    corr = setup.chol @ setup.chol.T
    assert corr[0, 1] == pytest.approx(np.corrcoef(returns.T)[0, 1], abs=1e-9)
    assert setup.params["sigma"][1] == pytest.approx(returns[:, 1].std(ddof=1) * np.sqrt(252))


def test_simulated_paths_share_the_calibrated_correlation():
    spec = _spec(model="gbm", calibrate_from=WINDOW, step_s=DAY_S)
    rates = build_rates(spec, ["CHF", "EUR", "USD"], RandomStreams(4), 6000 * DAY_S)
    setup = resolve_model(spec, ["CHF", "EUR", "USD"])
    returns = np.diff(np.log(rates.path[:, [0, 2]]), axis=0)
    target = (setup.chol @ setup.chol.T)[0, 1]
    assert np.corrcoef(returns.T)[0, 1] == pytest.approx(target, abs=4 / np.sqrt(6000))


def test_currency_outside_the_ecb_set_needs_stated_parameters():
    spec = _spec(model="gbm", calibrate_from=WINDOW)
    with pytest.raises(ScenarioError) as err:
        resolve_model(spec, ["EUR", "USD", "VND"])
    assert "fx.params.VND.sigma" in str(err.value)
    assert "has no VND rate" in str(err.value)
    stated = _spec(model="gbm", calibrate_from=WINDOW, params={"VND": {"mu": 0.0, "sigma": 0.03}})
    setup = resolve_model(stated, ["EUR", "USD", "VND"])
    assert setup.params["sigma"][1] == 0.03
    corr = setup.chol @ setup.chol.T
    assert corr[0, 1] == pytest.approx(0.0, abs=1e-6)  # stated: moves on its own


def test_a_window_outside_a_currencys_history_names_its_range():
    spec = _spec(model="gbm", calibrate_from={"source": "ecb", "start": "2023-01-01",
                                              "end": "2024-06-30"})  # fmt: skip
    with pytest.raises(ScenarioError) as err:
        resolve_model(spec, ["EUR", "RUB"])
    assert "RUB from 2005-04-01 to 2022-03-01" in str(err.value)


def test_without_window_or_parameters_the_error_says_what_is_missing():
    with pytest.raises(ScenarioError, match=r"fx.params.USD.sigma: needed by model gbm"):
        resolve_model(_spec(model="gbm"), ["EUR", "USD"])


def test_replay_gives_the_real_ecb_path_at_day_ends():
    window = {"source": "ecb", "start": "2015-01-01", "end": "2016-12-31"}
    spec = _spec(model="replay", calibrate_from=window, as_of=dt.date(2015, 1, 1))
    rates = build_rates(spec, ["BRL", "EUR"], RandomStreams(0), 60 * DAY_S)
    history = ecb_history().loc["2015-01-01":"2016-12-31", "BRL"].resample("D").last().ffill()
    day_ends = rates.path[24::24, 0][:59]
    # the replay moves by the real daily log returns from the fixing of as_of
    real = history.to_numpy()[1:60] / history.to_numpy()[0]
    assert np.allclose(day_ends / rates.path[0, 0], real, rtol=1e-9)


def test_bootstrap_draws_real_blocks():
    spec = _spec(model="bootstrap", calibrate_from=WINDOW, step_s=DAY_S, block_days=7)
    rates = build_rates(spec, ["EUR", "JPY"], RandomStreams(2), 70 * DAY_S)
    returns = np.diff(np.log(rates.path[:, 1]))
    history = ecb_history().loc["2019-01-01":"2023-12-31", "JPY"].resample("D").last().ffill()
    real = np.diff(np.log(history.to_numpy()))
    # with one tick a day the bridge is empty: every return is a real one
    assert np.isin(np.round(returns, 12), np.round(real, 12)).all()


def test_bad_step_is_a_field_error():
    with pytest.raises(ValueError, match="step_s"):
        _spec(step_s=7000)


def test_replay_without_window_is_refused():
    with pytest.raises(ValueError, match="calibrate_from"):
        _spec(model="replay")
