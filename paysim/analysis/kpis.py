"""KPIs: pure functions from a run's totals (or its payments log) to numbers.

The names are the public contract (``summary.json["kpis"]``, columns of ``results.parquet``).
Money KPIs are in the scenario's reporting currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from paysim.model.channels.declines import CHANNEL_UNAVAILABLE, RATE_LIMITED
from paysim.model.channels.table import OUTCOMES, SUCCEEDED, TIMEOUT
from paysim.model.checkout.platform_declines import UNSUPPORTED_CARD
from paysim.model.core.spec_types import FUNNEL_STEPS, METHODS
from paysim.model.fraud.model import FraudTotals
from paysim.model.metrics import RunTotals
from paysim.model.money.ledger import Ledger
from paysim.model.platform.totals import PlatformTotals

KPI_DESCRIPTIONS: dict[str, str] = {
    "checkouts": "checkouts started (buyers who reached the payment page)",
    "payments_attempted": "attempts the buyer confirmed, blocked ones included (rows of the log)",
    "payments_succeeded": "attempts that succeeded",
    "payments_failed": "attempts that did not succeed (declined, failed, timeout, blocked, ...)",
    "checkouts_abandoned": "checkouts left at a funnel step or after a failure without retry",
    "gmv": "value of succeeded payments",
    "auth_rate": "payments_succeeded / payments_attempted",
    "conversion_rate": "paid orders / checkouts",
    "fees_total": "channel, dispute and seller payout fees paid by the platform",
    "fees_bps": "fees_total in basis points of GMV",
    "latency_p50_ms": "median latency of attempts that reached a working channel (ms)",
    "latency_p99_ms": "99th percentile of that latency (ms)",
    "fx_pnl": "what rate moves did to the platform's currency positions and hedges, realised "
    "and revalued at the end (0 with fixed rates)",
    "fx_cost_bps": "conversion costs and forward points paid, in bps of GMV",
    "fx_var95": "one-day 95% value at risk of the open FX position, mean over the run's days",
    "fx_cvar95": "one-day 95% expected shortfall of the open FX position, mean over the days",
    "fraud_attempts": "attempts by fraudsters, card-testing probes included (0 without fraud)",
    "fraud_loss": "fraud chargebacks the platform bears (accrued), card-testing fees, money paid "
    "to fraudsters out of cash (redirected refunds, promotions)",
    "fraud_loss_bps": "fraud_loss in bps of GMV",
    "fraud_caught_rate": "share of fraud attempts the defence stopped",
    "false_decline_rate": "share of genuine attempts the defence declined",
    "chargeback_ratio": "chargebacks raised on the run's paid orders (also after the horizon) "
    "/ succeeded payments",
    "review_mean_wait_h": "mean wait of cases in manual review (h)",
    "review_backlog_max": "largest number of cases waiting for a review analyst",
    "payout_mean_days": "mean days from capture to the payout run that pays the seller for the "
    "release (orders with something left to pay)",
    "escrow_peak": "largest amount held in escrow at a window end",
    "net_margin": "take revenue net of refunds and chargebacks, minus fees, commissions the "
    "platform pays, chargeback losses, FX result and fraud losses (accrued per paid order)",
    "routing_regret": "expected successes lost against the best channel's true probability",
    "routing_detection_s": "mean seconds from the start of a scheduled approval drift until "
    "the router sends under half its earlier share of that segment to the channel (5-min bins; "
    "never: the drift's length; 0 without a measurable drift: none scheduled, or no traffic "
    "to the channel in the hour before it)",
    "ledger_imbalance": "sum over currencies of |sum of all balances| in minor units; always 0",
    "refunds": "paid orders refunded, before or after release (accrued at capture)",
    "refunds_total": "money refunded to buyers (accrued at capture)",
    "refund_rate": "refunds / paid orders",
    "chargebacks": "chargebacks raised on the run's paid orders (accrued at capture)",
    "chargebacks_won": "chargebacks represented and won by the platform",
    "chargeback_losses": "chargebacks lost and borne by the platform, not the seller",
    "dispute_fees": "channels' fees on chargebacks (part of fees_total)",
    "influencer_commission": "commissions earned by influencers on campaign orders",
    "commission_expense": "the part of influencer_commission the platform pays itself",
    "campaign_orders": "paid orders that came from live-streams and flash sales",
    "campaign_gmv": "value of those orders",
    "group_buy_orders": "paid orders that belong to group buys",
    "payouts": "seller payouts made within the horizon",
    "payouts_total": "money paid out to sellers within the horizon",
    "reserve_held_peak": "largest rolling reserve held by channels at a window end",
    "seller_receivable_peak": "largest amount owed by sellers after refunds and chargebacks",
    "timeout_rate": "attempts that timed out at the channel (result unknown) / attempted",
    "outage_failure_rate": "attempts failed as the channel or its upstream was down / attempted",
    "rate_limited_rate": "attempts rejected by a channel's rate limit (queue full) / attempted",
    "queue_wait_mean_ms": "mean rate-limit queue wait of attempts sent to a rate-limited channel",
    "late_successes": "timed-out payments a status check found captured (orders completed late)",
    "double_charges": "orders charged twice after a blind retry (the repeat is refunded)",
    "abandoned_at_choose_method": "checkouts left at the first funnel step (choose a method)",
    "abandoned_at_enter_details": "checkouts left at the second step (enter details)",
    "abandoned_at_confirm": "checkouts left at the third step (confirm)",
    "left_during_processing": "buyers lost while the channel was processing: they left before "
    "it answered and it did not charge them",
    "cross_border_rate": "attempts acquired outside the buyer's market / attempts a channel saw",
    "unsupported_card_rate": "attempts blocked as no channel serving the market accepts the "
    "card's network / attempted",
    "churned_buyers": "genuine buyers who stopped buying after a false decline",
    "churn_lost_orders": "orders those buyers did not place afterwards (not in checkouts)",
}
KPI_NAMES = tuple(KPI_DESCRIPTIONS)

#: KPIs broken down by channel or method: mappings (``summary.json["kpis"]`` holds them next to
#: the scalar KPIs; experiments compare the scalar ones only).
BREAKDOWN_DESCRIPTIONS: dict[str, str] = {
    "latency_p50_ms_by_channel": "median latency of the attempts each channel answered (ms)",
    "latency_p99_ms_by_channel": "99th percentile of that latency, per channel (ms)",
    "latency_p50_ms_by_method": "median latency of the attempts of each payment method (ms)",
    "latency_p99_ms_by_method": "99th percentile of that latency, per method (ms)",
}

MONEY_KPIS = frozenset(
    {
        "gmv", "fees_total", "fx_pnl", "fx_var95", "fx_cvar95", "fraud_loss", "escrow_peak",
        "net_margin", "refunds_total", "chargeback_losses", "dispute_fees",
        "influencer_commission", "commission_expense", "campaign_gmv", "payouts_total",
        "reserve_held_peak", "seller_receivable_peak",
    }
)  # fmt: skip
SHARE_KPIS = frozenset(
    {
        "auth_rate", "conversion_rate", "fraud_caught_rate", "false_decline_rate",
        "chargeback_ratio", "refund_rate",
    }
)  # fmt: skip


#: Whether a higher value of a KPI is better (True), worse (False), or neither (None).
KPI_GOALS: dict[str, bool | None] = {
    "checkouts": None,
    "payments_attempted": None,
    "payments_succeeded": True,
    "payments_failed": False,
    "checkouts_abandoned": False,
    "gmv": True,
    "auth_rate": True,
    "conversion_rate": True,
    "fees_total": False,
    "fees_bps": False,
    "latency_p50_ms": False,
    "latency_p99_ms": False,
    "fx_pnl": True,
    "fx_cost_bps": False,
    "fx_var95": False,
    "fx_cvar95": False,
    "fraud_attempts": None,
    "fraud_loss": False,
    "fraud_loss_bps": False,
    "fraud_caught_rate": True,
    "false_decline_rate": False,
    "chargeback_ratio": False,
    "review_mean_wait_h": False,
    "review_backlog_max": False,
    "payout_mean_days": False,
    "escrow_peak": None,
    "net_margin": True,
    "routing_regret": False,
    "routing_detection_s": False,
    "ledger_imbalance": False,
    "refunds": False,
    "refunds_total": False,
    "refund_rate": False,
    "chargebacks": False,
    "chargebacks_won": True,
    "chargeback_losses": False,
    "dispute_fees": False,
    "influencer_commission": None,
    "commission_expense": False,
    "campaign_orders": True,
    "campaign_gmv": True,
    "group_buy_orders": True,
    "payouts": None,
    "payouts_total": None,
    "reserve_held_peak": False,
    "seller_receivable_peak": False,
    "timeout_rate": False,
    "outage_failure_rate": False,
    "rate_limited_rate": False,
    "queue_wait_mean_ms": False,
    "late_successes": None,
    "double_charges": False,
    "abandoned_at_choose_method": False,
    "abandoned_at_enter_details": False,
    "abandoned_at_confirm": False,
    "left_during_processing": False,
    "cross_border_rate": None,
    "unsupported_card_rate": False,
    "churned_buyers": False,
    "churn_lost_orders": False,
}

#: KPIs whose replication values are skewed (tail risks, rare losses): bootstrap intervals.
SKEWED_KPIS = frozenset(
    {
        "fx_var95",
        "fx_cvar95",
        "fraud_loss",
        "fraud_loss_bps",
        "chargeback_ratio",
        "review_mean_wait_h",
        "review_backlog_max",
        "routing_regret",
        "chargeback_losses",
        "double_charges",
    }
)


def kpi_unit(name: str) -> str:
    """How a KPI is measured: money, share, bps, ms, days, h, expected (successes) or count."""
    if name in MONEY_KPIS:
        return "money"
    if name in SHARE_KPIS or name.endswith("_rate"):
        return "share"
    for suffix in ("bps", "ms", "days", "h"):
        if name.endswith(f"_{suffix}"):
            return suffix
    return "expected" if name == "routing_regret" else "count"


def compute_kpis(totals: RunTotals, ledger: Ledger) -> dict[str, Any]:
    """Every KPI of the contract from a run's totals and its ledger, and the breakdowns."""
    by_outcome = totals.attempts_by_outcome
    attempted = int(by_outcome.sum())
    succeeded = int(by_outcome[SUCCEEDED])
    money = totals.platform
    fees = money.dispute_fees + totals.channel_fees + money.payout_fees_accrued
    fees += money.payout_fees_fixed
    latency = totals.latencies_ms()
    p50, p99 = np.percentile(latency, [50, 99]) if latency.size else (0.0, 0.0)
    kpis: dict[str, float] = dict.fromkeys(KPI_NAMES, 0.0)
    kpis.update(
        checkouts=totals.checkouts,
        payments_attempted=attempted,
        payments_succeeded=succeeded,
        payments_failed=attempted - succeeded,
        checkouts_abandoned=totals.checkouts_abandoned,
        gmv=totals.gmv,
        auth_rate=_ratio(succeeded, attempted),
        conversion_rate=_ratio(totals.paid_checkouts, totals.checkouts),
        fees_total=fees,
        fees_bps=_ratio(fees * 1e4, totals.gmv),
        latency_p50_ms=float(p50),
        latency_p99_ms=float(p99),
        payout_mean_days=_ratio(money.payout_delay_days_sum, money.payout_delay_orders),
        escrow_peak=money.escrow_peak,
        net_margin=money.take_revenue - fees - money.commission_expense - money.chargeback_losses,
        routing_regret=totals.routing_regret,
        routing_detection_s=totals.routing_detection_s,
        ledger_imbalance=int(np.abs(ledger.imbalance()).sum()),
        timeout_rate=_ratio(int(by_outcome[TIMEOUT]), attempted),
        outage_failure_rate=_ratio(int(totals.attempts_by_code[CHANNEL_UNAVAILABLE]), attempted),
        rate_limited_rate=_ratio(int(totals.attempts_by_code[RATE_LIMITED]), attempted),
        queue_wait_mean_ms=_ratio(totals.queue_wait_ms_sum, totals.rate_limited_channel_attempts),
        left_during_processing=totals.left_during_processing,
        late_successes=totals.late_successes,
        double_charges=totals.double_charges,
        cross_border_rate=_ratio(totals.cross_border_attempts, totals.channel_attempts),
        unsupported_card_rate=_ratio(_code_count(totals, UNSUPPORTED_CARD), attempted),
    )
    kpis.update(
        {
            f"abandoned_at_{step}": int(n)
            for step, n in zip(FUNNEL_STEPS, totals.abandoned_at_step, strict=True)
        }
    )
    kpis.update(_platform_kpis(money))
    if totals.fx is not None:  # FX (issue 10): the treasury's result enters the margin
        kpis.update({k: totals.fx[k] for k in ("fx_pnl", "fx_cost_bps", "fx_var95", "fx_cvar95")})
        kpis["net_margin"] += totals.fx["fx_result"]
    if totals.fraud is not None:
        kpis.update(_fraud_kpis(totals.fraud, money, totals.gmv, kpis["net_margin"]))
    out: dict[str, Any] = {k: _plain(v) for k, v in kpis.items()}
    channel, method = totals.latency_labels()
    out.update(latency_breakdowns(latency, channel, totals.channel_ids, method))
    return out


