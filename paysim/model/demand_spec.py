"""Scenario section ``demand``: how many orders arrive, when, between which markets."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from paysim.model.spec_types import DIURNAL_PROFILES, MarketCode, Spec


class CorridorSpec(Spec):
    """A share of all orders flowing from buyers of one market to sellers of another."""

    buyer: MarketCode
    seller: MarketCode
    share: float = Field(gt=0, le=1)


def _diurnal(value: str | list[float]) -> str | list[float]:
    if isinstance(value, str):
        if value not in DIURNAL_PROFILES:
            raise ValueError(f"must be one of {', '.join(DIURNAL_PROFILES)} or 24 weights")
    elif len(value) != 24 or any(w < 0 for w in value) or sum(value) <= 0:
        raise ValueError("must be 24 non-negative hourly weights with a positive sum")
    return value


class DemandSpec(Spec):
    """How many orders arrive, when, between which markets."""

    orders_per_day: float = Field(gt=0)
    diurnal: Annotated[str | list[float], AfterValidator(_diurnal)] = "flat"
    corridors: list[CorridorSpec] = Field(min_length=1)
