"""What a routing strategy may see: the platform's view, never the simulator's truth."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class RoutingContext:
    """Static facts a platform knows about its channels, handed to ``bind``."""

    channel_ids: tuple[str, ...]
    channel_kinds: tuple[str, ...]
    markets: tuple[str, ...]
    methods: tuple[str, ...]
    eligible: np.ndarray  # bool [buyer market, method, channel]
    fee_percent: np.ndarray  # per channel, percent of amount (domestic)
    fee_cross_border_percent: np.ndarray  # per channel, added for cross-border payments
    fee_fixed_reporting: np.ndarray  # per channel, fixed fee in the reporting currency
    channel_country: tuple[str | None, ...]  # acquiring country, None when not stated
    reporting_currency: str
    rng: np.random.Generator  # the strategy's own stream, for exploration


@dataclass(frozen=True)
class AttemptView:
    """The payments to route now (one row each), as the platform sees them."""

    t_s: np.ndarray
    buyer_market: np.ndarray  # index into RoutingContext.markets
    method: np.ndarray  # index into RoutingContext.methods
    amount_reporting: np.ndarray
    attempt: np.ndarray  # 1 for a first try
    previous_channel: np.ndarray  # channel of the previous attempt, -1 for a first try
    candidates: np.ndarray  # bool [payment, channel]: channels able to take it

    def __len__(self) -> int:
        return len(self.t_s)


@dataclass(frozen=True)
class RoutingFeedback:
    """Results that reached the platform, in the order they arrived."""

    t_s: np.ndarray  # when the result became known
    channel: np.ndarray
    buyer_market: np.ndarray
    method: np.ndarray
    succeeded: np.ndarray  # bool
    outcome: np.ndarray  # index into OUTCOMES
    latency_ms: np.ndarray
    decline_code: np.ndarray  # index into DECLINE_CODES (``channel_unavailable``, ...)

    def __len__(self) -> int:
        return len(self.t_s)


class Router(Protocol):
    """A routing strategy: picks one channel per payment."""

    def bind(self, context: RoutingContext) -> None:
        """Receive the static channel facts before the first payment."""

    def choose(self, attempts: AttemptView) -> np.ndarray:
        """The channel index for each payment, among its candidates."""

    def observe(self, feedback: RoutingFeedback) -> None:
        """Learn from results as they arrive.

        The world calls it before routing payments at time t with the results that came
        back before t (``platform.routing_refresh_s`` 0) or before the last refresh
        (``known_before_s``), whatever ``engine.batch_s`` is.
        """


def known_before_s(t_s: float, refresh_s: float) -> float:
    """A router deciding at ``t_s`` knows the results that came back before this time.

    ``refresh_s`` is the platform's ``routing_refresh_s``: 0 means every result counts from
    the moment it comes back; otherwise the router's view is refreshed every ``refresh_s``
    seconds of the run (at 0, ``refresh_s``, ``2 refresh_s`` ...), with what came back before.
    """
    if refresh_s <= 0:
        return t_s
    return math.floor(t_s / refresh_s) * refresh_s


class FeedbackQueue:
    """Results on their way back to the router: handed over once they have happened."""

    def __init__(self) -> None:
        self.waiting: list[RoutingFeedback] = []
        self.earliest_s = math.inf  # when the first waiting result comes back
        self.delivered_before_s = -math.inf  # the router has every result back before this

    def add(self, feedback: RoutingFeedback) -> None:
        """Results of payments just sent (``t_s``: when each result comes back)."""
        if len(feedback):
            self.waiting.append(feedback)
            self.earliest_s = min(self.earliest_s, float(feedback.t_s.min()))

    def deliver(self, router: Router, before_s: float) -> None:
        """Hand ``router`` every result back before ``before_s``, in the order they came back."""
        self.delivered_before_s = max(self.delivered_before_s, before_s)
        if before_s <= self.earliest_s:
            return
        columns = {
            name: np.concatenate([getattr(part, name) for part in self.waiting])
            for name in _FEEDBACK_FIELDS
        }
        t_s = columns["t_s"]
        arrived = t_s < before_s
        ready = np.flatnonzero(arrived)
        ready = ready[np.argsort(t_s[ready], kind="stable")]
        later = np.flatnonzero(~arrived)
        self.waiting = [RoutingFeedback(**{k: v[later] for k, v in columns.items()})]
        self.earliest_s = float(t_s[later].min()) if later.size else math.inf
        if not later.size:
            self.waiting = []
        router.observe(RoutingFeedback(**{k: v[ready] for k, v in columns.items()}))


_FEEDBACK_FIELDS = tuple(f.name for f in fields(RoutingFeedback))
