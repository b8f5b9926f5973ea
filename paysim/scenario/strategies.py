"""Building a scenario's strategies from their registered names."""

from __future__ import annotations

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import RandomStreams
from paysim.errors import ScenarioError
from paysim.model.channels.table import ChannelTable
from paysim.model.checkout.spec import KYC_TIERS
from paysim.model.core.spec_types import METHODS
from paysim.model.fraud.signals import DefenceContext
from paysim.model.fx.rates import FixedRates
from paysim.model.routing import RoutingContext
from paysim.model.spec import Scenario
from paysim.model.world import routing_context, scenario_currencies
from paysim.strategies import DEFENCES, HEDGERS, ROUTERS, BaseDefence, BaseHedger, BaseRouter

ROUTING_PATH = "strategies.routing"
DEFENCE_PATH = "strategies.defence"
HEDGING_PATH = "strategies.hedging"


def build_defence(scenario: Scenario) -> BaseDefence:
    """The defence strategy a scenario names, built with its parameters (not yet bound)."""
    spec = scenario.strategies.defence
    defence: BaseDefence = DEFENCES.create(spec.name, dict(spec.params), DEFENCE_PATH)
    return defence


def build_router(scenario: Scenario) -> BaseRouter:
    """The routing strategy a scenario names, built with its parameters (not yet bound).

    Works the same in a spawned worker process or on a Dask worker: the name is looked up in
    the registry, which imports an installed plug-in's entry point on first use.
    """
    spec = scenario.strategies.routing
    router: BaseRouter = ROUTERS.create(spec.name, dict(spec.params), ROUTING_PATH)
    return router


def build_hedger(scenario: Scenario) -> BaseHedger:
    """The hedging strategy a scenario names (``none`` by default), not yet bound."""
    spec = scenario.strategies.hedging
    hedger: BaseHedger = HEDGERS.create(spec.name, dict(spec.params), HEDGING_PATH)
    return hedger


def validation_context(scenario: Scenario) -> RoutingContext:
    """The routing context of a scenario's channels, for checking a strategy's parameters."""
    currencies = scenario_currencies(scenario)
    rates = FixedRates.from_spec(scenario.fx, currencies)
    streams = RandomStreams(scenario.seed)
    markets = tuple(m.code for m in scenario.markets)
    channels = ChannelTable(scenario, markets, rates, streams, SECONDS_PER_DAY)
    reporting = currencies.index(scenario.reporting_currency)
    return routing_context(
        scenario, channels, rates, reporting, streams.generator("strategy.routing")
    )


def strategy_problems(scenario: Scenario) -> list[str]:
    """Problems with the scenario's strategy names and parameters (empty when all build).

    The router is also bound to the scenario's channels, so a parameter naming an unknown
    channel is caught by ``paysim validate`` as it would be by ``paysim run``.
    """
    try:
        ROUTERS.bind(build_router(scenario), validation_context(scenario), ROUTING_PATH)
        DEFENCES.bind(build_defence(scenario), defence_context(scenario), DEFENCE_PATH)
        build_hedger(scenario)  # bound to the treasury when the world is built
    except ScenarioError as exc:
        return exc.problems
    return []


def defence_context(scenario: Scenario) -> DefenceContext:
    """The defence context of a scenario, for checking a defence's parameters."""
    return DefenceContext(
        markets=tuple(m.code for m in scenario.markets),
        methods=METHODS,
        kyc_tiers=KYC_TIERS,
        reporting_currency=scenario.reporting_currency,
        rng=RandomStreams(scenario.seed).generator("strategy.defence"),
    )
