"""The hourly money calendar: amounts falling due per hour slot, flow and currency.

Flows that fall due later (settlement, reserve release, escrow release, refunds, disputes) are
added to the slot of their due time when the payment is captured, and booked one posting per
slot, flow and currency when the slot has elapsed: the batch jobs of a real platform, at the
cost of a few array additions per window whatever the number of orders.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from paysim.model.money.ledger import Account

SLOT_S = 3600.0
A = Account


class Flow(IntEnum):
    """Scheduled money movements held in the calendar."""

    SETTLE_OUT = 0
    SETTLE_IN = 1
    RESERVE_IN = 2
    RESERVE_OUT = 3
    SHIP_RELEASE = 4
    RELEASE_SELLER = 5
    RELEASE_TAKE = 6
    COMMISSION = 7
    REVERSE_ESCROW = 8
    REVERSE_SELLER = 9
    REVERSE_TAKE = 10
    REVERSE_LOSS = 11
    REVERSE_CASH = 12
    DISPUTE_FEE = 13
    WON_CASH = 14
    WON_SELLER = 15
    WON_TAKE = 16
    WON_LOSS = 17


# (debit, credit) of each flow; COMMISSION's debit depends on who pays the commission.
FLOW_ACCOUNTS: dict[Flow, tuple[Account, Account]] = {
    Flow.SETTLE_OUT: (A.FX_POSITION, A.CHANNEL_RECEIVABLE),
    Flow.SETTLE_IN: (A.PLATFORM_CASH, A.FX_POSITION),
    Flow.RESERVE_IN: (A.CHANNEL_RESERVE, A.FX_POSITION),
    Flow.RESERVE_OUT: (A.PLATFORM_CASH, A.CHANNEL_RESERVE),
    Flow.SHIP_RELEASE: (A.ESCROW, A.SELLER_PAYABLE),
    Flow.RELEASE_SELLER: (A.ESCROW, A.SELLER_PAYABLE),
    Flow.RELEASE_TAKE: (A.ESCROW, A.TAKE_REVENUE),
    Flow.COMMISSION: (A.ESCROW, A.INFLUENCER_PAYABLE),
    Flow.REVERSE_ESCROW: (A.ESCROW, A.FX_POSITION),
    Flow.REVERSE_SELLER: (A.SELLER_RECEIVABLE, A.FX_POSITION),
    Flow.REVERSE_TAKE: (A.TAKE_REVENUE, A.FX_POSITION),
    Flow.REVERSE_LOSS: (A.CHARGEBACK_LOSSES, A.FX_POSITION),
    Flow.REVERSE_CASH: (A.FX_POSITION, A.PLATFORM_CASH),
    Flow.DISPUTE_FEE: (A.DISPUTE_FEES, A.PLATFORM_CASH),
    Flow.WON_CASH: (A.PLATFORM_CASH, A.FX_POSITION),
    Flow.WON_SELLER: (A.FX_POSITION, A.SELLER_PAYABLE),
    Flow.WON_TAKE: (A.FX_POSITION, A.TAKE_REVENUE),
    Flow.WON_LOSS: (A.FX_POSITION, A.CHARGEBACK_LOSSES),
}

Scheduled = tuple[Flow, np.ndarray, np.ndarray, np.ndarray]  # flow, t_s, currency, amount


class MoneyCalendar:
    """Integer amounts due per hour slot, flow and currency, for the run's horizon."""

    def __init__(self, horizon_s: float, n_currencies: int) -> None:
        self.horizon_s = horizon_s
        self.n_slots = int(np.ceil(horizon_s / SLOT_S))
        self.due = np.zeros((self.n_slots, len(Flow), n_currencies), dtype=np.int64)
        self.beyond_horizon = np.zeros((len(Flow), n_currencies), dtype=np.int64)
        self.booked = np.zeros((len(Flow), n_currencies), dtype=np.int64)
        self.next_slot = 0

    def schedule(self, flows: list[Scheduled]) -> None:
        """Add amounts falling due: ``(flow, t_s, currency, amount)`` per flow, in one pass."""
        flows = [f for f in flows if len(f[1])]
        if not flows:
            return
        slot = np.concatenate([self.booking_slot(t_s) for _, t_s, _, _ in flows])
        flow = np.concatenate([np.full(len(t_s), f, dtype=np.intp) for f, t_s, _, _ in flows])
        currency = np.concatenate([c for _, _, c, _ in flows])
        amount = np.concatenate([a for _, _, _, a in flows])
        inside = slot < self.n_slots
        np.add.at(self.due, (slot[inside], flow[inside], currency[inside]), amount[inside])
        if not inside.all():
            np.add.at(self.beyond_horizon, (flow[~inside], currency[~inside]), amount[~inside])

    def booking_slot(self, t_s: np.ndarray) -> np.ndarray:
        """The slot in which amounts due at ``t_s`` are booked: theirs, or the first still open.

        An amount due in a slot already booked (a window longer than the slot's remainder) is
        booked late rather than lost.
        """
        slot = np.where(t_s < self.horizon_s, np.floor_divide(t_s, SLOT_S), self.n_slots)
        return np.maximum(slot, self.next_slot).astype(np.int64)

    def slots_ending_by(self, t_s: float) -> range:
        """Slots that have fully elapsed at ``t_s`` and not yet been handed out.

        At the horizon the last, partial slot counts as elapsed: it only holds amounts due
        before the horizon.
        """
        last = self.n_slots if t_s >= self.horizon_s else min(int(t_s // SLOT_S), self.n_slots)
        slots = range(self.next_slot, last)
        self.next_slot = max(self.next_slot, last)
        return slots
