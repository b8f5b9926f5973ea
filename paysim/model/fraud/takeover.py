"""Attackers who pay for orders: stolen cards, account takeover, friendly fraud, cash-outs.

Each checkout's fraud fate is looked up by its id in the attackers' own keyed stream
(``fraud.takeover``), so the same checkout is the same attacker's in every experiment arm.
The attacker replaces what the platform sees of the checkout (device, IP, card, amount) and
what happens after capture (a fraud chargeback). Cash-outs of a card tester take over the
first checkouts opened after each live card is ready, one per live card its probes found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.model.core.batch import Batch
from paysim.model.fraud.codes import CARD_TESTING, FRIENDLY_FRAUD, GENUINE, KIND_CODE
from paysim.model.fraud.spec import FraudSpec, TakeoverSpec

TAKEOVER_LUCK = ("kind", "amount", "device", "ip", "dispute", "collision", "age", "pool")
_U = {name: i for i, name in enumerate(TAKEOVER_LUCK)}
#: id ranges of instruments and devices no genuine buyer has (attackers' cards and devices);
#: views show them only through ``fingerprints.fingerprint``, which hides the ranges
ATTACKER_CARD_BASE = 1 << 50
ATTACKER_DEVICE_BASE = 1 << 51
POPULAR_DEVICE_BASE = 1 << 52


#: a live card is used between a quarter of an hour and two hours after its probe (assumption:
#: testers check a list of cards, then spend them); the lower bound is what keeps cash-outs
#: independent of windows up to 15 minutes
CASHOUT_DELAY_S = (900.0, 7200.0)


@dataclass
class CashOuts:
    """Live cards found by card testers, waiting to be used for a large purchase."""

    card_id: list[np.ndarray] = field(default_factory=list)
    device_id: list[np.ndarray] = field(default_factory=list)
    ready_s: list[np.ndarray] = field(default_factory=list)

    def add(self, cards: np.ndarray, devices: np.ndarray, probe_s: np.ndarray,
            u: np.ndarray) -> None:  # fmt: skip
        """Cards found live at ``probe_s``, used after a delay drawn from ``u``."""
        low, high = CASHOUT_DELAY_S
        self.card_id.append(cards)
        self.device_id.append(devices)
        self.ready_s.append(probe_s + low + u * (high - low))

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All waiting cards, their devices and when they are used, by time; empties the queue."""
        if not self.card_id:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        ready = np.concatenate(self.ready_s)
        order = np.argsort(ready, kind="stable")
        cards, devices = np.concatenate(self.card_id)[order], np.concatenate(self.device_id)[order]
        self.card_id, self.device_id, self.ready_s = [], [], []
        return cards, devices, ready[order]


