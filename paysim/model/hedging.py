"""What a hedging strategy sees and what it may ask for: frozen views of the treasury.

A treasury knows today's rates (the mid and the rates it can deal at), its own balances, what
it owes sellers and influencers, and the hedges it holds. It never sees a future rate: the
views are built from the ledger and the rate of the current tick only.

Amounts are integer minor units per currency (the ledger's columns); rates are reporting
currency major units per one major unit of each currency (``mid[reporting] == 1``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FORWARD, COLLAR = 0, 1


def _frozen(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.flags.writeable = False


@dataclass(frozen=True)
class TreasuryContext:
    """Static facts a hedger is bound to.

    Attributes:
        currencies: the ledger's currencies (ISO codes), in column order.
        reporting: column of the reporting currency (what the treasury funds from).
        exponent: minor-unit exponent per currency.
        interest_per_year: money-market rate per currency, continuously compounded
            (``fx.interest_percent``; NaN where the scenario states none).
        sigma_per_year: the rate model's volatility of each currency against the reporting
            currency (0 for fixed rates), for pricing options.
        quote_ttl_s: how long a buyer's quote holds.
        conversion_cost_bps: what a spot conversion costs, per side.
        run_every_s: how often the treasury calls ``hedge``.
        rng: the strategy's own generator.

    """

    currencies: tuple[str, ...]
    reporting: int
    exponent: np.ndarray
    interest_per_year: np.ndarray
    sigma_per_year: np.ndarray
    quote_ttl_s: float
    conversion_cost_bps: float
    run_every_s: float
    rng: np.random.Generator = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        _frozen(self.exponent, self.interest_per_year, self.sigma_per_year)


@dataclass(frozen=True)
class OpenHedges:
    """Forwards and collars held, cash-settled at maturity against the spot.

    A positive ``notional_minor`` buys the currency at the contract's rate (it covers a short
    position: what is owed), a negative one sells it (covers a long one: receivables).
    """

    currency: np.ndarray
    notional_minor: np.ndarray
    maturity_s: np.ndarray
    kind: np.ndarray  # FORWARD or COLLAR
    strike: np.ndarray  # forward rate, or the collar's cap
    floor: np.ndarray  # the collar's floor (NaN for a forward)

    def __post_init__(self) -> None:
        _frozen(self.currency, self.notional_minor, self.maturity_s, self.kind)
        _frozen(self.strike, self.floor)

    def __len__(self) -> int:
        return int(self.currency.size)

    def cover_minor(self, n_currencies: int, until_s: float = np.inf) -> np.ndarray:
        """Signed notional per currency of hedges maturing by ``until_s``."""
        due = self.maturity_s <= until_s
        return np.bincount(
            self.currency[due], weights=self.notional_minor[due], minlength=n_currencies
        ).astype(np.int64)


@dataclass(frozen=True)
class TreasuryView:
    """The treasury's state at one run (read-only arrays, one entry per currency).

    Attributes:
        t_s: now.
        mid: reporting units per unit of each currency now.
        cash_minor: the platform's bank balances.
        owed_minor: what it owes sellers and influencers (escrow and payables).
        position_minor: its net open position per currency (positive: long), before hedges.
        hedges: the forwards and collars it holds.
        sold_minor: value of every order captured so far, in its seller's currency (what
            the platform has come to owe, paid or not).
        payout_run: whether the daily payout run has just paid sellers.

    """

    t_s: float
    mid: np.ndarray
    cash_minor: np.ndarray
    owed_minor: np.ndarray
    position_minor: np.ndarray
    hedges: OpenHedges
    sold_minor: np.ndarray
    payout_run: bool = False

    def __post_init__(self) -> None:
        _frozen(self.mid, self.cash_minor, self.owed_minor, self.position_minor, self.sold_minor)

    def in_reporting(self, amount_minor: np.ndarray, exponent: np.ndarray) -> np.ndarray:
        """Amounts per currency in reporting major units at the mid."""
        return amount_minor / 10.0**exponent * self.mid


@dataclass(frozen=True)
class HedgeOrders:
    """What a hedger asks for at one run.

    Attributes:
        spot_buy_minor: per currency, an amount to buy now against the reporting currency
            (negative: to sell); the reporting column is ignored.
        forward_currency: currency of each new contract (bought at maturity).
        forward_minor: signed notional of each, in that currency's minor units (positive:
            buy the currency forward, negative: sell it); never 0.
        forward_tenor_s: time to maturity of each.
        collar_cap: ``nan`` for a forward; else the collar's cap as a multiple of the
            forward rate (> 1), its floor set so the collar costs nothing.

    """

    spot_buy_minor: np.ndarray
    forward_currency: np.ndarray = field(default_factory=lambda: np.empty(0, np.intp))
    forward_minor: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    forward_tenor_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    collar_cap: np.ndarray = field(default_factory=lambda: np.empty(0))

    @classmethod
    def nothing(cls, n_currencies: int) -> HedgeOrders:
        """No trade."""
        return cls(np.zeros(n_currencies, dtype=np.int64))

    def check(self, n_currencies: int) -> str | None:
        """Why the orders cannot be executed, or None."""
        if np.shape(self.spot_buy_minor) != (n_currencies,):
            return f"spot_buy_minor must have one entry per currency ({n_currencies})"
        n = np.size(self.forward_currency)
        parts = (self.forward_minor, self.forward_tenor_s, self.collar_cap)
        if any(np.size(a) != n for a in parts):
            return "forward_currency, forward_minor, forward_tenor_s, collar_cap differ in size"
        if n and (
            np.min(self.forward_currency) < 0 or np.max(self.forward_currency) >= n_currencies
        ):
            return "forward_currency out of range"
        if n and (np.any(np.asarray(self.forward_minor) == 0) or np.min(self.forward_tenor_s) <= 0):
            return "forward notionals must be non-zero and tenors positive"
        cap = np.asarray(self.collar_cap, dtype=float)
        if np.any(cap[~np.isnan(cap)] <= 1.0):
            return "collar_cap must be above 1 (a multiple of the forward)"
        return None
