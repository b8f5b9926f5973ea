"""Small routing worlds without a simulation: contexts, views and results to test strategies on.

Everything a strategy can be handed is built here from plain numbers, so a strategy's own
tests (and the contract tests) need no scenario file and run in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.channels.declines import DO_NOT_HONOUR, NO_CODE
from paysim.model.core.spec_types import METHODS
from paysim.model.routing import AttemptView, RoutingContext, RoutingFeedback, RoutingTruth

MARKETS = ("SG", "ID")
CURRENCIES = ("IDR", "SGD", "USD")
CARD = METHODS.index("card")
WALLET = METHODS.index("wallet")


def fake_context(
    n_channels: int = 3,
    seed: int = 0,
    fee_percent: Sequence[float] | None = None,
    markets: Sequence[str] = MARKETS,
) -> RoutingContext:
    """A context of ``n_channels`` channels, each taking every method in every market.

    Channels are ``ch0, ch1, ...``; ``ch0`` and ``ch1`` have the same price list (2% plus
    0.30 USD) unless ``fee_percent`` says otherwise; the others cost a point more each. The
    strategy's generator is ``default_rng(seed)``.
    """
    ids = tuple(f"ch{c}" for c in range(n_channels))
    percent = (
        np.asarray(fee_percent, dtype=float)
        if fee_percent is not None
        else np.array([2.0 + max(c - 1, 0) for c in range(n_channels)])
    )
    return RoutingContext(
        channel_ids=ids,
        channel_kinds=("card_acquirer",) * n_channels,
        markets=tuple(markets),
        methods=METHODS,
        currencies=CURRENCIES,
        eligible=np.ones((len(markets), len(METHODS), n_channels), dtype=bool),
        fee_percent=percent,
        fee_cross_border_percent=np.full(n_channels, 1.0),
        fee_fx_markup_percent=np.full(n_channels, 0.5),
        fee_fixed_reporting=np.full(n_channels, 0.3),
        channel_country=tuple(markets[0] for _ in ids),
        channel_currency=np.full(n_channels, CURRENCIES.index("USD")),
        reporting_currency="USD",
        rng=np.random.default_rng(seed),
    )


def fake_view(
    context: RoutingContext,
    n: int,
    rng: np.random.Generator,
    t0_s: float = 0.0,
    duration_s: float = 60.0,
    candidates: np.ndarray | None = None,
    method: int | None = None,
    truth: RoutingTruth | None = None,
) -> AttemptView:
    """``n`` payments over ``[t0_s, t0_s + duration_s)``, in time order.

    Fields are drawn with ``rng`` (not the strategy's generator): markets, card or wallet
    (or ``method``), currencies, amounts from 5 to 2,000 in the reporting currency, and
    random candidate sets with at least one channel each unless ``candidates`` is given.
    """
    n_channels = len(context.channel_ids)
    if candidates is None:
        candidates = rng.random((n, n_channels)) < 0.6
        empty = ~candidates.any(axis=1)
        candidates[empty, rng.integers(0, n_channels, int(empty.sum()))] = True
    methods = np.full(n, method) if method is not None else rng.choice([CARD, WALLET], n)
    return AttemptView(
        t_s=np.sort(t0_s + rng.random(n) * duration_s),
        buyer_market=rng.integers(0, len(context.markets), n),
        method=methods.astype(np.int8),
        currency=rng.integers(0, len(context.currencies), n),
        network=np.where(methods == CARD, rng.integers(0, 2, n), -1).astype(np.int16),
        amount_reporting=np.exp(rng.uniform(np.log(5.0), np.log(2000.0), n)),
        attempt=np.ones(n, dtype=np.int64),
        previous_channel=np.full(n, -1, dtype=np.int64),
        candidates=np.asarray(candidates, dtype=bool),
        truth=truth,
    )


def feedback_for(
    view: AttemptView,
    channel: np.ndarray,
    succeeded: np.ndarray,
    latency_ms: np.ndarray | float = 400.0,
) -> RoutingFeedback:
    """The results of routing ``view``'s payments to ``channel``, sorted by return time."""
    latency = np.broadcast_to(np.asarray(latency_ms, dtype=float), (len(view),)).copy()
    t_back = view.t_s + np.nan_to_num(latency) / 1000.0
    order = np.argsort(t_back, kind="stable")
    succeeded = np.asarray(succeeded, dtype=bool)
    return RoutingFeedback(
        t_s=t_back[order],
        channel=np.asarray(channel, dtype=np.intp)[order],
        buyer_market=view.buyer_market[order],
        method=view.method[order],
        currency=view.currency[order],
        network=view.network[order],
        amount_reporting=view.amount_reporting[order],
        succeeded=succeeded[order],
        outcome=np.where(succeeded, 0, 1).astype(np.int8)[order],
        latency_ms=latency[order],
        decline_code=np.where(succeeded, NO_CODE, DO_NOT_HONOUR).astype(np.int8)[order],
    )


def empty_view(context: RoutingContext) -> AttemptView:
    """A batch of no payments."""
    return fake_view(context, 0, np.random.default_rng(0))


def empty_feedback() -> RoutingFeedback:
    """No results."""
    none = np.zeros(0)
    return RoutingFeedback(
        t_s=none,
        channel=none.astype(np.intp),
        buyer_market=none.astype(np.int64),
        method=none.astype(np.int8),
        currency=none.astype(np.int64),
        network=none.astype(np.int16),
        amount_reporting=none,
        succeeded=none.astype(bool),
        outcome=none.astype(np.int8),
        latency_ms=none,
        decline_code=none.astype(np.int8),
    )
