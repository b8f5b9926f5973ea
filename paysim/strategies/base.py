"""What every strategy family shares: parameters kept as given, clones, and write-back to YAML.

A strategy's ``__init__`` takes keyword parameters and stores each one unchanged under its own
name (scikit-learn's estimator rule), so ``get_params`` can read them back from the signature,
``clone`` can build an unbound twin and ``to_spec`` can write the ``{name, params}`` mapping a
scenario file holds. Validation of values may happen in ``__init__`` (raise a plain
``ValueError`` naming the parameter, see ``paysim.strategies.params.param_error``); whatever
needs the world's facts (channel ids, currencies) is checked when the strategy is bound.

The routing family (``paysim.strategies.routing.BaseRouter``) is the first user; hedging and
defence families subclass ``Strategy`` the same way.
"""

from __future__ import annotations

import abc
import copy
import inspect
from typing import Any, ClassVar, TypeVar

from paysim.strategies.params import plain

S = TypeVar("S", bound="Strategy")


class Strategy(abc.ABC):  # noqa: B024 - the abstract methods are the family's
    """Base of every strategy: its registered name and its keyword parameters.

    Attributes:
        name: the name it is registered under (set by the registry's decorator).
        family: ``routing``, ``hedging`` or ``defence`` (set by the family's base class).

    """

    name: ClassVar[str] = ""
    family: ClassVar[str] = ""

    @classmethod
    def param_names(cls) -> list[str]:
        """The keyword parameters of ``__init__``, in signature order."""
        signature = inspect.signature(cls.__init__)
        names = []
        for parameter in list(signature.parameters.values())[1:]:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise TypeError(
                    f"{cls.__name__}.__init__ takes *args or **kwargs: a strategy lists its "
                    "parameters explicitly so they can be read back and written to YAML"
                )
            names.append(parameter.name)
        return names

    def get_params(self) -> dict[str, Any]:
        """The keyword parameters the strategy was built with, as given."""
        return {name: getattr(self, name) for name in self.param_names()}

    def clone(self: S) -> S:
        """A new, unbound strategy with a deep copy of the same parameters."""
        return type(self)(**copy.deepcopy(self.get_params()))

    def to_spec(self) -> dict[str, Any]:
        """The scenario mapping ``{name, params}`` that rebuilds an equal strategy.

        Parameters are converted to plain YAML data (tuples become lists, numpy scalars
        become numbers), so ``yaml.safe_dump`` can write it.
        """
        return {"name": self.name, "params": plain(self.get_params(), "params")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"
