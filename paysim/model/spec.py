"""The scenario schema: a validated, frozen description of the simulated world.

Every section is a pydantic model with unknown keys forbidden and no silent type coercion, so a
typo or a wrong type in a scenario file is an error that names the field. Cross-references
(corridors to markets, channels to markets and methods) are checked after the fields, and every
problem found is reported at once, each on its own ``field.path: reason`` line.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from paysim.errors import ScenarioError, field_problem
from paysim.model.channels.drift import scenario_drift_problems
from paysim.model.channels.networks import network_problems
from paysim.model.channels.spec import (
    AmountBandSpec,
    ChannelSpec,
    UpstreamSpec,
    upstream_problems,
)
from paysim.model.checkout.cascade import CascadeSpec, cascade_problems
from paysim.model.checkout.spec import CheckoutSpec
from paysim.model.core.distributions import Distribution
from paysim.model.core.spec_types import (
    MAX_HORIZON_DAYS,
    MAX_POPULATION,
    MAX_SEED,
    Currency,
    Identifier,
    MarketCode,
    Method,
    Name,
    Probability,
    Spec,
    check_mix,
    mix_problem,
)
from paysim.model.demand.spec import DemandSpec
from paysim.model.fraud.spec import FraudRiskSpec, FraudSpec
from paysim.model.fx.spec import FxSpec
from paysim.model.platform.spec import PlatformSpec


def _increasing(bands: list[AmountBandSpec]) -> list[AmountBandSpec]:
    edges = [band.above_reporting for band in bands]
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValueError(f"above_reporting must increase, got {edges}")
    return bands


class MarketSpec(Spec):
    """A country: its currency, its buyers and sellers, how its buyers like to pay.

    ``method_mix`` is the buyers' choice among the methods that can take the amount: a method
    no channel serving the market can take at that amount (a wire under its minimum ticket,
    BNPL over its limit) is not chosen, and ``method_amount_bands`` multiplies a method's share
    for amounts of at least ``above_reporting`` (e.g. wire for large tickets). ``card_networks``
    is the mix of the networks of the buyers' cards (each buyer keeps theirs).
    """

    code: MarketCode
    currency: Currency
    utc_offset_h: float = Field(default=0.0, ge=-12, le=14)
    buyers: int = Field(default=0, ge=0, le=MAX_POPULATION)
    sellers: int = Field(default=0, ge=0, le=MAX_POPULATION)
    basket_amount: Distribution | None = None
    method_mix: Annotated[dict[Method, Probability], AfterValidator(check_mix)] = Field(
        default_factory=dict
    )
    method_amount_bands: dict[
        Method, Annotated[list[AmountBandSpec], AfterValidator(_increasing)]
    ] = Field(default_factory=dict)
    card_networks: Annotated[dict[Identifier, Probability], AfterValidator(check_mix)] = Field(
        default_factory=dict
    )
    kyc_mix: Annotated[
        dict[Literal["none", "basic", "full"], Probability], AfterValidator(check_mix)
    ] = Field(default_factory=lambda: {"full": 1.0})
    buyer_risk_mean: float = Field(default=0.05, ge=0, lt=1)


class StrategySpec(Spec):
    """A pluggable policy by registered name, with its keyword parameters."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class RoutingStrategySpec(StrategySpec):
    """The routing strategy, optionally wrapped with cascading retries (``cascade``)."""

    cascade: CascadeSpec | None = None


class StrategiesSpec(Spec):
    """The policies under test."""

    routing: RoutingStrategySpec = Field(
        default_factory=lambda: RoutingStrategySpec(name="priority")
    )
    hedging: StrategySpec = Field(default_factory=lambda: StrategySpec(name="none"))
    # fraud and defences (issue 11)
    defence: StrategySpec = Field(default_factory=lambda: StrategySpec(name="none"))


class EngineSpec(Spec):
    """Simulation mechanics: the window the model advances by."""

    # 0.1 s to 1 h: finer windows only add per-window overhead (~0.3 ms each), coarser ones
    # delay every answer a router learns from by up to an hour
    batch_s: float = Field(default=60.0, ge=0.1, le=3600)


