"""The model never imports strategies at run time (only for type annotations)."""

from __future__ import annotations

import ast
from pathlib import Path

MODEL = Path(__file__).resolve().parents[2] / "paysim" / "model"


def _runtime_imports(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue  # annotations only
        for sub in ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and sub.module:
                names.append(sub.module)
            elif isinstance(sub, ast.Import):
                names.extend(alias.name for alias in sub.names)
    return names


def test_the_model_does_not_import_strategies_at_run_time():
    offenders = {
        path.name: name
        for path in MODEL.rglob("*.py")
        for name in _runtime_imports(ast.parse(path.read_text()))
        if name.startswith(("paysim.strategies", "paysim.scenario", "paysim.testing"))
    }
    assert not offenders
