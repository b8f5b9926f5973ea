"""The platform's flows, one order at a time: where every minor unit sits, and when."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import RandomStreams
from paysim.model.fx.rates import FixedRates
from paysim.model.money.ledger import Account, Ledger
from paysim.model.platform.books import Payout, Platform
from paysim.model.platform.order_fate import CHARGEBACK, REFUND
from paysim.scenario.loader import scenario_from_dict

DAY = SECONDS_PER_DAY
CONST = {"dist": "constant"}


def const(value: float) -> dict[str, Any]:
    return {**CONST, "value": value}


NO_FATE = {"before_release_probability": 0.0, "after_release_probability": 0.0}
NO_DISPUTES = {"probability": 0.0}


def scenario(platform: dict[str, Any] | None = None) -> Any:
    base_platform = {
        "take_rate_percent": 10.0,
        "delivery_days": const(2.0),
        "shipment_days": const(1.0),
        "confirm_after_delivery_days": const(1.0),
        "auto_release_days": 7.0,
        "payout": {"hour_utc": 2},
        "refunds": NO_FATE,
        "disputes": NO_DISPUTES,
    }
    raw = {
        "name": "unit",
        "horizon_days": 30,
        "markets": [
            {
                "code": "TH",
                "currency": "THB",
                "buyers": 10,
                "basket_amount": const(100.0),
                "method_mix": {"card": 1.0},
            },
            {"code": "CN", "currency": "CNY", "sellers": 2},
        ],
        "demand": {
            "orders_per_day": 10.0,
            "corridors": [{"buyer": "TH", "seller": "CN", "share": 1.0}],
        },
        "channels": [
            {
                "id": "card",
                "kind": "card_acquirer",
                "methods": ["card"],
                "markets": ["TH"],
                "currency": "USD",
                "latency_ms": const(100.0),
                "success": {"base": 1.0},
            },
        ],
        "platform": {**base_platform, **(platform or {})},
    }
    return scenario_from_dict(raw)


class Harness:
    """A platform with two CNY sellers and one USD channel, driven hour by hour."""

    def __init__(self, platform: dict[str, Any] | None = None, **channel: float) -> None:
        spec = scenario(platform)
        self.currencies = ("CNY", "THB", "USD")
        self.rates = FixedRates.from_spec(spec.fx, self.currencies)
        self.ledger = Ledger(self.currencies)
        terms = {
            "settlement_days": 2.0,
            "reserve_percent": 0.0,
            "reserve_days": 0.0,
            "dispute_fee_minor": 1500,
            **channel,
        }
        self.channels = SimpleNamespace(
            currency=np.array([2]), **{k: np.array([v]) for k, v in terms.items()}
        )
        self.platform = Platform(
            spec,
            self.ledger,
            self.rates,
            2,
            30 * DAY,
            markets=("TH", "CN"),
            channels=self.channels,
            seller_currency=np.array([0, 0]),
            streams=RandomStreams(1),
        )
        self.now = 0.0

    def pay(
        self, amount_thb_minor: int, seller: int = 0, campaign: int = -1, key: int = 0, **extra: Any
    ) -> None:
        one = np.ones(1, dtype=np.intp)
        self.platform.capture(
            t_s=np.array([self.now + 60.0]),
            checkout_id=np.array([key]),
            channel=0 * one,
            buyer_market=0 * one,
            seller_market=one,
            seller_id=np.array([seller]),
            currency=one,
            seller_currency=0 * one,
            amount_minor=np.array([amount_thb_minor]),
            fee_minor=np.array([0]),
            campaign=np.array([campaign]),
            **extra,
        )

    def value_cny(self, amount_thb_minor: int) -> int:
        return int(self.rates.convert_minor(np.array([amount_thb_minor]), 1, 0)[0])

    def run_until(self, day: float) -> None:
        """Book hour by hour and run the 02:00 payouts, up to ``day`` days."""
        while self.now < day * DAY:
            self.now += 3600.0
            self.platform.book_due(self.now)
            if round(self.now) % round(DAY) == 2 * 3600:
                self.platform.payout_run(self.now - DAY, self.now)
            assert not self.platform.sign_violations()
            assert not self.ledger.imbalance().any()

    def held(self, account: Account, currency: int = 0) -> int:
        """What a credit-side account holds (or a debit-side one, negated)."""
        return int(-self.ledger.balances[account, currency])


def test_plain_order_is_held_released_and_paid_out():
    h = Harness()
    h.pay(100_000)  # 1,000 THB
    value = h.value_cny(100_000)
    take = round(value * 0.10)
    h.run_until(2.9)  # delivered at day 2, confirmed at day 3
    assert h.held(Account.ESCROW) == value
    h.run_until(3.04)  # released at 00:01 of day 3, booked at 01:00
    assert h.held(Account.ESCROW) == 0
    assert h.held(Account.SELLER_PAYABLE) == value - take
    assert h.held(Account.TAKE_REVENUE) == take
    h.run_until(3.1)  # payout run at 02:00 of day 3
    assert h.held(Account.SELLER_PAYABLE) == 0
    assert h.platform.paid_out[Payout.SELLERS, 0] == value - take
    # settlement after 2 days: the channel pays USD into cash
    assert h.ledger.balances[Account.CHANNEL_RECEIVABLE].sum() == 0
    assert h.ledger.balances[Account.PLATFORM_CASH, 2] > 0


def test_rolling_reserve_is_held_then_released():
    h = Harness(reserve_percent=10.0, reserve_days=3.0)
    h.pay(100_000)
    h.run_until(2.1)  # settled at day 2
    reserve = -h.held(Account.CHANNEL_RESERVE, 2)
    assert reserve > 0
    usd = h.rates.convert_minor(np.array([100_000]), 1, 2)[0]
    assert reserve == round(usd * 0.10)
    h.run_until(4.9)
    assert -h.held(Account.CHANNEL_RESERVE, 2) == reserve
    h.run_until(5.1)  # released at day 5
    assert h.held(Account.CHANNEL_RESERVE, 2) == 0


def test_refund_after_partial_release_is_recovered_from_that_seller_only():
    h = Harness(
        {
            "release_at_shipment_percent": 50.0,
            "shipment_days": const(0.5),
            "delivery_days": const(6.0),
            "refunds": {
                "before_release_probability": 1.0,
                "after_release_probability": 0.0,
                "partial_probability": 0.0,
            },
        }
    )
    # key 0's refund falls after its shipment (checked below), with keyed luck
    h.pay(100_000, seller=0, key=0)
    fate = h.platform.flush()
    assert fate.kind[0] == REFUND and fate.pre_release[0]
    assert fate.reversal_s[0] > fate.ship_s[0]
    value = h.value_cny(100_000)
    partial = fate.partial[0]
    assert partial == round((value - round(value * 0.1)) * 0.5)
    assert fate.seller_debt[0] == partial  # a full refund leaves the seller nothing
    h.run_until(fate.reversal_s[0] / DAY + 0.1)
    assert h.held(Account.ESCROW) == 0
    assert -h.held(Account.SELLER_RECEIVABLE) == partial
    # two new orders, no refunds now: seller 0 pays back from its payout, seller 1 does not
    h.platform.spec = h.platform.spec.model_copy(
        update={
            "refunds": h.platform.spec.refunds.model_copy(
                update={"before_release_probability": 0.0}
            )
        }
    )
    paid_before = h.platform.paid_out[Payout.SELLERS, 0]
    h.pay(100_000, seller=0, key=1)
    h.pay(100_000, seller=1, key=2)
    h.run_until(h.now / DAY + 9)
    share = value - round(value * 0.1)
    assert h.platform.sellers.receivable.tolist() == [0, 0]
    assert h.platform.paid_out[Payout.RECOVERED, 0] == partial
    assert h.platform.paid_out[Payout.SELLERS, 0] - paid_before == 2 * share - partial


def test_return_after_release_reverses_take_and_nets_the_sellers_next_payout():
    h = Harness(
        {
            "refunds": {
                "before_release_probability": 0.0,
                "after_release_probability": 1.0,
                "partial_probability": 0.0,
                "after_release_days": const(5.0),
            },
        }
    )
    h.pay(100_000)
    value = h.value_cny(100_000)
    take = round(value * 0.1)
    h.run_until(8.2)  # released day 3, paid day 4, returned day 8
    assert h.held(Account.TAKE_REVENUE) == 0
    assert -h.held(Account.SELLER_RECEIVABLE) == value - take
    # the channel settled the payment in USD at day 2 and took the refund back at day 8
    assert h.ledger.balances[Account.PLATFORM_CASH, 2] == 0
    h.pay(100_000, key=7)
    h.run_until(h.now / DAY + 6)
    assert h.platform.sellers.receivable[0] == 0
    assert h.platform.paid_out[Payout.SELLERS, 0] == value - take  # first order only, net


@pytest.mark.parametrize("won", [False, True])
def test_chargeback_the_platform_bears(won: bool):
    h = Harness(
        {
            "disputes": {
                "probability": 1.0,
                "after_delivery_days": const(4.0),
                "seller_liable": False,
                "represent_probability": 1.0,
                "win_probability": 1.0 if won else 0.0,
                "decision_days": const(3.0),
            },
        }
    )
    h.pay(100_000)
    value = h.value_cny(100_000)
    h.run_until(6.5)  # delivered day 2, disputed day 6
    assert h.held(Account.CHARGEBACK_LOSSES) == -value
    assert h.held(Account.DISPUTE_FEES, 2) == -1500
    h.run_until(9.5)  # decided day 9
    assert h.held(Account.CHARGEBACK_LOSSES) == (0 if won else -value)
    assert h.held(Account.DISPUTE_FEES, 2) == -1500  # the fee is not returned
    assert h.held(Account.TAKE_REVENUE) == round(value * 0.1)
    assert h.platform.totals.chargebacks == 1
    assert h.platform.totals.chargebacks_won == int(won)


def test_chargeback_in_escrow_comes_out_of_escrow():
    h = Harness(
        {
            "auto_release_days": 20.0,
            "confirm_after_delivery_days": const(15.0),
            "disputes": {
                "probability": 1.0,
                "after_delivery_days": const(3.0),
                "represent_probability": 0.0,
            },
        }
    )
    h.pay(100_000)
    h.run_until(5.5)
    assert h.held(Account.ESCROW) == 0
    h.run_until(18)
    assert h.held(Account.SELLER_PAYABLE) == 0
    assert h.platform.paid_out[Payout.SELLERS].sum() == 0
    assert h.held(Account.TAKE_REVENUE) == 0


@pytest.mark.parametrize("payer", ["seller", "platform"])
def test_influencer_commission(payer: str):
    raw = scenario().model_dump(by_alias=True)
    raw["demand"]["campaigns"] = [
        {"id": "live", "kind": "live_stream", "starts_h": [0.0], "commission_percent": 15.0}
    ]
    raw["platform"]["commission_paid_by"] = payer
    h = Harness()
    h.platform = Platform(
        scenario_from_dict(raw),
        h.ledger,
        h.rates,
        2,
        30 * DAY,
        markets=("TH", "CN"),
        channels=h.channels,
        seller_currency=np.array([0, 0]),
        streams=RandomStreams(1),
    )
    h.pay(100_000, campaign=0)
    value = h.value_cny(100_000)
    take, commission = round(value * 0.10), round(value * 0.15)
    h.run_until(4.2)
    seller_gets = value - take - (commission if payer == "seller" else 0)
    assert h.platform.paid_out[Payout.SELLERS, 0] == seller_gets
    assert h.platform.paid_out[Payout.INFLUENCERS, 0] == commission
    expense = h.held(Account.INFLUENCER_COMMISSION)
    assert expense == (-commission if payer == "platform" else 0)


def test_payout_fee_is_charged_per_payout_not_per_order():
    h = Harness({"payout": {"hour_utc": 2, "fee_percent": 1.0, "fee_fixed": 0.5}})
    h.pay(100_000, key=1)
    h.pay(100_000, key=2)
    h.run_until(4.2)
    value = h.value_cny(100_000)
    paid = 2 * (value - round(value * 0.1))
    fixed_cny = h.rates.convert_minor(np.array([50]), 2, 0)[0]
    assert h.platform.totals.payouts == 1
    assert h.platform.paid_out[Payout.FEES, 0] == round(paid * 0.01) + fixed_cny


def test_forced_fraud_dispute_overrides_the_orders_own_fate():
    h = Harness({"disputes": {"probability": 0.0, "represent_probability": 0.0}})
    h.pay(100_000, forced_dispute_days=np.array([10.0]))
    fate = h.platform.flush()
    assert fate.kind[0] == CHARGEBACK and not fate.seller_side[0]
    h.run_until(10.5)
    assert h.held(Account.CHARGEBACK_LOSSES) == -h.value_cny(100_000)
