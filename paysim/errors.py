"""The one error hierarchy of paysim."""

from __future__ import annotations

from typing import Any


class PaysimError(Exception):
    """Root of every error paysim raises on purpose."""


class ScenarioError(PaysimError, ValueError):
    """Bad input: a scenario or experiment field, a file, or a command-line value.

    Each problem is one ``field.path: reason`` line, so the CLI can print them and exit 2.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    @classmethod
    def at(cls, path: str, reason: str, value: Any = ...) -> ScenarioError:
        """Build a one-problem error: ``path: reason, got value``."""
        return cls(field_problem(path, reason, value))


def field_problem(path: str, reason: str, value: Any = ...) -> str:
    """Format one problem line the way every paysim error reads."""
    where = path or "<file>"
    if value is ...:
        return f"{where}: {reason}"
    return f"{where}: {reason}, got {_short(value)}"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
