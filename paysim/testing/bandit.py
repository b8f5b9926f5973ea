"""A synthetic bandit: channels with known success probabilities, no world, fast.

Payments come in batches of ``batch_size`` spread over ``batch_s`` seconds, all of one segment
(one market, one method, one currency) and able to use every channel. The strategy routes a
batch, each payment succeeds with its channel's probability at that time, and its result
comes back ``latency_ms`` later; results are delivered, in the order they came back, before
the first batch that starts after them (as the world delivers them at window ends). Regret is
the world's: the best channel's probability minus the chosen one's, summed over payments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from paysim.model.core.batch import concat_records, take_records
from paysim.model.routing import RoutingFeedback, RoutingTruth
from paysim.strategies.routing.base import BaseRouter
from paysim.testing.fakes import WALLET, fake_context, fake_view, feedback_for

SuccessCurve = Callable[[np.ndarray], np.ndarray]  # times [n] -> probabilities [n, channel]


@dataclass(frozen=True)
class BanditRun:
    """What happened to every payment of a run, in order."""

    t_s: np.ndarray
    chosen: np.ndarray
    p_chosen: np.ndarray
    p_best: np.ndarray
    best: np.ndarray  # the channel with the highest probability at the time

    def regret(self, n: int | None = None) -> float:
        """Expected successes lost against the best channel over the first ``n`` payments."""
        return float(np.sum((self.p_best - self.p_chosen)[:n]))

    def share_to_best(self, start: int = 0, stop: int | None = None) -> float:
        """Share of payments ``start:stop`` routed to the channel best at their time."""
        return float(np.mean(self.chosen[start:stop] == self.best[start:stop]))

    def detection(self, at_s: float, batch_size: int, hold: int = 3) -> tuple[int, float]:
        """How long after ``at_s`` (a change) most traffic goes to the best channel for good.

        Returns:
            ``(payments, seconds)`` from the change to the start of the first whole batch
            after it such that it and the next ``hold - 1`` batches each sent more than half
            their payments to the channel best at their time (a lone exploring batch does
            not count); ``(-1, inf)`` if that never happens.

        """
        first = -(-int(np.searchsorted(self.t_s, at_s)) // batch_size) * batch_size
        whole = (self.chosen.size - first) // batch_size * batch_size
        hits = self.chosen[first : first + whole] == self.best[first : first + whole]
        share = hits.reshape(-1, batch_size).mean(axis=1)
        windows = np.lib.stride_tricks.sliding_window_view(share > 0.5, min(hold, share.size))
        majority = windows.all(axis=1)
        if not majority.any():
            return -1, float("inf")
        start = first + int(np.argmax(majority)) * batch_size
        return start - int(np.searchsorted(self.t_s, at_s)), float(self.t_s[start] - at_s)


def constant(p: Sequence[float]) -> SuccessCurve:
    """Fixed success probabilities per channel."""
    row = np.asarray(p, dtype=float)
    return lambda t: np.broadcast_to(row, (len(t), row.size))


def switch(before: Sequence[float], after: Sequence[float], at_s: float) -> SuccessCurve:
    """Probabilities ``before`` until ``at_s``, ``after`` from then (an outage or drift)."""
    p0, p1 = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    return lambda t: np.where((t >= at_s)[:, None], p1[None, :], p0[None, :])


class BanditHarness:
    """Run a routing strategy against success curves.

    Args:
        curve: success probability of each channel at given times.
        n_channels: number of channels.
        batch_size: payments per batch.
        batch_s: seconds a batch spans.
        latency_ms: time until a result comes back.
        method: the payments' method index (``wallet`` by default).
        seed: seeds the payments, the outcomes and the strategy's generator.

    """

    def __init__(
        self,
        curve: SuccessCurve,
        n_channels: int,
        batch_size: int = 50,
        batch_s: float = 60.0,
        latency_ms: float = 500.0,
        method: int = WALLET,
        seed: int = 0,
    ) -> None:
        self.curve = curve
        self.n_channels = n_channels
        self.batch_size = batch_size
        self.batch_s = batch_s
        self.latency_ms = latency_ms
        self.method = method
        self.seed = seed

    def run(self, strategy: BaseRouter, n_payments: int) -> BanditRun:
        """Bind ``strategy`` to a fresh context and route ``n_payments`` payments."""
        seeds = np.random.SeedSequence(self.seed).spawn(3)
        context = fake_context(self.n_channels, seed=int(seeds[0].generate_state(1)[0]))
        payments, luck = np.random.default_rng(seeds[1]), np.random.default_rng(seeds[2])
        strategy.bind(context)
        candidates = np.ones((self.batch_size, self.n_channels), dtype=bool)
        waiting: list[RoutingFeedback] = []
        parts: list[tuple[np.ndarray, ...]] = []
        for b in range(-(-n_payments // self.batch_size)):
            t0 = b * self.batch_s
            if strategy.learns_from_feedback and waiting:
                waiting = _deliver(strategy, waiting, t0)
            view = fake_view(
                context, self.batch_size, payments, t0, self.batch_s, candidates, self.method
            )
            n = len(view)
            view = replace(
                view,
                buyer_market=np.zeros(n, dtype=np.int64),
                currency=np.zeros(n, dtype=np.int64),
                network=np.full(n, -1, dtype=np.int16),
                amount_reporting=np.full(n, 100.0),
            )
            p = np.asarray(self.curve(view.t_s), dtype=float)
            if strategy.reads_truth:
                view = replace(view, truth=RoutingTruth(p_success=p))
            chosen = np.asarray(strategy.choose(view), dtype=np.intp)
            p_chosen = p[np.arange(n), chosen]
            succeeded = luck.random(n) < p_chosen
            if strategy.learns_from_feedback:
                waiting.append(feedback_for(view, chosen, succeeded, self.latency_ms))
            parts.append((view.t_s, chosen, p_chosen, p.max(axis=1), p.argmax(axis=1)))
        t, chosen, p_chosen, p_best, best = (
            np.concatenate(c)[:n_payments] for c in zip(*parts, strict=True)
        )
        return BanditRun(t, chosen, p_chosen, p_best, best)


def _deliver(
    strategy: BaseRouter, waiting: list[RoutingFeedback], t0: float
) -> list[RoutingFeedback]:
    """Hand over the results back before ``t0`` in return order; keep the others."""
    merged = concat_records(waiting)
    ready = merged.t_s < t0
    if ready.any():
        arrived = take_records(merged, ready)
        strategy.observe(take_records(arrived, np.argsort(arrived.t_s, kind="stable")))
    return [take_records(merged, ~ready)] if not ready.all() else []
