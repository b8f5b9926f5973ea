"""Channel behaviour at the level of ``ChannelTable``: success layers, codes, fees, timeouts."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from paysim.engine.streams import RandomStreams
from paysim.errors import ScenarioError
from paysim.model.channels.declines import CODE
from paysim.model.channels.table import (
    DECLINE_CODES,
    FAILED,
    IS_SOFT_DECLINE,
    SUCCEEDED,
    TIMEOUT,
    ChannelTable,
)
from paysim.model.core.spec_types import METHODS
from paysim.model.fx.rates import FixedRates
from paysim.scenario.loader import scenario_from_dict

CARD, WALLET = METHODS.index("card"), METHODS.index("wallet")
MARKETS = ("SG", "MY", "CN")
SG, MY = 0, 1


def channel(**fields: Any) -> dict[str, Any]:
    """A card channel acquiring in SG, in USD, with the given fields replaced."""
    spec: dict[str, Any] = {
        "id": "card",
        "kind": "card_acquirer",
        "methods": ["card", "wallet"],
        "markets": ["SG", "MY"],
        "country": "SG",
        "currency": "USD",
        "latency_ms": {"dist": "lognormal", "p50": 400, "p99": 2000},
        "timeout_ms": 10_000,
        "success": {"base": 0.9},
    }
    spec.update(fields)
    return spec


def scenario(channels: list[dict[str, Any]], upstreams: list[dict[str, Any]] | None = None,
             card_networks: dict[str, float] | None = None):  # fmt: skip
    if not any("card" in c["methods"] for c in channels):  # SG buyers pay by card
        channels = [*channels, channel(id="fallback", methods=["card"])]
    raw = {
        "name": "channels",
        "horizon_days": 1,
        "markets": [
            {
                "code": "SG",
                "currency": "SGD",
                "buyers": 10,
                "basket_amount": {"dist": "constant", "value": 50},
                "method_mix": {"card": 1.0},
                "card_networks": card_networks or {},
            },
            {"code": "MY", "currency": "MYR", "buyers": 10},
            {"code": "CN", "currency": "CNY", "sellers": 10},
        ],
        "demand": {
            "orders_per_day": 10,
            "corridors": [{"buyer": "SG", "seller": "CN", "share": 1}],
        },
        "channels": channels,
        "upstreams": upstreams or [],
    }
    return scenario_from_dict(copy.deepcopy(raw))


VISA_MC = {"visa": 0.6, "mastercard": 0.4}


def build(channels, upstreams=None, seed=0, horizon_s=86_400.0, card_networks=None):
    spec = scenario(channels, upstreams, card_networks)
    currencies = tuple(sorted({"SGD", "MYR", "CNY", "USD"} | {c.currency for c in spec.channels}))
    rates = FixedRates.from_spec(spec.fx, currencies)
    return ChannelTable(spec, MARKETS, rates, RandomStreams(seed), horizon_s)


def send(table: ChannelTable, n: int, *, market=SG, method=CARD, amount_usd=50.0, risk=0.0,
         t_s=None, channel=0, seed=1, currency="SGD", amount_minor=5000, network=None,
         recovery=None):  # fmt: skip
    """Send ``n`` identical payments (random uniforms) to one channel."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 86_400, n)) if t_s is None else t_s
    truth = table.truth(
        t, np.full(n, market), np.full(n, method), np.full(n, amount_usd), np.full(n, risk),
        network, recovery,
    )  # fmt: skip
    result = table.process(
        np.full(n, channel), truth, np.full(n, amount_minor, dtype=np.int64),
        np.full(n, table.rates.index[currency]), np.arange(n, dtype=np.int64),
        np.ones(n, dtype=np.int16), rng.random(n), rng.random(n),
    )  # fmt: skip
    return truth, result


def within(observed: float, expected: float, n: int, z: float = 4.5) -> bool:
    """A share ``observed`` of ``n`` draws is within ``z`` binomial sds of ``expected``."""
    return abs(observed - expected) <= z * np.sqrt(expected * (1 - expected) / n) + 1e-12


