"""The checkout funnel: who the buyer is, what they buy, how they pay, when they give up.

Every decision a checkout faces draws its uniform from counter-based streams keyed by the
checkout id (and the attempt number), so two experiment arms that route the same checkout
differently still give it the same buyer, amount, patience and channel luck: common random
numbers hold even when the arms' retries diverge.
"""

from __future__ import annotations

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.model.batch import Batch
from paysim.model.currency import minor_exponent
from paysim.model.demand import Arrivals
from paysim.model.distributions import ppf_grouped
from paysim.model.spec import Scenario
from paysim.model.spec_types import FUNNEL_STEPS, METHODS

CHECKOUT_LUCK = ("buyer", "seller", "amount", "method", "confirm_time", *FUNNEL_STEPS)
ORDER_LUCK = ("delivery", "confirm_receipt")
ATTEMPT_LUCK = ("success", "latency", "retry", "retry_delay", "switch", "new_method")
ATTEMPTS_PER_KEY = 16  # attempt numbers are < 16 (max_attempts <= 10)


class CheckoutModel:
    """Turns arrivals into payment attempts and failed attempts into retries."""

    def __init__(
        self,
        scenario: Scenario,
        markets: tuple[str, ...],
        currencies: tuple[str, ...],
        streams: RandomStreams,
    ) -> None:
        specs = [scenario.market(code) for code in markets]
        corridors = scenario.demand.corridors
        self.corridor_buyer = np.array([markets.index(c.buyer) for c in corridors])
        self.corridor_seller = np.array([markets.index(c.seller) for c in corridors])
        buyers = np.array([m.buyers for m in specs])
        sellers = np.array([m.sellers for m in specs])
        self.buyer_count, self.buyer_offset = buyers, np.cumsum(buyers) - buyers
        self.seller_count, self.seller_offset = sellers, np.cumsum(sellers) - sellers
        self.market_currency = np.array([currencies.index(m.currency) for m in specs])
        self.baskets = [m.basket_amount for m in specs]
        self.minor_per_major = np.array([10.0 ** minor_exponent(m.currency) for m in specs])
        self.method_mix = np.array([[m.method_mix.get(k, 0.0) for k in METHODS] for m in specs])  # type: ignore[call-overload]
        self.method_cdf = np.cumsum(self.method_mix, axis=1)
        checkout = scenario.checkout
        self.step_abandon = np.array([checkout.abandonment.get(s, 0.0) for s in FUNNEL_STEPS])  # type: ignore[call-overload]
        self.time_to_confirm = checkout.time_to_confirm_s
        self.retry = checkout.retry
        self.checkout_luck = streams.keyed("checkout")
        self.order_luck_stream = streams.keyed("order")
        self.attempt_luck_stream = streams.keyed("attempt")
        self.next_checkout_id = 0

    def open(self, arrivals: Arrivals) -> tuple[Batch, np.ndarray]:
        """New checkouts: first attempts of buyers who reach the payment, drop-outs per step."""
        n = len(arrivals.t_s)
        ids = np.arange(self.next_checkout_id, self.next_checkout_id + n, dtype=np.int64)
        self.next_checkout_id += n
        u = self.checkout_luck.uniforms(ids, len(CHECKOUT_LUCK))
        buyer_market = self.corridor_buyer[arrivals.corridor]
        seller_market = self.corridor_seller[arrivals.corridor]
        steps = u[:, 5:] < self.step_abandon[None, :]
        left = steps.any(axis=1)
        dropped = np.bincount(steps.argmax(axis=1)[left], minlength=len(FUNNEL_STEPS))
        keep = np.flatnonzero(~left)
        u, buyer_market, seller_market = u[keep], buyer_market[keep], seller_market[keep]
        amount = ppf_grouped(self.baskets, buyer_market, u[:, 2])  # type: ignore[arg-type]
        amount_minor = np.maximum(np.rint(amount * self.minor_per_major[buyer_market]), 1).astype(
            np.int64
        )
        method = np.minimum(
            (u[:, 3, None] >= self.method_cdf[buyer_market]).sum(axis=1), len(METHODS) - 1
        )
        attempts = Batch(
            {
                "t_s": arrivals.t_s[keep] + self.time_to_confirm.ppf(u[:, 4]),
                "checkout_id": ids[keep],
                "attempt": np.ones(len(keep), dtype=np.int16),
                "buyer_market": buyer_market,
                "seller_market": seller_market,
                "buyer_id": self.buyer_offset[buyer_market]
                + (u[:, 0] * self.buyer_count[buyer_market]).astype(np.int64),
                "seller_id": self.seller_offset[seller_market]
                + (u[:, 1] * self.seller_count[seller_market]).astype(np.int64),
                "method": method,
                "amount_minor": amount_minor,
                "currency": self.market_currency[buyer_market],
                "seller_currency": self.market_currency[seller_market],
                "previous_channel": np.full(len(keep), -1, dtype=np.intp),
            },
            len(keep),
        )
        return attempts, dropped

    def attempt_luck(self, attempts: Batch) -> np.ndarray:
        """Uniforms ``[attempt, ATTEMPT_LUCK field]`` for these attempts."""
        keys = attempts["checkout_id"] * ATTEMPTS_PER_KEY + attempts["attempt"]
        return self.attempt_luck_stream.uniforms(keys, len(ATTEMPT_LUCK))

    def order_luck(self, checkout_id: np.ndarray) -> np.ndarray:
        """Uniforms ``[order, ORDER_LUCK field]`` for paid orders."""
        return self.order_luck_stream.uniforms(checkout_id, len(ORDER_LUCK))

    def retries(
        self, failed: Batch, luck: np.ndarray, channel: np.ndarray, t_result_s: np.ndarray
    ) -> Batch:
        """The next attempts of buyers who try again after a failure; the rest give up."""
        again = np.flatnonzero(
            (failed["attempt"] < self.retry.max_attempts) & (luck[:, 2] < self.retry.probability)
        )
        nxt, luck = failed.take(again), luck[again]
        method = nxt["method"].copy()
        switch = np.flatnonzero(luck[:, 4] < self.retry.switch_method)
        if switch.size:
            method[switch] = self._other_method(
                nxt["buyer_market"][switch], method[switch], luck[switch, 5]
            )
        return nxt.with_columns(
            t_s=t_result_s[again] + self.retry.delay_s.ppf(luck[:, 3]),
            attempt=(nxt["attempt"] + 1).astype(np.int16),
            method=method,
            previous_channel=channel[again],
        )

    def _other_method(self, market: np.ndarray, current: np.ndarray, u: np.ndarray) -> np.ndarray:
        weights = self.method_mix[market].copy()
        weights[np.arange(len(current)), current] = 0.0
        total = weights.sum(axis=1)
        cdf = np.cumsum(weights, axis=1) / np.where(total > 0, total, 1.0)[:, None]
        chosen = np.minimum((u[:, None] >= cdf).sum(axis=1), len(METHODS) - 1)
        return np.where(total > 0, chosen, current)
