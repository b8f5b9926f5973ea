"""A channel's price list as lookup tables: a payment's fee is a few gathers, in minor units.

Fee = percent of the amount (+ the channel's cross-border surcharge and the card network's
scheme fee on cross-border payments, + the FX markup when the payment currency differs from
the channel's settlement currency), rounded to the payment currency's minor unit, plus the
fixed fee converted from the channel's currency. The dispute fee is kept per channel for the
platform's chargeback flow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.model.channels.spec import ChannelSpec
from paysim.model.fx.rates import FixedRates


class FeeSchedule:
    """Every channel's fees: per-channel arrays plus the tables the fee of a payment uses."""

    def __init__(
        self, specs: Sequence[ChannelSpec], cross_border: np.ndarray, rates: FixedRates
    ) -> None:
        self.percent = np.array([c.fee.percent for c in specs])
        self.cross_border_percent = np.array([c.fee.cross_border_percent for c in specs])
        self.fx_markup_percent = np.array([c.fee.fx_markup_percent for c in specs])
        self.currency = np.array([rates.index[c.currency] for c in specs])
        minor = 10.0 ** rates.exponent[self.currency]
        self.fixed_minor = np.rint([c.fee.fixed for c in specs] * minor).astype(np.int64)
        self.dispute_minor = np.rint([c.fee.dispute_fixed for c in specs] * minor).astype(np.int64)
        self.cross_border = cross_border  # bool [buyer market, channel]
        # [market, channel, payment currency] rate; [channel, payment currency] fixed fee
        percent = self.percent + np.where(cross_border, self.cross_border_percent, 0.0)
        foreign = self.currency[:, None] != np.arange(len(rates.currencies))[None, :]
        fx_percent = np.where(foreign, self.fx_markup_percent[:, None], 0.0)
        self._rate = (percent[:, :, None] + fx_percent[None, :, :]) / 100.0
        self._fixed = np.rint(self.fixed_minor[:, None] * rates.minor_factor[self.currency])
        self._fixed = self._fixed.astype(np.int64)

    def fee_minor(
        self,
        channel: np.ndarray,
        buyer_market: np.ndarray,
        amount_minor: np.ndarray,
        currency: np.ndarray,
        scheme_percent: np.ndarray | None = None,
    ) -> np.ndarray:
        """Each payment's fee in its own currency, integer minor units.

        Args:
            channel: channel of each payment.
            buyer_market: buyer's market index.
            amount_minor: amount in the payment's currency, minor units.
            currency: currency index of each payment.
            scheme_percent: card network scheme fee of each payment, charged cross-border.

        """
        rate = self._rate[buyer_market, channel, currency]
        if scheme_percent is not None:
            cross = self.cross_border[buyer_market, channel]
            rate = rate + np.where(cross, scheme_percent, 0.0) / 100.0
        return np.rint(amount_minor * rate).astype(np.int64) + self._fixed[channel, currency]
