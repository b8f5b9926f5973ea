"""Keeping a window's rounds in time order: when retries may come, where a round must end.

The world handles a window's due attempts in vectorised rounds (``World.step``). What a round
decides must be what an event-by-event simulation decides, so a round ends before any of its
own consequences could change what a later attempt of the round met. Two things can:

- a rate-limited channel's queue: a retry landing before payments the queue has already
  admitted changes their waits, unless it finds the server idle and is served before the
  next admitted arrival (``RateLimiter.disturbed_by``). A retry that changes nothing is
  slotted in next round; its own retry may come as soon as its retry delay after it, so the
  round ends there. A retry that would change a wait ends the round at it.
- a routing strategy that learns: it must route each payment knowing the results back before
  it (``known_before_s``), so its payments are routed in chunks that know the same results,
  and a round ends where a retry may land.

When a retry may land is known before the result: the buyer's retry draw and delay are keyed
luck (``CheckoutModel.retries`` uses the same fields), so the retry comes exactly that delay
after the result (or after the status check of a timeout when the buyer waits for it). The
world counts any retry that comes sooner than this says (``retries_out_of_order``).
"""

from __future__ import annotations

import math

import numpy as np

from paysim.model.channels.capacity import RateLimiter
from paysim.model.channels.table import SUCCEEDED, TIMEOUT, ChannelResult
from paysim.model.checkout.funnel import ATTEMPT_LUCK, ATTEMPTS_PER_KEY, CheckoutModel
from paysim.model.core.batch import Batch

RETRY_DRAW, RETRY_DELAY = ATTEMPT_LUCK.index("retry"), ATTEMPT_LUCK.index("retry_delay")
QueueStates = list[tuple[float, float, np.ndarray, np.ndarray]]


