"""The checkout funnel: who the buyer is, what they buy, how they pay, when they give up.

Every decision a checkout faces draws its uniform from counter-based streams keyed by the
checkout id (and the attempt number), so two experiment arms that route the same checkout
differently still give it the same buyer, amount, patience and channel luck: common random
numbers hold even when the arms' retries diverge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.model.channels.declines import NO_CODE
from paysim.model.channels.networks import mix_table
from paysim.model.checkout.buyers import BuyerModel
from paysim.model.checkout.method_choice import MethodChoice
from paysim.model.core.batch import ATTEMPTS_PER_KEY, Batch
from paysim.model.core.distributions import GroupedDistribution
from paysim.model.core.spec_types import FUNNEL_STEPS, METHODS
from paysim.model.demand.arrivals import GROUP_LUCK, GROUP_LUCK_STREAM, Arrivals
from paysim.model.money.currency import minor_exponent

CHECKOUT_LUCK = (
    "buyer", "seller", "amount", "method", "confirm_time", "default_pick", "patience", *FUNNEL_STEPS
)  # fmt: skip

if TYPE_CHECKING:
    from paysim.model.spec import Scenario
STEP_LUCK = len(CHECKOUT_LUCK) - len(FUNNEL_STEPS)
ATTEMPT_LUCK = ("success", "latency", "retry", "retry_delay", "switch", "new_method", "switch_card")
# what a buyer may do after a failed attempt
MAY_RETRY, MUST_SWITCH, CANNOT_RETRY = 0, 1, 2
# what a retry changed (``paysim.model.checkout.retry_recovery.CHANGES``); the same instrument
# splits into same and other channel once routed
SAME_INSTRUMENT, OTHER_CARD, OTHER_METHOD = 0, 2, 3
CARD = METHODS.index("card")

ToReporting = Callable[[np.ndarray, np.ndarray], np.ndarray]


class CheckoutModel:
    """Turns arrivals into payment attempts and failed attempts into retries."""

    def __init__(
        self,
        scenario: Scenario,
        markets: tuple[str, ...],
        currencies: tuple[str, ...],
        streams: RandomStreams,
        to_reporting: ToReporting,
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
        self.baskets = GroupedDistribution(
            [m.basket_amount for m in specs if m.basket_amount] or []
        )
        self.basket_index = np.cumsum([m.basket_amount is not None for m in specs]) - 1
        self.minor_per_major = np.array([10.0 ** minor_exponent(m.currency) for m in specs])
        self.spec = scenario.checkout
        self.step_abandon = np.array([self.spec.abandonment.get(s, 0.0) for s in FUNNEL_STEPS])  # type: ignore[call-overload]
        self.retry = self.spec.retry
        self.buyers = BuyerModel(
            specs,
            self.spec,
            scenario.risk,
            streams,
            int(buyers.sum()),
            mix_table(scenario, markets),
        )
        self.methods = MethodChoice(scenario, markets, currencies, to_reporting)
        self.to_reporting = to_reporting
        self.checkout_luck = streams.keyed("checkout")
        self.attempt_luck_stream = streams.keyed("attempt")
        self.group_luck = streams.keyed(GROUP_LUCK_STREAM)
        self.next_checkout_id = 0

    def open(self, arrivals: Arrivals) -> tuple[Batch, np.ndarray]:
        """New checkouts: first attempts of buyers who reach the payment, drop-outs per step."""
        n = len(arrivals.t_s)
        ids = np.arange(self.next_checkout_id, self.next_checkout_id + n, dtype=np.int64)
        self.next_checkout_id += n
        u = self.checkout_luck.uniforms(ids, len(CHECKOUT_LUCK))
        grouped = np.flatnonzero(arrivals.group >= 0)
        if grouped.size:  # a group buy's orders share one seller and one item
            shared = self.group_luck.uniforms(arrivals.group[grouped], len(GROUP_LUCK))
            u[grouped, 1] = shared[:, GROUP_LUCK.index("seller")]
            u[grouped, 2] = shared[:, GROUP_LUCK.index("amount")]
        buyer_market = self.corridor_buyer[arrivals.corridor]
        seller_market = self.corridor_seller[arrivals.corridor]
        buyer_id = self.buyer_offset[buyer_market] + (
            u[:, 0] * self.buyer_count[buyer_market]
        ).astype(np.int64)
        traits = self.buyers.traits(buyer_id, buyer_market)
        amount = self.baskets.ppf(self.basket_index[buyer_market], u[:, 2])
        amount_minor = np.maximum(np.rint(amount * self.minor_per_major[buyer_market]), 1).astype(
            np.int64
        )
        currency = self.market_currency[buyer_market]
        amount_reporting = self.to_reporting(amount_minor, currency)

        shortcut = np.stack(
            [
                traits.one_click,
                traits.one_click,
                traits.password_free & (amount_reporting <= self.spec.password_free_max),
            ],
            axis=1,
        )
        steps = (u[:, STEP_LUCK:] < self.step_abandon[None, :]) & ~shortcut
        left = steps.any(axis=1)
        dropped = np.bincount(steps.argmax(axis=1)[left], minlength=len(FUNNEL_STEPS))

        keep = np.flatnonzero(~left)
        u, buyer_market, seller_market = u[keep], buyer_market[keep], seller_market[keep]
        drawn, weights = self.methods.choose(buyer_market, amount_reporting[keep], u[:, 3])
        default = traits.default_method[keep]
        # a saved method that cannot take the amount is not used for it
        loyal = (u[:, 5] < self.spec.default_method_share) & (
            weights[np.arange(len(keep)), default] > 0
        )
        method = np.where(loyal, default, drawn)
        confirm_s = self.spec.time_to_confirm_s.ppf(u[:, 4])
        confirm_s = np.where(
            traits.one_click[keep], confirm_s * self.spec.shortcut_time_factor, confirm_s
        )
        attempts = Batch(
            {
                "t_s": arrivals.t_s[keep] + confirm_s,
                "checkout_id": ids[keep],
                "attempt": np.ones(len(keep), dtype=np.int16),
                "buyer_market": buyer_market,
                "seller_market": seller_market,
                "buyer_id": buyer_id[keep],
                "seller_id": self.seller_offset[seller_market]
                + (u[:, 1] * self.seller_count[seller_market]).astype(np.int64),
                "method": method,
                "amount_minor": amount_minor[keep],
                "currency": currency[keep],
                "seller_currency": self.market_currency[seller_market],
                "previous_channel": np.full(len(keep), -1, dtype=np.intp),
                "patience_s": self.spec.patience_s.ppf(u[:, 6]),
                "kyc_tier": traits.kyc_tier[keep],
                "buyer_risk": traits.risk[keep],
                "default_method": traits.default_method[keep],
                "personal_limit": traits.personal_limit[keep],
                "campaign": arrivals.campaign[keep],
                "group": arrivals.group[keep],
                "card_network": traits.card_network[keep],
                "spare_network": traits.spare_network[keep],
                "previous_code": np.full(len(keep), NO_CODE, dtype=np.int8),
                "change": np.full(len(keep), SAME_INSTRUMENT, dtype=np.int8),
            },
            len(keep),
        )
        return attempts, dropped

    def attempt_luck(self, attempts: Batch) -> np.ndarray:
        """Uniforms ``[attempt, ATTEMPT_LUCK field]`` for these attempts."""
        keys = attempts["checkout_id"] * ATTEMPTS_PER_KEY + attempts["attempt"]
        return self.attempt_luck_stream.uniforms(keys, len(ATTEMPT_LUCK))

    def retries(
        self,
        failed: Batch,
        luck: np.ndarray,
        mode: np.ndarray,
        channel: np.ndarray,
        code: np.ndarray,
        t_retry_from_s: np.ndarray,
    ) -> tuple[Batch, np.ndarray]:
        """The next attempts of buyers who try again after a failure, and who gives up.

        ``mode`` says what each buyer may do (``MAY_RETRY``, ``MUST_SWITCH`` to another
        instrument, or ``CANNOT_RETRY``); ``code`` is each failure's decline code and
        ``t_retry_from_s`` when the buyer learns the result. A card payer retrying uses their
        other card with ``retry.switch_card``; otherwise a buyer switches method with
        ``retry.switch_method`` (always when they must and kept the card). Returns the
        retries and a mask over ``failed`` of the buyers who give up.
        """
        again = (
            (mode != CANNOT_RETRY)
            & (failed["attempt"] < self.retry.max_attempts)
            & (luck[:, 2] < self.retry.probability)
        )
        method = failed["method"]
        other_card = again & (method == CARD) & (luck[:, 6] < self.retry.switch_card)
        switch = (
            again & ~other_card & ((mode == MUST_SWITCH) | (luck[:, 4] < self.retry.switch_method))
        )
        new_method = method.copy()
        moving = np.flatnonzero(switch)
        if moving.size:
            amount = self.to_reporting(failed["amount_minor"][moving], failed["currency"][moving])
            new_method[moving] = self.methods.other(
                failed["buyer_market"][moving], amount, method[moving], luck[moving, 5]
            )
        again &= ~((mode == MUST_SWITCH) & (new_method == method) & ~other_card)
        keep = np.flatnonzero(again)
        nxt = failed.take(keep)
        columns = {}
        if other_card.any():  # the spare card becomes the one in use, and back
            swap = other_card[keep]
            card, spare = nxt["card_network"], nxt["spare_network"]
            columns = {
                "card_network": np.where(swap, spare, card),
                "spare_network": np.where(swap, card, spare),
            }
        change = np.where(
            new_method[keep] != method[keep],
            OTHER_METHOD,
            np.where(other_card[keep], OTHER_CARD, SAME_INSTRUMENT),
        ).astype(np.int8)
        retries = nxt.with_columns(
            t_s=t_retry_from_s[keep] + self.retry.delay_s.ppf(luck[keep, 3]),
            attempt=(nxt["attempt"] + 1).astype(np.int16),
            method=new_method[keep],
            previous_channel=channel[keep],
            previous_code=code[keep].astype(np.int8),
            change=change,
            **columns,
        )
        return retries, ~again


def attempt_network(attempts: Batch) -> np.ndarray:
    """The card network of each attempt (-1 unless it pays by card)."""
    return np.where(attempts["method"] == CARD, attempts["card_network"], -1).astype(np.int16)
