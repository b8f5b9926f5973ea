"""Where the attackers' accounts are: buyer and seller ids of each market, attacker id ranges.

The platform books money per seller id and tracks spending per buyer id, so every account an
attacker uses is one of the world's ids (an account the attacker opened or controls).
Devices and cards of the attackers here live in ranges of their own, above the takeover
attackers' (``takeover``): views show them only as fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paysim.engine.streams import RandomStreams

#: devices and cards of the attackers of this module's kinds (below the probes' 2**53)
ABUSE_DEVICE_BASE = (1 << 52) + (1 << 50)
RING_DEVICE_BASE = (1 << 52) + (1 << 51)
RING_CARD_BASE = (1 << 51) + (1 << 50)


@dataclass(frozen=True)
class Accounts:
    """Buyer and seller id ranges per market, and the corridors' markets."""

    buyer_offset: np.ndarray
    buyer_count: np.ndarray
    seller_offset: np.ndarray
    seller_count: np.ndarray
    corridor_buyer: np.ndarray
    corridor_seller: np.ndarray
    corridor_share: np.ndarray

    @classmethod
    def of(cls, scenario: object) -> Accounts:
        """The ranges of ``scenario`` (numbered as the checkout model numbers them)."""
        markets = tuple(m.code for m in scenario.markets)  # type: ignore[attr-defined]
        buyers = np.array([m.buyers for m in scenario.markets], dtype=np.int64)  # type: ignore[attr-defined]
        sellers = np.array([m.sellers for m in scenario.markets], dtype=np.int64)  # type: ignore[attr-defined]
        corridors = scenario.demand.corridors  # type: ignore[attr-defined]
        share = np.array([c.share for c in corridors], dtype=float)
        return cls(
            buyer_offset=np.cumsum(buyers) - buyers, buyer_count=buyers,
            seller_offset=np.cumsum(sellers) - sellers, seller_count=sellers,
            corridor_buyer=np.array([markets.index(c.buyer) for c in corridors]),
            corridor_seller=np.array([markets.index(c.seller) for c in corridors]),
            corridor_share=share / share.sum(),
        )  # fmt: skip

    def sellers_in(self, market: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Seller ids of ``market`` at positions ``u`` in [0, 1)."""
        return self.seller_offset[market] + (u * self.seller_count[market]).astype(np.int64)

    def buyers_in(self, market: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Buyer ids of ``market`` at positions ``u`` in [0, 1)."""
        return self.buyer_offset[market] + (u * self.buyer_count[market]).astype(np.int64)


def fraud_sellers(accounts: Accounts, n: int, streams: RandomStreams, name: str) -> np.ndarray:
    """``[market, n]`` seller ids a fraudster holds in each market (drawn once per run)."""
    u = streams.stream(name).uniform((len(accounts.seller_count), n))
    markets = np.repeat(np.arange(len(accounts.seller_count)), n).reshape(u.shape)
    return accounts.sellers_in(markets, u)