class Scenario(Spec):
    """A whole simulated world: the root of a scenario file."""

    name: Name
    description: str = ""
    horizon_days: float = Field(gt=0, le=MAX_HORIZON_DAYS)
    reporting_currency: Currency = "USD"
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    engine: EngineSpec = Field(default_factory=EngineSpec)
    markets: list[MarketSpec] = Field(min_length=1)
    demand: DemandSpec
    checkout: CheckoutSpec = Field(default_factory=CheckoutSpec)
    channels: list[ChannelSpec] = Field(min_length=1)
    upstreams: list[UpstreamSpec] = Field(default_factory=list)
    fx: FxSpec = Field(default_factory=FxSpec)
    platform: PlatformSpec = Field(default_factory=PlatformSpec)
    risk: FraudRiskSpec = Field(default_factory=FraudRiskSpec)
    fraud: FraudSpec | None = None  # attackers; absent: a world without fraudsters
    strategies: StrategiesSpec = Field(default_factory=StrategiesSpec)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = reference_problems(self)
        if problems:
            raise ScenarioError(problems)
        return self

    def market(self, code: str) -> MarketSpec:
        """The market with this code."""
        return next(m for m in self.markets if m.code == code)

    def channel(self, channel_id: str) -> ChannelSpec:
        """The channel with this id."""
        return next(c for c in self.channels if c.id == channel_id)


def reference_problems(scenario: Scenario) -> list[str]:
    """Every cross-field problem of a scenario whose fields are individually valid."""
    problems: list[str] = []
    problems += _duplicates("markets", [m.code for m in scenario.markets])
    problems += _duplicates("channels", [c.id for c in scenario.channels])
    markets = {m.code: m for m in scenario.markets}
    problems += _corridor_problems(scenario, markets)
    for channel in scenario.channels:
        for code in channel.markets:
            if code not in markets:
                problems.append(
                    field_problem(f"channels.{channel.id}.markets", "unknown market", code)
                )
    buyer_markets = {c.buyer for c in scenario.demand.corridors}
    for code in sorted(buyer_markets & markets.keys()):
        market = markets[code]
        if market.basket_amount is None:
            problems.append(
                field_problem(f"markets.{code}.basket_amount", "required for a buyer market")
            )
        if not market.method_mix:
            problems.append(
                field_problem(f"markets.{code}.method_mix", "required for a buyer market")
            )
        for method, share in market.method_mix.items():
            served = any(method in c.methods and code in c.markets for c in scenario.channels)
            if share > 0 and not served:
                problems.append(
                    field_problem(
                        f"markets.{code}.method_mix.{method}",
                        f"no channel serves {method} in {code}",
                    )
                )
    problems += upstream_problems(scenario.channels, scenario.upstreams, set(markets))
    problems += network_problems(scenario)
    problems += scenario_drift_problems(scenario)
    problems += cascade_problems(scenario)
    problems += _fx_problems(scenario)
    return problems


def _fx_problems(scenario: Scenario) -> list[str]:
    from paysim.model.fx.ecb import rates_per_eur

    used = {m.currency for m in scenario.markets} | {c.currency for c in scenario.channels}
    used.add(scenario.reporting_currency)
    published = rates_per_eur(scenario.fx.as_of, sorted(used))
    problems = [
        field_problem(
            f"fx.assumed_per_usd.{code}",
            f"needed: the ECB publishes no {code} rate on {scenario.fx.as_of or 'the latest date'}",
        )
        for code in sorted(used - published.keys() - scenario.fx.assumed_per_usd.keys())
    ]
    # -- moving rates (issue 10): every currency needs its model's parameters
    if scenario.fx.moving and not problems:
        from paysim.model.fx.path import resolve_model

        try:
            resolve_model(scenario.fx, sorted(used))
        except ScenarioError as exc:
            problems += exc.problems
    return problems


def _duplicates(section: str, keys: list[str]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for key in keys:
        if key in seen:
            problems.append(field_problem(f"{section}.{key}", "appears more than once"))
        seen.add(key)
    return problems


def _corridor_problems(scenario: Scenario, markets: dict[str, MarketSpec]) -> list[str]:
    problems = []
    corridors = scenario.demand.corridors
    for i, corridor in enumerate(corridors):
        path = f"demand.corridors.{i}"
        for role, code, population in (
            ("buyer", corridor.buyer, "buyers"),
            ("seller", corridor.seller, "sellers"),
        ):
            if code not in markets:
                problems.append(field_problem(f"{path}.{role}", "unknown market", code))
            elif getattr(markets[code], population) == 0:
                problems.append(
                    field_problem(f"{path}.{role}", f"market {code} has no {population}")
                )
    if problem := mix_problem({str(i): c.share for i, c in enumerate(corridors)}):
        problems.append(field_problem("demand.corridors", f"shares {problem}"))
    return problems
