"""Non-stationary channels: scheduled drifts and random walks of approval.

The realised success rate follows the schedule (common random numbers make the drifted and
the undrifted run differ only through the drift); the walk's moments are the closed forms
of a random walk and of an Ornstein-Uhlenbeck process; a scenario without drift, or with a
drift that changes nothing, gives the same bytes.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import special

import paysim
from paysim.engine.streams import RandomStreams
from paysim.model.channels.drift import walk_steps
from paysim.model.channels.drift_spec import WalkSpec
from paysim.scenario.loader import scenario_from_dict
from tests.conftest import TINY_SCENARIO

H = 3600.0
BASE = 0.9


def _world(**channel_fields: Any) -> dict[str, Any]:
    """The tiny world, denser and with two buyer markets on one card channel, no retries."""
    raw = copy.deepcopy(TINY_SCENARIO)
    raw["horizon_days"] = 0.25
    raw["markets"].insert(1, {**copy.deepcopy(raw["markets"][0]), "code": "MY", "currency": "MYR"})
    raw["demand"] = {
        "orders_per_day": 80_000,
        "corridors": [
            {"buyer": "SG", "seller": "CN", "share": 0.5},
            {"buyer": "MY", "seller": "CN", "share": 0.5},
        ],
    }
    raw["channels"][0]["markets"] = ["SG", "MY"]
    raw["channels"][0]["success"] = {"base": BASE}
    raw["channels"][0].update(channel_fields)
    raw["checkout"] = {"retry": {"probability": 0.0}}
    return raw


def _payments(raw: dict[str, Any], seed: int = 3) -> pd.DataFrame:
    return paysim.simulate(scenario_from_dict(raw), seed=seed).payments


def _rate(df: pd.DataFrame, market: str, lo_h: float, hi_h: float) -> tuple[float, int]:
    sent = df[(df.buyer_market == market) & (df.channel == "card_sg")]
    sent = sent[(sent.t_s >= lo_h * H) & (sent.t_s < hi_h * H)]
    return float((sent.outcome == "succeeded").mean()), len(sent)


DRIFT = {"start_h": 2.0, "duration_h": 2.0, "factor": 0.75 / BASE, "markets": ["SG"]}


@pytest.fixture(scope="module")
def drifted() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _payments(_world()), _payments(_world(drifts=[DRIFT]))


def test_success_falls_by_the_factor_during_the_episode_and_only_then(drifted) -> None:
    plain, drift = drifted
    for lo, hi, factor in ((0, 2, 1.0), (2, 4, DRIFT["factor"]), (4, 6, 1.0)):
        before, n = _rate(plain, "SG", lo, hi)
        after, _ = _rate(drift, "SG", lo, hi)
        # same buyers, same uniforms: only the drift differs; binomial noise of the ratio
        sd = math.sqrt(factor * (1 - factor) / (n * before)) if factor < 1 else 0.0
        assert after / before == pytest.approx(factor, abs=4 * sd + 1e-12), (lo, hi)
    rate, n = _rate(drift, "SG", 2, 4)
    plain_rate, _ = _rate(plain, "SG", 2, 4)  # 0.9 times buyer risk and timeouts
    assert n > 2_000
    assert abs(rate - 0.75 * plain_rate / BASE) < 4 * math.sqrt(0.75 * 0.25 / n)


def test_a_market_segment_drift_leaves_the_other_market_alone(drifted) -> None:
    plain, drift = drifted
    mine = plain[plain.buyer_market == "MY"].reset_index(drop=True)
    theirs = drift[drift.buyer_market == "MY"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, theirs)


def test_the_realised_rate_follows_a_walk_within_noise() -> None:
    walk = {"sigma_logit_per_sqrt_h": 0.8, "step_min": 30}
    df = _payments(_world(walk=walk))
    horizon_s = 0.25 * 86_400.0
    steps = walk_steps(
        WalkSpec(**walk), horizon_s, RandomStreams(3).generator("channels.card_sg.walk")
    )
    sent = df[df.channel == "card_sg"]
    step = (sent.t_s // (30 * 60)).astype(int)
    realised = sent.outcome.eq("succeeded").groupby(step).mean()
    n = step.value_counts().sort_index()
    plain = _payments(_world())
    base_rate = plain.outcome.eq("succeeded").mean() / BASE  # risk and outages aside
    expected = special.expit(special.logit(BASE) + steps((realised.index + 0.5) * 30 * 60))
    z = (realised.to_numpy() - expected * base_rate) / np.sqrt(expected * (1 - expected) / n)
    assert np.ptp(expected) > 0.05  # the walk did move
    assert np.mean(z**2) < 2.5  # chi-square per step ~1 when the rate follows the walk
    flat = (realised.to_numpy() - BASE * base_rate) / np.sqrt(BASE * (1 - BASE) / n)
    assert np.mean(flat**2) > 4 * np.mean(z**2)  # and a constant rate does not fit


@pytest.mark.parametrize("theta", [0.0, 0.5])
def test_walk_variance_is_the_closed_form(theta: float) -> None:
    spec = WalkSpec(sigma_logit_per_sqrt_h=0.3, reversion_per_h=theta, step_min=60)
    t_h = 24.0
    finals = np.array(
        [
            walk_steps(spec, t_h * H + 1, RandomStreams(s).generator("w"))(np.array([t_h * H]))[0]
            for s in range(2000)
        ]
    )
    var = 0.3**2 * t_h if theta == 0 else 0.3**2 * (1 - math.exp(-2 * theta * t_h)) / (2 * theta)
    se = var * math.sqrt(2 / finals.size)  # sd of a sample variance of normals
    assert finals.mean() == pytest.approx(0.0, abs=4 * math.sqrt(var / finals.size))
    assert finals.var() == pytest.approx(var, abs=4 * se)


def test_a_shorter_walk_is_the_start_of_a_longer_one() -> None:
    spec = WalkSpec(sigma_logit_per_sqrt_h=0.3, step_min=5)
    short = walk_steps(spec, 30 * H, RandomStreams(1).generator("w"))
    long = walk_steps(spec, 90 * H, RandomStreams(1).generator("w"))
    t = np.linspace(0, 30 * H - 1, 500)
    np.testing.assert_array_equal(short(t), long(t))


def _bytes(raw: dict[str, Any], out: Path) -> dict[str, bytes]:
    path = out.with_suffix(".yaml")
    path.write_text(yaml.safe_dump(raw))
    paysim.cli.main(["run", str(path), "--out", str(out)])
    return {name: (out / name).read_bytes() for name in ("summary.json", "payments.parquet")}


def test_drifts_that_change_nothing_give_the_same_bytes(tmp_path: Path) -> None:
    raw = _world()
    raw["horizon_days"] = 0.05
    silent = copy.deepcopy(raw)
    silent["channels"][0]["drifts"] = [
        {"start_h": 0.0, "duration_h": 1.0, "factor": 1.0},
        {"start_h": 100.0, "duration_h": 6.0, "factor": 0.5},  # after the horizon
    ]
    # a walk still on its first (zero) step: draws its own stream, moves nothing
    silent["channels"][0]["walk"] = {"sigma_logit_per_sqrt_h": 1.0, "step_min": 1440}
    assert _bytes(raw, tmp_path / "plain") == _bytes(silent, tmp_path / "silent")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"drifts": [{"start_h": 1, "duration_h": 0, "factor": 0.8}]}, "duration_h"),
        ({"drifts": [{"start_h": 1, "duration_h": 2, "factor": 0.8, "markets": ["TH"]}]},
         "channels.card_sg.drifts.0.markets: channel does not serve it"),
        ({"walk": {"sigma_logit_per_sqrt_h": 0.1, "networks": ["amex"]}},
         "channels.card_sg.walk.networks: unknown network"),
        ({"walk": {"sigma_logit_per_sqrt_h": 0}}, "sigma_logit_per_sqrt_h"),
    ],
)  # fmt: skip
def test_bad_drift_input_names_the_field(fields: dict[str, Any], message: str, run_cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_world(**fields)))
    result = run_cli("validate", path)
    assert result.code == 2
    assert message in result.err, result.err
