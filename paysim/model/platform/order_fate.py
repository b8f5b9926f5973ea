"""What happens to each paid order after capture: delivery, release, refund or chargeback.

Everything an order will go through is decided at capture, from uniforms keyed by its
checkout id (so two experiment arms that capture the same order give it the same fate), and
turned into integer amounts whose flows the platform books on its money calendar. The
amounts are built so that no per-order balance can go negative:

- escrow receives the order's value ``V`` (seller's currency) and pays out, in this order of
  time, the partial release at shipment ``P``, a reversal before release (``escrow_out``), and
  at release the take ``T``, the commission when the seller pays it, and the rest of the
  seller's share ``S - P``. When a refund after shipment leaves the seller's share below what
  was released at shipment, the difference ``seller_debt`` is owed by the seller.
- a reversal after release (a return, or a chargeback) is recovered from the seller
  (``reversed - take_back``) and from the platform's take (``take_back``), or is the
  platform's loss; a won chargeback gives both back.

Reversal kinds: 0 none, 1 refund, 2 chargeback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.model.core.distributions import ppf_grouped
from paysim.model.platform.spec import PlatformSpec

NONE, REFUND, CHARGEBACK = 0, 1, 2
ORDER_LUCK = (
    "shipment", "delivery", "confirm", "fate", "partial", "partial_share", "reversal_time",
    "represent", "win", "decision",
)  # fmt: skip
_U = {name: i for i, name in enumerate(ORDER_LUCK)}


@dataclass(frozen=True)
class OrderFate:
    """Per-order timeline (s) and amounts (integer minor units) of captured payments."""

    ship_s: np.ndarray
    delivery_s: np.ndarray
    release_s: np.ndarray
    kind: np.ndarray  # NONE, REFUND or CHARGEBACK
    reversal_s: np.ndarray  # inf without a reversal
    pre_release: np.ndarray  # reversal before release: taken out of escrow
    seller_side: np.ndarray  # a reversal after release is recovered from the seller
    won: np.ndarray  # chargeback represented and won
    decision_s: np.ndarray  # inf unless won
    reversed_value: np.ndarray  # R, seller's currency
    reversed_amount: np.ndarray  # what the buyer gets back, buyer's currency
    take: np.ndarray  # T on the value kept at release
    commission: np.ndarray  # influencer's commission at release
    seller_share: np.ndarray  # S: what the seller is owed at release, all told
    partial: np.ndarray  # P: released at shipment
    seller_debt: np.ndarray  # owed by the seller when a refund follows the partial release
    escrow_out: np.ndarray  # reversal paid out of escrow
    take_back: np.ndarray  # platform's take on the reversed value

    @property
    def final_release(self) -> np.ndarray:
        """Escrow to seller payable at release."""
        return np.maximum(self.seller_share - self.partial, 0)

    @property
    def post(self) -> np.ndarray:
        """Reversals after release."""
        return (self.kind != NONE) & ~self.pre_release


def percent_of(amount_minor: np.ndarray, percent: np.ndarray | float) -> np.ndarray:
    """``percent`` of integer amounts, rounded half to even, as int64."""
    return np.rint(amount_minor * (np.asarray(percent) / 100.0)).astype(np.int64)


def decide(
    spec: PlatformSpec,
    t_s: np.ndarray,
    value_minor: np.ndarray,
    amount_minor: np.ndarray,
    commission_percent: np.ndarray,
    delivery_dists: list,
    corridor: np.ndarray,
    u: np.ndarray,
    forced_dispute_days: np.ndarray | None = None,
    forced_after_delivery: np.ndarray | None = None,
) -> OrderFate:
    """The fate of each captured order.

    Args:
        spec: the platform's terms.
        t_s: capture times.
        value_minor: order value in the seller's currency.
        amount_minor: amount paid, buyer's currency.
        commission_percent: influencer commission per order (0 for organic orders).
        delivery_dists: delivery-time distribution (days) per corridor.
        corridor: corridor index per order.
        u: uniforms ``[order, ORDER_LUCK field]``.
        forced_dispute_days: days after capture of a fraud-coded chargeback pushed by a fraud
            model (NaN: none); it replaces the order's own fate and the platform bears it.
        forced_after_delivery: those days count from delivery instead (friendly fraud).

    Returns:
        Timeline and amounts per order.

    """
    day = SECONDS_PER_DAY
    delivery_days = ppf_grouped(delivery_dists, corridor, u[:, _U["delivery"]])
    ship_days = np.minimum(spec.shipment_days.ppf(u[:, _U["shipment"]]), delivery_days)
    confirm_days = np.minimum(
        spec.confirm_after_delivery_days.ppf(u[:, _U["confirm"]]), spec.auto_release_days
    )
    ship_s, delivery_s = t_s + ship_days * day, t_s + delivery_days * day
    release_s = delivery_s + confirm_days * day

    kind, reversal_s, seller_side = _reversals(spec, t_s, delivery_s, release_s, u)
    if forced_dispute_days is not None:
        forced = np.isfinite(forced_dispute_days)
        kind = np.where(forced, CHARGEBACK, kind)
        base_s = (
            t_s
            if forced_after_delivery is None
            else np.where(forced_after_delivery, delivery_s, t_s)
        )
        reversal_s = np.where(forced, base_s + np.nan_to_num(forced_dispute_days) * day, reversal_s)
        seller_side = seller_side & ~forced
    pre = (kind != NONE) & (reversal_s < release_s)
    seller_side = seller_side | pre

    partial = (kind == REFUND) & (u[:, _U["partial"]] < spec.refunds.partial_probability)
    share = np.where(
        partial, np.clip(spec.refunds.partial_percent.ppf(u[:, _U["partial_share"]]), 0, 100), 100
    )
    reversed_value = np.where(kind != NONE, percent_of(value_minor, share), 0)
    reversed_amount = np.where(kind != NONE, percent_of(amount_minor, share), 0)

    disputes = spec.disputes
    won = (
        (kind == CHARGEBACK)
        & (u[:, _U["represent"]] < disputes.represent_probability)
        & (u[:, _U["win"]] < disputes.win_probability)
    )
    decision_s = np.where(
        won, reversal_s + disputes.decision_days.ppf(u[:, _U["decision"]]) * day, np.inf
    )

    take_percent = spec.take_rate_percent
    kept = np.where(pre, value_minor - reversed_value, value_minor)
    take = percent_of(kept, take_percent)
    seller_pays = spec.commission_paid_by == "seller"
    commission = _commission(kept, take, commission_percent, seller_pays)
    seller_share = kept - take - (commission if seller_pays else 0)
    full_take = percent_of(value_minor, take_percent)
    full_share = (
        value_minor
        - full_take
        - (
            _commission(value_minor, full_take, commission_percent, seller_pays)
            if seller_pays
            else 0
        )
    )
    shipped_first = ship_s < np.minimum(reversal_s, release_s)
    base = np.where(pre & ~shipped_first, seller_share, full_share)
    partial_release = np.where(
        ship_s < release_s, percent_of(base, spec.release_at_shipment_percent), 0
    )
    seller_debt = np.where(pre, np.maximum(partial_release - seller_share, 0), 0)
    take_back = np.minimum(full_take - percent_of(value_minor - reversed_value, take_percent),
                           reversed_value)  # fmt: skip
    return OrderFate(
        ship_s=ship_s,
        delivery_s=delivery_s,
        release_s=release_s,
        kind=kind,
        reversal_s=reversal_s,
        pre_release=pre,
        seller_side=seller_side,
        won=won,
        decision_s=decision_s,
        reversed_value=reversed_value,
        reversed_amount=reversed_amount,
        take=take,
        commission=commission,
        seller_share=seller_share,
        partial=partial_release,
        seller_debt=seller_debt,
        escrow_out=np.where(pre, reversed_value - seller_debt, 0),
        take_back=np.where(kind != NONE, take_back, 0),
    )


def _reversals(
    spec: PlatformSpec,
    t_s: np.ndarray,
    delivery_s: np.ndarray,
    release_s: np.ndarray,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kind, time and seller liability of each order's refund or chargeback, if any."""
    refunds, disputes = spec.refunds, spec.disputes
    fate, when = u[:, _U["fate"]], u[:, _U["reversal_time"]]
    p_before = refunds.before_release_probability
    p_after = p_before + refunds.after_release_probability
    p_dispute = p_after + disputes.probability
    before, after = fate < p_before, (fate >= p_before) & (fate < p_after)
    dispute = (fate >= p_after) & (fate < p_dispute)
    kind = np.where(before | after, REFUND, np.where(dispute, CHARGEBACK, NONE))
    day = SECONDS_PER_DAY
    reversal_s = np.full(len(t_s), np.inf)
    reversal_s[before] = t_s[before] + when[before] * (release_s[before] - t_s[before])
    reversal_s[after] = release_s[after] + refunds.after_release_days.ppf(when[after]) * day
    reversal_s[dispute] = (
        delivery_s[dispute] + disputes.after_delivery_days.ppf(when[dispute]) * day
    )
    seller_side = (kind == REFUND) | ((kind == CHARGEBACK) & disputes.seller_liable)
    return kind, reversal_s, seller_side


def _commission(
    kept: np.ndarray, take: np.ndarray, percent: np.ndarray, seller_pays: bool
) -> np.ndarray:
    commission = percent_of(kept, percent)
    # a seller never pays more than what is left after the take
    return np.minimum(commission, kept - take) if seller_pays else commission
