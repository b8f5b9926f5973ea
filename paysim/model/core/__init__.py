"""Shared building blocks of every room: columnar batches, distributions, schema types.

Nothing here knows about payments in particular.

May import: money.
"""
