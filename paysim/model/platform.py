"""The marketplace's money: capture into escrow, channel settlement, release, seller payouts.

Flows that fall due later (settlement after ``settlement_days``, escrow release after
delivery) go into an hourly money calendar and are booked in one posting per hour and
currency, as a real platform's batch jobs would, instead of one process per order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.model.fx import FixedRates
from paysim.model.ledger import Account, Ledger
from paysim.model.platform_spec import PlatformSpec

SLOT_S = 3600.0


class Flow(IntEnum):
    """Scheduled money movements held in the calendar."""

    RELEASE_TO_SELLER = 0  # escrow -> seller payable (order value minus take)
    RELEASE_TAKE = 1  # escrow -> take revenue
    SETTLE_OUT = 2  # channel receivable cleared, payment currency
    SETTLE_IN = 3  # platform cash received, channel settlement currency


class MoneyCalendar:
    """Integer amounts due per hour slot, flow and currency, for the run's horizon."""

    def __init__(self, horizon_s: float, n_currencies: int) -> None:
        self.n_slots = int(np.ceil(horizon_s / SLOT_S))
        self.due = np.zeros((self.n_slots, len(Flow), n_currencies), dtype=np.int64)
        self.beyond_horizon = np.zeros((len(Flow), n_currencies), dtype=np.int64)
        self.next_slot = 0

    def schedule(self, flows: list[tuple[Flow, np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """Add amounts falling due: ``(flow, t_s, currency, amount)`` per flow, in one pass."""
        slot = np.concatenate([(t_s // SLOT_S).astype(np.intp) for _, t_s, _, _ in flows])
        flow = np.concatenate([np.full(len(t_s), f, dtype=np.intp) for f, t_s, _, _ in flows])
        currency = np.concatenate([c for _, _, c, _ in flows])
        amount = np.concatenate([a for _, _, _, a in flows])
        inside = slot < self.n_slots
        np.add.at(self.due, (slot[inside], flow[inside], currency[inside]), amount[inside])
        if not inside.all():
            np.add.at(self.beyond_horizon, (flow[~inside], currency[~inside]), amount[~inside])

    def slots_ending_by(self, t_s: float) -> range:
        """Slots that have fully elapsed at ``t_s`` and not yet been handed out."""
        last = min(int(t_s // SLOT_S), self.n_slots)
        slots = range(self.next_slot, last)
        self.next_slot = max(self.next_slot, last)
        return slots


@dataclass(frozen=True)
class Captured:
    """Per-order money of captured payments, for KPIs (reporting currency, floats)."""

    take_reporting: np.ndarray
    payout_fee_reporting: np.ndarray
    payout_delay_days: np.ndarray


class Platform:
    """Books every flow of a captured payment, now or on the calendar."""

    def __init__(
        self,
        spec: PlatformSpec,
        ledger: Ledger,
        rates: FixedRates,
        reporting: int,
        horizon_s: float,
    ) -> None:
        self.spec = spec
        self.ledger = ledger
        self.rates = rates
        self.reporting = reporting
        self.calendar = MoneyCalendar(horizon_s, len(rates.currencies))
        self.payout_offset_s = spec.payout.hour_utc * 3600.0
        self.n_currencies = len(rates.currencies)

    def capture(
        self,
        t_s: np.ndarray,
        currency: np.ndarray,
        seller_currency: np.ndarray,
        settlement_currency: np.ndarray,
        settlement_days: np.ndarray,
        amount_minor: np.ndarray,
        fee_minor: np.ndarray,
        u_delivery: np.ndarray,
        u_confirm: np.ndarray,
    ) -> Captured:
        """Book captured payments and schedule their settlement, release and payout."""
        ledger, rates = self.ledger, self.rates
        value_minor = rates.convert_minor(amount_minor, currency, seller_currency)
        ledger.post(Account.CHANNEL_RECEIVABLE, Account.FX_POSITION, currency, amount_minor)
        ledger.post(Account.FX_POSITION, Account.ESCROW, seller_currency, value_minor)
        ledger.post(Account.CHANNEL_FEES, Account.CHANNEL_RECEIVABLE, currency, fee_minor)

        net_minor = amount_minor - fee_minor
        settle_s = t_s + settlement_days * SECONDS_PER_DAY
        take_minor = np.rint(value_minor * self.spec.take_rate_percent / 100.0).astype(np.int64)
        release_s = self.release_time(t_s, u_delivery, u_confirm)
        self.calendar.schedule(
            [
                (Flow.SETTLE_OUT, settle_s, currency, net_minor),
                (Flow.SETTLE_IN, settle_s, settlement_currency,
                 rates.convert_minor(net_minor, currency, settlement_currency)),
                (Flow.RELEASE_TO_SELLER, release_s, seller_currency, value_minor - take_minor),
                (Flow.RELEASE_TAKE, release_s, seller_currency, take_minor),
            ]
        )  # fmt: skip

        seller_net = rates.to_major(value_minor - take_minor, seller_currency, self.reporting)
        return Captured(
            take_reporting=rates.to_major(take_minor, seller_currency, self.reporting),
            payout_fee_reporting=seller_net * self.spec.payout.fee_percent / 100.0,
            payout_delay_days=(self.payout_time(release_s) - t_s) / SECONDS_PER_DAY,
        )

    def release_time(
        self, t_s: np.ndarray, u_delivery: np.ndarray, u_confirm: np.ndarray
    ) -> np.ndarray:
        """Escrow release: delivery, then buyer confirmation or auto-release, whichever first."""
        delivery_days = self.spec.delivery_days.ppf(u_delivery)
        confirm_days = np.minimum(
            self.spec.confirm_after_delivery_days.ppf(u_confirm), self.spec.auto_release_days
        )
        return t_s + (delivery_days + confirm_days) * SECONDS_PER_DAY

    def payout_time(self, release_s: np.ndarray) -> np.ndarray:
        """The first payout run at or after the end of the hour slot the release falls in."""
        booked_s = (np.floor(release_s / SLOT_S) + 1) * SLOT_S
        runs = np.ceil((booked_s - self.payout_offset_s) / SECONDS_PER_DAY)
        return runs * SECONDS_PER_DAY + self.payout_offset_s

    def book_due(self, t_s: float) -> None:
        """Post every calendar slot that has elapsed by ``t_s``."""
        every = np.arange(self.n_currencies)
        for slot in self.calendar.slots_ending_by(t_s):
            due = self.calendar.due[slot]
            if not due.any():
                continue
            self.ledger.post(
                Account.ESCROW, Account.SELLER_PAYABLE, every, due[Flow.RELEASE_TO_SELLER]
            )
            self.ledger.post(Account.ESCROW, Account.TAKE_REVENUE, every, due[Flow.RELEASE_TAKE])
            self.ledger.post(
                Account.FX_POSITION, Account.CHANNEL_RECEIVABLE, every, due[Flow.SETTLE_OUT]
            )
            self.ledger.post(Account.PLATFORM_CASH, Account.FX_POSITION, every, due[Flow.SETTLE_IN])

    def payout_run(self, t0: float, t1: float) -> None:
        """Pay every seller's released balance, in each currency, and the payout fees."""
        every = np.arange(self.n_currencies)
        owed = -self.ledger.balance(Account.SELLER_PAYABLE)
        fee = np.rint(owed * self.spec.payout.fee_percent / 100.0).astype(np.int64)
        self.ledger.post(Account.SELLER_PAYABLE, Account.PLATFORM_CASH, every, owed)
        self.ledger.post(Account.PAYOUT_FEES, Account.PLATFORM_CASH, every, fee)

    def escrow_reporting(self) -> float:
        """Escrow held now, in the reporting currency."""
        held = -self.ledger.balance(Account.ESCROW)
        return (
            float(np.dot(held, self.rates.minor_factor[:, self.reporting]))
            / 10.0 ** self.rates.exponent[self.reporting]
        )
