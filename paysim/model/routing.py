"""What a routing strategy may see: the platform's view, never the simulator's truth.

Every view is a frozen dataclass whose arrays are read-only (a strategy cannot change what
the world will use). The routing family's interface is ``paysim.strategies.routing.BaseRouter``;
the model only calls it (``bind``, ``choose``, ``observe``) and never imports it at run time.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from paysim.strategies.routing.base import BaseRouter


def _read_only(record: object) -> None:
    """Replace each array field of a frozen dataclass with a read-only view of it."""
    values = record.__dict__  # views are built per routing chunk: no per-field lookups
    for name, value in values.items():
        if isinstance(value, np.ndarray) and value.flags.writeable:
            view = value.view()
            view.flags.writeable = False
            values[name] = view


@dataclass(frozen=True)
class RoutingContext:
    """Static facts a platform knows about its channels, handed to ``bind``."""

    channel_ids: tuple[str, ...]
    channel_kinds: tuple[str, ...]
    markets: tuple[str, ...]
    methods: tuple[str, ...]
    currencies: tuple[str, ...]  # what ``AttemptView.currency`` indexes
    eligible: np.ndarray  # bool [buyer market, method, channel]
    fee_percent: np.ndarray  # per channel, percent of amount (domestic)
    fee_cross_border_percent: np.ndarray  # per channel, added for cross-border payments
    fee_fx_markup_percent: np.ndarray  # per channel, added when the currencies differ
    fee_fixed_reporting: np.ndarray  # per channel, fixed fee in the reporting currency
    channel_country: tuple[str | None, ...]  # acquiring country, None when not stated
    channel_currency: np.ndarray  # per channel, settlement currency (index into currencies)
    reporting_currency: str
    rng: np.random.Generator  # the strategy's own stream, for exploration
    network_ids: tuple[str, ...] = ()  # card networks (Visa, Mastercard...)
    accepts: np.ndarray | None = None  # bool [network, channel]; last row: payments without one

    def __post_init__(self) -> None:
        _read_only(self)


@dataclass(frozen=True)
class RoutingTruth:
    """The simulator's truth about the payments being routed: only for ``reads_truth`` routers.

    A bound such as ``oracle`` gets it in ``AttemptView.truth``; a deployable strategy never
    does (its views carry ``truth=None``).
    """

    p_success: np.ndarray  # [payment, channel]: true approval probability if sent there now
    fee_reporting: np.ndarray | None = None  # [payment, channel] true fee; None: not given

    def __post_init__(self) -> None:
        _read_only(self)


@dataclass(frozen=True)
class AttemptView:
    """The payments to route now (one row each), as the platform sees them."""

    t_s: np.ndarray
    buyer_market: np.ndarray  # index into RoutingContext.markets
    method: np.ndarray  # index into RoutingContext.methods
    currency: np.ndarray  # the buyer's currency: index into RoutingContext.currencies
    network: np.ndarray  # card network (index into RoutingContext.network_ids), -1 if not a card
    amount_reporting: np.ndarray
    attempt: np.ndarray  # 1 for a first try
    previous_channel: np.ndarray  # channel of the previous attempt, -1 for a first try
    candidates: np.ndarray  # bool [payment, channel]: channels able to take it (card network too)
    truth: RoutingTruth | None = None  # only for routers with ``reads_truth``

    def __post_init__(self) -> None:
        _read_only(self)

    def __len__(self) -> int:
        return len(self.t_s)

    def rows(self, start: int, stop: int) -> AttemptView:
        """The rows ``start:stop``, truth included: read-only views, nothing copied."""
        truth = self.truth
        if truth is not None:
            fee = None if truth.fee_reporting is None else truth.fee_reporting[start:stop]
            truth = RoutingTruth(truth.p_success[start:stop], fee)
        columns = {
            name: value[start:stop] for name, value in self.__dict__.items() if name != "truth"
        }
        return AttemptView(**columns, truth=truth)

    def take(self, index: np.ndarray) -> AttemptView:
        """The rows ``index`` (an index array or a boolean mask), truth included."""
        truth = self.truth
        if truth is not None:
            fee = None if truth.fee_reporting is None else truth.fee_reporting[index]
            truth = RoutingTruth(truth.p_success[index], fee)
        columns = {
            f.name: getattr(self, f.name)[index]
            for f in dataclasses.fields(self)
            if f.name != "truth"
        }
        return AttemptView(**columns, truth=truth)


@dataclass(frozen=True)
class RoutingFeedback:
    """Results that reached the platform, in the order they arrived.

    ``buyer_market``, ``method``, ``currency``, ``network`` and ``amount_reporting`` repeat
    what the payment's ``AttemptView`` said, so a router keys results exactly as it keyed its
    choices.
    """

    t_s: np.ndarray  # when the result became known
    channel: np.ndarray
    buyer_market: np.ndarray
    method: np.ndarray
    currency: np.ndarray
    network: np.ndarray
    amount_reporting: np.ndarray
    succeeded: np.ndarray  # bool
    outcome: np.ndarray  # index into OUTCOMES
    latency_ms: np.ndarray  # NaN when the channel was not reached
    decline_code: np.ndarray  # index into DECLINE_CODES (``channel_unavailable``, ...)

    def __post_init__(self) -> None:
        _read_only(self)

    def __len__(self) -> int:
        return len(self.t_s)


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
    """Results on their way back to the router: handed over once they have happened.

    Waiting results are kept as one float64 matrix (a row per ``RoutingFeedback`` field, a
    column per result: small integers, flags and NaN are exact in it) sorted by when
    they come back, so merging, sorting and handing over the ones back before a time are one
    array operation each, whatever the number of fields; results of newly sent payments are
    merged in only when a delivery needs them.
    """

    def __init__(self) -> None:
        self.rows: np.ndarray | None = None  # [field, result], sorted by t_s
        self.added: list[np.ndarray] = []  # not merged into ``rows`` yet
        self.dtypes: tuple[np.dtype, ...] = ()  # each field's dtype, as first added
        self.earliest_s = math.inf  # when the first waiting result comes back
        self.delivered_before_s = -math.inf  # the router has every result back before this

    def add(self, feedback: RoutingFeedback) -> None:
        """Results of payments just sent (``t_s``: when each result comes back)."""
        self.add_columns(**{name: getattr(feedback, name) for name in _FEEDBACK_FIELDS})

    def add_columns(self, **columns: np.ndarray) -> None:
        """``add`` from the ``RoutingFeedback`` fields as arrays (no view built)."""
        t_s = columns["t_s"]
        if not len(t_s):
            return
        if not self.dtypes:
            self.dtypes = tuple(np.asarray(columns[name]).dtype for name in _FEEDBACK_FIELDS)
        self.added.append(np.array([columns[name] for name in _FEEDBACK_FIELDS], dtype=float))
        self.earliest_s = min(self.earliest_s, float(t_s.min()))

    @property
    def waiting(self) -> list[RoutingFeedback]:
        """The results not handed over yet, sorted by when they come back."""
        if self.added:
            self.rows = self._merge()
        return [] if self.rows is None else [self._feedback(self.rows)]

    def _merge(self) -> np.ndarray:
        parts = [] if self.rows is None else [self.rows]
        parts += self.added
        self.added = []
        rows = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        t_s = rows[0]
        if t_s.size > 1 and (t_s[1:] < t_s[:-1]).any():
            rows = rows[:, np.argsort(t_s, kind="stable")]  # ties keep the order they were sent in
        return rows

    def deliver(self, router: BaseRouter, before_s: float) -> None:
        """Hand ``router`` every result back before ``before_s``, in the order they came back."""
        self.delivered_before_s = max(self.delivered_before_s, before_s)
        if before_s <= self.earliest_s:
            return
        rows = self._merge()
        t_s = rows[0]
        n_ready = int(np.searchsorted(t_s, before_s, side="left"))
        if n_ready == t_s.size:
            self.rows, self.earliest_s = None, math.inf
        else:
            self.rows = rows[:, n_ready:]
            self.earliest_s = float(t_s[n_ready])
        router.observe(self._feedback(rows[:, :n_ready]))

    def _feedback(self, rows: np.ndarray) -> RoutingFeedback:
        """``rows`` as a ``RoutingFeedback``, each field in its own dtype."""
        rows = rows.view()
        rows.flags.writeable = False  # float fields are views of it: nothing to copy
        columns = {
            name: rows[j] if dtype == _FLOAT else rows[j].astype(dtype)
            for j, (name, dtype) in enumerate(zip(_FEEDBACK_FIELDS, self.dtypes, strict=True))
        }
        return RoutingFeedback(**columns)


_FEEDBACK_FIELDS = tuple(f.name for f in fields(RoutingFeedback))
_FLOAT = np.dtype(np.float64)
