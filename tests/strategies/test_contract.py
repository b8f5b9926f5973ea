"""Every shipped routing strategy passes the contract third-party strategies run."""

from __future__ import annotations

from paysim.strategies.routing.cheapest import CheapestRouter
from paysim.strategies.routing.contract import ContractRouter
from paysim.strategies.routing.elimination import EliminationRouter
from paysim.strategies.routing.epsilon_greedy import EpsilonGreedyRouter
from paysim.strategies.routing.oracle import OracleRouter
from paysim.strategies.routing.priority import PriorityRouter
from paysim.strategies.routing.success_rate import SuccessRateRouter
from paysim.strategies.routing.thompson import ThompsonRouter
from paysim.strategies.routing.ucb import SlidingWindowUCBRouter, UCBRouter
from paysim.strategies.routing.volume_split import VolumeSplitRouter
from paysim.strategies.routing.weighted_score import WeightedScoreRouter
from paysim.testing import RoutingStrategyContract


class TestPriority(RoutingStrategyContract):
    def make_strategy(self):
        return PriorityRouter(order=["ch2", "ch0"])


class TestPriorityScenarioOrder(RoutingStrategyContract):
    def make_strategy(self):
        return PriorityRouter()


class TestVolumeSplit(RoutingStrategyContract):
    def make_strategy(self):
        return VolumeSplitRouter(shares={"ch0": 0.7, "ch1": 0.2, "ch2": 0.1})


class TestCheapest(RoutingStrategyContract):
    def make_strategy(self):
        return CheapestRouter()


class TestWeightedScore(RoutingStrategyContract):
    def make_strategy(self):
        return WeightedScoreRouter()


class TestWeightedScoreStated(RoutingStrategyContract):
    def make_strategy(self):
        scores = {
            c: {"security": s, "fees": 0.5} for c, s in (("ch0", 0.9), ("ch1", 0.6), ("ch2", 0.3))
        }
        return WeightedScoreRouter(
            weights={"security": 2.0, "stability": 3.0, "fees": 1.0}, scores=scores, window=50
        )


class TestSuccessRate(RoutingStrategyContract):
    def make_strategy(self):
        return SuccessRateRouter()


class TestSuccessRateValue(RoutingStrategyContract):
    def make_strategy(self):
        return SuccessRateRouter(
            window=30,
            segment_by=["method", "currency", "network", "amount_band"],
            objective="expected_value",
            latency_threshold_ms=1000.0,
        )


class TestEpsilonGreedy(RoutingStrategyContract):
    def make_strategy(self):
        return EpsilonGreedyRouter()


class TestEpsilonGreedyDecaying(RoutingStrategyContract):
    def make_strategy(self):
        return EpsilonGreedyRouter(epsilon=0.2, decay=5.0, objective="expected_value")


class TestUCB(RoutingStrategyContract):
    def make_strategy(self):
        return UCBRouter()


class TestSlidingWindowUCB(RoutingStrategyContract):
    def make_strategy(self):
        return SlidingWindowUCBRouter(window=300, segment_by=["buyer_market", "amount_band"])


class TestThompsonWindow(RoutingStrategyContract):
    def make_strategy(self):
        return ThompsonRouter()


class TestThompsonDiscount(RoutingStrategyContract):
    def make_strategy(self):
        return ThompsonRouter(window=None, discount=0.99, objective="expected_value")


class TestThompsonStationary(RoutingStrategyContract):
    def make_strategy(self):
        return ThompsonRouter(window=None, segment_by=[])


class TestElimination(RoutingStrategyContract):
    def make_strategy(self):
        return EliminationRouter()


class TestEliminationOrdered(RoutingStrategyContract):
    def make_strategy(self):
        return EliminationRouter(order=["ch1", "ch0"], bucket_size=3, leak_interval_s=60.0)


class TestContract(RoutingStrategyContract):
    def make_strategy(self):
        return ContractRouter(
            commitments={"ch1": {"target_count": 300, "target_time_s": 3600.0}},
            tiers={"ch1": [{"from_count": 0, "percent": 3.0}, {"from_count": 200, "percent": 1.5}]},
        )


class TestOracle(RoutingStrategyContract):
    def make_strategy(self):
        return OracleRouter()


class TestOracleValue(RoutingStrategyContract):
    def make_strategy(self):
        return OracleRouter(objective="expected_value")
