"""The platform's books: everything after capture, posted on the ledger.

The ``platform`` section, escrow and order fates (refunds, disputes), the money calendar,
payouts to sellers, and the KPI accruals.

May import: core, money, fx.
"""
