"""One registry per strategy family, filled by a decorator and by installed packages.

A strategy class gets a name in two ways:

* ``@ROUTERS.register("my_router")`` on the class, in any module the process imports;
* an entry point in the family's group (``paysim.routing``, ``paysim.hedging``,
  ``paysim.defence``) of an installed package: ``my_router = "my_pkg.routing:MyRouter"``.

Entry points are read lazily: ``names`` lists the declared ones without importing them, a
lookup imports only the plug-in it needs, and ``describe`` (``paysim list strategies``) imports
them all. Since a spawned worker process or a Dask worker looks its strategy up by the name the
scenario gives, installed plug-ins work there with nothing else to do. A plug-in that fails to
import, or is not a strategy of the family, is a ``PaysimError`` naming it.

Errors a strategy raises in ``__init__`` or ``bind`` are plain ``ValueError``/``TypeError``; the
registry attaches where the strategy sits in the scenario (``strategies.routing``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from typing import Any, TypeVar

from paysim.errors import PaysimError, ScenarioError

T = TypeVar("T", bound=type)

_LEADING_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)([.\[:])")


class Registry:
    """Named strategy classes of one family (routing, hedging or defence).

    Args:
        family: the family's name, as in scenario paths (``strategies.<family>``).
        base: the family's base class; every registered class must subclass it.
        group: the entry-point group installed packages declare strategies under.

    """

    def __init__(self, family: str, base: type, group: str) -> None:
        self.family = family
        self.base = base
        self.group = group
        self._classes: dict[str, type] = {}
        self._origins: dict[str, str] = {}
        self._entry_points: dict[str, metadata.EntryPoint] | None = None
        self._plugins: set[str] = set()  # names registered from entry points

    # -- filling ----------------------------------------------------------------------
    def register(self, name: str) -> Callable[[T], T]:
        """Class decorator: ``@ROUTERS.register("thompson")``."""

        def decorate(cls: T) -> T:
            self._add(name, cls, origin=cls.__module__)
            return cls

        return decorate

    def _add(self, name: str, cls: type, origin: str) -> None:
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise TypeError(
                f"{self.family} strategy '{name}' must be a subclass of {self.base.__name__}"
            )
        known = self._classes.get(name)
        if known is not None and known is not cls:
            raise ValueError(
                f"{self.family} strategy '{name}' is already registered "
                f"({known.__module__}.{known.__qualname__})"
            )
        self._classes[name] = cls
        self._origins[name] = origin
        cls.name = name  # type: ignore[attr-defined]

    def unregister(self, name: str) -> None:
        """Forget ``name`` (a class registered in a notebook or a test, to define it again)."""
        self._classes.pop(name, None)
        self._origins.pop(name, None)
        self._plugins.discard(name)

    def _declared(self) -> dict[str, metadata.EntryPoint]:
        """Entry points of the family's group, by name (read once per process)."""
        if self._entry_points is None:
            found = metadata.entry_points(group=self.group)
            self._entry_points = {ep.name: ep for ep in found}
        return self._entry_points

    def _load(self, name: str) -> None:
        """Import the plug-in declared as ``name`` and register its class."""
        ep = self._declared()[name]
        where = f"{self.family} strategy plug-in '{name}' ({ep.value}"
        where += f", from {ep.dist.name} {ep.dist.version})" if ep.dist else ")"
        try:
            cls = ep.load()
        except Exception as exc:
            raise PaysimError(f"{where} failed to load: {type(exc).__name__}: {exc}") from exc
        try:
            self._add(name, cls, origin=f"{ep.dist.name} {ep.dist.version}" if ep.dist else "")
        except (TypeError, ValueError) as exc:
            raise PaysimError(f"{where} is not usable: {exc}") from None
        self._plugins.add(name)

    def refresh(self) -> None:
        """Read the entry points again (after installing a package in a running process)."""
        for name in self._plugins:
            self._classes.pop(name, None)
            self._origins.pop(name, None)
        self._plugins.clear()
        self._entry_points = None

    # -- lookup -----------------------------------------------------------------------
    def names(self) -> list[str]:
        """Registered and declared names, sorted (plug-ins are not imported for this)."""
        return sorted(set(self._classes) | set(self._declared()))

    def describe(self) -> dict[str, str]:
        """Name to the first line of the class docstring (imports every plug-in)."""
        for name, ep in self._declared().items():
            known = self._classes.get(name)
            if known is None:
                self._load(name)
            elif ep.value != f"{known.__module__}:{known.__qualname__}":
                raise PaysimError(
                    f"{self.family} strategy plug-in '{name}' ({ep.value}) clashes with the "
                    f"strategy of that name in {known.__module__}: rename one of them"
                )
        return {
            name: (inspect.getdoc(cls) or "").splitlines()[0]
            for name, cls in sorted(self._classes.items())
        }

    def origin(self, name: str) -> str:
        """Where ``name`` comes from: its module, or the plug-in's package and version."""
        self.get(name, f"strategies.{self.family}")
        return self._origins[name]

    def get(self, name: str, path: str) -> type:
        """The class registered as ``name``; a ScenarioError naming ``path`` if unknown."""
        if name not in self._classes and name in self._declared():
            self._load(name)
        try:
            return self._classes[name]
        except KeyError:
            raise ScenarioError.at(
                f"{path}.name",
                f"unknown {self.family} strategy; expected one of {', '.join(self.names())}",
                name,
            ) from None

    # -- building ---------------------------------------------------------------------
    def create(self, name: str, params: Mapping[str, Any], path: str) -> Any:
        """An instance from its name and keyword parameters; bad parameters name ``path``."""
        cls = self.get(name, path)
        signature = inspect.signature(cls)
        accepted = [
            p
            for p in signature.parameters.values()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        accepted_names = {p.name for p in accepted}
        unknown = sorted(set(params) - accepted_names)
        if unknown:
            raise ScenarioError.at(
                f"{path}.params.{unknown[0]}",
                f"unknown parameter of {self.family} strategy '{name}'; "
                f"it takes {', '.join(sorted(accepted_names)) or 'no parameters'}",
            )
        missing = [p.name for p in accepted if p.default is p.empty and p.name not in params]
        if missing:
            raise ScenarioError.at(
                f"{path}.params.{missing[0]}",
                f"required parameter of {self.family} strategy '{name}'",
            )
        with self.checked(cls, path):
            return cls(**params)

    def create_from_spec(self, spec: Mapping[str, Any], path: str) -> Any:
        """An instance from a ``{name, params}`` mapping (what ``to_spec`` writes)."""
        return self.create(str(spec["name"]), dict(spec.get("params") or {}), path)

    def bind(self, strategy: Any, context: Any, path: str) -> None:
        """``strategy.bind(context)``, with plain errors turned into lines naming ``path``."""
        with self.checked(type(strategy), path):
            strategy.bind(context)

    @contextmanager
    def checked(self, cls: type, path: str) -> Iterator[None]:
        """Turn a strategy's plain ``ValueError``/``TypeError`` into a ``ScenarioError``.

        A message that starts with one of the class's parameters (``order: unknown channel,
        got 'x'``) becomes ``<path>.params.order: unknown channel, got 'x'``; any other
        message is put after ``<path>.params``.
        """
        try:
            yield
        except ScenarioError:
            raise
        except (TypeError, ValueError) as exc:
            raise ScenarioError(_at(path, cls, str(exc))) from None


def _at(path: str, cls: type, message: str) -> str:
    names = set(getattr(cls, "param_names", lambda: [])())
    match = _LEADING_NAME.match(message)
    if match and match.group(1) in names:
        return f"{path}.params.{message}"
    return f"{path}.params: {message}"
