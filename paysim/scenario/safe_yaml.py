"""A safe YAML loader that reads scalars by YAML 1.2's core schema.

PyYAML's ``SafeLoader`` follows YAML 1.1, where ``1e5`` and ``1.0e5`` are strings (a float
needs a dot and a signed exponent), ``NO`` (Norway's ISO code) and ``on`` are booleans,
``1:30`` is 90 and ``010`` is octal 8. Scenario files are full of order counts written with
exponents and of country codes, so they are read the way YAML 1.2 and the people writing them
read them. Tags that build Python objects stay refused: this is still ``SafeLoader``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping names the same key twice (YAML forbids it; PyYAML keeps the last silently)."""


class ScenarioLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 core-schema scalars that refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key written twice (merged ``<<`` keys may be overridden)."""
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            if key_node.value in seen:
                raise DuplicateKeyError(
                    problem=f"duplicate key '{key_node.value}'", problem_mark=key_node.start_mark
                )
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _construct_int(loader: ScenarioLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith("0o"):
        return sign * int(digits[2:], 8)
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    return sign * int(digits, 10)  # 010 is ten, not octal eight


ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def safe_load(text: str) -> Any:
    """Parse YAML text into plain data (mappings, lists, scalars) only."""
    return yaml.load(text, Loader=ScenarioLoader)  # a SafeLoader subclass: no Python tags
