"""Reading scenario files: safe YAML, ``--set`` overrides, and errors that name the field."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from paysim.errors import ScenarioError, field_problem
from paysim.model.core.distributions import DIST_FAMILIES
from paysim.model.fraud.spec import ATTACKER_KINDS
from paysim.model.spec import Scenario
from paysim.scenario.safe_yaml import DuplicateKeyError, safe_load

ITEM_KEYS = ("id", "code", "kind", "name")
M = TypeVar("M", bound=BaseModel)
# Limits of a scenario or experiment file, far above any real one (the flagship is 20 kB, 12
# levels deep): beyond them parsing and validation would take minutes or overflow the stack.
MAX_FILE_BYTES = 20_000_000
MAX_DEPTH = 50
MAX_VALUES = 2_000_000  # counted with YAML aliases expanded ("billion laughs")


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Parse a YAML file with the safe loader into a mapping; any problem is a ScenarioError."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ScenarioError.at(str(path), "is a directory, not a YAML file")
        if path.exists() and not path.is_file():
            raise ScenarioError.at(str(path), "is not a regular file")
        if path.exists() and path.stat().st_size > MAX_FILE_BYTES:
            size_mb = path.stat().st_size / 1e6
            raise ScenarioError.at(
                str(path),
                f"file too large ({size_mb:.0f} MB; at most {MAX_FILE_BYTES // 10**6} MB)",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError.at(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError.at(str(path), f"cannot read file ({type(exc).__name__})") from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, origin: str = "<text>") -> dict[str, Any]:
    """Parse YAML text; only plain data (mappings, lists, scalars) is accepted."""
    try:
        data = safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        where = _mark(origin, exc.problem_mark)
        tag = (exc.problem or "").split("tag ")[-1].strip("'")
        raise ScenarioError.at(
            where, f"YAML tag {tag} is not allowed: scenario files hold data only"
        ) from None
    except DuplicateKeyError as exc:
        raise ScenarioError.at(_mark(origin, exc.problem_mark), str(exc.problem)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError.at(_mark(origin, mark), f"YAML syntax error: {reason}") from None
    except RecursionError:
        raise ScenarioError.at(origin, f"nested more than {MAX_DEPTH} levels deep") from None
    if data is None:
        raise ScenarioError.at(origin, "file is empty")
    if not isinstance(data, dict):
        raise ScenarioError.at(origin, "must be a mapping of sections", type(data).__name__)
    check_size(data, origin)
    return data


def check_size(data: Any, origin: str) -> None:
    """Refuse data nested deeper than ``MAX_DEPTH`` or holding more than ``MAX_VALUES`` values."""
    stack = [(data, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ScenarioError.at(origin, f"nested more than {MAX_DEPTH} levels deep")
        if count > MAX_VALUES:
            raise ScenarioError.at(
                origin, f"holds more than {MAX_VALUES:,} values (YAML aliases expanded)"
            )
        if isinstance(node, dict):
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)


def _mark(origin: str, mark: Any) -> str:
    if mark is None:
        return origin
    return f"{origin}:{mark.line + 1}:{mark.column + 1}"


def parse_set(assignment: str) -> tuple[str, Any]:
    """Split one ``PATH=VALUE`` assignment; the value is read as YAML (``0.9``, ``[a, b]``)."""
    path, sep, text = assignment.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError.at("--set", "must look like PATH=VALUE", assignment)
    try:
        return path, parse_yaml(f"v: {text}" if text.strip() else "v: null", "--set")["v"]
    except ScenarioError as exc:
        reason = exc.problems[0].split(": ", 1)[-1]
        if "nested more than" not in reason:
            reason = "value is not valid YAML"
        raise ScenarioError.at(f"--set {path}", reason, text) from None


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``raw`` with each dotted path set to its value.

    List items are addressed by their ``id``, ``code``, ``kind`` or ``name`` (or an index):
    ``channels.card_sg.fee.percent``. Missing mappings on the way are created, so a section
    the file left out can be set; unknown final keys are caught by validation.
    """
    data = copy.deepcopy(dict(raw))
    for path, value in overrides.items():
        _set_path(data, path, copy.deepcopy(value))
    return data


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    if not all(parts):
        raise ScenarioError.at(path, "empty segment in override path")
    if len(parts) > MAX_DEPTH:
        raise ScenarioError.at(path[:60], f"override path deeper than {MAX_DEPTH} levels")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            index = _item_index(node, part, here)
            if last:
                node[index] = value
                return
            node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
                return
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        else:
            raise ScenarioError.at(here, "cannot set a field inside a value", node)


