"""``paysim validate`` catches bad parameters of every routing strategy, one line per problem."""

from __future__ import annotations

import pytest

from paysim.errors import ScenarioError
from paysim.scenario.loader import read_yaml, scenario_from_dict
from tests.conftest import FLAGSHIP

P = "strategies.routing.params"
CASES = [
    ("priority", {"order": ["card_sg", "nope"]}, f"{P}.order: unknown channel, got 'nope'"),
    (
        "priority",
        {"order": ["card_sg", "card_sg"]},
        f"{P}.order: lists a channel twice, got ['card_sg', 'card_sg']",
    ),
    ("volume_split", {"shares": {"card_sg": -1}}, f"{P}.shares.card_sg: must be >= 0, got -1"),
    ("volume_split", {"shares": {"card_xx": 1}}, f"{P}.shares: unknown channel, got 'card_xx'"),
    ("volume_split", {}, f"{P}.shares: required parameter of routing strategy 'volume_split'"),
    (
        "cheapest",
        {"order": 1},
        f"{P}.order: unknown parameter of routing strategy 'cheapest'; it takes no parameters",
    ),
    ("weighted_score", {"weights": {"speed": -1}}, f"{P}.weights.speed: must be >= 0, got -1"),
    (
        "weighted_score",
        {"weights": {"sped": 1}},
        f"{P}.weights.sped: unknown criterion; expected one of security, fees, speed, "
        "stability, global_reach, compliance, user_experience",
    ),
    (
        "weighted_score",
        {"scores": {"card_sg": {"security": 2}}},
        f"{P}.scores.card_sg.security: must be <= 1, got 2",
    ),
    (
        "weighted_score",
        {"scores": {"card_sg": {"security": 0.9}}},
        f"{P}.scores.card_local.security: missing: "
        "give the criterion for every channel or for none",
    ),
    ("success_rate", {"window": 0}, f"{P}.window: must be >= 1, got 0"),
    ("success_rate", {"card_exploration": 1.5}, f"{P}.card_exploration: must be <= 1, got 1.5"),
    (
        "success_rate",
        {"segment_by": ["method", "country"]},
        f"{P}.segment_by: must list fields of method, buyer_market, currency, network, "
        "amount_band, got 'country'",
    ),
    (
        "success_rate",
        {"amount_band_edges_reporting": [100, 50]},
        f"{P}.amount_band_edges_reporting: must be finite and strictly increasing, got [100, 50]",
    ),
    (
        "epsilon_greedy",
        {"objective": "profit"},
        f"{P}.objective: must be one of success_rate, expected_value, got 'profit'",
    ),
    ("epsilon_greedy", {"decay": 0}, f"{P}.decay: must be > 0, got 0"),
    ("ucb", {"alpha": "big"}, f"{P}.alpha: must be a number, got 'big'"),
    ("ucb", {"latency_threshold_ms": 0}, f"{P}.latency_threshold_ms: must be > 0, got 0"),
    ("sw_ucb", {"window": 10.5}, f"{P}.window: must be a whole number, got 10.5"),
    ("thompson", {"discount": 0.99}, f"{P}.discount: set either window or discount (window: null)"),
    ("elimination", {"bucket_size": 0}, f"{P}.bucket_size: must be >= 1, got 0"),
    ("elimination", {"order": ["x"]}, f"{P}.order: unknown channel, got 'x'"),
    (
        "contract",
        {"commitments": {"card_zz": {"target_count": 10, "target_time_s": 3600}}},
        f"{P}.commitments: unknown channel, got 'card_zz'",
    ),
    (
        "contract",
        {
            "commitments": {"card_sg": {"target_count": 10, "target_time_s": 3600}},
            "tiers": {"card_sg": [{"from_count": 5, "percent": 2}]},
        },
        f"{P}.tiers.card_sg[0].from_count: must start at 0 and increase, got 5",
    ),
    (
        "oracle",
        {"objective": "x"},
        f"{P}.objective: must be one of success_rate, expected_value, got 'x'",
    ),
]


@pytest.fixture(scope="module")
def flagship_raw():
    return read_yaml(FLAGSHIP)


@pytest.mark.parametrize(("name", "params", "line"), CASES)
def test_bad_parameters_are_one_line_naming_the_field(flagship_raw, name, params, line):
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(flagship_raw, {"strategies.routing": {"name": name, "params": params}})
    assert exc.value.problems == [line]


def test_every_shipped_strategy_has_a_bad_parameter_case():
    from paysim.strategies import ROUTERS

    shipped = {n for n in ROUTERS.names() if ROUTERS.origin(n).startswith("paysim.strategies")}
    assert {name for name, _, _ in CASES} == shipped


def test_the_cli_reports_a_bad_parameter_with_exit_code_2(run_cli):
    result = run_cli(
        "validate", FLAGSHIP, "--set", "strategies.routing={name: thompson, params: {window: 0}}"
    )
    assert result.code == 2
    assert result.err.strip() == f"{P}.window: must be >= 1, got 0"


def test_good_parameters_validate(run_cli):
    value = "{name: success_rate, params: {window: 100, segment_by: [method, amount_band]}}"
    result = run_cli("validate", FLAGSHIP, "--set", f"strategies.routing={value}")
    assert result.code == 0 and result.out.strip() == "ok"
