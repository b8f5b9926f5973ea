"""Hedging by spot conversions: none, convert at capture, at quote expiry, or past thresholds."""

from __future__ import annotations

import numpy as np

from paysim.model.hedging import HedgeOrders, TreasuryView
from paysim.strategies.hedging.base import HEDGERS, BaseHedger
from paysim.strategies.params import check_number


@HEDGERS.register("none")
class NoHedge(BaseHedger):
    """No hedging: each payout's currency is bought at the then-spot when it is paid."""

    def __init__(self) -> None:
        pass

    def hedge(self, view: TreasuryView) -> HedgeOrders:  # noqa: D102
        return HedgeOrders.nothing(len(view.mid))


@HEDGERS.register("convert_now")
class ConvertNow(BaseHedger):
    """Convert at capture: hold what is owed in each currency, sell any surplus.

    Args:
        sell_surplus: also sell cash in a currency beyond what is owed in it.

    """

    def __init__(self, sell_surplus: bool = True) -> None:
        if not isinstance(sell_surplus, bool):
            raise ValueError(f"sell_surplus: must be true or false, got {sell_surplus!r}")
        self.sell_surplus = sell_surplus

    def hedge(self, view: TreasuryView) -> HedgeOrders:  # noqa: D102
        return HedgeOrders(self.target_orders(view))

    def target_orders(self, view: TreasuryView) -> np.ndarray:
        """Spot trades that leave cash plus hedges equal to what is owed, per currency."""
        gap = self.uncovered_minor(view)
        return gap if self.sell_surplus else np.maximum(gap, 0)


@HEDGERS.register("lock_at_quote")
class LockAtQuote(ConvertNow):
    """Honour the buyer's quote, convert once per quote period: the move is borne till then.

    Args:
        sell_surplus: also sell cash in a currency beyond what is owed in it.

    """

    def hedge(self, view: TreasuryView) -> HedgeOrders:  # noqa: D102
        period_s = max(self.context.quote_ttl_s, self.context.run_every_s)
        # the runs fall on the hour: the one ending each quote period converts
        if (view.t_s + 1e-6) % period_s > self.context.run_every_s:
            return HedgeOrders.nothing(len(view.mid))
        return HedgeOrders(self.target_orders(view))


@HEDGERS.register("reserve_netting")
class ReserveNetting(BaseHedger):
    """Hold multi-currency reserves, net flows, convert only a gap past a threshold.

    Args:
        threshold_reporting: the gap between cash and what is owed in a currency, in the
            reporting currency, past which it is closed.
        reserve_share: share of what is owed to hold as a reserve when buying (1: all).

    """

    def __init__(self, threshold_reporting: float = 50_000.0, reserve_share: float = 1.0) -> None:
        check_number("threshold_reporting", threshold_reporting, low=0, high=1e12)
        check_number("reserve_share", reserve_share, low=0, high=2)
        self.threshold_reporting = threshold_reporting
        self.reserve_share = reserve_share

    def hedge(self, view: TreasuryView) -> HedgeOrders:  # noqa: D102
        held = np.maximum(view.cash_minor, 0)
        target = np.rint(view.owed_minor * self.reserve_share).astype(np.int64)
        gap = np.where(self.foreign(), target - held, 0)
        past = np.abs(self.in_reporting(view, gap)) > self.threshold_reporting
        return HedgeOrders(np.where(past, gap, 0))
