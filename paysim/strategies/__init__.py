"""Pluggable policies. A user adds one by writing a class and registering it by name.

Family-independent parts, reused by every family: ``Strategy`` (parameters, clone, write-back
to YAML, in ``paysim.strategies.base``), ``Registry`` (decorator and entry points, in
``paysim.strategies.registry``) and the parameter helpers of ``paysim.strategies.params``.
"""

from paysim.strategies.base import Strategy
from paysim.strategies.defence import DEFENCES, BaseDefence
from paysim.strategies.hedging import HEDGERS, BaseHedger
from paysim.strategies.registry import Registry
from paysim.strategies.routing import ROUTERS, BaseRouter

FAMILIES: dict[str, Registry] = {"routing": ROUTERS, "hedging": HEDGERS, "defence": DEFENCES}

__all__ = [
    "DEFENCES",
    "FAMILIES",
    "HEDGERS",
    "ROUTERS",
    "BaseDefence",
    "BaseHedger",
    "BaseRouter",
    "Registry",
    "Strategy",
]
