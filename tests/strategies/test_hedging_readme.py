"""The README's example hedging strategy works as written, through the family's contract."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from paysim.strategies.hedging.base import HEDGERS
from paysim.testing import HedgingStrategyContract

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> dict:
    section = README.read_text().split("### Write your own hedging strategy", 1)[1]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    module = types.ModuleType("readme_example_hedging")
    sys.modules[module.__name__] = module  # so that pickling finds the class
    HEDGERS.unregister("half_now")
    exec(compile(code, str(README), "exec"), module.__dict__)
    return module.__dict__


EXAMPLE = _example()


class TestReadmeHedger(HedgingStrategyContract):
    def make_strategy(self):
        return EXAMPLE["HalfNow"](share=0.5)


def test_bad_share_is_a_field_error():
    with pytest.raises(ValueError, match="share"):
        EXAMPLE["HalfNow"](share=2)