def latency_breakdowns(
    latency_ms: np.ndarray,
    channel: np.ndarray,
    channel_ids: Sequence[str],
    method: np.ndarray,
) -> dict[str, dict[str, float]]:
    """p50 and p99 latency per channel and per method (only those with answered attempts).

    The pooled percentiles mix card authorisations (a few hundred ms) with crypto
    confirmations (minutes): these say what each route costs in time.
    """
    out: dict[str, dict[str, float]] = {}
    for by, labels, names in (("channel", channel, channel_ids), ("method", method, METHODS)):
        p50: dict[str, float] = {}
        p99: dict[str, float] = {}
        for i, name in enumerate(names):
            values = latency_ms[labels == i]
            if values.size:
                low, high = np.percentile(values, [50, 99])
                p50[name], p99[name] = float(low), float(high)
        out[f"latency_p50_ms_by_{by}"] = p50
        out[f"latency_p99_ms_by_{by}"] = p99
    return out


def _code_count(totals: RunTotals, code: int) -> int:
    counts = totals.attempts_by_code
    return int(counts[code]) if code < len(counts) else 0


def _platform_kpis(money: PlatformTotals) -> dict[str, float]:
    """The KPIs of refunds, disputes, commissions, payouts and reserves."""
    return {
        "chargeback_ratio": _ratio(money.chargebacks, money.captured_orders),
        "refunds": money.refunds,
        "refunds_total": money.refunds_value,
        "refund_rate": _ratio(money.refunds, money.captured_orders),
        "chargebacks": money.chargebacks,
        "chargebacks_won": money.chargebacks_won,
        "chargeback_losses": money.chargeback_losses,
        "dispute_fees": money.dispute_fees,
        "influencer_commission": money.influencer_commission,
        "commission_expense": money.commission_expense,
        "campaign_orders": money.campaign_orders,
        "campaign_gmv": money.campaign_gmv,
        "group_buy_orders": money.group_buy_orders,
        "payouts": money.payouts,
        "payouts_total": money.payouts_value,
        "reserve_held_peak": money.reserve_held_peak,
        "seller_receivable_peak": money.seller_receivable_peak,
    }


