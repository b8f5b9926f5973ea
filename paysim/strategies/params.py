"""Parameter helpers shared by every strategy family: plain errors, checks, YAML-safe values.

Strategies raise plain ``ValueError``/``TypeError`` whose message starts with the parameter
(``order: unknown channel, got 'x'``); the registry, which knows where in the scenario the
strategy sits, turns them into ``ScenarioError`` lines such as
``strategies.routing.params.order: unknown channel, got 'x'``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from paysim.errors import field_problem


def param_error(param: str, reason: str, value: Any = ...) -> ValueError:
    """A plain error about one parameter: ``param: reason, got value``."""
    return ValueError(field_problem(param, reason, value))


def check_number(
    param: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
) -> None:
    """Raise a ``param_error`` unless ``value`` is a number in the given range."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise param_error(param, "must be a number", value)
    if integer and int(value) != value:
        raise param_error(param, "must be a whole number", value)
    if low is not None and (value <= low if low_open else value < low):
        raise param_error(param, f"must be {'>' if low_open else '>='} {low:g}", value)
    if high is not None and value > high:
        raise param_error(param, f"must be <= {high:g}", value)


def check_choice(param: str, value: Any, choices: Collection[str]) -> None:
    """Raise a ``param_error`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise param_error(param, f"must be one of {', '.join(choices)}", value)


def check_channels(param: str, names: Collection[str], channel_ids: Sequence[str]) -> None:
    """Raise a ``param_error`` naming the first of ``names`` that is not a channel id."""
    for name in names:
        if name not in channel_ids:
            raise param_error(param, "unknown channel", name)


def plain(value: Any, where: str = "value") -> Any:
    """``value`` as plain YAML data: mappings, lists, strings, numbers, booleans and None."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, int | float):
        return value
    if isinstance(value, np.ndarray):
        return plain(value.tolist(), where)
    if isinstance(value, Mapping):
        return {str(k): plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} cannot be written to YAML")