class Takeovers:
    """Adds the fraud columns to new checkouts' first attempts."""

    def __init__(self, spec: FraudSpec, streams: RandomStreams, cashout_factor=None,
                 cashout_dispute_days=None) -> None:  # fmt: skip
        self.spec = spec
        self.attackers = [a for a in spec.attackers if isinstance(a, TakeoverSpec)]
        self.kinds = np.array([KIND_CODE[a.kind] for a in self.attackers], dtype=np.int8)
        self.cumulative = np.cumsum([a.share for a in self.attackers])
        self.luck = streams.keyed("fraud.takeover")
        self.cashouts = CashOuts()
        self.cashout_factor = cashout_factor
        self.cashout_dispute_days = cashout_dispute_days
        # adaptive attackers keep amounts under the lowest amount they saw blocked
        self.cap_reporting = np.full(len(self.attackers) + 1, np.inf)

    def attacker_of(self, kind: np.ndarray) -> np.ndarray:
        """Index into ``attackers`` of each fraud kind code (-1 for others)."""
        lookup = np.full(len(KIND_CODE) + 1, -1)
        lookup[self.kinds] = np.arange(len(self.kinds))
        return lookup[kind]

    def columns(self, first: Batch, amount_reporting: np.ndarray) -> Batch:
        """``first`` with the fraud columns: kind, instruments, signals, chargeback timing."""
        n = first.n
        signals = self.spec.signals
        u = self.luck.uniforms(first["checkout_id"], len(TAKEOVER_LUCK))
        buyer = first["buyer_id"]
        which = np.searchsorted(self.cumulative, u[:, _U["kind"]], side="right")
        taken = which < len(self.attackers)
        kind = np.zeros(n, np.int8)
        if len(self.kinds):
            kind[taken] = self.kinds[which[taken]]
        collide = u[:, _U["collision"]] < signals.device_collision
        popular = POPULAR_DEVICE_BASE + (u[:, _U["pool"]] * signals.popular_devices).astype(
            np.int64
        )
        device = np.where(collide, popular, buyer)
        new_device = u[:, _U["device"]] < signals.new_device
        ip = u[:, _U["ip"]] < signals.ip_mismatch
        card = buyer.copy()
        age = signals.account_age_days.ppf(u[:, _U["age"]])
        dispute = np.full(n, np.nan)
        after_delivery = np.zeros(n, dtype=bool)
        risk = first["buyer_risk"].copy()
        amount = first["amount_minor"].copy()
        for i, attacker in enumerate(self.attackers):
            rows = np.flatnonzero(which == i)
            if not rows.size:
                continue
            dispute[rows] = attacker.chargeback_days.ppf(u[rows, _U["dispute"]])
            if attacker.kind == "friendly_fraud":  # the genuine buyer, disputing later
                after_delivery[rows] = True
                continue
            factor = attacker.amount_factor.ppf(u[rows, _U["amount"]])
            cap = self.cap_reporting[i] / np.maximum(amount_reporting[rows], 1e-9)
            amount[rows] = np.maximum(np.rint(amount[rows] * np.minimum(factor, cap)), 1)
            fresh = u[rows, _U["device"]] < attacker.new_device
            new_device[rows] = fresh
            device[rows] = np.where(
                fresh, ATTACKER_DEVICE_BASE + first["checkout_id"][rows], device[rows]
            )
            ip[rows] = u[rows, _U["ip"]] < attacker.ip_mismatch
            risk[rows] = attacker.issuer_risk
            if attacker.kind == "stolen_card":  # a card the account never had, a new account
                card[rows] = ATTACKER_CARD_BASE + first["checkout_id"][rows]
                age[rows] = age[rows] * 0.01
        self._cash_out(first, kind, card, device, new_device, ip, age, dispute, amount, u)
        return first.with_columns(
            amount_minor=amount,
            buyer_risk=risk,
            fraud_kind=kind,
            card_id=card,
            device_id=device,
            new_device=new_device,
            ip_mismatch=ip,
            account_age_days=age,
            dispute_days=dispute,
            dispute_after_delivery=after_delivery,
            review_state=np.zeros(n, np.int8),
            liability_shift=np.zeros(n, bool),
            risk_score=np.zeros(n, np.float32),
            defence_action=np.zeros(n, np.int8),
        )

    def _cash_out(self, first, kind, card, device, new_device, ip, age, dispute, amount, u) -> None:
        """Live tested cards buy the first checkouts after they are ready no other attacker took."""
        cards, devices, ready = self.cashouts.take()
        if not cards.size:
            return
        genuine = np.flatnonzero(kind == GENUINE)
        genuine = genuine[np.argsort(first["t_s"][genuine], kind="stable")]
        # each card (by ready time) takes the first genuine checkout opened after it is ready
        # and not taken by an earlier card: the same checkouts whatever the window
        at = np.searchsorted(first["t_s"][genuine], ready, side="left")
        steps = np.arange(cards.size)
        at = np.maximum.accumulate(at - steps) + steps
        used = at < genuine.size
        if not used.all():  # no checkout after it in this window: it waits for the next
            self.cashouts.card_id.append(cards[~used])
            self.cashouts.device_id.append(devices[~used])
            self.cashouts.ready_s.append(ready[~used])
        free = genuine[at[used]]
        cards, devices = cards[used], devices[used]
        k = free.size
        kind[free] = CARD_TESTING
        card[free], device[free] = cards[:k], devices[:k]
        new_device[free], ip[free] = True, True
        age[free] = self.spec.signals.account_age_days.ppf(u[free, _U["age"]]) * 0.01
        dispute[free] = self.cashout_dispute_days.ppf(u[free, _U["dispute"]])
        factor = self.cashout_factor.ppf(u[free, _U["amount"]])
        amount[free] = np.maximum(np.rint(amount[free] * factor), 1)


def is_friendly(kind: np.ndarray) -> np.ndarray:
    """Fraud the platform's signals cannot tell from a genuine order."""
    return kind == FRIENDLY_FRAUD
