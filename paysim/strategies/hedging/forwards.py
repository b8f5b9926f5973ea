"""Hedging with forwards (covered interest parity) and zero-cost collars (Garman-Kohlhagen).

The treasury prices each contract from today's mid and the scenario's interest rates
(``fx.interest_percent``) and settles it in cash at maturity; a policy only says how much,
which way, when and for how long. Contracts cover the net open position, so a long position
(receivables a channel will convert later) is sold forward and a short one (what is owed
sellers) bought forward.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.hedging import HedgeOrders, TreasuryContext, TreasuryView
from paysim.strategies.hedging.base import DAY_S, HEDGERS, BaseHedger
from paysim.strategies.params import check_number, param_error

Contracts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class _ForwardPolicy(BaseHedger):
    """What the forward policies share: contract sizes worth dealing."""

    needs_interest = True
    min_reporting: float

    def contracts(
        self, view: TreasuryView, amount_minor: np.ndarray, tenor_s: float, cap: float
    ) -> Contracts:
        """Contracts of ``amount_minor`` (signed) per currency, those worth dealing only."""
        worth = np.abs(self.in_reporting(view, amount_minor)) >= max(self.min_reporting, 1e-9)
        ccy = np.flatnonzero(worth & self.foreign() & (amount_minor != 0))
        notional = amount_minor[ccy].astype(np.int64)
        return ccy, notional, np.full(ccy.size, tenor_s), np.full(ccy.size, cap)

    @staticmethod
    def orders(n: int, parts: Sequence[Contracts]) -> HedgeOrders:
        """One ``HedgeOrders`` of several groups of contracts."""
        if not parts:
            return HedgeOrders.nothing(n)
        ccy, notional, tenor, cap = (np.concatenate(p) for p in zip(*parts, strict=True))
        return HedgeOrders(np.zeros(n, np.int64), ccy, notional, tenor, cap)


@HEDGERS.register("forward")
class ForwardHedge(_ForwardPolicy):
    """Cover a ratio of the net open position with forwards at each payout run, rolled.

    Args:
        ratio: share of the net position to cover (the hedge ratio).
        tenor_days: maturity of each forward.
        min_reporting: smallest contract worth dealing, in the reporting currency.

    """

    def __init__(
        self, ratio: float = 0.8, tenor_days: float = 7.0, min_reporting: float = 1000.0
    ) -> None:
        check_number("ratio", ratio, low=0, high=1)
        check_number("tenor_days", tenor_days, low=0, low_open=True, high=366)
        check_number("min_reporting", min_reporting, low=0, high=1e12)
        self.ratio = ratio
        self.tenor_days = tenor_days
        self.min_reporting = min_reporting

    def cap(self) -> float:
        """The collar cap as a multiple of the forward (NaN: a plain forward)."""
        return float("nan")

    def hedge(self, view: TreasuryView) -> HedgeOrders:  # noqa: D102
        n = len(view.mid)
        if not view.payout_run:
            return HedgeOrders.nothing(n)
        position = np.where(self.foreign(), view.position_minor, 0)
        target = -np.rint(position * self.ratio).astype(np.int64)
        new = target - view.hedges.cover_minor(n)
        return self.orders(n, [self.contracts(view, new, self.tenor_days * DAY_S, self.cap())])


@HEDGERS.register("collar")
class CollarHedge(ForwardHedge):
    """Like ``forward`` with zero-cost collars: the rate is bounded both ways, no premium.

    Args:
        ratio: share of the net position to cover.
        tenor_days: maturity of each collar.
        min_reporting: smallest contract worth dealing, in the reporting currency.
        cap_percent: the cap's distance above the forward rate, in percent; the floor is
            priced by Garman-Kohlhagen so the call and the put cost the same.

    """

    def __init__(
        self,
        ratio: float = 1.0,
        tenor_days: float = 7.0,
        min_reporting: float = 1000.0,
        cap_percent: float = 2.0,
    ) -> None:
        super().__init__(ratio, tenor_days, min_reporting)
        check_number("cap_percent", cap_percent, low=0, low_open=True, high=100)
        self.cap_percent = cap_percent

    def cap(self) -> float:  # noqa: D102
        return 1.0 + self.cap_percent / 100.0


@HEDGERS.register("layered_forward")
class LayeredForward(_ForwardPolicy):
    """Layers of forwards: e.g. 80/50/20 % of the next three periods' exposure, rolled daily.

    Layer 1 covers the net open position now; each later layer covers the platform's own
    estimate of what a period adds (the mean daily growth of what it has sold in each
    currency, from the views it has seen), times its ratio.

    Args:
        ratios: cover of each layer, nearest first.
        period_days: length of a layer (layer ``i`` matures ``i`` periods ahead).
        min_reporting: smallest contract worth dealing, in the reporting currency.

    """

    def __init__(
        self,
        ratios: Sequence[float] = (0.8, 0.5, 0.2),
        period_days: float = 7.0,
        min_reporting: float = 1000.0,
    ) -> None:
        if isinstance(ratios, str) or not isinstance(ratios, Sequence) or not ratios:
            raise param_error("ratios", "must be a list of shares", ratios)
        for r in ratios:
            check_number("ratios", r, low=0, high=1)
        check_number("period_days", period_days, low=0, low_open=True, high=120)
        check_number("min_reporting", min_reporting, low=0, high=1e12)
        self.ratios = ratios
        self.period_days = period_days
        self.min_reporting = min_reporting
        self._first: tuple[float, np.ndarray] | None = None

    def bind(self, context: TreasuryContext) -> None:  # noqa: D102
        super().bind(context)
        self._first = None

    def hedge(self, view: TreasuryView) -> HedgeOrders:  # noqa: D102
        n = len(view.mid)
        if not view.payout_run:
            return HedgeOrders.nothing(n)
        period_s = self.period_days * DAY_S
        # what a period adds is owed (a short position): covered by buying forward
        added = self._daily_sold(view) * self.period_days
        hedges = view.hedges
        position = np.where(self.foreign(), view.position_minor, 0)
        parts = []
        for i, ratio in enumerate(self.ratios, start=1):
            exposure = position if i == 1 else -added
            lo, hi = view.t_s + (i - 1) * period_s, view.t_s + i * period_s
            bucket = (hedges.maturity_s > lo) & (hedges.maturity_s <= hi)
            cover = np.bincount(
                hedges.currency[bucket], weights=hedges.notional_minor[bucket], minlength=n
            )
            new = np.rint(-exposure * ratio - cover).astype(np.int64)
            parts.append(self.contracts(view, new, i * period_s, np.nan))
        return self.orders(n, parts)

    def _daily_sold(self, view: TreasuryView) -> np.ndarray:
        """Mean daily growth of what has been sold per currency, since the first view."""
        sold = view.sold_minor.astype(float)
        if self._first is None:
            self._first = (view.t_s, sold)
            return np.zeros(len(view.mid))
        t0, first = self._first
        days = max((view.t_s - t0) / DAY_S, 1.0)
        return np.where(self.foreign(), (sold - first) / days, 0.0)
