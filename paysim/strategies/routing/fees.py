"""A payment's expected fee at every channel, from the fee facts the platform knows.

The fee of a payment at channel ``c``, in the reporting currency, is

    amount × (percent_c + cross_border_percent_c [buyer market ≠ acquiring country]
              + fx_markup_percent_c [payment currency ≠ settlement currency]) / 100
    + fixed_c

as the channel's price list says (``RoutingContext``). The card network's scheme fee is not in
the context (the network is not known before routing), so it is left out.
"""

from __future__ import annotations

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext


class FeeModel:
    """Expected fees per ``[payment, channel]`` in the reporting currency."""

    def __init__(self, context: RoutingContext) -> None:
        n_channels = len(context.channel_ids)
        cross = np.array(
            [
                [country is not None and country != market for country in context.channel_country]
                for market in context.markets
            ],
            dtype=bool,
        ).reshape(len(context.markets), n_channels)
        foreign = (
            np.arange(len(context.currencies))[:, None]
            != np.asarray(context.channel_currency)[None, :]
        )
        percent = context.fee_percent[None, None, :] + np.where(
            cross[:, None, :], context.fee_cross_border_percent[None, None, :], 0.0
        )
        percent = percent + np.where(foreign[None, :, :], context.fee_fx_markup_percent, 0.0)
        self.rate = percent / 100.0  # [market, currency, channel]
        self.fixed = np.asarray(context.fee_fixed_reporting, dtype=float)

    def fee_reporting(self, view: AttemptView) -> np.ndarray:
        """``[payment, channel]`` expected fee of each payment at each channel."""
        rate = self.rate[view.buyer_market, view.currency]
        return view.amount_reporting[:, None] * rate + self.fixed[None, :]


def net_value(p: np.ndarray, view: AttemptView, fees: np.ndarray) -> np.ndarray:
    """Expected value ``p × (amount − fee)`` per ``[payment, channel]``.

    Juspay's cost-aware ranking: auth rate times settlement value.
    """
    return p * (view.amount_reporting[:, None] - fees)
