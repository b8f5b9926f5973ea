"""``HedgingStrategyContract``: the tests every hedging strategy, shipped or third-party, passes.

::

    from paysim.testing import HedgingStrategyContract

    class TestMyHedger(HedgingStrategyContract):
        def make_strategy(self):
            return MyHedger(ratio=0.5)

The checks: orders have the right shapes and executable values at every run (payout runs
included), the views are read-only and hold no future rate, the same views give the same
orders (also after binding again and after pickling), a world with nothing to hedge asks for
nothing worth a cent, parameters round-trip through YAML, and a full run through the
treasury keeps every currency's ledger at exactly zero.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import ClassVar

import numpy as np

from paysim.model.hedging import HedgeOrders, OpenHedges, TreasuryContext, TreasuryView
from paysim.strategies.hedging.base import HEDGERS, BaseHedger
from paysim.testing.contract import StrategyContract
from paysim.testing.hedging_world import run_small_world

CURRENCIES = ("CNY", "IDR", "THB", "USD")
EXPONENT = np.array([2, 2, 2, 2])
MID = np.array([0.14, 6.2e-5, 0.029, 1.0])  # USD per unit, late 2025 (rounded)


def fake_treasury_context(seed: int = 0, reporting: int = 3) -> TreasuryContext:
    """Four currencies, USD the reporting one, interest rates and volatilities stated."""
    return TreasuryContext(
        currencies=CURRENCIES, reporting=reporting, exponent=EXPONENT.copy(),
        interest_per_year=np.log1p(np.array([3.1, 6.0, 2.25, 4.375]) / 100),
        sigma_per_year=np.array([0.04, 0.066, 0.08, 0.0]), quote_ttl_s=3600.0,
        conversion_cost_bps=5.0, run_every_s=3600.0, rng=np.random.default_rng(seed),
    )  # fmt: skip


def no_hedges() -> OpenHedges:
    """An empty forward book."""
    empty = np.empty(0)
    return OpenHedges(empty.astype(np.intp), empty.astype(np.int64), empty,
                      empty.astype(np.int8), empty, empty)  # fmt: skip


def fake_treasury_view(rng: np.random.Generator, t_s: float, payout_run: bool) -> TreasuryView:
    """A plausible treasury: sellers owed CNY, receivables in IDR and THB, cash in USD."""
    owed = np.array([rng.integers(10**6, 10**8), 0, 0, 0])
    position = np.array([-owed[0], rng.integers(10**9, 10**11), rng.integers(10**6, 10**8), 0])
    cash = np.array([rng.integers(-(10**6), 10**6), 0, 0, rng.integers(10**6, 10**8)])
    return TreasuryView(
        t_s=t_s, mid=MID * np.exp(rng.normal(0, 0.01, 4) * (MID != 1.0)), cash_minor=cash,
        owed_minor=owed, position_minor=position, hedges=no_hedges(),
        sold_minor=owed * int(1 + t_s // 86400), payout_run=payout_run,
    )  # fmt: skip


class HedgingStrategyContract(StrategyContract):
    """Subclass with ``make_strategy`` returning a new, unbound ``BaseHedger``."""

    registry = HEDGERS
    n_runs: ClassVar[int] = 48  # two days of hourly runs

    def make_strategy(self) -> BaseHedger:  # noqa: D102
        raise NotImplementedError("subclass the contract and define make_strategy()")

    def make_context(self, seed: int = 0) -> TreasuryContext:
        """The facts to bind to (``fake_treasury_context`` by default)."""
        return fake_treasury_context(seed)

    def bound(self, seed: int = 0) -> BaseHedger:
        """A strategy from ``make_strategy``, bound to ``make_context(seed)``."""
        strategy = self.make_strategy()
        strategy.bind(self.make_context(seed))
        return strategy

    def views(self) -> list[TreasuryView]:
        """Hourly views over two days, a payout run at 02:00 each day."""
        rng = np.random.default_rng(2024)
        return [fake_treasury_view(rng, 3600.0 * h, h % 24 == 2) for h in range(1, self.n_runs)]

    def orders(self, strategy: BaseHedger) -> list[HedgeOrders]:
        """The strategy's orders for every view, observing after each run."""
        out = []
        for view in self.views():
            out.append(strategy.hedge(view))
            strategy.observe(view)
        return out

    # -- the checks -------------------------------------------------------------------
    def test_orders_are_executable(self) -> None:
        """Every run gives ``HedgeOrders`` the treasury can execute."""
        n = len(CURRENCIES)
        for orders in self.orders(self.bound()):
            assert isinstance(orders, HedgeOrders)
            assert orders.check(n) is None, orders.check(n)
            assert np.all(np.isfinite(np.asarray(orders.spot_buy_minor, dtype=float)))

    def test_views_are_read_only_and_hold_no_future(self) -> None:
        """A strategy cannot write into a view; a view has no field for a future rate."""
        view = self.views()[0]
        for name in ("mid", "cash_minor", "owed_minor", "position_minor", "sold_minor"):
            assert not getattr(view, name).flags.writeable
        names = {f.name for f in dataclasses.fields(TreasuryView)}
        assert not any("future" in n or "path" in n for n in names)
        self.bound().hedge(view)  # and the strategy does not need to

    def test_same_views_same_orders_also_after_binding_again(self) -> None:
        """Orders depend on the views and the seed only; ``bind`` resets the strategy."""
        strategy = self.bound()
        first = self.orders(strategy)
        strategy.bind(self.make_context())
        again = self.orders(strategy)
        assert len(first) == len(again)
        for a, b in zip(first, again, strict=True):
            for field in dataclasses.fields(HedgeOrders):
                assert np.array_equal(getattr(a, field.name), getattr(b, field.name),
                                      equal_nan=True)  # fmt: skip

    def test_a_bound_strategy_pickles(self) -> None:
        """A bound strategy pickles and goes on giving the same orders."""
        strategy = self.bound()
        views = self.views()
        for view in views[:5]:
            strategy.hedge(view)
        twin = pickle.loads(pickle.dumps(strategy))
        for view in views[5:10]:
            a, b = strategy.hedge(view), twin.hedge(view)
            assert np.array_equal(a.spot_buy_minor, b.spot_buy_minor)
            assert np.array_equal(a.forward_minor, b.forward_minor)

    def test_nothing_to_hedge_asks_for_nothing(self) -> None:
        """With no position, nothing owed and no cash abroad, no trade worth a cent."""
        strategy = self.bound()
        zeros = np.zeros(len(CURRENCIES), dtype=np.int64)
        cash = zeros.copy()
        cash[3] = 10**8
        for payout_run in (False, True):
            view = TreasuryView(
                t_s=7200.0, mid=MID.copy(), cash_minor=cash, owed_minor=zeros.copy(),
                position_minor=zeros.copy(), hedges=no_hedges(), sold_minor=zeros.copy(),
                payout_run=payout_run,
            )  # fmt: skip
            orders = strategy.hedge(view)
            assert not np.any(np.asarray(orders.spot_buy_minor)[:3])
            assert not np.size(orders.forward_minor)

    def test_a_run_through_the_treasury_balances(self) -> None:
        """A small world with moving rates and this strategy: every currency sums to 0."""
        world = run_small_world(self.make_strategy())
        assert world.treasury is not None
        assert not world.ledger.imbalance().any()
        assert world.totals.fx is not None
        assert all(np.isfinite(v) for v in world.totals.fx.values())
