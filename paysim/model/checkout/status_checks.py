"""Payments whose answer never came: status checks, late successes and double charges.

A channel that times out may still have captured the money. The platform learns the truth
by a status check ``checkout.timeouts.status_check_s`` after the timeout. Under the
``wait_for_status`` policy the buyer waits for it: a captured payment completes the order,
a failed one lets the buyer retry. Under ``blind_retry`` the buyer may pay again at once; if
both payments go through, the second capture is a double charge that the platform refunds
(the channel keeps its fee).

Checkout states live in one byte per checkout, so whatever order events come in, each
checkout ends exactly once as paid or abandoned (or is still open at the horizon).
"""

from __future__ import annotations

import numpy as np

from paysim.model.core.batch import Batch

OPEN, PAID, ABANDONED = 0, 1, 2


class CheckoutStates:
    """Open, paid or abandoned, per checkout id (ids are dense and start at 0)."""

    def __init__(self) -> None:
        self.state = np.zeros(4096, dtype=np.uint8)
        self.n = 0

    def open(self, n_checkouts: int) -> None:
        """Make room for checkouts ``[n, n + n_checkouts)``, all open."""
        needed = self.n + n_checkouts
        if needed > self.state.size:
            grown = np.zeros(max(needed, 2 * self.state.size), dtype=np.uint8)
            grown[: self.n] = self.state[: self.n]
            self.state = grown
        self.n = needed

    def of(self, checkout_id: np.ndarray) -> np.ndarray:
        """The state of each checkout."""
        return self.state[checkout_id]

    def set(self, checkout_id: np.ndarray, state: int) -> None:
        """Move checkouts to ``state``."""
        self.state[checkout_id] = state

    def count(self, state: int) -> int:
        """How many checkouts are in ``state``."""
        return int(np.count_nonzero(self.state[: self.n] == state))


class StatusChecks:
    """Timed-out payments the channel did capture, waiting for the platform's status check."""

    def __init__(self, status_check_s: float) -> None:
        self.status_check_s = status_check_s
        self.pending = Batch({})

    def schedule(
        self, timed_out: Batch, t_timeout_s: np.ndarray, channel: np.ndarray, fee_minor: np.ndarray
    ) -> None:
        """Queue status checks of captured, timed-out payments (one row each)."""
        checks = timed_out.with_columns(
            t_check_s=t_timeout_s + self.status_check_s,
            channel=channel,
            capture_fee_minor=fee_minor,
        )
        self.pending = Batch.concat([self.pending, checks])

    def due(self, t1: float) -> Batch:
        """Checks falling before ``t1``, in time order; they leave the queue."""
        if not self.pending.n:
            return self.pending
        t_check = self.pending["t_check_s"]
        now = np.flatnonzero(t_check < t1)
        due = self.pending.take(now[np.argsort(t_check[now], kind="stable")])
        self.pending = self.pending.take(np.flatnonzero(t_check >= t1))
        return due
