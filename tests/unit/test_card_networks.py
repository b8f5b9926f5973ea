"""Cards carry their network: buyers keep their cards, channels accept the networks they list.

The flagship's demo verdict once rested on card payments whose network was drawn per channel,
so every card could reach the UnionPay-only acquirer. These tests hold the repaired model:
no payment ever reaches a channel that does not accept its card.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

import paysim
from paysim.errors import ScenarioError
from paysim.model.routing import AttemptView
from paysim.model.world import World
from paysim.scenario.loader import scenario_from_dict
from paysim.strategies.routing import BaseRouter, first_by_rank
from tests.conftest import FLAGSHIP

ORDERS = {
    "local_first": None,  # the scenario's own order
    "sg_first": ["card_sg", "card_local", "unionpay_cn"],
    "unionpay_first": ["unionpay_cn", "card_local", "card_sg"],
}
OTHERS = ["wallet_sea", "alipay_cn", "bank_rtp", "bnpl_sea", "wire_swift", "crypto_gw"]


def _accepted(spec: paysim.Scenario) -> dict[str, set[str] | None]:
    """Channel id to the networks it accepts (None: a channel without a list takes all)."""
    return {c.id: {n.id for n in c.networks} or None for c in spec.channels}


def _arm(name: str) -> dict[str, Any]:
    order = ORDERS[name]
    if order is None:
        return {}
    return {"strategies.routing": {"name": "priority", "params": {"order": order + OTHERS}}}


@pytest.fixture(scope="module")
def arms() -> dict[str, paysim.RunResult]:
    return {
        name: paysim.simulate(FLAGSHIP, seed=3, days=0.05, overrides=_arm(name)) for name in ORDERS
    }


@pytest.mark.parametrize("arm", list(ORDERS))
def test_no_payment_reaches_a_channel_that_does_not_accept_its_card(arms, arm):
    payments = arms[arm].payments
    accepted = _accepted(arms[arm].scenario)
    cards = payments[(payments["method"] == "card") & (payments["channel"] != "")]
    assert len(cards) > 500
    assert (cards["network"] != "").all()  # every card payment carries its network
    for channel, rows in cards.groupby("channel", observed=True):
        networks = set(rows["network"].astype(str))
        assert accepted[str(channel)] is None or networks <= accepted[str(channel)], channel
    not_cards = payments[payments["method"] != "card"]
    assert (not_cards["network"] == "").all()


def test_unionpay_first_sends_only_unionpay_cards_to_unionpay_acquiring(arms):
    cards = arms["unionpay_first"].payments
    cards = cards[(cards["method"] == "card") & (cards["channel"] != "")]
    at_unionpay = cards["channel"] == "unionpay_cn"
    assert (cards.loc[at_unionpay, "network"] == "unionpay").all()
    assert (cards.loc[cards["network"] == "unionpay", "channel"] == "unionpay_cn").all()
    # Visa and Mastercard keep their route: local acquiring where there is one, else Singapore
    visa_mc = cards[cards["network"] != "unionpay"]
    local = visa_mc["buyer_market"].isin(["ID", "TH", "MY"])
    assert (visa_mc.loc[local, "channel"] == "card_local").mean() > 0.9  # unless it is down
    assert (visa_mc.loc[~local, "channel"] == "card_sg").mean() > 0.9


def test_the_card_mix_follows_each_market(arms):
    payments = arms["local_first"].payments
    firsts = payments[(payments["method"] == "card") & (payments["attempt"] == 1)]
    spec = arms["local_first"].scenario
    for code in ("ID", "TH", "MY"):
        cards = firsts[firsts["buyer_market"] == code]
        buyers = cards.drop_duplicates("buyer_id")
        mix = spec.market(code).card_networks
        for network, share in mix.items():
            observed = (buyers["network"] == network).mean()
            sd = np.sqrt(share * (1 - share) / len(buyers))
            assert abs(observed - share) < 5 * sd, (code, network, observed)


def test_a_buyer_keeps_their_card_in_every_checkout_and_every_arm(arms):
    seen = []
    for result in arms.values():
        cards = result.payments[result.payments["method"] == "card"]
        first_card = cards[cards["attempt"] == 1]
        per_buyer = first_card.groupby("buyer_id")["network"].nunique()
        assert (per_buyer == 1).all()  # checkouts of a buyer in one run
        seen.append(first_card.drop_duplicates("buyer_id").set_index("buyer_id")["network"])
    both = seen[0].to_frame("a").join(seen[2].to_frame("b"), how="inner")
    assert len(both) > 100 and (both["a"].astype(str) == both["b"].astype(str)).all()


# -- a card no channel accepts -----------------------------------------------------------


TH_TO_CN = {"corridors": [{"buyer": "TH", "seller": "CN", "share": 1}]}


def _jcb_world(**checkout: Any) -> dict[str, Any]:
    """TH buyers hold Visa or JCB cards; the only card channel accepts Visa."""
    return {
        "name": "jcb",
        "horizon_days": 0.5,
        "seed": 4,
        "markets": [
            {"code": "TH", "currency": "THB", "buyers": 5000,
             "basket_amount": {"dist": "lognormal", "p50": 500, "p99": 5000},
             "method_mix": {"card": 0.7, "wallet": 0.3},
             "card_networks": {"visa": 0.6, "jcb": 0.4}},
            {"code": "CN", "currency": "CNY", "sellers": 100},
        ],
        "demand": {"orders_per_day": 8000, **TH_TO_CN},
        "checkout": {"retry": {"probability": 1.0, "max_attempts": 3, "switch_method": 0.0},
                     **checkout},
        "channels": [
            {"id": "visa_acq", "kind": "card_acquirer", "methods": ["card"], "markets": ["TH"],
             "currency": "USD", "networks": [{"id": "visa"}],
             "latency_ms": {"dist": "constant", "value": 400}, "success": {"base": 0.9}},
            {"id": "wallet", "kind": "wallet", "methods": ["wallet"], "markets": ["TH"],
             "currency": "USD", "latency_ms": {"dist": "constant", "value": 300},
             "success": {"base": 0.95}},
        ],
    }  # fmt: skip


def test_a_card_no_channel_accepts_is_blocked_and_the_buyer_switches_method():
    result = paysim.simulate(scenario_from_dict(_jcb_world()))
    p = result.payments
    jcb = p[p["network"] == "jcb"]
    assert len(jcb) > 500
    # those that may retry (not the last attempt; the retry within the horizon)
    jcb = jcb[(jcb["attempt"] < 3) & (jcb["t_s"] < 0.5 * 86_400 - 3600)]
    assert (jcb["outcome"] == "blocked").all()
    assert (jcb["decline_code"] == "unsupported_card").all()
    assert (jcb["channel"] == "").all() and jcb["latency_ms"].isna().all()
    # the next attempt of each such checkout pays another way: the buyer holds no other card
    nxt = p.merge(
        jcb[["checkout_id", "attempt"]].assign(attempt=lambda f: f["attempt"] + 1),
        on=["checkout_id", "attempt"],
    )
    assert len(nxt) == len(jcb)  # retry probability 1, no third card to try
    assert (nxt["method"] == "wallet").all()
    blocked = (p["decline_code"] == "unsupported_card").sum()
    assert result.kpis["unsupported_card_rate"] == pytest.approx(blocked / len(p))
    assert result.kpis["ledger_imbalance"] == 0


def test_a_buyer_may_switch_to_their_other_card():
    result = paysim.simulate(scenario_from_dict(_jcb_world(retry={"probability": 1.0,
        "max_attempts": 3, "switch_method": 0.0, "switch_card": 1.0})))  # fmt: skip
    p = result.payments.sort_values(["checkout_id", "attempt"])
    earlier = p.groupby("checkout_id").shift(1)
    after_jcb = p[(earlier["network"] == "jcb") & (p["attempt"] == 2)]
    assert len(after_jcb) > 100 and (after_jcb["method"] == "card").all()
    # the spare card is drawn from the same mix: a Visa (accepted) or another JCB
    share_visa = (after_jcb["network"] == "visa").mean()
    assert abs(share_visa - 0.6) < 5 * np.sqrt(0.24 / len(after_jcb))


def test_a_market_must_say_its_card_mix_when_a_channel_filters_networks():
    raw = _jcb_world()
    del raw["markets"][0]["card_networks"]
    with pytest.raises(ScenarioError, match=r"markets\.TH\.card_networks: required"):
        scenario_from_dict(raw)


def test_deprecated_channel_shares_still_give_a_market_its_mix():
    raw = _jcb_world()
    del raw["markets"][0]["card_networks"]
    raw["channels"][0]["networks"] = [
        {"id": "visa", "share": 0.7},
        {"id": "mastercard", "share": 0.3},
    ]
    spec = scenario_from_dict(raw)
    from paysim.model.channels.networks import market_mix

    assert market_mix(spec, "TH") == {"visa": 0.7, "mastercard": 0.3}
    raw["channels"][0]["networks"][1].pop("share")
    with pytest.raises(ScenarioError, match="every network a share or none"):
        scenario_from_dict(raw)


# -- what the router sees ------------------------------------------------------------------


class _Recording(BaseRouter):
    """Cheapest-first by channel order, remembering every view it was shown."""

    def __init__(self) -> None:
        self.views: list[AttemptView] = []

    def choose(self, attempts: AttemptView) -> np.ndarray:
        self.views.append(attempts)
        return first_by_rank(attempts.candidates, np.arange(attempts.candidates.shape[1]))


def test_the_router_sees_each_payment_s_network_and_only_channels_that_accept_it():
    spec = scenario_from_dict(copy.deepcopy(_jcb_world()))
    router = _Recording()
    world = World(spec, router, 1, 0.2 * 86_400)
    world.run()
    network = np.concatenate([v.network for v in router.views])
    method = np.concatenate([v.method for v in router.views])
    candidates = np.concatenate([v.candidates for v in router.views])
    card = method == 0
    visa = world.channels.network_ids.index("visa")
    assert router.context.network_ids == world.channels.network_ids
    assert (network[card] == visa).all()  # JCB cards were blocked before routing
    assert (network[~card] == -1).all()
    assert candidates[card, 0].all() and not candidates[card, 1].any()
    assert router.context.accepts[visa].tolist() == [True, True]
