"""How a buyer picks a payment method for an amount.

A market's ``method_mix`` is the buyers' choice among the methods that can take the amount: a
method no channel serving the market takes at that amount (a wire under its minimum ticket,
BNPL over its credit limit) gets no share, and ``method_amount_bands`` multiply a method's
share from an amount on. The weights are piecewise constant in the amount, so they are
tabulated once per market and segment between consecutive thresholds: a payment's choice is
a count of thresholds and a gather, whatever the number of payments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from paysim.model.core.spec_types import METHODS
from paysim.model.money.currency import minor_exponent

if TYPE_CHECKING:
    from paysim.model.spec import Scenario

ToReporting = Callable[[np.ndarray, np.ndarray], np.ndarray]


class MethodChoice:
    """``[market, segment, method]`` weights of the method mix by amount."""

    def __init__(
        self,
        scenario: Scenario,
        markets: tuple[str, ...],
        currencies: tuple[str, ...],
        to_reporting: ToReporting,
    ) -> None:
        specs = [scenario.market(code) for code in markets]
        self.mix = np.array([[m.method_mix.get(k, 0.0) for k in METHODS] for m in specs])  # type: ignore[call-overload]
        low, high = _method_ranges(scenario, markets, currencies, to_reporting)
        bands = [
            {METHODS.index(k): [(b.above_reporting, b.factor) for b in v]
             for k, v in m.method_amount_bands.items()}
            for m in specs
        ]  # fmt: skip
        # thresholds where some weight changes: a >= low, a <= high (so > high), a >= band
        cuts = [
            sorted(
                {x for x in low[m] if x > 0}
                | {float(np.nextafter(x, np.inf)) for x in high[m] if np.isfinite(x)}
                | {edge for method_bands in bands[m].values() for edge, _ in method_bands}
            )
            for m in range(len(markets))
        ]
        width = max(map(len, cuts), default=0)
        self.edges = np.full((len(markets), width), np.inf)
        self.weights = np.zeros((len(markets), width + 1, len(METHODS)))
        for m, market_cuts in enumerate(cuts):
            self.edges[m, : len(market_cuts)] = market_cuts
            for s, amount in enumerate([0.0, *market_cuts]):
                weights = self.mix[m] * ((amount >= low[m]) & (amount <= high[m]))
                for k, method_bands in bands[m].items():
                    for edge, factor in method_bands:
                        weights[k] *= factor if amount >= edge else 1.0
                if weights.sum() <= 0:  # no method takes the amount: choose as if all did
                    weights = self.mix[m]
                self.weights[m, s] = weights
        # the last segment repeats where a market has fewer thresholds than the widest
        for m, market_cuts in enumerate(cuts):
            self.weights[m, len(market_cuts) + 1 :] = self.weights[m, len(market_cuts)]
        totals = self.weights.sum(axis=2, keepdims=True)
        self.cdf = np.cumsum(self.weights, axis=2) / np.where(totals > 0, totals, 1.0)

    def segment(self, market: np.ndarray, amount_reporting: np.ndarray) -> np.ndarray:
        """Each payment's segment of its market's amount thresholds."""
        if not self.edges.shape[1]:
            return np.zeros(len(market), dtype=np.intp)
        return (amount_reporting[:, None] >= self.edges[market]).sum(axis=1)

    def choose(
        self, market: np.ndarray, amount_reporting: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The method each buyer picks with uniform ``u``, and its segment's weights."""
        segment = self.segment(market, amount_reporting)
        cdf = self.cdf[market, segment]
        method = np.minimum((u[:, None] >= cdf).sum(axis=1), len(METHODS) - 1)
        return method, self.weights[market, segment]

    def other(
        self,
        market: np.ndarray,
        amount_reporting: np.ndarray,
        current: np.ndarray,
        u: np.ndarray,
    ) -> np.ndarray:
        """Another method that takes the amount, by the mix (the current one if none)."""
        weights = self.weights[market, self.segment(market, amount_reporting)]
        weights[np.arange(len(current)), current] = 0.0
        total = weights.sum(axis=1)
        cdf = np.cumsum(weights, axis=1) / np.where(total > 0, total, 1.0)[:, None]
        chosen = np.minimum((u[:, None] >= cdf).sum(axis=1), len(METHODS) - 1)
        return np.where(total > 0, chosen, current)


def _method_ranges(
    scenario: Scenario,
    markets: tuple[str, ...],
    currencies: tuple[str, ...],
    to_reporting: ToReporting,
) -> tuple[np.ndarray, np.ndarray]:
    """``[market, method]`` amounts (reporting currency) the method can take there.

    A method's range is the span of the ranges of the channels serving it in the market; a
    method no channel serves is left unrestricted (validation gives it no share).
    """
    low = np.full((len(markets), len(METHODS)), np.inf)
    high = np.full((len(markets), len(METHODS)), -np.inf)
    for c in scenario.channels:
        scale = 10.0 ** minor_exponent(c.currency)
        bounds = np.array([c.min_amount, np.inf if c.max_amount is None else c.max_amount])
        lo, hi = to_reporting(bounds * scale, np.full(2, currencies.index(c.currency)))
        for code in c.markets:
            if code not in markets:
                continue
            m = markets.index(code)
            for method in c.methods:
                k = METHODS.index(method)
                low[m, k], high[m, k] = min(low[m, k], lo), max(high[m, k], hi)
    served = np.isfinite(low)
    return np.where(served, low, 0.0), np.where(served, high, np.inf)
