"""The marketplace's money: capture, settlement, reserve, escrow, refunds, disputes, payouts.

A captured order's whole future is decided at capture (``order_fate.py``) and its flows go
into an hourly money calendar, booked in one posting per hour, flow and currency, as a real
platform's batch jobs would, instead of one process per order. Each flow debits one account
and credits another in one currency (``FLOW_ACCOUNTS``); the seller's part of each flow also
goes to the seller subledger (``payouts.py``), settled by the daily payout run.

Postings (``V`` order value in the seller's currency, ``A`` amount in the buyer's, ``ch`` the
channel's settlement currency):

- capture: channel receivable / FX (A); FX / escrow (V); channel fees / channel receivable.
- settlement after ``settlement_days``: FX / channel receivable (A - fee); cash / FX and
  channel reserve / FX (ch); the reserve comes back to cash ``reserve_days`` later.
- shipment and release: escrow / seller payable, escrow / take revenue, and escrow (seller
  pays) or influencer commission (platform pays) / influencer payable.
- refund or chargeback: escrow, seller receivable, take revenue or chargeback losses / FX
  (seller's currency); FX / cash (ch: the channel takes the buyer's money back from the
  platform's settlements); dispute fees / cash (ch). A won dispute reverses all but the fee.
- payout run: seller payable / seller receivable (recovered), seller payable / cash (paid),
  payout fees / cash, influencer payable / cash.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Protocol

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import RandomStreams
from paysim.errors import PaysimError
from paysim.model.core.batch import Batch
from paysim.model.fx.rates import FixedRates
from paysim.model.money.currency import to_minor
from paysim.model.money.ledger import HOLDINGS, LIABILITIES, Account, Ledger, per_currency
from paysim.model.platform import order_fate
from paysim.model.platform.accrual import accrue
from paysim.model.platform.money_calendar import (
    FLOW_ACCOUNTS,
    SLOT_S,
    Flow,
    MoneyCalendar,
    Scheduled,
)
from paysim.model.platform.order_fate import CHARGEBACK, NONE, OrderFate, percent_of
from paysim.model.platform.payouts import SellerSubledger
from paysim.model.platform.totals import PlatformTotals

if TYPE_CHECKING:
    from paysim.model.fx.quotes import Quotes
    from paysim.model.spec import Scenario

A = Account


class Payout(IntEnum):
    """Rows of ``Platform.paid_out``: what the payout runs moved, per currency."""

    SELLERS = 0  # paid to sellers
    RECOVERED = 1  # netted against what sellers owed
    FEES = 2  # payout fees
    INFLUENCERS = 3  # paid to influencers


class ChannelTerms(Protocol):
    """What the platform needs to know of each channel (arrays indexed by channel)."""

    currency: np.ndarray
    settlement_days: np.ndarray
    reserve_percent: np.ndarray
    reserve_days: np.ndarray
    dispute_fee_minor: np.ndarray


class Platform:
    """Books every flow of a captured payment, now or on the calendar."""

    def __init__(
        self,
        scenario: Scenario,
        ledger: Ledger,
        rates: FixedRates,
        reporting: int,
        horizon_s: float,
        *,
        markets: tuple[str, ...],
        channels: ChannelTerms,
        seller_currency: np.ndarray,
        streams: RandomStreams,
    ) -> None:
        spec = self.spec = scenario.platform
        self.ledger, self.rates, self.reporting = ledger, rates, reporting
        self.channels = channels
        self.n_currencies = len(rates.currencies)
        self.calendar = MoneyCalendar(horizon_s, self.n_currencies)
        self.horizon_s = horizon_s
        self._captured: list[Batch] = []
        self.sellers = SellerSubledger(seller_currency)
        self.luck = streams.keyed("platform.order")
        self.payout_offset_s = spec.payout.hour_utc * 3600.0
        self.totals = PlatformTotals()
        self.accounts = dict(FLOW_ACCOUNTS)
        if spec.commission_paid_by == "platform":
            self.accounts[Flow.COMMISSION] = (A.INFLUENCER_COMMISSION, A.INFLUENCER_PAYABLE)
        corridors = scenario.demand.corridors
        self.corridor_of = np.zeros((len(markets), len(markets)), dtype=np.intp)
        for j, corridor in reversed(list(enumerate(corridors))):
            self.corridor_of[markets.index(corridor.buyer), markets.index(corridor.seller)] = j
        self.delivery_dists = [c.delivery_days or spec.delivery_days for c in corridors]
        self.commission_percent = np.array(
            [c.commission_percent for c in scenario.demand.campaigns] + [0.0]
        )  # index -1 (organic) reads the trailing 0
        fee_currency = rates.index[spec.payout.fee_currency]
        fixed_minor = int(to_minor(spec.payout.fee_fixed, spec.payout.fee_currency))
        self.payout_fee_fixed_minor = rates.convert_minor(
            np.full(self.n_currencies, fixed_minor), fee_currency, np.arange(self.n_currencies)
        )
        self.low_water = np.zeros((len(Account), self.n_currencies), dtype=np.int64)
        self.high_water = np.zeros((len(Account), self.n_currencies), dtype=np.int64)
        self.paid_out = np.zeros((len(Payout), self.n_currencies), dtype=np.int64)
        self._factor = rates.minor_factor[:, reporting] / 10.0 ** rates.exponent[reporting]
        self.quotes: Quotes | None = None  # set by the world when FX has a treasury

    # -- capture ----------------------------------------------------------------------
    def capture(
        self,
        t_s: np.ndarray,
        checkout_id: np.ndarray,
        channel: np.ndarray,
        buyer_market: np.ndarray,
        seller_market: np.ndarray,
        seller_id: np.ndarray,
        currency: np.ndarray,
        seller_currency: np.ndarray,
        amount_minor: np.ndarray,
        fee_minor: np.ndarray,
        campaign: np.ndarray,
        group: np.ndarray | None = None,
        forced_dispute_days: np.ndarray | None = None,
        settled_factor: np.ndarray | None = None,
        forced_after_delivery: np.ndarray | None = None,
    ) -> None:
        """Book captured payments now; their later flows are scheduled at the next ``flush``.

        Args:
            t_s: capture times.
            checkout_id: keys of the orders' luck (common random numbers across arms).
            channel: channel index that took each payment.
            buyer_market: buyer market index.
            seller_market: seller market index.
            seller_id: seller of each order.
            currency: buyer's currency index (the payment's).
            seller_currency: seller's currency index.
            amount_minor: amount paid, buyer's currency.
            fee_minor: channel fee, buyer's currency.
            campaign: campaign index (``-1`` organic), for the influencer's commission.
            group: group-buy id (``-1`` none), counted only.
            forced_dispute_days: fraud-coded chargebacks pushed by a fraud model, days after
                capture (NaN: none); see ``order_fate.decide``.
            forced_after_delivery: those days count from delivery (friendly fraud).
            settled_factor: what the channel settles per unit quoted (a crypto price move
                between quote and credit; 1 for everything else).

        """
        if self.quotes is None:
            value = self.rates.convert_minor(amount_minor, currency, seller_currency)
        else:  # FX (issue 10): at the buyer's quote, less its spread
            value = self.quotes.seller_value(amount_minor, currency, seller_currency, t_s)
        self.ledger.post(A.CHANNEL_RECEIVABLE, A.FX_POSITION, currency, amount_minor)
        self.ledger.post(A.FX_POSITION, A.ESCROW, seller_currency, value)
        self.ledger.post(A.CHANNEL_FEES, A.CHANNEL_RECEIVABLE, currency, fee_minor)
        n = len(t_s)
        self._captured.append(
            Batch(
                {
                    "t_s": t_s, "checkout_id": checkout_id, "channel": channel,
                    "corridor": self.corridor_of[buyer_market, seller_market],
                    "seller_id": seller_id, "currency": currency,
                    "seller_currency": seller_currency, "amount_minor": amount_minor,
                    "value_minor": value, "fee_minor": fee_minor, "campaign": campaign,
                    "group": np.full(n, -1, np.int64) if group is None else group,
                    "forced_dispute_days": np.full(n, np.nan)
                    if forced_dispute_days is None
                    else forced_dispute_days,
                    "settled_factor": np.ones(n) if settled_factor is None else settled_factor,
                    "forced_after_delivery": np.zeros(n, bool)
                    if forced_after_delivery is None
                    else forced_after_delivery,
                },
                n,
            )
        )  # fmt: skip

    def flush(self) -> OrderFate | None:
        """Decide the fate of the orders captured since the last flush and schedule it all.

        Deferred to the first hour slot that elapses (``book_due`` calls it), so each order's
        future is worked out in batches of an hour's orders rather than a window's.
        """
        if not self._captured:
            return None
        orders = Batch.concat(self._captured)
        self._captured = []
        if not orders.n:
            return None
        ch, rates = self.channels, self.rates
        t_s, channel, currency = orders["t_s"], orders["channel"], orders["currency"]
        seller_currency, amount = orders["seller_currency"], orders["amount_minor"]
        fate = order_fate.decide(
            self.spec, t_s, orders["value_minor"], amount,
            self.commission_percent[orders["campaign"]], self.delivery_dists, orders["corridor"],
            self.luck.uniforms(orders["checkout_id"], len(order_fate.ORDER_LUCK)),
            orders["forced_dispute_days"], orders["forced_after_delivery"],
        )  # fmt: skip
        settle_currency = ch.currency[channel]
        net = amount - orders["fee_minor"]
        # a crypto channel settles the quoted value moved by the price over the confirmation;
        # the gain or loss stays in the FX position, like any conversion's
        settle_s = t_s + ch.settlement_days[channel] * SECONDS_PER_DAY
        net_settle = np.rint(
            rates.convert_minor_at(net, currency, settle_currency, settle_s)
            * orders["settled_factor"]
        ).astype(np.int64)
        reserve = percent_of(net_settle, ch.reserve_percent[channel])
        back = rates.convert_minor_at(
            fate.reversed_amount, currency, settle_currency, fate.reversal_s
        )
        flows: list[Scheduled] = [
            (Flow.SETTLE_OUT, settle_s, currency, net),
            (Flow.SETTLE_IN, settle_s, settle_currency, net_settle - reserve),
            (Flow.RESERVE_IN, settle_s, settle_currency, reserve),
            (Flow.RESERVE_OUT, settle_s + ch.reserve_days[channel] * SECONDS_PER_DAY,
             settle_currency, reserve),
            (Flow.SHIP_RELEASE, fate.ship_s, seller_currency, fate.partial),
            (Flow.RELEASE_SELLER, fate.release_s, seller_currency, fate.final_release),
            (Flow.RELEASE_TAKE, fate.release_s, seller_currency, fate.take),
            (Flow.COMMISSION, fate.release_s, seller_currency, fate.commission),
        ]  # fmt: skip
        flows += self._reversal_flows(fate, seller_currency, settle_currency, back, channel)
        if self.quotes is not None:  # FX (issue 10): a refund gives the quote's spread back
            self.quotes.give_back(fate, currency, self.horizon_s)
        self.calendar.schedule(flows)
        self._queue_sellers(fate, orders["seller_id"])
        accrue(self, fate, orders)
        return fate

    def _reversal_flows(
        self,
        fate: OrderFate,
        seller_currency: np.ndarray,
        settle_currency: np.ndarray,
        back: np.ndarray,
        channel: np.ndarray,
    ) -> list[Scheduled]:
        rev = np.flatnonzero(fate.kind != NONE)
        if not rev.size:
            return []
        pre, post = fate.pre_release[rev], ~fate.pre_release[rev]
        side = fate.seller_side[rev]
        cb = fate.kind[rev] == CHARGEBACK
        won = fate.won[rev]
        t, dec = fate.reversal_s[rev], fate.decision_s[rev]
        ccy, ch_ccy = seller_currency[rev], settle_currency[rev]
        value, take_back = fate.reversed_value[rev], fate.take_back[rev]
        to_seller = value - take_back
        owed = np.where(pre, fate.seller_debt[rev], np.where(side, to_seller, 0))
        recover = post & side
        lost = post & ~side
        fee = self.channels.dispute_fee_minor[channel[rev]]
        parts = [
            (Flow.REVERSE_ESCROW, pre, t, ccy, fate.escrow_out[rev]),
            (Flow.REVERSE_SELLER, pre | recover, t, ccy, owed),
            (Flow.REVERSE_TAKE, recover, t, ccy, take_back),
            (Flow.REVERSE_LOSS, lost, t, ccy, value),
            (Flow.REVERSE_CASH, None, t, ch_ccy, back[rev]),
            (Flow.DISPUTE_FEE, cb, t, ch_ccy, fee),
            (Flow.WON_CASH, won, dec, ch_ccy, back[rev]),
            (Flow.WON_SELLER, won & side, dec, ccy, to_seller),
            (Flow.WON_TAKE, won & side, dec, ccy, take_back),
            (Flow.WON_LOSS, won & ~side, dec, ccy, value),
        ]
        out: list[Scheduled] = []
        for flow, mask, when, cur, amount in parts:
            keep = amount > 0 if mask is None else mask & (amount > 0)
            out.append((flow, when[keep], cur[keep], amount[keep]))
        return out

    def _queue_sellers(self, fate: OrderFate, seller_id: np.ndarray) -> None:
        """The seller's part of each flow, queued for the payout run that will see it."""
        rev = np.flatnonzero(fate.kind != NONE)
        side = fate.seller_side[rev]
        to_seller = fate.reversed_value[rev] - fate.take_back[rev]
        owed = np.where(fate.pre_release[rev], fate.seller_debt[rev], np.where(side, to_seller, 0))
        won = fate.won[rev] & side
        zeros = np.zeros(len(rev), dtype=np.int64)
        times = (fate.ship_s, fate.release_s, fate.reversal_s[rev], fate.decision_s[rev][won])
        sellers = (seller_id, seller_id, seller_id[rev], seller_id[rev][won])
        payable = (fate.partial, fate.final_release, zeros, to_seller[won])
        owes = (np.zeros_like(fate.partial), np.zeros_like(fate.partial), owed, zeros[won])
        calendar = self.calendar
        for when, seller, pay, owe in zip(times, sellers, payable, owes, strict=True):
            slot = calendar.booking_slot(when)
            inside = slot < calendar.n_slots
            if inside.any():
                self.sellers.queue(slot[inside], seller[inside], pay[inside], owe[inside])

    # -- time -------------------------------------------------------------------------
    def payout_run_index(self, t_s: np.ndarray) -> np.ndarray:
        """Index of the first payout run at or after the end of the hour slot of ``t_s``."""
        booked_s = (np.floor(t_s / SLOT_S) + 1) * SLOT_S
        return np.ceil((booked_s - self.payout_offset_s) / SECONDS_PER_DAY).astype(np.int64)

    def payout_time(self, t_s: np.ndarray) -> np.ndarray:
        """Time of that payout run."""
        return self.payout_run_index(t_s) * SECONDS_PER_DAY + self.payout_offset_s

    # -- batch jobs -------------------------------------------------------------------
    def book_double_charge(
        self, channel: np.ndarray, currency: np.ndarray, fee_minor: np.ndarray
    ) -> None:
        """A second capture of a paid order: refunded in full, the channel keeps its fee.

        The amount goes back to the buyer through the channel before settlement, so only
        the fee moves: an expense taken from the platform's settlements in the channel's
        currency.
        """
        settle_currency = self.channels.currency[channel]
        fee = self.rates.convert_minor(fee_minor, currency, settle_currency)
        self.ledger.post(A.CHANNEL_FEES, A.PLATFORM_CASH, settle_currency, fee)

    def book_due(self, t_s: float) -> None:
        """Post every calendar slot that has elapsed by ``t_s``; watch balances and peaks."""
        every = np.arange(self.n_currencies)
        calendar = self.calendar
        if min(int(t_s // SLOT_S), calendar.n_slots) > calendar.next_slot or t_s >= self.horizon_s:
            self.flush()  # before the slots are handed out, so nothing is booked late
        slots = calendar.slots_ending_by(t_s)
        if len(slots):  # between slots balances only grow with captures: peak just before
            self._watch()
        for slot in slots:
            due = calendar.due[slot]
            if not due.any():
                continue
            calendar.booked += due
            for flow in np.flatnonzero(due.any(axis=1)):
                debit, credit = self.accounts[Flow(flow)]
                # a settlement nets negative when fees exceed tiny payments: post it reversed
                self.ledger.post_signed(debit, credit, every, due[flow])
        self._watch()

    def payout_run(self, t0: float, t1: float) -> None:
        """Pay each seller what they are owed net of what they owe, and the influencers.

        A seller's amounts count once the ledger has booked them (their hour slot elapsed);
        at 02:00 that is everything released up to 02:00.
        """
        ledger = self.ledger
        every = np.arange(self.n_currencies)
        result = self.sellers.settle(self.calendar.next_slot)
        currency = self.sellers.seller_currency
        paying = result.paid > 0
        fee = np.where(
            paying,
            percent_of(result.paid, self.spec.payout.fee_percent)
            + self.payout_fee_fixed_minor[currency],
            0,
        )
        ledger.post(A.SELLER_PAYABLE, A.SELLER_RECEIVABLE, currency, result.recovered)
        ledger.post(A.SELLER_PAYABLE, A.PLATFORM_CASH, currency, result.paid)
        ledger.post(A.PAYOUT_FEES, A.PLATFORM_CASH, currency, fee)
        influencers = -ledger.balance(A.INFLUENCER_PAYABLE)
        ledger.post(A.INFLUENCER_PAYABLE, A.PLATFORM_CASH, every, influencers)
        n = self.n_currencies
        paid_out = self.paid_out
        paid_out[Payout.SELLERS] += per_currency(currency, result.paid, n)
        paid_out[Payout.RECOVERED] += per_currency(currency, result.recovered, n)
        paid_out[Payout.FEES] += per_currency(currency, fee, n)
        paid_out[Payout.INFLUENCERS] += influencers
        if ledger.balance(A.SELLER_PAYABLE).any():
            raise PaysimError("seller subledger and ledger disagree after the payout run")
        totals = self.totals
        totals.payouts += int(paying.sum())
        totals.payouts_value += self.money_reporting(currency, result.paid)
        fixed = np.where(paying, self.payout_fee_fixed_minor[currency], 0)
        totals.payout_fees_fixed += self.money_reporting(currency, fixed)

    def _watch(self) -> None:
        balances = self.ledger.balances
        np.minimum(self.low_water, balances, out=self.low_water)
        np.maximum(self.high_water, balances, out=self.high_water)
        totals = self.totals
        totals.escrow_peak = max(totals.escrow_peak, self.held_reporting(A.ESCROW))
        totals.reserve_held_peak = max(
            totals.reserve_held_peak, -self.held_reporting(A.CHANNEL_RESERVE)
        )
        totals.seller_receivable_peak = max(
            totals.seller_receivable_peak, -self.held_reporting(A.SELLER_RECEIVABLE)
        )

    def sign_violations(self) -> dict[str, int]:
        """Accounts that held the wrong sign at some window end, with their worst balance.

        Liabilities (escrow, seller and influencer payables) must never hold a debit balance,
        holdings (channel reserve, seller receivable) never a credit one.
        """
        worst = {}
        for account in LIABILITIES:
            if (high := int(self.high_water[account].max())) > 0:
                worst[account.name] = high
        for account in HOLDINGS:
            if (low := int(self.low_water[account].min())) < 0:
                worst[account.name] = low
        return worst

    # -- money in the reporting currency ----------------------------------------------
    def held_reporting(self, account: Account) -> float:
        """Credit balance of ``account`` (what it holds if a liability), reporting currency."""
        return float(np.dot(-self.ledger.balances[account], self._factor))

    def money_reporting(self, currency: np.ndarray, amount_minor: np.ndarray) -> float:
        """Total of integer amounts, each in its currency, in reporting-currency major units."""
        amount = np.asarray(amount_minor, dtype=np.int64)
        if not amount.size:
            return 0.0
        return float(np.dot(per_currency(currency, amount, self.n_currencies), self._factor))
