"""Card networks (Visa, Mastercard, UnionPay...): which card a buyer holds, who accepts it.

A card carries its network, as a real card carries it in its BIN. Each buyer's cards are drawn
once from their market's ``card_networks`` mix (see ``paysim.model.checkout.buyers``), so a buyer
keeps their cards across checkouts and experiment arms. A card channel's ``networks`` list says
which networks it accepts (a card channel without one accepts every card); eligibility is the
market x method table of the channels plus this channel x network mask, and the router sees
both. A network adds its scheme fee to cross-border payments and is down whenever its upstream
is, on every channel.

Arrays over networks have one extra last entry for "no network" (non-card payments, or a card
market without a mix), so ``array[network]`` with ``network = -1`` needs no special case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from paysim.errors import field_problem
from paysim.model.channels.outages import StepFunction, StepTable
from paysim.model.channels.spec import ChannelSpec
from paysim.model.core.spec_types import METHODS

if TYPE_CHECKING:
    from paysim.model.spec import Scenario

CARD = METHODS.index("card")
NO_NETWORK = -1


def network_ids(scenario: Scenario) -> tuple[str, ...]:
    """Every network of the world: as channels list them, then those only markets name."""
    listed = [n.id for c in scenario.channels for n in c.networks]
    held = [n for m in scenario.markets for n in m.card_networks]
    return tuple(dict.fromkeys(listed + held))


def market_mix(scenario: Scenario, code: str) -> dict[str, float]:
    """The card-network mix of a market's buyers (empty: their cards carry no known network).

    The market's ``card_networks``, or (deprecated) the mean of the ``share`` mixes of the card
    channels serving the market that give shares.
    """
    market = scenario.market(code)
    if market.card_networks:
        return dict(market.card_networks)
    mixes = [
        {n.id: float(n.share) for n in c.networks if n.share is not None}
        for c in scenario.channels
        if "card" in c.methods and code in c.markets
    ]
    mixes = [mix for mix in mixes if mix]
    total: dict[str, float] = {}
    for mix in mixes:
        for network, share in mix.items():
            total[network] = total.get(network, 0.0) + share / len(mixes)
    return total


def mix_table(scenario: Scenario, markets: Sequence[str]) -> np.ndarray:
    """``[market, network]`` shares of each market's cards (rows of zeros: no mix)."""
    ids = network_ids(scenario)
    table = np.zeros((len(markets), len(ids)))
    for m, code in enumerate(markets):
        for network, share in market_mix(scenario, code).items():
            table[m, ids.index(network)] = share
    return table


def network_problems(scenario: Scenario) -> list[str]:
    """Card markets whose buyers' networks are unknown while some channel there filters them."""
    problems = []
    for code in sorted({c.buyer for c in scenario.demand.corridors}):
        markets = {m.code for m in scenario.markets}
        if code not in markets or scenario.market(code).method_mix.get("card", 0.0) == 0:
            continue
        if market_mix(scenario, code):
            continue
        filtering = [
            c.id
            for c in scenario.channels
            if c.networks and "card" in c.methods and code in c.markets
        ]
        if filtering:
            problems.append(
                field_problem(
                    f"markets.{code}.card_networks",
                    f"required: channel {filtering[0]} accepts only the card networks it lists",
                )
            )
    return problems


class CardNetworks:
    """The networks as arrays: acceptance ``[network, channel]``, fees, health."""

    def __init__(
        self,
        scenario: Scenario,
        specs: Sequence[ChannelSpec],
        upstream_health: Mapping[str, StepFunction],
    ) -> None:
        self.ids = network_ids(scenario)
        n = len(self.ids)
        # last row: no network, accepted by every channel
        self.accepts = np.ones((n + 1, len(specs)), dtype=bool)
        # last column: no network, no scheme fee
        self.fee_percent = np.zeros((len(specs), n + 1))
        upstream: dict[str, str | None] = dict.fromkeys(self.ids)
        for c, spec in enumerate(specs):
            if spec.networks:
                self.accepts[:n, c] = False
            for net in spec.networks:
                j = self.ids.index(net.id)
                self.accepts[j, c] = True
                self.fee_percent[c, j] = net.cross_border_percent
                upstream[net.id] = upstream[net.id] or net.upstream
        self.health = [
            StepFunction.constant() if upstream[n] is None else upstream_health[upstream[n]]  # type: ignore[index]
            for n in self.ids
        ]
        self.health_table = StepTable(self.health) if self.ids else None
        self.any_outages = any(h.edges_s.size or h.values[0] != 1.0 for h in self.health)

    def health_of(self, t_s: np.ndarray, network: np.ndarray) -> np.ndarray:
        """Health of each payment's network at its time (1 without a network)."""
        out = np.ones(len(t_s))
        if self.health_table is None or not self.any_outages:
            return out
        on_net = np.flatnonzero(network >= 0)
        if on_net.size:
            out[on_net] = self.health_table(t_s[on_net])[np.arange(on_net.size), network[on_net]]
        return out

    def scheme_fee_percent(self, channel: np.ndarray, network: np.ndarray) -> np.ndarray:
        """The network's cross-border scheme fee at each payment's channel (0 off-network)."""
        return self.fee_percent[channel, network]
