"""Every shipped hedging strategy passes the family's contract."""

from __future__ import annotations

import numpy as np
import pytest

from paysim.strategies.hedging.forwards import CollarHedge, ForwardHedge, LayeredForward
from paysim.strategies.hedging.spot import ConvertNow, LockAtQuote, NoHedge, ReserveNetting
from paysim.testing import HedgingStrategyContract, fake_treasury_context, fake_treasury_view


class TestNone(HedgingStrategyContract):
    def make_strategy(self):
        return NoHedge()


class TestConvertNow(HedgingStrategyContract):
    def make_strategy(self):
        return ConvertNow()


class TestLockAtQuote(HedgingStrategyContract):
    def make_strategy(self):
        return LockAtQuote(sell_surplus=False)


class TestReserveNetting(HedgingStrategyContract):
    def make_strategy(self):
        return ReserveNetting(threshold_reporting=100.0)


class TestForward(HedgingStrategyContract):
    def make_strategy(self):
        return ForwardHedge(ratio=0.6, tenor_days=3.0, min_reporting=10.0)


class TestLayeredForward(HedgingStrategyContract):
    def make_strategy(self):
        return LayeredForward(ratios=[0.8, 0.5, 0.2], period_days=1.0, min_reporting=10.0)


class TestCollar(HedgingStrategyContract):
    def make_strategy(self):
        return CollarHedge(ratio=1.0, tenor_days=2.0, min_reporting=10.0, cap_percent=3.0)


def _view(payout_run: bool = True):
    return fake_treasury_view(np.random.default_rng(1), 7200.0, payout_run)


def test_convert_now_buys_what_is_owed_beyond_cash():
    strategy = ConvertNow()
    strategy.bind(fake_treasury_context())
    view = _view()
    orders = strategy.hedge(view)
    gap = view.owed_minor[0] - max(view.cash_minor[0], 0)
    assert orders.spot_buy_minor[0] == gap
    assert orders.spot_buy_minor[3] == 0  # never the reporting currency


def test_forward_covers_its_ratio_of_the_position_in_the_right_direction():
    strategy = ForwardHedge(ratio=0.5, min_reporting=0.0)
    strategy.bind(fake_treasury_context())
    view = _view()
    orders = strategy.hedge(view)
    by_currency = dict(zip(orders.forward_currency, orders.forward_minor, strict=True))
    assert by_currency[0] == pytest.approx(-0.5 * view.position_minor[0], abs=1)  # short: buy
    assert by_currency[1] == pytest.approx(-0.5 * view.position_minor[1], abs=1)  # long: sell
    assert 3 not in by_currency
    assert not strategy.hedge(_view(payout_run=False)).forward_minor.size  # daily only


def test_collar_orders_carry_the_cap():
    strategy = CollarHedge(cap_percent=2.5, min_reporting=0.0)
    strategy.bind(fake_treasury_context())
    assert np.allclose(strategy.hedge(_view()).collar_cap, 1.025)


def test_reserve_netting_waits_for_the_threshold():
    strategy = ReserveNetting(threshold_reporting=1e9)
    strategy.bind(fake_treasury_context())
    assert not strategy.hedge(_view()).spot_buy_minor.any()


@pytest.mark.parametrize(
    ("cls", "params", "message"),
    [
        (ForwardHedge, {"ratio": 1.5}, "ratio"),
        (ForwardHedge, {"tenor_days": 0}, "tenor_days"),
        (CollarHedge, {"cap_percent": 0}, "cap_percent"),
        (LayeredForward, {"ratios": []}, "ratios"),
        (ReserveNetting, {"threshold_reporting": -1}, "threshold_reporting"),
        (ConvertNow, {"sell_surplus": "yes"}, "sell_surplus"),
    ],
)
def test_bad_parameters_name_themselves(cls, params, message):
    with pytest.raises(ValueError, match=message):
        cls(**params)


def test_forward_policies_refuse_a_context_without_interest_rates():
    context = fake_treasury_context()
    rates = context.interest_per_year.copy()
    rates[1] = np.nan
    import dataclasses

    with pytest.raises(ValueError, match=r"fx\.interest_percent for IDR"):
        ForwardHedge().bind(dataclasses.replace(context, interest_per_year=rates))
