"""Contract tests every strategy of every family passes, whatever it does.

Subclass the family's contract class (``RoutingStrategyContract``) in a class whose name
starts with ``Test`` and give it ``make_strategy``; pytest then runs every ``test_*`` method
on your strategy. The family-independent checks live here, in ``StrategyContract``, so the
hedging and defence families reuse them.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar

import yaml

from paysim.strategies.base import Strategy
from paysim.strategies.params import plain
from paysim.strategies.registry import Registry


class StrategyContract:
    """Checks of a strategy's parameters, registration and pickling.

    Attributes:
        registry: the family's registry the strategy is registered with.

    """

    registry: ClassVar[Registry]

    def make_strategy(self) -> Strategy:
        """A new, unbound strategy with the parameters to test (override this)."""
        raise NotImplementedError("subclass the contract and define make_strategy()")

    def test_is_registered_under_its_name(self) -> None:
        """The registry knows the class under the strategy's name."""
        strategy = self.make_strategy()
        assert isinstance(strategy, self.registry.base)
        assert strategy.name, "register the class with the family's decorator"
        assert self.registry.get(strategy.name, "strategy") is type(strategy)

    def test_has_a_one_line_description(self) -> None:
        """``paysim list strategies`` has a line to show for it."""
        strategy = self.make_strategy()
        description = self.registry.describe()[strategy.name]
        assert description.strip(), "the class docstring's first line is its description"

    def test_parameters_are_kept_as_given(self) -> None:
        """``get_params`` reads back every ``__init__`` parameter, and rebuilds an equal one."""
        strategy = self.make_strategy()
        params = strategy.get_params()
        assert list(params) == type(strategy).param_names()
        twin = type(strategy)(**params)
        assert twin.get_params() == params

    def test_clone_has_equal_parameters(self) -> None:
        """``clone`` gives a new strategy with equal parameters."""
        strategy = self.make_strategy()
        twin = strategy.clone()
        assert type(twin) is type(strategy) and twin is not strategy
        assert twin.get_params() == strategy.get_params()

    def test_parameters_round_trip_through_yaml(self) -> None:
        """``to_spec`` written with ``yaml.safe_dump`` and read back builds an equal strategy."""
        strategy = self.make_strategy()
        spec = strategy.to_spec()
        assert spec == plain(spec), "to_spec() must give plain YAML data"
        text = yaml.safe_dump({"strategy": spec}, sort_keys=False)
        back = yaml.safe_load(text)["strategy"]
        rebuilt = self.registry.create_from_spec(back, f"strategies.{self.registry.family}")
        assert type(rebuilt) is type(strategy)
        assert rebuilt.to_spec() == spec
        assert plain(rebuilt.get_params()) == plain(strategy.get_params())

    def test_an_unbound_strategy_pickles(self) -> None:
        """An unbound strategy pickles (tasks carry scenarios to workers)."""
        strategy = self.make_strategy()
        twin = pickle.loads(pickle.dumps(strategy))
        assert twin.get_params() == strategy.get_params()

    @staticmethod
    def same(a: Any, b: Any) -> bool:
        """Plain-data equality (tuples and lists alike)."""
        return bool(plain(a) == plain(b))
