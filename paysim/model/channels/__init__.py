"""Payment channels: what each one accepts, charges and answers, and when it fails.

Spec, fees, approval odds, decline codes, card networks, outages and degradations, capacity,
and the vectorised table that answers attempts. A new channel mechanism lives here.

May import: core, money, fx.
"""