class TimeOrder:
    """When retries may land, and until when a round's results stand."""

    def __init__(
        self,
        checkout: CheckoutModel,
        limiters: list[RateLimiter],
        refresh_s: float,
        status_wait_s: float | None,
    ) -> None:
        """``status_wait_s``: the status-check delay a buyer waits after a timeout, if any."""
        self.checkout = checkout
        self.limiters = limiters
        self.refresh_s = refresh_s
        self.status_wait_s = status_wait_s

    # -- when retries come --------------------------------------------------------------
    def retry_gap_s(self, attempt: np.ndarray, luck: np.ndarray) -> np.ndarray:
        """Time from a failed attempt's result to its retry (``inf``: no retry comes).

        ``attempt``: attempt numbers; ``luck``: their ``attempt_luck``. A lower bound: the
        buyer may still not retry (a hard decline, a buyer who left).
        """
        retry = self.checkout.retry
        may = (attempt < retry.max_attempts) & (luck[:, RETRY_DRAW] < retry.probability)
        gap_s = np.full(len(attempt), np.inf)
        if may.any():
            gap_s[may] = retry.delay_s.ppf(luck[may, RETRY_DELAY])
        return gap_s

    def retry_times_s(self, attempts: Batch, result: ChannelResult, luck: np.ndarray) -> np.ndarray:
        """When a retry of each sent attempt may come (``inf`` for a success or no retry)."""
        retry_s = np.full(attempts.n, np.inf)
        failed = np.flatnonzero(result.outcome != SUCCEEDED)
        if not failed.size:
            return retry_s
        latency_ms = result.latency_ms[failed]
        t_from = attempts["t_s"][failed] + np.where(np.isnan(latency_ms), 0.0, latency_ms) / 1000.0
        if self.status_wait_s is not None:
            timed_out = result.outcome[failed] == TIMEOUT
            t_from = np.where(timed_out, t_from + self.status_wait_s, t_from)
        retry_s[failed] = t_from + self.retry_gap_s(attempts["attempt"][failed], luck[failed])
        return retry_s

    @staticmethod
    def next_attempts(
        attempts: Batch, retry_s: np.ndarray, rows: np.ndarray | None = None
    ) -> Batch:
        """The retries the ``rows`` of ``attempts`` may cause, at ``retry_s`` (one per row).

        Only what places a retry in time: its time, checkout and attempt number.
        """
        keep = np.flatnonzero(np.isfinite(retry_s))
        at = keep if rows is None else rows[keep]
        return Batch(
            {
                "t_s": retry_s[keep],
                "checkout_id": attempts["checkout_id"][at],
                "attempt": (attempts["attempt"][at] + 1).astype(np.int16),
            },
            keep.size,
        )

    # -- queues -------------------------------------------------------------------------
    def save(self) -> QueueStates:
        """Every queue as it is now."""
        return [limiter.state() for limiter in self.limiters]

    def restore(self, saved: QueueStates) -> None:
        """Put the queues back as ``save`` found them."""
        for limiter, state in zip(self.limiters, saved, strict=True):
            limiter.restore(state)

    def last_admitted_s(self) -> float:
        """The latest arrival any queue has admitted: only retries before it come late."""
        return max(limiter.last_arrival_s for limiter in self.limiters)

    def early_retries(
        self, attempts: Batch, result: ChannelResult, luck: np.ndarray, blocked: Batch
    ) -> Batch:
        """The retries of sent attempts (and of ``blocked`` ones) that may come late."""
        late_s = self.last_admitted_s()
        retry_s = self.retry_times_s(attempts, result, luck)
        early = np.flatnonzero(retry_s < late_s)
        parts = [self.next_attempts(attempts, retry_s[early], early)] if early.size else []
        if blocked.n:
            parts.append(blocked.take(np.flatnonzero(blocked["t_s"] < late_s)))
        return Batch.concat(parts) if parts else Batch({})

    def queues_stand_until(self, retries: Batch) -> float:
        """Until when the waits just given stand, whatever ``retries`` (``early_retries``) do."""
        if not retries.n:
            return math.inf
        order = np.argsort(retries["t_s"], kind="stable")
        t_s = retries["t_s"][order]
        disturbed = self._disturbed(t_s)
        stand_s = float(t_s[disturbed].min()) if disturbed.any() else math.inf
        slotted = np.flatnonzero(~disturbed & (t_s < stand_s))
        if slotted.size:  # slotted in next round; their own retries may land from here on
            rows = order[slotted]
            attempt = retries["attempt"][rows]
            keys = retries["checkout_id"][rows] * ATTEMPTS_PER_KEY + attempt
            luck = self.checkout.attempt_luck_stream.uniforms(keys, RETRY_DELAY + 1)
            after_s = retries["t_s"][rows] + self.retry_gap_s(attempt, luck)
            stand_s = min(stand_s, float(after_s.min()))
        return stand_s

    def _disturbed(self, t_s: np.ndarray) -> np.ndarray:
        disturbed = np.zeros(t_s.size, dtype=bool)
        for limiter in self.limiters:
            disturbed |= limiter.disturbed_by(t_s)
        return disturbed

    # -- learning routers ---------------------------------------------------------------
    def chunk_end(
        self, t_s: np.ndarray, pos: int, until_s: float, retry_from_s: np.ndarray | None
    ) -> int:
        """End of the chunk of attempts (sorted ``t_s``) from ``pos`` that know the same.

        One refresh period (or with ``refresh_s`` 0 one instant), up to ``until_s``; with
        queues (``retry_from_s``: the earliest each attempt's retry may come), it also ends
        before the first attempt a retry of an earlier one of the chunk may precede.
        """
        if self.refresh_s > 0:
            next_refresh_s = (math.floor(t_s[pos] / self.refresh_s) + 1) * self.refresh_s
            end = int(np.searchsorted(t_s, next_refresh_s, side="left"))
        else:
            end = int(np.searchsorted(t_s, t_s[pos], side="right"))
        end = max(pos + 1, min(end, int(np.searchsorted(t_s, until_s, side="right"))))
        if retry_from_s is not None and end > pos + 1:
            earliest_s = np.minimum.accumulate(retry_from_s[pos : end - 1])
            after = np.flatnonzero(t_s[pos + 1 : end] > earliest_s)
            end = pos + 1 + int(after[0]) if after.size else end
        return end

    # -- the check ----------------------------------------------------------------------
    def out_of_order(self, retry_s: np.ndarray, known_before_s: float | None) -> int:
        """How many retries land where they could change a result already decided.

        ``known_before_s``: for a learning router, the time before which it has been handed
        every result (a retry routed earlier than that would know too much).
        """
        count = 0
        if known_before_s is not None:
            refresh_s = self.refresh_s
            known_s = np.floor(retry_s / refresh_s) * refresh_s if refresh_s > 0 else retry_s
            count += int(np.count_nonzero(known_s < known_before_s))
        if self.limiters and retry_s.min() < self.last_admitted_s():
            early = np.sort(retry_s[retry_s < self.last_admitted_s()])
            if early.size:
                count += int(self._disturbed(early).sum())
        return count
