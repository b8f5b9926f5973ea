"""Scenario section ``demand``: how many orders arrive, when, between which markets.

Social demand sits on top of the diurnal profile: influencer live-streams and flash sales
(``campaigns``) multiply the rate of the corridors they target while they run, and group buys
(``group_buys``) add bursts of orders for one item from one seller.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from paysim.errors import ScenarioError, field_problem
from paysim.model.core.distributions import Distribution, Empirical, Exponential
from paysim.model.core.spec_types import (
    DIURNAL_PROFILES,
    MAX_HORIZON_DAYS,
    Identifier,
    MarketCode,
    Spec,
)

MAX_HOURS = MAX_HORIZON_DAYS * 24.0  # campaign times beyond the longest horizon never come
#: Orders a day: 10^9 is ten times the world's card payments; a run's memory bounds it further.
MAX_ORDERS_PER_DAY = 1e9


class CorridorSpec(Spec):
    """A share of all orders flowing from buyers of one market to sellers of another.

    ``delivery_days`` (days from payment to delivery) overrides ``platform.delivery_days``
    for this corridor's parcels.
    """

    buyer: MarketCode
    seller: MarketCode
    share: float = Field(gt=0, le=1)
    delivery_days: Distribution | None = None


def _diurnal(value: str | list[float]) -> str | list[float]:
    if isinstance(value, str):
        if value not in DIURNAL_PROFILES:
            raise ValueError(f"must be one of {', '.join(DIURNAL_PROFILES)} or 24 weights")
    elif len(value) != 24 or any(not 0 <= w <= 1e12 for w in value) or sum(value) <= 0:
        raise ValueError("must be 24 hourly weights in [0, 1e12] with a positive sum")
    return value


# Defaults per kind, filled in before validation (all assumptions, see campaigns.py).
# Live-stream: a 2 h evening show (p99 6 h) tripling the order rate of its markets.
# Flash sale: a 1 h sale at five times the usual rate.
CAMPAIGN_DEFAULTS: dict[str, dict[str, Any]] = {
    "live_stream": {
        "uplift": 3.0,
        "duration_min": {"dist": "lognormal", "p50": 120.0, "p99": 360.0},
        "commission_percent": 10.0,
    },
    "flash_sale": {
        "uplift": 5.0,
        "duration_min": {"dist": "constant", "value": 60.0},
        "commission_percent": 0.0,
    },
}


class CampaignSpec(Spec):
    """An influencer live-stream or a flash sale: a burst of demand on some corridors.

    While an occurrence runs, the order rate of every targeted corridor is ``uplift`` times its
    diurnal rate; the extra ``uplift - 1`` part is attributed to the campaign (organic orders
    keep arriving). Occurrences start at ``starts_h`` (hours since the run's start), every
    ``every_h`` hours from ``first_h``, and as a Poisson process of ``per_day`` starts a day,
    drawn once at set-up from the campaign's own random stream; any combination adds up.
    ``buyer_markets`` / ``seller_markets`` select the corridors (empty: all). The influencer
    earns ``commission_percent`` of the value of the campaign's completed orders.
    """

    id: Identifier
    kind: Literal["live_stream", "flash_sale"]
    uplift: float = Field(ge=1, le=1000)
    duration_min: Distribution
    starts_h: list[Annotated[float, Field(ge=0, le=MAX_HOURS)]] = Field(
        default_factory=list, max_length=100_000
    )
    # at most one start per 15-minute demand cell, on average: the grid the rate lives on
    every_h: float | None = Field(default=None, ge=0.25, le=MAX_HOURS)
    first_h: float = Field(default=0.0, ge=0, le=MAX_HOURS)
    per_day: float = Field(default=0.0, ge=0, le=96)
    buyer_markets: list[MarketCode] = Field(default_factory=list)
    seller_markets: list[MarketCode] = Field(default_factory=list)
    influencer: Identifier | None = None
    commission_percent: float = Field(ge=0, le=100)

    @model_validator(mode="before")
    @classmethod
    def _kind_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and str(data.get("kind")) in CAMPAIGN_DEFAULTS:
            return {**CAMPAIGN_DEFAULTS[data["kind"]], **data}
        return data

    @model_validator(mode="after")
    def _scheduled(self) -> CampaignSpec:
        if not self.starts_h and self.every_h is None and self.per_day == 0:
            raise ScenarioError.at(
                f"demand.campaigns.{self.id}", "needs starts_h, every_h or per_day to ever run"
            )
        return self


class GroupBuySpec(Spec):
    """Group buys: bursts of orders for one item from one seller, shared in a social circle.

    Groups open as a Poisson process that follows the organic rate (its diurnal shape and
    corridor mix) at ``groups_per_day`` a day. Each group has ``size`` orders (rounded, at
    least 2); the opener orders at once, the others ``join_delay_min`` minutes later. These
    orders come on top of ``orders_per_day``.
    """

    groups_per_day: float = Field(default=0.0, ge=0, le=MAX_ORDERS_PER_DAY)
    size: Distribution = Field(
        default_factory=lambda: Empirical(
            dist="empirical", values=[2.0, 3.0, 5.0, 10.0], weights=[0.6, 0.25, 0.1, 0.05]
        )
    )
    join_delay_min: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=30.0)
    )
    max_size: int = Field(default=50, ge=2, le=10_000)


class DemandSpec(Spec):
    """How many orders arrive, when, between which markets, and the social bursts on top."""

    orders_per_day: float = Field(gt=0, le=MAX_ORDERS_PER_DAY)
    diurnal: Annotated[str | list[float], AfterValidator(_diurnal)] = "flat"
    corridors: list[CorridorSpec] = Field(min_length=1)
    campaigns: list[CampaignSpec] = Field(default_factory=list)
    group_buys: GroupBuySpec = Field(default_factory=GroupBuySpec)

    @model_validator(mode="after")
    def _campaign_targets(self) -> DemandSpec:
        buyers = {c.buyer for c in self.corridors}
        sellers = {c.seller for c in self.corridors}
        problems = []
        seen: set[str] = set()
        for campaign in self.campaigns:
            path = f"demand.campaigns.{campaign.id}"
            if campaign.id in seen:
                problems.append(field_problem(path, "appears more than once"))
            seen.add(campaign.id)
            for role, codes, known in (
                ("buyer_markets", campaign.buyer_markets, buyers),
                ("seller_markets", campaign.seller_markets, sellers),
            ):
                problems += [
                    field_problem(f"{path}.{role}", f"no corridor has {role[:-8]} market", code)
                    for code in codes
                    if code not in known
                ]
        if problems:
            raise ScenarioError(problems)
        return self
