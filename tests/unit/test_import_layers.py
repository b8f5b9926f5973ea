"""The package's import direction, checked over the source (``ast``), so the layering stays true.

Layers, bottom to top: errors <- engine <- model <- strategies <- testing / scenario <- analysis
<- experiment <- report <- bench / check <- cli / pytest_plugin. A module may import its own
layer and the layers below; imports under ``if TYPE_CHECKING:`` are annotations and may point
anywhere. Inside ``paysim.model`` each room imports only the rooms its ``__init__`` docstring
names.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "paysim"
LAYERS = [
    {"errors", "__init__", "scenarios"},
    {"engine"},
    {"model"},
    {"strategies"},
    {"testing", "scenario"},
    {"analysis"},
    {"experiment"},
    {"report"},
    {"bench", "check"},
    {"cli", "__main__", "pytest_plugin"},
]
LEVEL = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _runtime_imports(path: Path) -> list[str]:
    """Modules of paysim imported at run time (function bodies included)."""
    tree = ast.parse(path.read_text())
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                names.append(sub.module)
            elif isinstance(sub, ast.Import):
                names.extend(alias.name for alias in sub.names)
    return [name for name in names if name == "paysim" or name.startswith("paysim.")]


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _layer(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def test_every_module_belongs_to_a_layer():
    assert {_layer(p) for p in _sources()} <= set(LEVEL)


def test_no_module_imports_a_higher_layer():
    upward = []
    for path in _sources():
        own = LEVEL[_layer(path)]
        for name in _runtime_imports(path):
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if LEVEL[target] > own:
                upward.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not upward


def _rooms() -> dict[str, set[str]]:
    """Each room of paysim.model and the rooms its docstring says it may import."""
    rooms = {}
    for init in sorted((PACKAGE / "model").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        match = re.search(r"^May import: (.*)\.$", doc, re.M)
        assert match, f"{init.parent.name}: the docstring must say what the room may import"
        allowed = match.group(1)
        names = set() if allowed.startswith("nothing") else {n.strip() for n in allowed.split(",")}
        rooms[init.parent.name] = names
    return rooms


def test_each_room_says_what_it_holds_and_may_import():
    rooms = _rooms()
    assert {"money", "core", "fx", "channels", "demand", "checkout", "platform"} <= set(rooms)
    for room, allowed in rooms.items():
        assert allowed <= set(rooms), f"{room} names a room that does not exist"


def test_rooms_import_only_what_their_docstring_names():
    rooms = _rooms()
    wrong = []
    for room, allowed in rooms.items():
        for path in sorted((PACKAGE / "model" / room).rglob("*.py")):
            for name in _runtime_imports(path):
                if not name.startswith("paysim.model"):
                    continue
                target = name.split(".")[2] if name.count(".") >= 2 else "model"
                if target != room and target not in allowed:
                    wrong.append(f"model/{room}/{path.name} imports {name}")
    assert not wrong


def test_room_imports_have_no_cycle():
    rooms = _rooms()
    seen: dict[str, int] = {}

    def visit(room: str, trail: tuple[str, ...]) -> None:
        assert room not in trail, f"cycle: {' -> '.join((*trail, room))}"
        for dep in rooms[room]:
            visit(dep, (*trail, room))
        seen[room] = 1

    for room in rooms:
        visit(room, ())


def test_the_checker_sees_an_upward_import(tmp_path):
    # the checker itself must be able to fail: a model module importing the experiment runner
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from paysim.experiment.study import run_experiment\n")
    assert _runtime_imports(module) == ["paysim.experiment.study"]
    guarded = tmp_path / "typed.py"
    guarded.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import paysim.cli\n"
    )
    assert _runtime_imports(guarded) == []


def test_rebuilding_a_report_does_not_load_the_world(tmp_path):
    """``paysim report`` reads a study folder; it must not import the runner or the world."""
    study = tmp_path / "study"
    shutil.copytree(PACKAGE.parent / "reports" / "flagship_routing", study)
    code = (
        "import sys; from paysim.report.experiment import rebuild_report; "
        f"rebuild_report({str(study)!r}); "
        "heavy = [n for n in sys.modules if n.startswith(('paysim.model.world', "
        "'paysim.experiment.study', 'paysim.experiment.execute', 'paysim.experiment.single', "
        "'paysim.strategies', 'paysim.scenario.strategies'))]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (study / "report.html").stat().st_mtime > (study / "results.parquet").stat().st_mtime
