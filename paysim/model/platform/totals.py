"""The platform's running money totals, in the reporting currency."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PlatformTotals:
    """The platform's money, in the reporting currency.

    Per-order amounts are accrued at capture for the order's whole life (its refund or
    chargeback may fall after the horizon): the KPIs of a short run then still carry the
    cost of its orders' later disputes. Booked amounts (payouts, fixed payout fees) and
    peaks are what the ledger saw within the horizon.
    """

    captured_orders: int = 0
    take_revenue: float = 0.0  # take on what the platform keeps, net of reversals
    influencer_commission: float = 0.0  # earned by influencers on campaign orders
    commission_expense: float = 0.0  # the part the platform pays itself
    campaign_orders: int = 0
    campaign_gmv: float = 0.0
    group_buy_orders: int = 0
    refunds: int = 0
    refunds_value: float = 0.0  # paid back to buyers
    chargebacks: int = 0
    chargebacks_won: int = 0
    chargeback_value: float = 0.0
    chargeback_losses: float = 0.0  # chargebacks lost and not recovered from sellers
    dispute_fees: float = 0.0
    fraud_chargebacks: int = 0  # fraud-coded chargebacks pushed by the fraud model
    fraud_chargeback_losses: float = 0.0  # of those, lost and borne by the platform
    payout_fees_accrued: float = 0.0  # percent part, on each order's final seller net
    payout_fees_fixed: float = 0.0  # fixed fee per payout, as booked
    payouts_value: float = 0.0  # paid to sellers (booked)
    payouts: int = 0  # seller payouts made (booked)
    payout_delay_days_sum: float = 0.0
    payout_delay_orders: int = 0
    escrow_peak: float = 0.0
    reserve_held_peak: float = 0.0
    seller_receivable_peak: float = 0.0
