"""A small world with moving rates, to run a hedging strategy through the real treasury.

Indonesian and Thai buyers pay Chinese sellers through a card channel settling in USD, for
four days; rates follow a GBM with stated volatilities (no calibration needed).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.model.spec import Scenario
from paysim.model.world import World
from paysim.strategies.hedging.base import BaseHedger
from paysim.strategies.routing.priority import PriorityRouter

# annual volatilities against EUR, about those of the ECB history 2015-2024
SMALL_WORLD_FX: dict[str, Any] = {
    "model": "gbm",
    "params": {c: {"mu": 0.0, "sigma": s} for c, s in
               {"USD": 0.08, "CNY": 0.07, "IDR": 0.09, "THB": 0.08}.items()},
    "interest_percent": {"USD": 4.375, "CNY": 3.1, "IDR": 6.0, "THB": 2.25},
    "quote": {"spread_bps": 30.0},
}  # fmt: skip


def small_world(days: float = 4.0) -> dict[str, Any]:
    """The scenario, as plain data."""

    def buyers(code: str, currency: str, p50: float) -> dict[str, Any]:
        return {
            "code": code, "currency": currency, "buyers": 5000, "utc_offset_h": 7.0,
            "basket_amount": {"dist": "lognormal", "p50": p50, "p99": 10 * p50},
            "method_mix": {"card": 1.0},
        }  # fmt: skip

    return {
        "name": "hedging_small_world",
        "horizon_days": days,
        "reporting_currency": "USD",
        "engine": {"batch_s": 900.0},
        "markets": [
            buyers("ID", "IDR", 3e5),
            buyers("TH", "THB", 600.0),
            {"code": "CN", "currency": "CNY", "sellers": 200, "utc_offset_h": 8.0},
        ],
        "demand": {
            "orders_per_day": 800,
            "corridors": [
                {"buyer": "ID", "seller": "CN", "share": 0.75},
                {"buyer": "TH", "seller": "CN", "share": 0.25},
            ],
        },
        "channels": [
            {
                "id": "card",
                "kind": "card_acquirer",
                "methods": ["card"],
                "markets": ["ID", "TH"],
                "currency": "USD",
                "latency_ms": {"dist": "constant", "value": 100.0},
                "success": {"base": 1.0},
            }
        ],
        "platform": {"auto_release_days": 1, "delivery_days": {"dist": "constant", "value": 1}},
        "fx": SMALL_WORLD_FX,
    }


def run_small_world(hedger: BaseHedger, seed: int = 1, days: float = 4.0) -> World:
    """The small world run to its horizon with ``hedger`` (unbound: the treasury binds it)."""
    scenario = Scenario.model_validate(small_world(days))
    world = World(
        scenario, PriorityRouter(), np.random.SeedSequence(seed), days * SECONDS_PER_DAY,
        hedger=hedger,
    )  # fmt: skip
    world.run()
    return world
