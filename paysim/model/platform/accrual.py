"""KPI accruals of captured orders: their whole life's money, counted at capture.

A refund or chargeback may fall after the horizon; accruing it when the order's fate is decided
lets a short run carry the cost of its orders' later disputes (see ``PlatformTotals``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.model.core.batch import Batch
from paysim.model.platform.order_fate import CHARGEBACK, REFUND, OrderFate, percent_of

if TYPE_CHECKING:
    from paysim.model.channels.table import ChannelTable
    from paysim.model.platform.spec import PlatformSpec
    from paysim.model.platform.totals import PlatformTotals


class Books(Protocol):
    """What accruing reads of the platform's books (``Platform`` is one)."""

    spec: PlatformSpec
    totals: PlatformTotals
    channels: ChannelTable

    def money_reporting(self, currency: np.ndarray, amount_minor: np.ndarray) -> float:
        """Total of integer amounts, each in its currency, in the reporting currency."""
        ...

    def payout_time(self, t_s: np.ndarray) -> np.ndarray:
        """Time of the payout run that pays what is released at ``t_s``."""
        ...


def accrue(platform: Books, fate: OrderFate, orders: Batch) -> None:
    """Add each order's money over its whole life to the platform's totals, now."""
    totals, rep = platform.totals, platform.money_reporting
    t_s, amount_minor, currency = orders["t_s"], orders["amount_minor"], orders["currency"]
    seller_currency, channel = orders["seller_currency"], orders["channel"]
    campaign, group = orders["campaign"], orders["group"]
    totals.captured_orders += len(t_s)
    side_back = fate.reversed_value - fate.take_back  # the seller's part of a reversal
    recovered = fate.post & fate.seller_side & ~fate.won
    restored = fate.pre_release & fate.won
    take = fate.take - np.where(recovered, fate.take_back, 0)
    totals.take_revenue += rep(seller_currency, take + np.where(restored, fate.take_back, 0))
    commission = rep(seller_currency, fate.commission)
    totals.influencer_commission += commission
    if platform.spec.commission_paid_by == "platform":
        totals.commission_expense += commission
    lifted = campaign >= 0
    totals.campaign_orders += int(lifted.sum())
    totals.campaign_gmv += rep(currency[lifted], amount_minor[lifted])
    totals.group_buy_orders += int((group >= 0).sum())
    for kind in (REFUND, CHARGEBACK):
        mask = fate.kind == kind
        value = rep(currency[mask], fate.reversed_amount[mask])
        if kind == REFUND:
            totals.refunds += int(mask.sum())
            totals.refunds_value += value
        else:
            totals.chargebacks += int(mask.sum())
            totals.chargeback_value += value
            fee_currency = platform.channels.currency[channel[mask]]
            totals.dispute_fees += rep(
                fee_currency, platform.channels.dispute_fee_minor[channel[mask]]
            )
    totals.chargebacks_won += int(fate.won.sum())
    lost = fate.post & ~fate.seller_side & ~fate.won
    totals.chargeback_losses += rep(seller_currency[lost], fate.reversed_value[lost])
    forced = np.isfinite(orders["forced_dispute_days"])
    if forced.any():
        totals.fraud_chargebacks += int(forced.sum())
        fraud_lost = lost & forced
        totals.fraud_chargeback_losses += rep(
            seller_currency[fraud_lost], fate.reversed_value[fraud_lost]
        )
    seller_net = (
        fate.seller_share - np.where(recovered, side_back, 0) + np.where(restored, side_back, 0)
    )
    totals.payout_fees_accrued += rep(
        seller_currency, percent_of(np.maximum(seller_net, 0), platform.spec.payout.fee_percent)
    )
    paid = fate.seller_share > 0
    totals.payout_delay_orders += int(paid.sum())
    delay_s = platform.payout_time(fate.release_s[paid]) - t_s[paid]
    totals.payout_delay_days_sum += float(delay_s.sum()) / SECONDS_PER_DAY
