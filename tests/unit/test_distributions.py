"""Scenario distributions: parsing, quantiles, and the errors a user sees for bad parameters."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pydantic
import pytest

from paysim.errors import ScenarioError
from paysim.model.core.distributions import (
    Constant,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Uniform,
    ppf_grouped,
)
from paysim.scenario import scenario_from_dict

PARSE = pydantic.TypeAdapter(Distribution)


def parse(spec: dict[str, Any]):
    return PARSE.validate_python(spec)


@pytest.mark.parametrize(
    ("spec", "family"),
    [
        ({"dist": "constant", "value": 3}, Constant),
        ({"dist": "exponential", "mean": 2.0}, Exponential),
        ({"dist": "lognormal", "p50": 450, "p99": 2500}, Lognormal),
        ({"dist": "gamma", "mean": 2.0, "sd": 1.0}, Gamma),
        ({"dist": "uniform", "low": 1, "high": 2}, Uniform),
        ({"dist": "empirical", "values": [1, 2, 3]}, Empirical),
    ],
)
def test_each_documented_family_parses(spec: dict[str, Any], family: type) -> None:
    assert isinstance(parse(spec), family)


@pytest.mark.parametrize(("p50", "p99"), [(450.0, 2500.0), (1.0, 10.0), (6.0, 20.0)])
def test_lognormal_quantiles_are_its_parameters(p50: float, p99: float) -> None:
    dist = parse({"dist": "lognormal", "p50": p50, "p99": p99})
    assert dist.ppf(np.array([0.5]))[0] == pytest.approx(p50, rel=1e-12)
    assert dist.ppf(np.array([0.99]))[0] == pytest.approx(p99, rel=1e-12)
    assert dist.mean == pytest.approx(np.exp(np.log(p50) + dist.sigma**2 / 2), rel=1e-12)


def test_exponential_and_gamma_quantiles_match_closed_forms() -> None:
    exponential = parse({"dist": "exponential", "mean": 3.0})
    u = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(exponential.ppf(u), -3.0 * np.log1p(-u), rtol=1e-14)
    # gamma with shape 1 is the exponential: mean 3, sd 3
    gamma = parse({"dist": "gamma", "mean": 3.0, "sd": 3.0})
    np.testing.assert_allclose(gamma.ppf(u), exponential.ppf(u), rtol=1e-10)


def test_uniform_constant_and_empirical_quantiles() -> None:
    u = np.array([0.0, 0.25, 0.5, 0.999])
    np.testing.assert_allclose(parse({"dist": "uniform", "low": 2, "high": 6}).ppf(u), 2 + 4 * u)
    np.testing.assert_array_equal(parse({"dist": "constant", "value": 7}).ppf(u), 7.0)
    empirical = parse({"dist": "empirical", "values": [10, 20, 30], "weights": [1, 0, 3]})
    np.testing.assert_array_equal(
        empirical.ppf(np.array([0.0, 0.24, 0.25, 0.99])), [10, 10, 30, 30]
    )


def test_every_ppf_is_monotone() -> None:
    u = np.linspace(0.001, 0.999, 999)
    for spec in (
        {"dist": "exponential", "mean": 2.0},
        {"dist": "lognormal", "p50": 1, "p99": 30},
        {"dist": "gamma", "mean": 5.0, "sd": 0.5},
        {"dist": "uniform", "low": 0, "high": 1},
        {"dist": "empirical", "values": [1, 2, 3], "weights": [3, 1, 2]},
    ):
        assert np.all(np.diff(parse(spec).ppf(u)) >= 0), spec


def test_grouped_quantiles_use_each_items_distribution() -> None:
    dists = [
        parse({"dist": "lognormal", "p50": 1, "p99": 5}),
        parse({"dist": "constant", "value": 9}),
    ]
    group = np.array([0, 1, 0, 1])
    u = np.array([0.5, 0.5, 0.99, 0.1])
    np.testing.assert_allclose(ppf_grouped(dists, group, u), [1.0, 9.0, 5.0, 9.0], rtol=1e-12)
    lognormals = [parse({"dist": "lognormal", "p50": m, "p99": 3 * m}) for m in (1, 10)]
    np.testing.assert_allclose(
        ppf_grouped(lognormals, np.array([1, 0]), np.array([0.5, 0.99])), [10.0, 3.0], rtol=1e-12
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"dist": "lognormal", "p50": 5, "p99": 5}, "p99 (5.0) must be greater than p50 (5.0)"),
        ({"dist": "lognormal", "p50": 5, "p99": 1}, "must be greater than p50"),
        ({"dist": "lognormal", "p50": 0, "p99": 1}, "greater than 0"),
        ({"dist": "uniform", "low": 3, "high": 1}, "high (1.0) must be >= low (3.0)"),
        ({"dist": "gamma", "mean": 1, "sd": 0}, "greater than 0"),
        ({"dist": "exponential", "mean": -1}, "greater than 0"),
        ({"dist": "empirical", "values": []}, "at least 1"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1]}, "same length"),
        ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, "positive sum"),
        ({"dist": "empirical", "values": [-1, 2]}, "values must all be >= 0"),
        ({"dist": "weibull", "k": 1}, "weibull"),
        ({"dist": "constant", "value": 1, "extra": 2}, "extra"),
    ],
)
def test_bad_parameters_are_refused(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=re.escape(message)):
        parse(spec)


def test_a_bad_distribution_in_a_scenario_names_its_field(tiny_scenario: dict[str, Any]) -> None:
    tiny_scenario["channels"][0]["latency_ms"] = {"dist": "lognormal", "p50": 500, "p99": 100}
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(tiny_scenario)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(
        "channels.card_sg.latency_ms: p99 (100.0) must be greater than p50 (500.0)"
    )
