"""The payments log: what happened to each payment attempt, one row each.

``AttemptResults`` gathers, per attempt, what the platform's controls and the channel said;
``payment_columns`` and ``log_columns`` turn it into the rows of ``payments.parquet``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paysim.engine.recorder import Column
from paysim.model.channels.table import (
    BLOCKED,
    OUTCOMES,
    ChannelResult,
)
from paysim.model.checkout.platform_declines import ALL_DECLINE_CODES
from paysim.model.checkout.spec import KYC_TIERS
from paysim.model.core.batch import Batch
from paysim.model.core.spec_types import METHODS
from paysim.model.fx.rates import FixedRates

DEFENCE_ACTIONS = ("approve", "decline", "step_up", "review")


def payment_columns(
    markets: tuple[str, ...],
    channels: tuple[str, ...],
    currencies: tuple[str, ...],
    campaigns: tuple[str, ...] = (),
    networks: tuple[str, ...] = (),
    decline_codes: tuple[str, ...] = ALL_DECLINE_CODES,
    fraud_kinds: tuple[str, ...] = ("",),
) -> list[Column]:
    """The columns of ``payments.parquet``, one row per payment attempt.

    ``decline_codes`` and ``fraud_kinds``: the categories of those columns (the fraud model
    adds its own when it is on).
    """
    return [
        Column("t_s", "float64"),
        Column("checkout_id", "int64"),
        Column("attempt", "int16"),
        Column("buyer_id", "int64"),
        Column("seller_id", "int64"),
        Column("buyer_market", categories=markets),
        Column("seller_market", categories=markets),
        Column("method", categories=METHODS),
        Column("channel", categories=("", *channels)),
        Column("amount", "float64"),
        Column("amount_minor", "int64"),
        Column("currency", categories=currencies),
        Column("amount_reporting", "float64"),
        Column("outcome", categories=OUTCOMES),
        Column("decline_code", categories=decline_codes),
        Column("latency_ms", "float64"),
        Column("fee_reporting", "float64"),
        Column("is_fraud", "bool"),
        Column("fraud_kind", categories=fraud_kinds),
        Column("risk_score", "float32"),
        Column("defence_action", categories=DEFENCE_ACTIONS),
        Column("p_success", "float32"),
        Column("kyc_tier", categories=KYC_TIERS),
        Column("campaign", categories=("", *campaigns)),
        Column("group_buy", "int64"),
        Column("charged", "bool"),
        Column("network", categories=("", *networks)),
        Column("cross_border", "bool"),
    ]


@dataclass
class AttemptResults:
    """Per attempt: its channel (-1 if the platform blocked it) and what came back."""

    channel: np.ndarray
    outcome: np.ndarray
    code: np.ndarray
    latency_ms: np.ndarray  # NaN when no working channel saw it
    fee_minor: np.ndarray  # the channel's fee, on every charge; payment currency
    p_success: np.ndarray
    charged: np.ndarray  # the channel really took the money (timeouts included)
    capture_fee_minor: np.ndarray
    settled_factor: np.ndarray
    network: np.ndarray  # the card's network, -1 for none (known before any channel sees it)

    @classmethod
    def blocked(cls, code: np.ndarray, network: np.ndarray) -> AttemptResults:
        """Every attempt blocked with its platform decline code (``NO_CODE`` ones get filled)."""
        n = len(code)
        return cls(
            channel=np.full(n, -1, dtype=np.intp),
            outcome=np.full(n, BLOCKED, dtype=np.int8),
            code=code,
            latency_ms=np.full(n, np.nan),
            fee_minor=np.zeros(n, dtype=np.int64),
            p_success=np.full(n, np.nan),
            charged=np.zeros(n, dtype=bool),
            capture_fee_minor=np.zeros(n, dtype=np.int64),
            settled_factor=np.ones(n),
            network=network,
        )

    def fill(self, rows: np.ndarray, channel: np.ndarray, result: ChannelResult) -> None:
        """What the channels answered for the attempts at ``rows``."""
        self.channel[rows] = channel
        self.outcome[rows] = result.outcome
        self.code[rows] = result.decline_code
        self.latency_ms[rows] = result.latency_ms
        # every charge costs the channel's fee: late successes and refunded repeats too
        self.fee_minor[rows] = result.capture_fee_minor * result.charged
        self.p_success[rows] = result.p_success
        self.charged[rows] = result.charged
        self.capture_fee_minor[rows] = result.capture_fee_minor
        self.settled_factor[rows] = result.settled_factor


def log_columns(
    attempts: Batch,
    results: AttemptResults,
    amount_reporting: np.ndarray,
    fee_reporting: np.ndarray,
    rates: FixedRates,
    cross_border: np.ndarray,
) -> dict[str, np.ndarray]:
    """The rows of ``payments.parquet`` for these attempts (categorical columns as codes)."""
    n = attempts.n
    currency = attempts["currency"]
    fraud = attempts.columns.get("fraud_kind")  # present when the fraud model is on
    return {
        "t_s": attempts["t_s"],
        "checkout_id": attempts["checkout_id"],
        "attempt": attempts["attempt"],
        "buyer_id": attempts["buyer_id"],
        "seller_id": attempts["seller_id"],
        "buyer_market": attempts["buyer_market"],
        "seller_market": attempts["seller_market"],
        "method": attempts["method"],
        "channel": results.channel + 1,
        "amount": attempts["amount_minor"] / 10.0 ** rates.exponent[currency],
        "amount_minor": attempts["amount_minor"],
        "currency": currency,
        "amount_reporting": amount_reporting,
        "outcome": results.outcome,
        "decline_code": results.code,
        "latency_ms": results.latency_ms,
        "fee_reporting": fee_reporting,
        "is_fraud": np.zeros(n, dtype=bool) if fraud is None else fraud > 0,
        "fraud_kind": np.zeros(n, dtype=np.int8) if fraud is None else fraud,
        "risk_score": np.zeros(n, dtype=np.float32) if fraud is None else attempts["risk_score"],
        "defence_action": np.zeros(n, dtype=np.int8)
        if fraud is None
        else attempts["defence_action"],
        "p_success": results.p_success.astype(np.float32),
        "kyc_tier": attempts["kyc_tier"],
        "campaign": attempts["campaign"] + 1,
        "group_buy": attempts["group"],
        "charged": results.charged,
        "network": results.network + 1,
        "cross_border": cross_border,
    }
