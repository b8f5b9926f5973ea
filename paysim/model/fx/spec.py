"""The ``fx`` section of a scenario."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from paysim.model.core.spec_types import Currency, Spec


class FxSpec(Spec):
    """Exchange rates; for now fixed at one ECB fixing date."""

    model: Literal["fixed"] = "fixed"
    as_of: Annotated[dt.date | None, Field(strict=False)] = None
    # units per USD: real rates run from 0.3 (KWD) to ~1e5 (IRR, LBP)
    assumed_per_usd: dict[Currency, Annotated[float, Field(ge=1e-6, le=1e9)]] = Field(
        default_factory=dict
    )