def _item_index(items: list[Any], key: str, here: str) -> int:
    """The item a path segment names: by its label first, then by a unique id/code/kind/name.

    An item's label (its ``id``, else ``code``, ``kind``, ``name``) is what error messages call
    it, so ``channels.wallet`` is the channel whose id is ``wallet`` even when another channel
    is of kind ``wallet``. A key that matches several items by other fields is ambiguous.
    """
    by_label = [i for i, item in enumerate(items) if _item_label(item) == key]
    if by_label:
        return by_label[0]
    by_any = [i for i, item in enumerate(items) if _matches_any_key(item, key)]
    if len(by_any) == 1:
        return by_any[0]
    parent = here.rsplit(".", 1)[0]
    if by_any:
        matching = ", ".join(str(_item_label(items[i])) for i in by_any)
        raise ScenarioError.at(here, f"'{key}' matches several items of {parent} ({matching})")
    if key.isdigit() and int(key) < len(items):
        return int(key)
    known = [label for label in map(_item_label, items) if label is not None]
    raise ScenarioError.at(
        here, f"no item '{key}' in {parent} (known: {', '.join(known) or 'none'})"
    )


def _matches_any_key(item: Any, key: str) -> bool:
    return isinstance(item, dict) and any(str(item[k]) == key for k in ITEM_KEYS if k in item)


def _item_label(item: Any) -> str | None:
    if isinstance(item, dict):
        return next((str(item[k]) for k in ITEM_KEYS if k in item), None)
    return None


def validate_model(model: type[M], raw: Mapping[str, Any]) -> M:
    """Validate raw data into ``model``, turning every problem into one ``path: reason`` line."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, raw)) from None


def _problems(exc: ValidationError, raw: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for error in _one_branch_each(exc.errors(), raw):
        nested = (error.get("ctx") or {}).get("error")
        if isinstance(nested, ScenarioError):
            problems.extend(nested.problems)
            continue
        path = display_path(error["loc"], raw)
        reason = _reason(error)
        quiet = error["type"] in ("missing", "extra_forbidden") or ", got " in reason
        if quiet or "input" not in error:
            problems.append(field_problem(path, reason))
        else:
            problems.append(field_problem(path, reason, error["input"]))
    return list(dict.fromkeys(problems))


_BRANCH_TAG = re.compile(r"^(str|int|float|bool|(list|dict|function-\w+)\[.*\]|[A-Z]\w*)$")
_BRANCH_KINDS = {"str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean"}


def _branch_index(loc: tuple[Any, ...], raw: Any) -> int | None:
    """Where in ``loc`` pydantic put the tag of a union's branch (``str``, ``list[float]``)."""
    node = raw
    for i, element in enumerate(loc):
        if isinstance(node, list) and isinstance(element, int):
            node = node[element] if element < len(node) else None
        elif isinstance(node, dict) and element in node:
            node = node[element]
        elif isinstance(node, dict) and node.get("dist") == element:
            continue
        elif isinstance(element, str) and _BRANCH_TAG.match(element):
            return i
        else:
            node = None
    return None


