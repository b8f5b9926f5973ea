"""Whether a channel approves a payment: the layered success probability and decline codes.

``success.base`` times the cross-border, market and method factors (one ``[market, method,
channel]`` table built at set-up), times the factor of the amount band, zero outside the
channel's ticket range, capped at 1: that is the *nominal* probability. The world's health
(outages, degradations) and the buyer's risk multiply it further; ``paysim.model.channels.declines``
explains how one uniform then gives both the decision and the decline code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.channels.declines import (
    DEFAULT_DECLINE_MIX,
    DEFAULT_RISK_DECLINE_MIX,
    DEFAULT_RISK_SENSITIVITY,
    DEFAULT_TIMEOUT_CAPTURE,
    CodeMixes,
)
from paysim.model.channels.spec import ChannelSpec
from paysim.model.core.spec_types import METHODS
from paysim.model.fx.rates import FixedRates


class ApprovalModel:
    """Every channel's approval parameters as arrays."""

    def __init__(
        self,
        specs: Sequence[ChannelSpec],
        markets: Sequence[str],
        cross_border: np.ndarray,
        rates: FixedRates,
        reporting: str,
    ) -> None:
        self.base = np.array([c.success.base for c in specs])
        self.cross_border_factor = np.array([c.success.cross_border_factor for c in specs])
        market_factor = np.array(
            [[c.success.market_factors.get(m, 1.0) for c in specs] for m in markets]
        )
        method_factor = np.array(
            [[c.success.method_factors.get(k, 1.0) for c in specs] for k in METHODS]  # type: ignore[call-overload]
        )
        cross = np.where(cross_border, self.cross_border_factor[None, :], 1.0)
        # [market, method, channel]: every factor that depends on neither time nor amount
        self.static_p = self.base * (cross * market_factor)[:, None, :] * method_factor[None]
        self.bands = [
            (
                c,
                np.array([b.above_reporting for b in spec.success.amount_bands]),
                np.concatenate([[1.0], [b.factor for b in spec.success.amount_bands]]),
            )
            for c, spec in enumerate(specs)
            if spec.success.amount_bands
        ]
        to_reporting = np.array([rates.rate(c.currency, reporting) for c in specs])
        self.min_reporting = np.array([c.min_amount for c in specs]) * to_reporting
        self.max_reporting = to_reporting * np.array(
            [np.inf if c.max_amount is None else c.max_amount for c in specs]
        )
        self.has_ranges = bool(
            (self.min_reporting > 0).any() or np.isfinite(self.max_reporting).any()
        )
        top_band = max([f.max() for _, _, f in self.bands] + [1.0])
        self.may_exceed_one = bool(self.static_p.max(initial=0.0) * top_band > 1.0)
        self.risk_sensitivity = np.array(
            [
                DEFAULT_RISK_SENSITIVITY[c.kind]
                if c.success.risk_sensitivity is None
                else c.success.risk_sensitivity
                for c in specs
            ]
        )
        # one ordinary mix per channel, then one risk-decline mix per channel (rows n + c)
        self.code_mixes = CodeMixes(
            [c.success.decline_codes or DEFAULT_DECLINE_MIX[c.kind] for c in specs]
            + [c.success.risk_decline_codes or DEFAULT_RISK_DECLINE_MIX[c.kind] for c in specs]
        )
        self.risk_mix_offset = len(specs)
        self.timeout_capture = np.array(
            [
                DEFAULT_TIMEOUT_CAPTURE[c.kind]
                if c.timeout_capture_factor is None
                else c.timeout_capture_factor
                for c in specs
            ]
        )

    def nominal(
        self, buyer_market: np.ndarray, method: np.ndarray, amount_reporting: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``[payment, channel]`` nominal probability, and whether the amount is in range.

        The second is None when no channel has a ticket range (every amount is in range).
        """
        nominal = self.static_p[buyer_market, method]
        for c, edges, factors in self.bands:
            nominal[:, c] *= factors[np.searchsorted(edges, amount_reporting, side="right")]
        if self.has_ranges:
            a = amount_reporting[:, None]
            in_range = (a >= self.min_reporting) & (a <= self.max_reporting)
            nominal *= in_range
        else:
            in_range = None
        if self.may_exceed_one:
            nominal = np.minimum(nominal, 1.0)
        return nominal, in_range

    def risk(self, buyer_risk: np.ndarray) -> np.ndarray | None:
        """``[payment, channel]`` factor ``1 - sensitivity * risk``; None when nobody is risky."""
        if not buyer_risk.any():
            return None
        return 1.0 - self.risk_sensitivity[None, :] * buyer_risk[:, None]
