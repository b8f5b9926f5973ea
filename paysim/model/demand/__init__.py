"""Demand: who wants to buy, when and how much (not how they pay).

The ``demand`` section, hourly arrivals by corridor with their diurnal profile, social
campaigns and group buys.

May import: core, money.
"""