def _fraud_kpis(
    fraud: FraudTotals, money: PlatformTotals, gmv: float, net_margin: float
) -> dict[str, float]:
    """The fraud KPIs; ``net_margin`` less the review team's cost.

    ``fraud_loss``: fraud chargebacks the platform bears (already in ``chargeback_losses``)
    and the schemes' card-testing fees (already in ``fees_total``).
    """
    loss = money.fraud_chargeback_losses + fraud.card_testing_fees + fraud.attack_losses
    return {
        "fraud_attempts": fraud.fraud_attempts,
        "fraud_loss": loss,
        "fraud_loss_bps": _ratio(loss * 1e4, gmv),
        "fraud_caught_rate": _ratio(fraud.fraud_stopped, fraud.fraud_attempts),
        "false_decline_rate": _ratio(fraud.false_declines, fraud.genuine_attempts),
        "review_mean_wait_h": fraud.review_mean_wait_h,
        "review_backlog_max": fraud.review_backlog_max,
        "churned_buyers": fraud.churned_buyers,
        "churn_lost_orders": fraud.churn_lost_orders,
        "net_margin": net_margin - fraud.review_cost - fraud.attack_losses,
    }


def kpis_from_payments(payments: pd.DataFrame) -> dict[str, Any]:
    """The KPIs that follow from the payments log alone (to cross-check the running totals)."""
    succeeded = payments["outcome"] == OUTCOMES[SUCCEEDED]
    latency = payments["latency_ms"].dropna().to_numpy()
    # an order is paid by its first charge (a timeout the channel did capture counts); any
    # later charge of the same order is a double charge, refunded
    charges = payments[payments["charged"]]
    first = ~charges["checkout_id"].duplicated()
    gmv = float(charges.loc[first, "amount_reporting"].sum())
    return {
        "payments_attempted": len(payments),
        "payments_succeeded": int(succeeded.sum()),
        "payments_failed": int((~succeeded).sum()),
        "gmv": gmv,
        "auth_rate": _ratio(int(succeeded.sum()), len(payments)),
        "latency_p50_ms": float(np.percentile(latency, 50)) if latency.size else 0.0,
        "latency_p99_ms": float(np.percentile(latency, 99)) if latency.size else 0.0,
        "channel_fees": float(payments["fee_reporting"].sum()),
        "paid_orders": int(first.sum()),
        "double_charges": int((~first).sum()),
        "cross_border_rate": _ratio(
            int(payments["cross_border"].sum()), int((payments["channel"] != "").sum())
        ),
        **_log_latency_breakdowns(payments),
    }


def _log_latency_breakdowns(payments: pd.DataFrame) -> dict[str, dict[str, float]]:
    reached = payments[payments["latency_ms"].notna()]
    channels = tuple(str(c) for c in payments["channel"].cat.categories[1:])
    return latency_breakdowns(
        reached["latency_ms"].to_numpy(),
        reached["channel"].cat.codes.to_numpy() - 1,
        channels,
        reached["method"].cat.codes.to_numpy(),
    )


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else 0.0


def _plain(value: float | int | np.generic) -> float | int:
    if isinstance(value, np.generic):
        value = value.item()
    return value
