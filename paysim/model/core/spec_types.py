"""Building blocks shared by every scenario section: the base model and common field types."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NoReturn, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from paysim.model.money.currency import is_currency

METHODS = ("card", "wallet", "bank_transfer", "wire", "crypto", "bnpl")
CHANNEL_KINDS = ("card_acquirer", "wallet", "bank", "wire", "crypto", "bnpl")
FUNNEL_STEPS = ("choose_method", "enter_details", "confirm")
DIURNAL_PROFILES = ("flat", "social_commerce", "mobile_money")

Method = Literal["card", "wallet", "bank_transfer", "wire", "crypto", "bnpl"]
Probability = Annotated[float, Field(ge=0, le=1)]
MIX_TOLERANCE = 1e-6
#: Bounds shared by many fields (see ``Spec``): each far above what a real scenario needs.
MAX_AMOUNT = 1e12  # major units of any currency: 1e12 IDR is 60 M USD; x100 minor units < 2^63
MAX_FIXED_FEE = 1e8  # major units per payment or payout: 100 M, in any currency
MAX_FACTOR = 1e3  # multipliers of a probability (the product is capped at 1 anyway)
MAX_HORIZON_DAYS = 3660  # ten years; also the bound of delays (beyond it, never within a run)
MAX_SEED = 2**63 - 1  # seeds are stored as int64 (results.parquet)
MAX_POPULATION = 10**9  # buyers or sellers of one market: China has ~0.9 billion online shoppers


def _currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError("unknown ISO 4217 currency")
    return code


Currency = Annotated[str, AfterValidator(_currency)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", min_length=1, max_length=64)]


def _plain_name(name: str) -> str:
    # a name becomes a folder name (runs/<name>) and a column value: never a path
    if (
        name != name.strip()
        or name.startswith(".")
        or any(c in name for c in "/\\")
        or not name.isprintable()
    ):
        raise ValueError("must be a plain name: no '/' or '\\', no leading '.' or spaces")
    return name


#: The name of a scenario, an experiment or an arm: printable, 1 to 100 characters, no path.
Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_plain_name)]
MarketCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class FrozenList(list):  # type: ignore[type-arg]
    """A list that refuses changes: scenario sections are shared by runs and arms."""

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("scenario lists are read-only; build a new scenario with overrides")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse  # type: ignore[assignment]
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[list[object]]]:
        return (FrozenList, (list(self),))


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes (see ``FrozenList``)."""

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("scenario mappings are read-only; build a new scenario with overrides")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    update = pop = popitem = clear = setdefault = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[object, object]]]:
        return (FrozenDict, (dict(self),))


def freeze(value: Any) -> Any:
    """Lists and dicts (recursively) as their read-only twins; other values unchanged."""
    if isinstance(value, list) and not isinstance(value, FrozenList):
        return FrozenList(freeze(v) for v in value)
    if isinstance(value, dict) and not isinstance(value, FrozenDict):
        return FrozenDict((k, freeze(v)) for k, v in value.items())
    return value


class Spec(BaseModel):
    """Base of every scenario section: frozen, strict, unknown keys forbidden.

    Lists and mappings inside are made read-only too, so no run can change the world another
    run (or another experiment arm) sees.
    """

    # allow_inf_nan=False: no field takes inf or NaN; each number also has an upper bound
    # (``le=``) that real scenarios stay far below, so sums, minor units and loops stay finite
    model_config = ConfigDict(
        strict=True, extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )

    @model_validator(mode="after")
    def _freeze_containers(self) -> Self:
        for name in type(self).model_fields:
            value = getattr(self, name)
            frozen = freeze(value)
            if frozen is not value:
                object.__setattr__(self, name, frozen)
        return self


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
