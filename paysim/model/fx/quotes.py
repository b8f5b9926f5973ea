"""The rates buyers are quoted: the mid of the quote's time, held for its time to live.

The platform publishes one rate table; it is re-issued when its time to live ends or when
any currency's mid has moved past ``rerate_bps`` since (a rate lock re-rated when the market
moves more than 5 %, reference table). A captured payment converts at the table in force,
less the spread: what the seller's currency receives is ``amount * quote * (1 - spread)``; the
spread stays with the platform as FX revenue.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from paysim.model.fx.rates import FixedRates
from paysim.model.fx.spec import QuoteSpec


class Reversals(Protocol):
    """What ``give_back`` reads of the orders' fates (``platform.order_fate.OrderFate``)."""

    reversal_s: np.ndarray
    reversed_amount: np.ndarray
    won: np.ndarray
    decision_s: np.ndarray


def quote_ticks(path_per_eur: np.ndarray, step_s: float, ttl_s: float, rerate_bps: float):
    """For each tick, the tick whose mid the table in force was issued at."""
    issued = np.empty(path_per_eur.shape[0], dtype=np.int64)
    current, issued_s = 0, 0.0
    log_path = np.log(path_per_eur)
    trigger = rerate_bps / 1e4
    for k in range(path_per_eur.shape[0]):  # one pass over the ticks, once per run
        t_s = k * step_s
        moved = np.abs(log_path[k] - log_path[current]).max() > trigger
        if t_s - issued_s >= ttl_s or moved:
            current, issued_s = k, t_s
        issued[k] = current
    return issued


class Quotes:
    """Conversions of captured payments at the quoted rate, and the spread they earn."""

    def __init__(self, rates: FixedRates, spec: QuoteSpec, reporting: int) -> None:
        self.rates = rates
        self.spread = spec.spread_bps / 1e4
        self.reporting = reporting
        self.spread_revenue = 0.0  # reporting currency
        self.sold_minor = np.zeros(len(rates.currencies), dtype=np.int64)
        path = getattr(rates, "path", None)
        self.issued = None
        if path is not None:
            self.issued = quote_ticks(path, rates.step_s, spec.ttl_s, spec.rerate_bps)

    def quote_time_s(self, t_s: np.ndarray) -> np.ndarray:
        """When the table in force at each time was issued (fixed rates: any time will do)."""
        if self.issued is None:
            return np.asarray(t_s, dtype=float)
        return self.issued[self.rates.tick(t_s)] * self.rates.step_s

    def seller_value(
        self,
        amount_minor: np.ndarray,
        currency: np.ndarray,
        seller_currency: np.ndarray,
        t_s: np.ndarray,
    ) -> np.ndarray:
        """What each payment is worth in the seller's currency at the quote, less the spread."""
        quoted = self.quote_time_s(t_s)
        factor = (
            self.rates.factor_at(currency, seller_currency, quoted)
            if self.issued is not None
            else self.rates.minor_factor[currency, seller_currency]
        )
        gross = amount_minor * factor
        value = np.rint(gross * (1.0 - self.spread)).astype(np.int64)
        self.sold_minor += np.bincount(
            seller_currency, weights=value, minlength=self.sold_minor.size
        ).astype(np.int64)
        if self.spread:
            kept = gross - value  # seller's minor units
            self.spread_revenue += float(
                np.sum(self.rates.to_major_at(kept, seller_currency, self.reporting, t_s))
            )
        return value

    def give_back(self, fate: Reversals, currency: np.ndarray, horizon_s: float) -> None:
        """Refunds and lost chargebacks inside the run return the buyer's whole amount.

        The seller gives back the value the quote gave, so the spread earned is given back
        too (a won chargeback earns it again).
        """
        if not self.spread:
            return
        rev = fate.reversal_s < horizon_s
        back = np.where(rev, fate.reversed_amount, 0) - np.where(
            rev & fate.won & (fate.decision_s < horizon_s), fate.reversed_amount, 0
        )
        if back.any():
            kept = back * self.spread
            when = np.where(rev, fate.reversal_s, 0.0)
            self.spread_revenue -= float(
                np.sum(self.rates.to_major_at(kept, currency, self.reporting, when))
            )