def test_success_layers_multiply():
    table = build(
        [
            channel(
                success={
                    "base": 0.9, "cross_border_factor": 0.8, "market_factors": {"MY": 0.9},
                    "method_factors": {"wallet": 0.5}, "risk_sensitivity": 0.5,
                    "amount_bands": [{"above_reporting": 100, "factor": 0.9},
                                     {"above_reporting": 1000, "factor": 0.5}],
                }
            )
        ]
    )  # fmt: skip
    t = np.zeros(5)
    truth = table.truth(
        t, np.array([SG, MY, SG, SG, SG]), np.array([CARD, CARD, WALLET, CARD, CARD]),
        np.array([50.0, 50.0, 50.0, 500.0, 5000.0]), np.array([0.0, 0.0, 0.0, 0.0, 1.0]),
    )  # fmt: skip
    expected = [0.9, 0.9 * 0.8 * 0.9, 0.9 * 0.5, 0.9 * 0.9, 0.9 * 0.5 * 0.5]
    np.testing.assert_allclose(truth.p[:, 0], expected)


def test_decline_codes_follow_the_configured_mix():
    mix = {"insufficient_funds": 0.5, "do_not_honour": 0.3, "stolen_card": 0.2}
    table = build([channel(success={"base": 0.4, "decline_codes": mix})])
    n = 200_000
    _, result = send(table, n)
    declined = result.decline_code[result.outcome != SUCCEEDED]
    assert within(len(declined) / n, 0.6, n)
    for name, share in mix.items():
        assert within(np.mean(declined == CODE[name]), share, len(declined)), name


def test_kind_default_mix_applies_when_none_given():
    table = build([channel(kind="bnpl", methods=["bnpl"], success={"base": 0.5})])
    _, result = send(table, 50_000, method=METHODS.index("bnpl"))
    codes = {DECLINE_CODES[c] for c in np.unique(result.decline_code)}
    assert codes == {"", "credit_declined", "invalid_account", "do_not_honour"}


def test_buyer_risk_declines_carry_risk_codes():
    table = build(
        [channel(success={"base": 0.8, "risk_sensitivity": 0.5,
                          "decline_codes": {"invalid_account": 1.0}})]
    )  # fmt: skip
    n = 200_000
    _, result = send(table, n, risk=1.0)
    code = result.decline_code
    assert within(np.mean(result.outcome == SUCCEEDED), 0.4, n)
    assert within(np.mean(code == CODE["invalid_account"]), 0.2, n)
    risk = np.isin(code, [CODE["do_not_honour"], CODE["suspected_fraud"]])
    assert within(np.mean(risk), 0.4, n)
    # a card issuer's risk refusal mostly reads "do not honour" (the kind's documented mix)
    assert within(np.mean(code[risk] == CODE["suspected_fraud"]), 0.2, int(risk.sum()))


def test_degradation_cuts_success_with_soft_technical_declines():
    degraded = {"mtbf_h": 1, "mttr_min": 60, "success_factor_min": 0.6, "success_factor_max": 0.6}
    table = build(
        [channel(degradations=degraded, success={"base": 0.9, "decline_codes": {"stolen_card": 1}})]
    )
    n = 100_000
    truth, result = send(table, n)
    during = truth.health[:, 0] == 0.6
    assert 0.2 < during.mean() < 0.8
    np.testing.assert_allclose(truth.p[during, 0], 0.54)
    np.testing.assert_allclose(truth.p[~during, 0], 0.9)
    code = result.decline_code[during]
    assert within(np.mean(code == CODE["issuer_unavailable"]), 0.36, int(during.sum()))
    assert not np.any(result.decline_code[~during] == CODE["issuer_unavailable"])
    assert IS_SOFT_DECLINE[CODE["issuer_unavailable"]]


def test_soft_and_hard_codes():
    soft = {DECLINE_CODES[i] for i in np.flatnonzero(IS_SOFT_DECLINE)}
    assert soft == {"channel_unavailable", "rate_limited", "do_not_honour",
                    "insufficient_funds", "issuer_unavailable"}  # fmt: skip
    assert len(IS_SOFT_DECLINE) == len(DECLINE_CODES)
    assert DECLINE_CODES[:4] == ("", "channel_unavailable", "rate_limited", "do_not_honour")


