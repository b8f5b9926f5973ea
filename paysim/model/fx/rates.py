"""Exchange rates between the scenario's currencies.

For now one fixed set of rates: the ECB fixing on ``fx.as_of`` (the latest in the shipped
history by default), crossed via EUR, plus stated assumptions (``fx.assumed_per_usd``) for
currencies the ECB does not publish, such as VND.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paysim.errors import ScenarioError
from paysim.model.fx.ecb import rates_per_eur
from paysim.model.fx.spec import FxSpec
from paysim.model.money.currency import minor_exponent


class FixedRates:
    """Rates among an ordered list of currencies, with vectorised minor-unit conversion."""

    def __init__(self, currencies: Sequence[str], per_eur: dict[str, float]) -> None:
        self.currencies = tuple(currencies)
        self.index = {code: i for i, code in enumerate(self.currencies)}
        self.per_eur = np.array([per_eur[c] for c in self.currencies])
        self.exponent = np.array([minor_exponent(c) for c in self.currencies])
        # minor units of column currency per minor unit of row currency
        self.minor_factor = (self.per_eur[None, :] / self.per_eur[:, None]) * 10.0 ** (
            self.exponent[None, :] - self.exponent[:, None]
        )

    @classmethod
    def from_spec(cls, spec: FxSpec, currencies: Sequence[str]) -> FixedRates:
        """ECB fixings on ``spec.as_of`` plus the scenario's assumed rates."""
        wanted = sorted(set(currencies) | {"USD"})
        per_eur = rates_per_eur(spec.as_of, wanted)
        usd_per_eur = per_eur["USD"]
        for code, per_usd in spec.assumed_per_usd.items():
            per_eur[code] = per_usd * usd_per_eur
        missing = [c for c in currencies if c not in per_eur]
        if missing:
            raise ScenarioError(
                [
                    f"fx.assumed_per_usd.{c}: needed, the ECB publishes no {c} rate "
                    f"on {spec.as_of or 'the latest date'}"
                    for c in missing
                ]
            )
        return cls(currencies, per_eur)

    def rate(self, base: str, quote: str) -> float:
        """Units of ``quote`` per unit of ``base``."""
        return float(self.per_eur[self.index[quote]] / self.per_eur[self.index[base]])

    def convert_minor(
        self, amount_minor: np.ndarray, source: np.ndarray, target: np.ndarray | int
    ) -> np.ndarray:
        """Integer minor units from ``source`` currency indices to ``target`` ones, rounded."""
        factor = self.minor_factor[source, target]
        return np.rint(amount_minor * factor).astype(np.int64)

    def to_major(
        self, amount_minor: np.ndarray, source: np.ndarray | int, target: int
    ) -> np.ndarray:
        """Float major units of currency ``target`` (for KPIs and reports, not for the ledger)."""
        factor = self.minor_factor[source, target] / 10.0 ** self.exponent[target]
        return amount_minor * factor

    # the time-aware conversions of ``MovingRates``: fixed rates are the same at every time
    def convert_minor_at(
        self,
        amount_minor: np.ndarray,
        source: np.ndarray | int,
        target: np.ndarray | int,
        t_s: np.ndarray | float,
    ) -> np.ndarray:
        """``convert_minor`` at the rates of ``t_s`` (fixed: any time)."""
        return self.convert_minor(amount_minor, np.asarray(source), target)

    def to_major_at(
        self,
        amount_minor: np.ndarray,
        source: np.ndarray | int,
        target: int,
        t_s: np.ndarray | float,
    ) -> np.ndarray:
        """``to_major`` at the rates of ``t_s`` (fixed: any time)."""
        return self.to_major(amount_minor, source, target)
