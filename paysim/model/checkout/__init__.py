"""The buyer's checkout: from arriving with a basket to paying or leaving.

The ``checkout`` section, buyers and their cards, the funnel, method choice, the platform's own
declines, retries and status checks.

May import: core, money, channels, demand.
"""
