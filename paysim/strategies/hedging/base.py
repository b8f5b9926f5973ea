"""The hedging family: ``BaseHedger`` and its registry ``HEDGERS``.

A hedging strategy decides when the treasury converts and how it covers what the platform
owes in other currencies. The treasury calls, in order:

1. ``bind(context)`` once, with the static facts (``TreasuryContext``: currencies, interest
   rates, the model's volatilities, costs) and the strategy's own generator ``context.rng``;
2. ``hedge(view)`` at every treasury run (hourly, and right after each daily payout run,
   ``view.payout_run``), which returns ``HedgeOrders``: spot amounts to buy or sell against
   the reporting currency, and new forwards or zero-cost collars;
3. ``observe(view)`` after the orders are executed, with the state they left (a no-op hook).

Views are frozen dataclasses of read-only arrays: today's rates, the platform's balances, what
it owes and the hedges it holds; never a future rate. Whatever a policy leaves unconverted,
the treasury buys at spot after each payout run (``none`` leaves everything to that).

Spot conversions act on cash: they can buy what is owed, not sell money a channel still
holds. Forwards and collars are cash-settled against the spot at maturity, so they can cover
the whole net position (``view.position_minor``), receivables a channel will convert included.
"""

from __future__ import annotations

import abc
from typing import ClassVar

import numpy as np

from paysim.model.hedging import HedgeOrders, TreasuryContext, TreasuryView
from paysim.strategies.base import Strategy
from paysim.strategies.registry import Registry

DAY_S = 86400.0


class BaseHedger(Strategy):
    """Base of hedging strategies: implement ``hedge``; ``bind`` and ``observe`` are hooks.

    Attributes:
        needs_interest: whether the strategy deals forwards (the scenario must state
            ``fx.interest_percent`` for every currency it hedges and the reporting one).
        context: the facts given to ``bind``.

    """

    family: ClassVar[str] = "hedging"
    needs_interest: ClassVar[bool] = False
    context: TreasuryContext

    def bind(self, context: TreasuryContext) -> None:
        """Receive the static facts before the first run (a no-op hook; call ``super``)."""
        self.context = context
        if self.needs_interest:
            rates = context.interest_per_year
            missing = [c for c, r in zip(context.currencies, rates, strict=True) if np.isnan(r)]
            if missing:
                raise ValueError(
                    f"forwards are priced by covered interest parity: state "
                    f"fx.interest_percent for {', '.join(missing)}"
                )

    @abc.abstractmethod
    def hedge(self, view: TreasuryView) -> HedgeOrders:
        """The orders of this run.

        Args:
            view: the treasury now.

        Returns:
            ``HedgeOrders`` (``HedgeOrders.nothing(n)`` for no trade).

        """

    def observe(self, view: TreasuryView) -> None:
        """The treasury after this run's orders (a no-op hook)."""

    # -- helpers for policies ---------------------------------------------------------
    def foreign(self) -> np.ndarray:
        """Mask of the currencies other than the reporting one."""
        mask = np.ones(len(self.context.currencies), dtype=bool)
        mask[self.context.reporting] = False
        return mask

    def uncovered_minor(self, view: TreasuryView) -> np.ndarray:
        """What the platform owes in each foreign currency beyond its cash there."""
        return np.where(self.foreign(), view.owed_minor - np.maximum(view.cash_minor, 0), 0)

    def open_minor(self, view: TreasuryView) -> np.ndarray:
        """The net position per foreign currency left open by the hedges held (+ long)."""
        cover = view.hedges.cover_minor(len(view.mid))
        return np.where(self.foreign(), view.position_minor + cover, 0)

    def in_reporting(self, view: TreasuryView, amount_minor: np.ndarray) -> np.ndarray:
        """Amounts in reporting major units at the mid."""
        return view.in_reporting(amount_minor, self.context.exponent)


HEDGERS = Registry("hedging", base=BaseHedger, group="paysim.hedging")
