"""Buyers: persistent traits looked up by buyer id, and the KYC spending limits.

A buyer's traits (KYC tier, risk, one-click and password-free settings, default method,
personal per-payment limit, the networks of their two cards) are counter-based draws keyed by
the buyer id, so the same buyer has the same traits in every checkout, every window and every
experiment arm, and millions of buyers cost no memory until they shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from paysim.engine.streams import RandomStreams
from paysim.model.checkout.spec import KYC_TIERS, CheckoutSpec, RiskSpec
from paysim.model.core.spec_types import METHODS

TRAITS = (
    "kyc", "risk", "one_click", "password_free", "default_method", "has_limit", "limit",
    "card_network", "spare_card_network",
)  # fmt: skip

if TYPE_CHECKING:
    from paysim.model.spec import MarketSpec
_DAYS_PER_KEY = 1 << 13  # combines buyer and day into one key (horizons are < 3,661 days)
RISK_CONCENTRATION = 20.0  # Beta(a, b) with a + b = 20: mean as configured, sd ~ sqrt(m(1-m)/21)


@dataclass(frozen=True)
class BuyerTraits:
    """Traits of the buyers of a batch of checkouts, one entry per checkout."""

    kyc_tier: np.ndarray  # index into KYC_TIERS
    risk: np.ndarray  # in [0, 1]: the issuer's and the platform's view of how risky the buyer is
    one_click: np.ndarray
    password_free: np.ndarray
    default_method: np.ndarray  # index into METHODS
    personal_limit: np.ndarray  # reporting currency; inf when the buyer set none
    card_network: np.ndarray  # network of the buyer's card (index into network ids), -1: none
    spare_network: np.ndarray  # network of the card the buyer switches to, -1: none


class BuyerModel:
    """Looks up buyer traits and keeps each buyer's spending of the day for KYC limits."""

    def __init__(
        self,
        markets: list[MarketSpec],
        checkout: CheckoutSpec,
        risk: RiskSpec,
        streams: RandomStreams,
        n_buyers: int,
        network_mix: np.ndarray | None = None,
    ) -> None:
        self.luck = streams.keyed("buyer")
        # [market, network] cumulative card-network shares; markets without a mix hold no
        # card with a known network
        mix = np.zeros((len(markets), 0)) if network_mix is None else network_mix
        self.has_network_mix = mix.sum(axis=1) > 0
        total = np.where(self.has_network_mix, mix.sum(axis=1), 1.0)
        self.network_cdf = np.cumsum(mix, axis=1) / total[:, None]
        self.kyc_cdf = np.cumsum(
            [[m.kyc_mix.get(t, 0.0) for t in KYC_TIERS] for m in markets], axis=1
        )  # type: ignore[call-overload]
        mix = np.array([[m.method_mix.get(k, 0.0) for k in METHODS] for m in markets])  # type: ignore[call-overload]
        self.method_cdf = np.cumsum(mix, axis=1)
        mean = np.array([m.buyer_risk_mean for m in markets])
        self.risk_a = np.maximum(mean * RISK_CONCENTRATION, 1e-9)
        self.risk_b = (1.0 - mean) * RISK_CONCENTRATION
        # the Beta inverse CDF is slow to evaluate per buyer: tabulate it once per market
        self.risk_table = special.betaincinv(
            self.risk_a[:, None], self.risk_b[:, None], _RISK_GRID[None, :]
        )
        self.checkout = checkout
        kyc = risk.kyc
        self.per_payment_limit = np.array([_limit(getattr(kyc, t).per_payment) for t in KYC_TIERS])
        self.daily_limit = np.array([_limit(getattr(kyc, t).daily) for t in KYC_TIERS])
        tracks_daily = np.isfinite(self.daily_limit).any()
        self.spent_today = np.zeros(n_buyers if tracks_daily else 0)
        self.spent_day = np.full(n_buyers if tracks_daily else 0, -1, dtype=np.int32)

    def traits(self, buyer_id: np.ndarray, market: np.ndarray) -> BuyerTraits:
        """The traits of each buyer (one row per checkout)."""
        u = self.luck.uniforms(buyer_id, len(TRAITS))
        settings = self.checkout
        kyc_tier = np.minimum(
            (u[:, 0, None] >= self.kyc_cdf[market]).sum(axis=1), len(KYC_TIERS) - 1
        )
        default = np.minimum(
            (u[:, 4, None] >= self.method_cdf[market]).sum(axis=1), len(METHODS) - 1
        )
        limit = np.where(
            u[:, 5] < settings.personal_limit.share,
            settings.personal_limit.amount.ppf(u[:, 6]),
            np.inf,
        )
        return BuyerTraits(
            kyc_tier=kyc_tier,
            risk=self._risk(market, u[:, 1]),
            one_click=u[:, 2] < settings.one_click_share,
            password_free=u[:, 3] < settings.password_free_share,
            default_method=default,
            personal_limit=limit,
            card_network=self._network(market, u[:, 7]),
            spare_network=self._network(market, u[:, 8]),
        )

    def _network(self, market: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The network of a card drawn from the market's mix with ``u`` (-1: no mix)."""
        cdf = self.network_cdf[market]
        if cdf.shape[1] == 0:
            return np.full(len(market), -1, dtype=np.int16)
        index = np.minimum((u[:, None] >= cdf).sum(axis=1), cdf.shape[1] - 1)
        return np.where(self.has_network_mix[market], index, -1).astype(np.int16)

    def _risk(self, market: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Beta quantiles: interpolated in the table, exact in the steep tails (1% each)."""
        risk = _interp_rows(self.risk_table, market, u)
        tail = np.flatnonzero((u >= 0.99) | (u <= 0.01))
        if tail.size:
            m = market[tail]
            risk[tail] = special.betaincinv(self.risk_a[m], self.risk_b[m], u[tail])
        return risk

    def over_kyc_limit(
        self, buyer_id: np.ndarray, kyc_tier: np.ndarray, amount: np.ndarray, day: np.ndarray
    ) -> np.ndarray:
        """Whether each payment (in time order) would break its buyer's KYC limits.

        ``day`` is each payment's UTC day. Earlier payments of the same buyer on the same day
        in the same batch count against the daily limit as if they succeed (the platform
        reserves the amount while a payment is in flight).
        """
        over = amount > self.per_payment_limit[kyc_tier]
        if self.spent_today.size == 0:
            return over
        limited = np.flatnonzero(np.isfinite(self.daily_limit[kyc_tier]))
        if not limited.size:
            return over
        buyer, day, amount = buyer_id[limited], day[limited], amount[limited]
        spent = np.where(self.spent_day[buyer] == day, self.spent_today[buyer], 0.0)
        spent += _earlier_same_key(buyer * _DAYS_PER_KEY + day, amount)
        over[limited] |= spent + amount > self.daily_limit[kyc_tier[limited]]
        return over

    def record_spend(self, buyer_id: np.ndarray, amount: np.ndarray, day: np.ndarray) -> None:
        """Add succeeded payments to their buyers' spending of their day."""
        if self.spent_today.size == 0 or buyer_id.size == 0:
            return
        for today in np.unique(day):  # a window spans at most two days
            on_day = day == today
            buyers = buyer_id[on_day]
            stale = self.spent_day[buyers] != today
            self.spent_today[buyers[stale]] = 0.0
            self.spent_day[buyers] = today
            np.add.at(self.spent_today, buyers, amount[on_day])


_RISK_GRID = np.linspace(0.0, 1.0, 4097)


def _interp_rows(table: np.ndarray, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``table[row]`` (sampled on ``_RISK_GRID``) at ``u``."""
    position = u * (len(_RISK_GRID) - 1)
    k = np.minimum(position.astype(np.intp), len(_RISK_GRID) - 2)
    frac = position - k
    return table[row, k] * (1.0 - frac) + table[row, k + 1] * frac


def _limit(value: float | None) -> float:
    return np.inf if value is None else float(value)


def _earlier_same_key(key: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """For each row, the sum of ``amount`` over earlier rows with the same key."""
    order = np.argsort(key, kind="stable")
    sorted_key, sorted_amount = key[order], amount[order]
    if not np.any(sorted_key[1:] == sorted_key[:-1]):  # usually nobody pays twice in a window
        return np.zeros_like(amount)
    running = np.cumsum(sorted_amount) - sorted_amount
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    group_start = np.repeat(running[starts], np.diff(np.r_[starts, len(key)]))
    out = np.empty_like(amount)
    out[order] = running - group_start
    return out