def test_timeouts_hide_a_result_captured_by_the_stated_factor():
    table = build(
        [
            channel(
                latency_ms={"dist": "lognormal", "p50": 1000, "p99": 3000},
                timeout_ms=1000,
                timeout_capture_factor=0.4,
                fee={"percent": 1.0},
            )
        ]
    )
    n = 100_000
    _, result = send(table, n)
    timed_out = result.outcome == TIMEOUT
    assert within(timed_out.mean(), 0.5, n)
    np.testing.assert_array_equal(result.latency_ms[timed_out], 1000.0)
    # captured with 0.4 x the approval probability 0.9, not with 0.9 as an answered one
    assert within(result.charged[timed_out].mean(), 0.36, int(timed_out.sum()))
    answered = result.outcome != TIMEOUT
    assert within(np.mean(result.outcome[answered] == SUCCEEDED), 0.9, int(answered.sum()))
    succeeded = result.outcome == SUCCEEDED
    assert result.charged[succeeded].all()
    assert not result.charged[~succeeded & ~timed_out].any()
    assert (result.decline_code[timed_out] == 0).all()
    assert (result.fee_minor[~succeeded] == 0).all()
    assert (result.capture_fee_minor[timed_out] > 0).all()


def test_fee_adds_every_part_in_integer_minor_units():
    table = build(
        [
            channel(
                fee={"percent": 2.9, "fixed": 0.30, "cross_border_percent": 1.5,
                     "fx_markup_percent": 2.0},
                networks=[{"id": "visa", "cross_border_percent": 1.0}],
            )
        ],
        card_networks={"visa": 1.0},
    )  # fmt: skip
    rates = table.rates
    myr, sgd, usd = rates.index["MYR"], rates.index["SGD"], rates.index["USD"]
    amount = np.array([10_000, 10_000, 10_000], dtype=np.int64)
    market, currency = np.array([SG, MY, MY]), np.array([sgd, myr, usd])
    network = np.array([0, 0, -1], dtype=np.int16)
    fee = table.fee_minor(np.zeros(3, dtype=np.intp), market, amount, currency, network)
    fixed = rates.convert_minor(np.array([30, 30, 30]), np.array([usd] * 3), currency)
    # SG buyer in SGD: domestic, FX markup; MY buyer in MYR: cross-border + scheme + markup;
    # MY buyer in USD off-network: cross-border, no markup
    assert fee.tolist() == (np.array([490, 740, 440]) + fixed).tolist()
    assert fee.dtype == np.int64


def test_amounts_outside_the_ticket_range_are_declined_hard():
    wire = channel(id="wire", kind="wire", methods=["wire"], min_amount=1000, max_amount=100_000)
    table = build([wire])
    n = 1000
    truth, result = send(table, n, method=METHODS.index("wire"), amount_usd=500.0)
    assert (truth.p[:, 0] == 0).all()
    assert (result.decline_code == CODE["amount_out_of_range"]).all()
    assert not IS_SOFT_DECLINE[CODE["amount_out_of_range"]]
    truth, _ = send(table, n, method=METHODS.index("wire"), amount_usd=5000.0)
    assert (truth.p[:, 0] > 0).all()


def test_a_card_network_fails_its_payments_on_every_channel_with_its_upstream():
    upstreams = [{"id": "visa_net", "outages": {"mtbf_h": 2, "mttr_min": 60}}]
    nets = [{"id": "visa", "upstream": "visa_net"}, {"id": "mastercard"}]
    table = build([channel(networks=nets)], upstreams, card_networks=VISA_MC)
    assert table.network_ids == ("visa", "mastercard")
    n = 100_000
    visa, mastercard = table.network_ids.index("visa"), table.network_ids.index("mastercard")
    network = np.where(np.arange(n) % 5 < 3, visa, mastercard).astype(np.int16)
    truth, result = send(table, n, network=network)
    np.testing.assert_array_equal(result.network, network)
    on_visa = network == visa
    visa_down = truth.network_health == 0
    assert 0.1 < visa_down[on_visa].mean() < 0.6
    assert not visa_down[~on_visa].any()
    assert (result.outcome[visa_down] == FAILED).all()
    assert (result.decline_code[visa_down] == CODE["channel_unavailable"]).all()
    assert not (result.outcome[~on_visa] == FAILED).any()
    np.testing.assert_allclose(truth.p[visa_down, 0], 0.0)
    np.testing.assert_allclose(truth.p[~visa_down, 0], 0.9)


