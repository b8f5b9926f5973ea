"""Building blocks shared by every scenario section: the base model and common field types."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from paysim.model.currency import is_currency

METHODS = ("card", "wallet", "bank_transfer", "wire", "crypto", "bnpl")
CHANNEL_KINDS = ("card_acquirer", "wallet", "bank", "wire", "crypto", "bnpl")
FUNNEL_STEPS = ("choose_method", "enter_details", "confirm")
DIURNAL_PROFILES = ("flat", "social_commerce", "mobile_money")

Method = Literal["card", "wallet", "bank_transfer", "wire", "crypto", "bnpl"]
Probability = Annotated[float, Field(ge=0, le=1)]
MIX_TOLERANCE = 1e-6


def _currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError("unknown ISO 4217 currency")
    return code


Currency = Annotated[str, AfterValidator(_currency)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", min_length=1, max_length=64)]
MarketCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Spec(BaseModel):
    """Base of every scenario section: frozen, strict, unknown keys forbidden."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, populate_by_name=True)


def mix_problem(mix: dict[str, float]) -> str | None:
    """Why a mix of shares is invalid (it must sum to 1), or None."""
    total = sum(mix.values())
    if abs(total - 1.0) > MIX_TOLERANCE:
        return f"must sum to 1, got {total:.6g}"
    return None


def check_mix(mix: dict[str, float]) -> dict[str, float]:
    """Validator: a non-empty mix must sum to 1."""
    if mix and (problem := mix_problem(mix)):
        raise ValueError(problem)
    return mix
