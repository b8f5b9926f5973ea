"""The simulated world, one room (sub-package) per part of it.

Rooms, bottom to top: ``money``, ``core``, ``fx``, ``channels``, ``demand``, ``checkout``,
``platform``; each room's docstring names the rooms it may import. The modules at this level
wire them: ``spec`` assembles the scenario schema, ``world`` runs a replication, ``routing``
holds what a router sees, ``time_order`` replays a window in time order, ``payments_log`` and
``metrics`` record it. A room may name a module of this level only for type annotations.

May import: paysim.engine, paysim.errors (and paysim.strategies for type annotations only).
"""
