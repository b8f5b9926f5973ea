"""``--set`` and ``overrides``: dotted paths into the scenario, list items by id, YAML values."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import paysim
from paysim.errors import ScenarioError
from paysim.scenario import apply_overrides, parse_set, scenario_from_dict
from paysim.scenario.loader import scenario_to_dict
from tests.conftest import FLAGSHIP, QUICKSTART


def _with_second_channel(raw: dict[str, Any], **fields: Any) -> dict[str, Any]:
    extra = copy.deepcopy(raw["channels"][0])
    extra.update(fields)
    raw["channels"].append(extra)
    return raw


def test_list_items_by_id_code_and_index(tiny_scenario: dict[str, Any]) -> None:
    out = apply_overrides(
        tiny_scenario,
        {
            "channels.card_sg.fee.percent": 1.5,
            "markets.CN.sellers": 7,
            "demand.corridors.0.share": 1.0,
        },
    )
    assert out["channels"][0]["fee"]["percent"] == 1.5
    assert out["markets"][1]["sellers"] == 7
    assert tiny_scenario["channels"][0]["fee"]["percent"] == 2.9, "the input is not modified"


def test_an_id_wins_over_another_items_kind(tiny_scenario: dict[str, Any]) -> None:
    # channel "a" is of kind "wallet"; channel "wallet" is a card acquirer. The path names
    # the channel whose id is "wallet", the same label error messages use for it.
    raw = tiny_scenario
    raw["channels"][0].update(id="a", kind="wallet")
    _with_second_channel(raw, id="wallet", kind="card_acquirer")

    out = apply_overrides(raw, {"channels.wallet.fee.percent": 5.0})
    assert [(c["id"], c["fee"]["percent"]) for c in out["channels"]] == [
        ("a", 2.9),
        ("wallet", 5.0),
    ]


def test_an_ambiguous_kind_is_an_error(tiny_scenario: dict[str, Any]) -> None:
    raw = _with_second_channel(tiny_scenario, id="card_two")
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(raw, {"channels.card_acquirer.fee.percent": 5.0})
    (problem,) = caught.value.problems
    assert problem.startswith("channels.card_acquirer: ")
    assert "card_sg" in problem
    assert "card_two" in problem


def test_a_unique_kind_still_addresses_its_item(tiny_scenario: dict[str, Any]) -> None:
    out = apply_overrides(tiny_scenario, {"channels.card_acquirer.fee.percent": 4.0})
    assert out["channels"][0]["fee"]["percent"] == 4.0


def test_whole_sections_and_lists_can_be_replaced(tiny_scenario: dict[str, Any]) -> None:
    out = apply_overrides(
        tiny_scenario,
        {
            "strategies.routing": {"name": "priority", "params": {"order": ["card_sg"]}},
            "checkout.retry.max_attempts": 5,  # a section the file left out is created
            "demand.corridors": [{"buyer": "SG", "seller": "CN", "share": 1.0}],
        },
    )
    scenario = scenario_from_dict(out)
    assert scenario.strategies.routing.params == {"order": ["card_sg"]}
    assert scenario.checkout.retry.max_attempts == 5


def test_bad_paths_are_errors_naming_them(tiny_scenario: dict[str, Any]) -> None:
    for path, expected in [
        ("a..b", "a..b: empty segment"),
        ("name.first", "name.first: cannot set a field inside a value"),
        ("channels.nope.fee", "channels.nope: no item 'nope' in channels (known: card_sg)"),
        ("channels.7.fee", "channels.7: no item '7'"),
    ]:
        with pytest.raises(ScenarioError) as caught:
            apply_overrides(tiny_scenario, {path: 1})
        assert caught.value.problems[0].startswith(expected), caught.value.problems


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("a.b=0.9", ("a.b", 0.9)),
        ("a=7", ("a", 7)),
        ("a=true", ("a", True)),
        ("a=", ("a", None)),
        ("a=[x, y]", ("a", ["x", "y"])),
        ("a={card: 0.5, wallet: 0.5}", ("a", {"card": 0.5, "wallet": 0.5})),
        ("a=b=c", ("a", "b=c")),
        (" a.b =2", ("a.b", 2)),
    ],
)
def test_set_values_are_yaml(assignment: str, expected: tuple[str, Any]) -> None:
    assert parse_set(assignment) == expected


def test_set_values_cannot_construct_objects() -> None:
    with pytest.raises(ScenarioError, match="not valid YAML"):
        parse_set("name=!!python/object/apply:os.system [true]")


def test_unknown_mapping_key_names_the_key_without_pydantic_markers() -> None:
    with pytest.raises(ScenarioError) as caught:
        paysim.load_scenario(QUICKSTART, {"markets.ID.method_mix.cheque": 0.0})
    (problem,) = caught.value.problems
    assert problem.startswith("markets.ID.method_mix.cheque: must be one of card, wallet")
    assert "[key]" not in problem


@pytest.mark.parametrize("path", [QUICKSTART, FLAGSHIP], ids=lambda p: p.stem)
def test_a_scenario_written_back_validates_to_itself(path) -> None:
    scenario = paysim.load_scenario(path)
    assert scenario_from_dict(scenario_to_dict(scenario)) == scenario


def test_overrides_on_a_loaded_scenario_match_overrides_on_the_file() -> None:
    overrides = {"channels.card_sg.success.base": 0.5, "demand.orders_per_day": 3000}
    from_model = paysim.simulate(paysim.load_scenario(QUICKSTART), days=0.05, overrides=overrides)
    from_file = paysim.simulate(QUICKSTART, days=0.05, overrides=overrides)
    assert from_model.kpis == from_file.kpis
