"""Money: ISO 4217 currencies and their minor units, and the double-entry ledger.

The ledger posts integer minor units; every posting balances per currency.

May import: nothing else in paysim.model.
"""
