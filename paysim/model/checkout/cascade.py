"""Cascading retries: the platform retries a soft decline at once on the next best channel.

``strategies.routing.cascade: {depth: N, on: [codes]}`` wraps any routing strategy: when an
attempt fails with one of the ``on`` codes (soft declines only), the platform sends the same
payment again, the moment the decline comes back, to the strategy's choice among the
candidates not yet tried in this cascade, up to ``depth`` extra tries, before the buyer sees a
failure. Each try is its own attempt (its own row in the payments log, attempt number + 1, the
previous channel and decline remembered, so an issuer's decline persists on another acquirer
as ``checkout.retry.recovery`` says). The buyer's own retries after a failed cascade start a
new cascade and count only the buyer's tries against ``checkout.retry.max_attempts``.

Tries are held to the buyer's patience one by one, as any attempt is; a timeout, a hard
decline or a buyer who left is never cascaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import AfterValidator, Field

from paysim.errors import field_problem
from paysim.model.channels.declines import SOFT_CODES
from paysim.model.checkout.funnel import SAME_INSTRUMENT
from paysim.model.checkout.platform_declines import ALL_DECLINE_CODES
from paysim.model.core.batch import ATTEMPTS_PER_KEY, Batch
from paysim.model.core.spec_types import Spec

if TYPE_CHECKING:
    from paysim.model.spec import Scenario

# an empty account is empty at every acquirer: not cascaded by default (assumption)
DEFAULT_CASCADE_CODES = tuple(code for code in SOFT_CODES if code != "insufficient_funds")


def _soft_codes(codes: list[str]) -> list[str]:
    hard = [code for code in codes if code not in SOFT_CODES]
    if hard:
        raise ValueError(f"only soft declines cascade ({', '.join(SOFT_CODES)}), got {hard}")
    return codes


class CascadeSpec(Spec):
    """``strategies.routing.cascade``: extra tries on other channels after a soft decline."""

    depth: int = Field(default=1, ge=1, le=5)
    on: Annotated[list[str], AfterValidator(_soft_codes)] = Field(
        default_factory=lambda: list(DEFAULT_CASCADE_CODES), min_length=1
    )


def cascade_problems(scenario: Scenario) -> list[str]:
    """A cascade too deep for the attempt numbers a checkout can hold."""
    spec = scenario.strategies.routing.cascade
    if spec is None:
        return []
    attempts = scenario.checkout.retry.max_attempts * (spec.depth + 1)
    if attempts < ATTEMPTS_PER_KEY:
        return []
    return [
        field_problem(
            "strategies.routing.cascade.depth",
            f"with checkout.retry.max_attempts {scenario.checkout.retry.max_attempts} a "
            f"checkout could make {attempts} attempts, at most {ATTEMPTS_PER_KEY - 1} fit",
            spec.depth,
        )
    ]


class Cascade:
    """Per checkout: the channels tried in its current cascade and its tries so far."""

    def __init__(self, spec: CascadeSpec) -> None:
        self.depth = spec.depth
        # per code of the log (the platform's own declines included): cascaded or not; codes
        # numbered after these (the defence's, when fraud is on) never cascade. Codes are int8.
        self.on = np.zeros(128, dtype=bool)
        self.on[: len(ALL_DECLINE_CODES)] = [code in spec.on for code in ALL_DECLINE_CODES]
        self.tried = np.zeros(0, dtype=np.int64)  # bit c: channel c tried in this cascade
        self.level = np.zeros(0, dtype=np.int8)  # tries of the current cascade
        self.extra = np.zeros(0, dtype=np.int16)  # every cascade try of the checkout

    def grow(self, n: int) -> None:
        """Room for checkouts up to id ``n - 1``."""
        if self.tried.size < n:
            more = max(n - self.tried.size, self.tried.size)
            self.tried = np.concatenate([self.tried, np.zeros(more, dtype=np.int64)])
            self.level = np.concatenate([self.level, np.zeros(more, dtype=np.int8)])
            self.extra = np.concatenate([self.extra, np.zeros(more, dtype=np.int16)])

    def untried(self, candidates: np.ndarray, checkout_id: np.ndarray) -> np.ndarray:
        """``candidates`` (``[attempt, channel]``) without the channels tried in the cascade."""
        tried = self.tried[checkout_id]
        if not tried.any():
            return candidates
        bits = (tried[:, None] >> np.arange(candidates.shape[1])) & 1
        return candidates & (bits == 0)

    def tries(
        self,
        failed: Batch,
        code: np.ndarray,
        channel: np.ndarray,
        t_result_s: np.ndarray,
        may: np.ndarray,
        candidates: np.ndarray,
    ) -> tuple[Batch, np.ndarray]:
        """The cascade tries of failed attempts, and a mask of the failures they take over.

        ``may``: the failures a cascade may follow (the buyer is still there, no timeout);
        ``candidates``: each failure's candidate channels.
        """
        ids = failed["checkout_id"]
        sent = channel >= 0  # the platform's own blocks never reached a channel
        channel = np.maximum(channel, 0)
        bit = np.left_shift(np.int64(1), channel.astype(np.int64))
        left = self.untried(candidates, ids).copy()
        left[np.arange(len(ids)), channel] = False
        go = sent & may & self.on[code] & (self.level[ids] < self.depth) & left.any(axis=1)
        rows = np.flatnonzero(go)
        if not rows.size:
            return Batch({}), go
        ids = ids[rows]
        self.tried[ids] |= bit[rows]
        self.level[ids] += 1
        self.extra[ids] += 1
        nxt = failed.take(rows).with_columns(
            t_s=t_result_s[rows],
            attempt=(failed["attempt"][rows] + 1).astype(np.int16),
            previous_channel=channel[rows],
            previous_code=code[rows].astype(np.int8),
            change=np.full(rows.size, SAME_INSTRUMENT, dtype=np.int8),
        )
        return nxt, go

    def buyer_attempts(self, failed: Batch) -> Batch:
        """``failed`` with attempt numbers counting the buyer's own tries only."""
        extra = self.extra[failed["checkout_id"]]
        if not extra.any():
            return failed
        return failed.with_columns(attempt=(failed["attempt"] - extra).astype(np.int16))

    def buyer_retries(self, retries: Batch) -> Batch:
        """The buyer's retries (from ``buyer_attempts``) numbered again, each a new cascade."""
        if not retries.n:
            return retries
        ids = retries["checkout_id"]
        self.tried[ids] = 0
        self.level[ids] = 0
        extra = self.extra[ids]
        return retries.with_columns(attempt=(retries["attempt"] + extra).astype(np.int16))
