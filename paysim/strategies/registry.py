"""One registry per strategy family, filled by a decorator."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from paysim.errors import ScenarioError

T = TypeVar("T", bound=type)


class Registry:
    """Named strategy classes of one family (routing, hedging or defence)."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._classes: dict[str, type] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Class decorator: ``@ROUTERS.register("thompson")``."""

        def decorate(cls: T) -> T:
            if name in self._classes and self._classes[name] is not cls:
                raise ValueError(f"{self.family} strategy '{name}' is already registered")
            self._classes[name] = cls
            cls.name = name
            return cls

        return decorate

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._classes)

    def describe(self) -> dict[str, str]:
        """Name to the first line of the class docstring."""
        return {
            name: (inspect.getdoc(cls) or "").splitlines()[0]
            for name, cls in sorted(self._classes.items())
        }

    def get(self, name: str, path: str) -> type:
        """The class registered as ``name``; a ScenarioError naming ``path`` if unknown."""
        try:
            return self._classes[name]
        except KeyError:
            raise ScenarioError.at(
                f"{path}.name",
                f"unknown {self.family} strategy; expected one of {', '.join(self.names())}",
                name,
            ) from None

    def create(self, name: str, params: dict[str, Any], path: str) -> Any:
        """An instance from its name and keyword parameters; bad parameters name ``path``."""
        cls = self.get(name, path)
        signature = inspect.signature(cls)
        accepted = {
            p.name
            for p in signature.parameters.values()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        }
        unknown = sorted(set(params) - accepted)
        if unknown:
            raise ScenarioError.at(
                f"{path}.params.{unknown[0]}",
                f"unknown parameter of {self.family} strategy '{name}'; "
                f"it takes {', '.join(sorted(accepted)) or 'no parameters'}",
            )
        try:
            return cls(**params)
        except (TypeError, ValueError) as exc:
            raise ScenarioError.at(f"{path}.params", str(exc)) from None
