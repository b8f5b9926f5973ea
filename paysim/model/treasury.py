"""The platform's treasury: conversions and hedges on the ledger, and the FX result.

Every hour (and right after the daily payout run) the treasury settles the hedges that have
matured, shows the hedging strategy a ``TreasuryView`` and executes its orders. After each
payout run it also buys, at spot, whatever a currency's cash lacks (the payouts are paid at
the then-spot rate whatever the policy; a policy that converted earlier needs none of it).

Every conversion is two balanced postings through the FX position account, one per currency
(``FX / cash`` in the currency sold, ``cash / FX`` in the currency bought), so each currency
still sums to exactly 0. The platform's net position in a currency is minus the FX position
account's balance; its value at the run's last rates, in the reporting currency, is the whole
FX result (quote spreads, costs, rate moves). ``fx_pnl`` is that result without the spreads
earned and the conversion costs paid: what rate moves did to the positions, realised (at
conversions and hedge maturities) or not (revalued at the end, open hedges at their payoff
at the end's spot).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from paysim.errors import PaysimError, ScenarioError
from paysim.model.fx.path import MovingRates
from paysim.model.fx.pricing import forward_rate, gk_delta, zero_cost_floor
from paysim.model.fx.quotes import Quotes
from paysim.model.fx.rates import FixedRates
from paysim.model.hedging import (
    COLLAR,
    FORWARD,
    HedgeOrders,
    OpenHedges,
    TreasuryContext,
    TreasuryView,
)
from paysim.model.money.ledger import Account, Ledger

if TYPE_CHECKING:
    from paysim.model.spec import Scenario
    from paysim.strategies.hedging.base import BaseHedger

A = Account
YEAR_S = 365.25 * 86400.0
HOUR_S = 3600.0
Z95 = float(stats.norm.ppf(0.95))
ES95 = float(stats.norm.pdf(Z95) / 0.05)  # expected shortfall / sd of a normal, 95 %
OWED = (A.ESCROW, A.SELLER_PAYABLE, A.INFLUENCER_PAYABLE)


class Treasury:
    """Runs a hedging strategy against the ledger at the rates of the run's path."""

    def __init__(
        self,
        ledger: Ledger,
        rates: FixedRates,
        quotes: Quotes,
        hedger: BaseHedger,
        context: TreasuryContext,
        cov_per_year: np.ndarray,
    ) -> None:
        self.ledger, self.rates, self.quotes, self.hedger = ledger, rates, quotes, hedger
        self.context = context
        self.reporting = context.reporting
        self.n = len(context.currencies)
        self.scale = 10.0**context.exponent
        self.cost = context.conversion_cost_bps / 1e4
        self.cov_day = cov_per_year * (86400.0 / YEAR_S)  # of log(reporting per unit)
        self.book = {k: np.empty(0) for k in ("currency", "notional", "maturity", "kind",
                                               "strike", "floor")}  # fmt: skip
        self.conversion_cost = 0.0  # reporting currency
        self.forward_points = 0.0  # what forwards cost against spot at inception
        self.var_days: list[tuple[float, float]] = []
        self.conversions = 0
        self.hedges_opened = 0

    # -- rates ------------------------------------------------------------------------
    def mid(self, t_s: float) -> np.ndarray:
        """Reporting major units per major unit of each currency at ``t_s``."""
        every = np.arange(self.n)
        return self.rates.to_major_at(self.scale, every, self.reporting, t_s)

    # -- runs -------------------------------------------------------------------------
    def hourly(self, t0: float, t1: float) -> None:
        """A treasury run at ``t1``."""
        self.run(t1, payout_run=False)

    def after_payout(self, t_s: float) -> None:
        """After the payout run: cover each currency's shortfall, then a policy run."""
        mid = self.mid(t_s)
        cash = self.ledger.balances[A.PLATFORM_CASH]
        short = np.where(cash < 0, -cash, 0)
        short[self.reporting] = 0
        self.convert(short, mid)
        self.run(t_s, payout_run=True)
        self._record_var(t_s, mid)

    def run(self, t_s: float, payout_run: bool) -> None:
        """Settle matured hedges, ask the strategy, execute its orders."""
        mid = self.mid(t_s)
        self._settle_matured(t_s, mid)
        view = self.view(t_s, mid, payout_run)
        orders = self.hedger.hedge(view)
        if not isinstance(orders, HedgeOrders):
            raise PaysimError(f"hedging strategy '{self.hedger.name}' must return HedgeOrders")
        if (problem := orders.check(self.n)) is not None:
            name = getattr(self.hedger, "name", self.hedger)
            raise PaysimError(f"hedging strategy '{name}' gave orders that cannot run: {problem}")
        spot = np.asarray(orders.spot_buy_minor, dtype=np.int64).copy()
        spot[self.reporting] = 0
        self.convert(spot, mid)
        if np.size(orders.forward_currency):
            self._open(orders, t_s, mid)
        self.hedger.observe(self.view(t_s, mid, payout_run))

    def view(self, t_s: float, mid: np.ndarray, payout_run: bool = False) -> TreasuryView:
        """What the strategy is shown now (copies: the ledger is out of its reach)."""
        balances = self.ledger.balances
        return TreasuryView(
            t_s=t_s,
            mid=mid.copy(),
            cash_minor=balances[A.PLATFORM_CASH].copy(),
            owed_minor=-balances[list(OWED)].sum(axis=0),
            position_minor=-balances[A.FX_POSITION].copy(),
            hedges=self.open_hedges(),
            sold_minor=self.quotes.sold_minor.copy(),
            payout_run=payout_run,
        )

    def open_hedges(self) -> OpenHedges:
        """The forward book, as the strategy sees it."""
        b = self.book
        return OpenHedges(
            currency=b["currency"].astype(np.intp), notional_minor=b["notional"].astype(np.int64),
            maturity_s=b["maturity"].copy(), kind=b["kind"].astype(np.int8),
            strike=b["strike"].copy(), floor=b["floor"].copy(),
        )  # fmt: skip

    # -- dealing ----------------------------------------------------------------------
    def convert(self, buy_minor: np.ndarray, mid: np.ndarray) -> None:
        """Buy (or, negative, sell) each currency against the reporting one at spot + cost."""
        buy_minor = np.asarray(buy_minor, dtype=np.int64)
        traded = np.flatnonzero(buy_minor)
        if not traded.size:
            return
        value = buy_minor[traded] / self.scale[traded] * mid[traded]  # reporting, at mid
        paid = value + np.abs(value) * self.cost  # buying costs more, selling yields less
        self._exchange(traded, buy_minor[traded], paid)
        self.conversion_cost += float(np.abs(value).sum() * self.cost)
        self.conversions += traded.size

    def _exchange(self, currency: np.ndarray, buy_minor: np.ndarray, paid_reporting) -> None:
        """Receive ``buy_minor`` of each currency, pay ``paid_reporting`` (signed) for it."""
        ledger, rep = self.ledger, self.reporting
        pay_minor = np.rint(np.asarray(paid_reporting) * self.scale[rep]).astype(np.int64)
        bought, sold = buy_minor > 0, buy_minor < 0
        ledger.post(A.PLATFORM_CASH, A.FX_POSITION, currency[bought], buy_minor[bought])
        ledger.post(A.FX_POSITION, A.PLATFORM_CASH, currency[sold], -buy_minor[sold])
        ledger.post(A.FX_POSITION, A.PLATFORM_CASH, rep, int(pay_minor[bought].sum()))
        ledger.post(A.PLATFORM_CASH, A.FX_POSITION, rep, int(-pay_minor[sold].sum()))

    def _open(self, orders: HedgeOrders, t_s: float, mid: np.ndarray) -> None:
        ctx = self.context
        ccy = np.asarray(orders.forward_currency, dtype=np.intp)
        tenor_y = np.asarray(orders.forward_tenor_s, dtype=float) / YEAR_S
        r_d, r_f = ctx.interest_per_year[self.reporting], ctx.interest_per_year[ccy]
        if np.isnan(r_f).any() or np.isnan(r_d):
            missing = {ctx.currencies[c] for c in ccy[np.isnan(r_f)]}
            missing |= {ctx.currencies[self.reporting]} if np.isnan(r_d) else set()
            raise PaysimError(f"forwards need fx.interest_percent for {', '.join(sorted(missing))}")
        strike = forward_rate(mid[ccy], r_d, r_f, tenor_y)
        cap = np.asarray(orders.collar_cap, dtype=float)
        collar = ~np.isnan(cap)
        floor = np.full(ccy.size, np.nan)
        for i in np.flatnonzero(collar):  # few contracts a day
            strike[i] = strike[i] * cap[i]
            floor[i] = zero_cost_floor(mid[ccy[i]], strike[i], r_d, r_f[i],
                                       ctx.sigma_per_year[ccy[i]], tenor_y[i])  # fmt: skip
        notional = np.asarray(orders.forward_minor, dtype=np.int64)
        forward = ~collar
        # what the forward rate costs against today's spot (the interest differential)
        points = (
            notional[forward] / self.scale[ccy[forward]] * (strike[forward] - mid[ccy[forward]])
        )
        self.forward_points += float(points.sum())
        new = {
            "currency": ccy, "notional": notional, "maturity": t_s + tenor_y * YEAR_S,
            "kind": np.where(collar, COLLAR, FORWARD), "strike": strike, "floor": floor,
        }  # fmt: skip
        self.book = {k: np.concatenate([self.book[k], new[k]]) for k in self.book}
        self.hedges_opened += ccy.size

    def _settle_matured(self, t_s: float, mid: np.ndarray) -> None:
        """Matured contracts settle their difference to spot in the reporting currency.

        Cash settlement (as a non-deliverable forward does) locks the contract's rate
        whatever the currency: the platform still deals at spot, the difference makes it up.
        """
        due = self.book["maturity"] <= t_s
        if not due.any():
            return
        b = {k: v[due] for k, v in self.book.items()}
        self.book = {k: v[~due] for k, v in self.book.items()}
        self._cash_settle(self._payoff(b, mid))

    def _payoff(self, book: dict[str, np.ndarray], mid: np.ndarray) -> float:
        """Reporting value of contracts settled at today's spot: ``N (S - rate)``."""
        ccy = book["currency"].astype(np.intp)
        spot = mid[ccy]
        return float(
            np.sum(book["notional"] / self.scale[ccy] * (spot - self._contract_rate(book, spot)))
        )

    def _cash_settle(self, gain_reporting: float) -> None:
        rep = self.reporting
        gain = int(np.rint(gain_reporting * self.scale[rep]))
        if gain > 0:
            self.ledger.post(A.PLATFORM_CASH, A.FX_POSITION, rep, gain)
        elif gain < 0:
            self.ledger.post(A.FX_POSITION, A.PLATFORM_CASH, rep, -gain)

    @staticmethod
    def _contract_rate(book: dict[str, np.ndarray], spot: np.ndarray) -> np.ndarray:
        """What each contract pays per unit: the forward rate, or the spot within the collar."""
        collar = book["kind"] == COLLAR
        clipped = np.clip(spot, np.where(collar, book["floor"], -np.inf), book["strike"])
        return np.where(collar, clipped, book["strike"])

    # -- risk and result --------------------------------------------------------------
    def exposure_reporting(self, t_s: float, mid: np.ndarray) -> np.ndarray:
        """Net position per currency including hedges' deltas, reporting units at the mid."""
        position = -self.ledger.balances[A.FX_POSITION] / self.scale * mid
        b = self.book
        if b["currency"].size:
            ccy = b["currency"].astype(np.intp)
            delta = self._deltas(b, ccy, t_s, mid)
            position += np.bincount(ccy, weights=delta * b["notional"] / self.scale[ccy] * mid[ccy],
                                    minlength=self.n)  # fmt: skip
            # paying for them is a short position in the reporting currency: no FX risk
        return position

    def _deltas(self, b: dict[str, np.ndarray], ccy: np.ndarray, t_s: float, mid) -> np.ndarray:
        ctx = self.context
        delta = np.ones(ccy.size)
        collar = np.flatnonzero(b["kind"] == COLLAR)
        if collar.size:
            c = ccy[collar]
            tenor = np.maximum(b["maturity"][collar] - t_s, 1.0) / YEAR_S
            r_d, r_f, sigma = (
                ctx.interest_per_year[self.reporting],
                ctx.interest_per_year[c],
                ctx.sigma_per_year[c],
            )
            sigma = np.maximum(sigma, 1e-6)
            delta[collar] = gk_delta(
                mid[c], b["strike"][collar], r_d, r_f, sigma, tenor, True
            ) - gk_delta(mid[c], b["floor"][collar], r_d, r_f, sigma, tenor, False)
        return delta

    def value_at_risk(self, t_s: float, mid: np.ndarray) -> tuple[float, float]:
        """One-day 95 % VaR and expected shortfall of the open position (normal, the model's)."""
        w = self.exposure_reporting(t_s, mid)
        sd = float(np.sqrt(max(w @ self.cov_day @ w, 0.0)))
        return Z95 * sd, ES95 * sd

    def _record_var(self, t_s: float, mid: np.ndarray) -> None:
        self.var_days.append(self.value_at_risk(t_s, mid))

    def result(self, t_end: float, gmv: float) -> dict[str, float]:
        """The FX KPIs at the end of the run."""
        mid = self.mid(t_end)
        total = float(np.dot(-self.ledger.balances[A.FX_POSITION] / self.scale, mid))
        if self.book["currency"].size:  # open hedges at their payoff at the end's spot
            total += self._payoff(self.book, mid)
        spread = self.quotes.spread_revenue
        if not self.var_days:
            self._record_var(t_end, mid)
        var, cvar = np.mean(np.array(self.var_days), axis=0)
        costs = self.conversion_cost + self.forward_points
        return {
            "fx_pnl": total - spread + self.conversion_cost,
            "fx_cost_bps": costs * 1e4 / gmv if gmv else 0.0,
            "fx_var95": float(var),
            "fx_cvar95": float(cvar),
            "fx_spread_revenue": spread,
            "fx_conversion_cost": self.conversion_cost,
            "fx_result": total,
        }


