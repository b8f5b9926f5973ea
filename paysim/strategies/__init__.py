"""Pluggable policies. A user adds one by writing a class and registering it by name."""

from paysim.strategies.registry import Registry
from paysim.strategies.routing import ROUTERS, BaseRouter

FAMILIES: dict[str, Registry] = {"routing": ROUTERS}

__all__ = ["FAMILIES", "ROUTERS", "BaseRouter", "Registry"]