def _one_branch_each(errors: list[Any], raw: Any) -> list[Any]:
    """One problem per union value, not one per branch it failed.

    A value that has the shape of one branch (a list, for ``str | list[float]``) gets that
    branch's errors only; a value that has none of the shapes gets one line naming them all.
    """
    groups: dict[tuple[Any, ...], list[tuple[str, Any]]] = {}
    kept: list[Any] = []
    for error in errors:
        at = _branch_index(error["loc"], raw)
        if at is None:
            kept.append(error)
            continue
        prefix = error["loc"][:at]
        if prefix not in groups:
            groups[prefix] = []
            kept.append(prefix)  # a placeholder keeps the group where its first error was
        groups[prefix].append((error["loc"][at], error))
    out: list[Any] = []
    for item in kept:
        if not isinstance(item, tuple):
            out.append(item)
            continue
        branches = groups[item]
        deeper = [e for tag, e in branches if len(e["loc"]) > len(item) + 1]
        if deeper or len({tag for tag, _ in branches}) == 1:
            out.extend(deeper or [e for _, e in branches])
            continue
        kinds = [_branch_kind(tag) for tag in dict.fromkeys(tag for tag, _ in branches)]
        first = branches[0][1]
        out.append(
            {
                "type": "union",
                "loc": item,
                "msg": f"must be {' or '.join(dict.fromkeys(kinds))}",
                "input": first.get("input"),
            }
        )
    return out


def _branch_kind(tag: str) -> str:
    if tag in _BRANCH_KINDS:
        return _BRANCH_KINDS[tag]
    if tag.startswith("list["):
        return "a list"
    if tag.startswith(("dict[", "function-")) or tag[:1].isupper():
        return "a mapping"
    return tag


def display_path(loc: tuple[Any, ...], raw: Any) -> str:
    """A pydantic location as a dotted path, list indices replaced by item ids where known."""
    parts: list[str] = []
    node = raw
    for element in loc:
        if isinstance(node, list) and isinstance(element, int):
            item = node[element] if element < len(node) else None
            label = _item_label(item)
            parts.append(label if label is not None else str(element))
            node = item
        elif isinstance(node, dict) and element in node:
            parts.append(str(element))
            node = node[element]
        elif isinstance(node, dict) and element in (node.get("dist"), node.get("kind")):
            continue  # the tag pydantic adds for a distribution family or an attacker kind
        elif isinstance(element, str) and (
            element.startswith(("function-", "list[", "dict[", "str")) or element == "[key]"
        ):
            continue  # union branches and the key marker pydantic adds to its locations
        else:
            parts.append(str(element))
            node = None
    return ".".join(parts)


_REASONS = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "model_attributes_type": "must be a mapping",
}


def _reason(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _REASONS:
        return _REASONS[kind]
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        bound = next(iter(ctx.values()))
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        return f"must be {sign} {bound}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    tag = ctx.get("discriminator", "'dist'").strip("'")
    if kind == "union_tag_invalid":
        return f"unknown {tag}; expected one of {ctx.get('expected_tags', '')}".replace("'", "")
    if kind == "union_tag_not_found" and tag == "kind":  # an attacker (fraud.attackers)
        return "an attacker needs a 'kind' key (" + ", ".join(ATTACKER_KINDS) + ")"
    if kind == "union_tag_not_found":
        return f"a distribution needs a 'dist' key ({', '.join(DIST_FAMILIES)})"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s)"
    if kind == "string_too_short":
        return f"must have at least {ctx.get('min_length')} character(s)"
    if kind == "string_too_long":
        return f"must have at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx.get('pattern')}"
    message = str(error.get("msg", kind))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file (strategy names and parameters included)."""
    return scenario_from_dict(read_yaml(path), overrides)


def scenario_from_dict(
    raw: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Validate a scenario given as plain data (the Python-API twin of ``load_scenario``)."""
    # the strategies' registry (and the world they are checked against) load only here
    from paysim.scenario.strategies import strategy_problems

    scenario = validate_model(Scenario, apply_overrides(raw, overrides or {}))
    problems = strategy_problems(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """Plain data that validates back to the same scenario (for overrides and write-back)."""
    return scenario.model_dump(mode="python", by_alias=True, exclude_unset=False)