def treasury_needed(scenario: Scenario) -> bool:
    """Whether a run needs a treasury: rates move, quotes earn a spread, or a policy acts."""
    fx = scenario.fx
    return (
        fx.moving
        or fx.quote.spread_bps > 0
        or fx.conversion_cost_bps > 0
        or scenario.strategies.hedging.name != "none"
    )


def build_treasury(
    scenario: Scenario,
    rates: FixedRates,
    ledger: Ledger,
    reporting: int,
    hedger: BaseHedger,
    rng: np.random.Generator,
) -> Treasury:
    """The treasury of a run, its hedger bound (a bad parameter is a ``ScenarioError``)."""
    fx = scenario.fx
    n = len(rates.currencies)
    cov = rates.cov_vs(reporting) if isinstance(rates, MovingRates) else np.zeros((n, n))
    interest = np.array(
        [np.log1p(fx.interest_percent[c] / 100) if c in fx.interest_percent else np.nan
         for c in rates.currencies]
    )  # fmt: skip
    context = TreasuryContext(
        currencies=tuple(rates.currencies),
        reporting=reporting,
        exponent=rates.exponent.copy(),
        interest_per_year=interest,
        sigma_per_year=np.sqrt(np.diag(cov)).copy(),
        quote_ttl_s=fx.quote.ttl_s,
        conversion_cost_bps=fx.conversion_cost_bps,
        run_every_s=HOUR_S,
        rng=rng,
    )
    try:
        hedger.bind(context)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"strategies.hedging.params: {exc}") from None
    quotes = Quotes(rates, fx.quote, reporting)
    return Treasury(ledger, rates, quotes, hedger, context, cov)
