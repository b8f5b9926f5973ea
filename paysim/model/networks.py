"""Card networks (Visa, Mastercard, UnionPay...) under the card channels that declare them.

A card payment at a channel with ``networks`` runs on one of them, drawn by the channel's
shares with a uniform keyed by the checkout, so all attempts of a checkout at that channel use
the same network. A network adds its scheme fee to cross-border payments and is down whenever
its upstream is, on every channel that carries it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from paysim.engine.streams import KeyedUniforms
from paysim.model.channel_spec import ChannelSpec
from paysim.model.outages import StepFunction, StepTable
from paysim.model.spec_types import METHODS

CARD = METHODS.index("card")


class CardNetworks:
    """The networks of every channel as ``[channel, network]`` arrays."""

    def __init__(
        self,
        specs: Sequence[ChannelSpec],
        upstream_health: Mapping[str, StepFunction],
        luck: KeyedUniforms,
    ) -> None:
        self.ids = tuple(dict.fromkeys(n.id for c in specs for n in c.networks))
        self.share = np.zeros((len(specs), len(self.ids)))
        self.fee_percent = np.zeros((len(specs), len(self.ids)))
        upstream: dict[str, str | None] = dict.fromkeys(self.ids)
        for c, spec in enumerate(specs):
            for net in spec.networks:
                j = self.ids.index(net.id)
                self.share[c, j] = net.share
                self.fee_percent[c, j] = net.cross_border_percent
                upstream[net.id] = upstream[net.id] or net.upstream
        self.cdf = np.cumsum(self.share, axis=1)
        self.has_networks = self.share.sum(axis=1) > 0
        self.health = [
            StepFunction.constant() if upstream[n] is None else upstream_health[upstream[n]]  # type: ignore[index]
            for n in self.ids
        ]
        self.health_table = StepTable(self.health)
        self.luck = luck

    def health_at(self, t_s: np.ndarray) -> np.ndarray:
        """``[payment, network]`` health of each network at each time (one column if none)."""
        if not self.ids:
            return np.ones((len(t_s), 1))
        return self.health_table(t_s)

    def expected(self, p: np.ndarray, method: np.ndarray, network_health: np.ndarray) -> np.ndarray:
        """``p`` ``[payment, channel]`` averaged over the network each card payment may use."""
        if not self.ids:
            return p
        card = (method == CARD)[:, None] & self.has_networks[None, :]
        return np.where(card, p * (network_health @ self.share.T), p)

    def draw(self, channel: np.ndarray, method: np.ndarray, checkout_id: np.ndarray) -> np.ndarray:
        """The network of each payment at its channel, -1 where none applies."""
        network = np.full(len(channel), -1, dtype=np.int16)
        if not self.ids:
            return network
        on_net = np.flatnonzero(self.has_networks[channel] & (method == CARD))
        if on_net.size:
            u = self.luck.uniforms(checkout_id[on_net], 1)[:, 0]
            cdf = self.cdf[channel[on_net]]
            index = (u[:, None] * cdf[:, -1:] >= cdf).sum(axis=1)
            network[on_net] = np.minimum(index, len(self.ids) - 1)
        return network

    def scheme_fee_percent(self, channel: np.ndarray, network: np.ndarray) -> np.ndarray:
        """The network's cross-border scheme fee for each payment (0 off-network)."""
        if not self.ids:
            return np.zeros(len(channel))
        return np.where(network >= 0, self.fee_percent[channel, np.maximum(network, 0)], 0.0)