def test_channels_accept_the_networks_they_list_and_charge_their_scheme_fee():
    table = build(
        [
            channel(id="visa_only", networks=[{"id": "visa", "cross_border_percent": 1.0}]),
            channel(id="any_card"),
        ],
        card_networks={"visa": 0.5, "jcb": 0.5},
    )
    assert table.network_ids == ("visa", "jcb")  # listed by channels, then held by buyers
    visa, jcb = 0, 1
    network = np.array([visa, jcb, -1], dtype=np.int16)
    candidates = table.candidates(np.full(3, SG), np.array([CARD, CARD, WALLET]), network)
    np.testing.assert_array_equal(candidates, [[True, True], [False, True], [True, True]])
    assert table.accepts[:, 0].tolist() == [True, False, True]  # visa, jcb, no network
    # a MY buyer pays cross-border at the SG acquirer: the network adds its scheme fee
    fee = table.fee_minor(
        np.array([0, 0]), np.array([MY, MY]), np.array([10_000, 10_000], dtype=np.int64),
        np.full(2, table.rates.index["USD"]), np.array([visa, -1], dtype=np.int16),
    )  # fmt: skip
    assert fee[0] - fee[1] == 100


def test_crypto_settles_a_driftless_price_move_over_the_confirmation():
    crypto = channel(
        id="crypto", kind="crypto", methods=["crypto"], price_volatility_annual=0.8,
        latency_ms={"dist": "constant", "value": 600_000}, timeout_ms=3_600_000,
    )  # fmt: skip
    table = build([crypto])
    n = 100_000
    _, result = send(table, n, method=METHODS.index("crypto"))
    moved = result.settled_factor[result.charged]
    sd = 0.8 * np.sqrt(600 / (365.25 * 86_400))
    assert abs(np.std(np.log(moved)) / sd - 1) < 0.02
    assert abs(np.mean(moved) - 1) < 4.5 * sd / np.sqrt(len(moved))
    assert (result.settled_factor[~result.charged] == 1.0).all()


def test_rate_limit_rejects_beyond_the_queue_and_adds_the_wait():
    table = build([channel(capacity_tps=10, queue_max=5)])
    n = 20
    truth, result = send(table, n, t_s=np.full(n, 100.0))
    rejected = result.decline_code == CODE["rate_limited"]
    assert rejected.sum() == n - 6  # one served at once, five waiting
    assert (result.outcome[rejected] == FAILED).all()
    np.testing.assert_allclose(result.queue_wait_ms[~rejected], np.arange(6) * 100.0)
    assert np.isnan(result.latency_ms[rejected]).all()
    assert truth.p.shape == (n, 1)


def test_same_seed_same_channels_other_seed_other_outages():
    spec = channel(outages={"mtbf_h": 2, "mttr_min": 30}, capacity_tps=1)
    a, b, c = build([spec], seed=3), build([spec], seed=3), build([spec], seed=4)
    np.testing.assert_array_equal(a.health[0].edges_s, b.health[0].edges_s)
    assert not np.array_equal(a.health[0].edges_s, c.health[0].edges_s)
    ra, rb = send(a, 5000)[1], send(b, 5000)[1]
    for field in ("outcome", "decline_code", "latency_ms", "fee_minor", "settled_factor"):
        np.testing.assert_array_equal(getattr(ra, field), getattr(rb, field))


def test_unknown_upstreams_and_markets_are_named():
    bad = channel(
        upstreams=["nowhere"],
        networks=[{"id": "visa", "share": 1.0, "upstream": "gone"}],
        success={"base": 0.9, "market_factors": {"ZZ": 0.9}},
    )
    with pytest.raises(ScenarioError) as info:
        scenario([bad])
    text = str(info.value)
    assert "channels.card.upstreams: unknown upstream" in text
    assert "channels.card.networks.visa.upstream: unknown upstream" in text
    assert "channels.card.success.market_factors: unknown market" in text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"min_amount": 100, "max_amount": 50}, "max_amount"),
        ({"networks": [{"id": "visa", "share": 0.5}]}, "must sum to 1"),
        ({"success": {"base": 0.9, "decline_codes": {"stolen_card": 0.5}}}, "must sum to 1"),
        ({"degradations": {"mtbf_h": 1, "mttr_min": 5, "success_factor_min": 0.95}}, "max"),
    ],
)
def test_bad_channel_fields_are_rejected(fields, message):
    with pytest.raises(ScenarioError, match=message):
        scenario([channel(**fields)])
