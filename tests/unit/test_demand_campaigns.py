"""Social demand: the campaign schema, schedules, the refined rate grid, group buys."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import RandomStreams
from paysim.errors import ScenarioError
from paysim.model.demand import campaigns
from paysim.model.demand.arrivals import Arrivals, DemandModel
from paysim.scenario.loader import scenario_from_dict
from tests.conftest import id_th_to_cn_world

DAY = SECONDS_PER_DAY


def raw(demand: dict[str, Any] | None = None) -> dict[str, Any]:
    return id_th_to_cn_world(
        name="demand", horizon_days=3, orders_per_day=2400.0, buyers=10, sellers=5,
        basket_amount={"dist": "constant", "value": 10.0}, demand=demand,
    )  # fmt: skip


def test_campaign_kinds_fill_their_defaults():
    spec = scenario_from_dict(
        raw(
            {
                "campaigns": [
                    {"id": "live", "kind": "live_stream", "every_h": 24.0},
                    {"id": "sale", "kind": "flash_sale", "starts_h": [5.0], "uplift": 8.0},
                ]
            }
        )
    )
    live, sale = spec.demand.campaigns
    assert live.uplift == 3.0 and live.commission_percent == 10.0
    assert live.duration_min.dist == "lognormal"
    assert sale.uplift == 8.0 and sale.commission_percent == 0.0
    assert sale.duration_min.mean == 60.0


@pytest.mark.parametrize(
    ("campaign", "problem"),
    [
        (
            {"id": "x", "kind": "live_stream"},
            "demand.campaigns.x: needs starts_h, every_h or per_day",
        ),
        (
            {"id": "x", "kind": "live_stream", "per_day": 1.0, "buyer_markets": ["VN"]},
            "demand.campaigns.x.buyer_markets: no corridor has buyer market, got 'VN'",
        ),
        ({"id": "x", "kind": "concert", "per_day": 1.0}, "demand.campaigns.x.kind: must be one of"),
        (
            {"id": "x", "kind": "flash_sale", "per_day": 1.0, "uplift": 0.5},
            "demand.campaigns.x.uplift: must be >= 1",
        ),
        (
            {"id": "x", "kind": "flash_sale", "per_day": 1.0, "surprise": 1},
            "demand.campaigns.x.surprise: unknown field",
        ),
    ],
)
def test_campaign_schema_is_strict(campaign: dict[str, Any], problem: str):
    with pytest.raises(ScenarioError) as error:
        scenario_from_dict(raw({"campaigns": [campaign]}))
    assert any(p.startswith(problem) for p in error.value.problems), error.value.problems


def test_group_buy_schema_is_strict():
    with pytest.raises(ScenarioError) as error:
        scenario_from_dict(raw({"group_buys": {"groups_per_day": -1.0}}))
    assert error.value.problems[0].startswith("demand.group_buys.groups_per_day: must be >= 0")


def test_schedules_are_explicit_periodic_and_poisson():
    spec = scenario_from_dict(
        raw(
            {
                "campaigns": [
                    {"id": "a", "kind": "flash_sale", "starts_h": [1.0, 80.0]},
                    {"id": "b", "kind": "flash_sale", "every_h": 12.0, "first_h": 6.0},
                    {"id": "c", "kind": "live_stream", "per_day": 4.0},
                ]
            }
        )
    )
    occ = campaigns.schedule(spec.demand.campaigns, 3 * DAY, RandomStreams(0))
    starts = {k: occ.start_s[occ.campaign == k] / 3600.0 for k in range(3)}
    assert starts[0].tolist() == [1.0]  # 80 h is beyond the horizon
    assert starts[1].tolist() == [6.0, 18.0, 30.0, 42.0, 54.0, 66.0]
    assert 2 <= len(starts[2]) <= 30
    assert (occ.end_s <= 3 * DAY).all() and (occ.end_s > occ.start_s).all()
    assert np.all(np.diff(occ.start_s) >= 0)


def test_poisson_campaigns_of_a_shorter_run_are_a_prefix_of_a_longer_ones():
    spec = scenario_from_dict(
        raw({"campaigns": [{"id": "c", "kind": "live_stream", "per_day": 3.0}]})
    )
    short = campaigns.schedule(spec.demand.campaigns, 5 * DAY, RandomStreams(9))
    long = campaigns.schedule(spec.demand.campaigns, 50 * DAY, RandomStreams(9))
    n = len(short.start_s)
    assert np.array_equal(long.start_s[:n], short.start_s)
    inside = long.end_s[:n] < 5 * DAY
    assert np.array_equal(long.end_s[:n][inside], short.end_s[inside])
    assert abs(len(long.start_s) - 150) < 4 * np.sqrt(150)


def test_grid_is_refined_at_campaign_edges_and_integrates_the_uplift():
    spec = scenario_from_dict(
        raw(
            {
                "campaigns": [
                    {
                        "id": "s",
                        "kind": "flash_sale",
                        "starts_h": [10.1],
                        "uplift": 4.0,
                        "duration_min": {"dist": "constant", "value": 50.0},
                        "buyer_markets": ["ID"],
                    }
                ]
            }
        )
    )
    model = DemandModel(spec, 3 * DAY, RandomStreams(0))
    start, end = 10.1 * 3600.0, 10.1 * 3600.0 + 3000.0
    assert start in model.rate.edges_s and end in model.rate.edges_s
    organic = model.intensity(end) - model.intensity(start)
    per_s = 2400.0 / DAY  # flat profile
    expected = per_s * 3000.0 * (0.75 * 4.0 + 0.25)
    assert organic == pytest.approx(expected, rel=1e-12)
    assert model.intensity(3 * DAY) == pytest.approx(3 * 2400.0 + per_s * 3000.0 * 0.75 * 3.0)


def test_arrivals_without_social_demand_are_organic_and_ungrouped():
    spec = scenario_from_dict(raw())
    model = DemandModel(spec, 3 * DAY, RandomStreams(0))
    stream = RandomStreams(0).stream("arrivals")
    a = model.arrivals(0.0, 3600.0, stream)
    assert len(a.t_s) > 50
    assert (a.campaign == -1).all() and (a.group == -1).all()
    assert np.all(np.diff(a.t_s) >= 0)
    bare = Arrivals(np.zeros(3), np.zeros(3, dtype=np.intp))
    assert bare.campaign.tolist() == [-1, -1, -1] and bare.group.dtype == np.int64


def test_group_buys_come_in_bursts_of_one_corridor():
    spec = scenario_from_dict(
        raw(
            {
                "group_buys": {
                    "groups_per_day": 500.0,
                    "join_delay_min": {"dist": "exponential", "mean": 20.0},
                }
            }
        )
    )
    model = DemandModel(spec, 3 * DAY, RandomStreams(4))
    stream = RandomStreams(4).stream("arrivals")
    parts = [model.arrivals(t, t + 60.0, stream) for t in np.arange(0, 3 * DAY, 60.0)]
    group = np.concatenate([p.group for p in parts])
    corridor = np.concatenate([p.corridor for p in parts])
    t_s = np.concatenate([p.t_s for p in parts])
    grouped = group >= 0
    ids, first, size = np.unique(group[grouped], return_index=True, return_counts=True)
    assert abs(len(ids) - 1500) < 4 * np.sqrt(1500)
    opened_s = t_s[grouped][first]
    complete = opened_s < 3 * DAY - 12 * 3600.0  # members beyond the horizon are cut
    assert size[complete].min() >= 2
    assert abs(size[complete].mean() - 3.05) < 0.2  # 2, 3, 5, 10 w.p. .6, .25, .1, .05
    for g in ids[:200]:  # one corridor per group, members within hours of the opener
        members = group == g
        assert len(set(corridor[members].tolist())) == 1
        assert np.ptp(t_s[members]) < 6 * 3600.0
    # members join after the opener with the configured delay: mean 20 min
    opener = dict(zip(ids.tolist(), opened_s.tolist(), strict=True))
    delays = np.array(
        [t - opener[g] for g, t in zip(group[grouped].tolist(), t_s[grouped].tolist(), strict=True)]
    )
    delays = delays[delays > 0] / 60.0
    assert abs(delays.mean() - 20.0) < 4 * 20.0 / np.sqrt(len(delays))
