"""Refund and promotion abuse from linked accounts; refunds redirected to another account.

A checkout is an abuser's by uniforms keyed by its id (``fraud.refund``). Abusers' accounts
are new, and each device serves ``accounts_per_device`` of them in turn: the shared device
fingerprint is what links them (a defence can count the accounts seen on a device). What
they cost the platform is paid out of its cash: the new-account promotion at capture, the
refund claimed without returning the goods, and, for orders paid with a stolen card whose
refund went to another account, the card holder's chargeback as well.
"""

from __future__ import annotations

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import RandomStreams
from paysim.model.core.batch import Batch
from paysim.model.fraud.accounts import ABUSE_DEVICE_BASE, RING_CARD_BASE
from paysim.model.fraud.codes import KIND_CODE
from paysim.model.fraud.spec import FakeRefundSpec

REFUND_LUCK = ("hit", "claim", "when", "redirect", "dispute", "ip", "age")
_U = {name: i for i, name in enumerate(REFUND_LUCK)}
NEW_ACCOUNT_AGE_DAYS = 3.0  # assumption: abusers open accounts for each promotion
ABUSER_IP_MISMATCH = 0.3  # assumption: abusers mostly stay in the market of the promotion


class RefundAbusers:
    """Abusers' orders, and the refunds and promotions they will cost."""

    kind = KIND_CODE["fake_refund"]

    def __init__(self, spec: FakeRefundSpec, streams: RandomStreams) -> None:
        self.spec = spec
        self.luck = streams.keyed("fraud.refund")
        self.n_accounts = 0  # abusers' accounts so far: the next one's device follows from it

    def take(self, first: Batch, free: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        """Make some of the rows ``free`` abusers' orders (rows in checkout order)."""
        spec = self.spec
        hit = self.luck.uniforms(first["checkout_id"][free], 1)[:, _U["hit"]] < spec.share
        rows = free[hit]
        if not rows.size:
            return
        rows = rows[np.argsort(first["checkout_id"][rows], kind="stable")]
        u = self.luck.uniforms(first["checkout_id"][rows], len(REFUND_LUCK))
        serial = self.n_accounts + np.arange(rows.size)
        self.n_accounts += rows.size
        columns["device_id"][rows] = ABUSE_DEVICE_BASE + serial // spec.accounts_per_device
        columns["new_device"][rows] = serial % spec.accounts_per_device == 0
        columns["ip_mismatch"][rows] = u[:, _U["ip"]] < ABUSER_IP_MISMATCH
        columns["account_age_days"][rows] = NEW_ACCOUNT_AGE_DAYS * u[:, _U["age"]]
        columns["fraud_kind"][rows] = self.kind
        stolen = u[:, _U["redirect"]] < spec.redirect
        paid_by = first["checkout_id"][rows[stolen]]
        columns["card_id"][rows[stolen]] = RING_CARD_BASE + (1 << 48) + paid_by
        columns["dispute_days"][rows[stolen]] = spec.chargeback_days.ppf(u[stolen, _U["dispute"]])

    def costs(self, checkout_id: np.ndarray, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For captured abusers' orders: which claim a refund, and when it is paid."""
        spec = self.spec
        u = self.luck.uniforms(checkout_id, len(REFUND_LUCK))
        stolen = u[:, _U["redirect"]] < spec.redirect
        claims = stolen | (u[:, _U["claim"]] < spec.refund_claim)
        return claims, t_s + spec.refund_days.ppf(u[:, _U["when"]]) * SECONDS_PER_DAY
