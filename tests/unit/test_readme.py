"""The README points only at files a clone of the repository has."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
# paths the README names in backticks: scenarios/x.yaml, reports/x/, paysim/analysis/stats.py ...
NAMED = re.compile(r"`((?:\.\./|scenarios/|experiments/|reports/|paysim/|tests/)[\w./-]*)`")


def test_no_path_outside_the_repository() -> None:
    assert "../" not in "".join(NAMED.findall(README))
    assert "shared/" not in README


def test_every_named_file_exists() -> None:
    named = {path.rstrip("/") for path in NAMED.findall(README) if "<" not in path}
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert named and missing == []
