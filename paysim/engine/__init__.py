"""The simulation kernel: clock, named random streams, columnar recording, replications.

Imports no model and no strategy.
"""

from paysim.engine.clock import SECONDS_PER_DAY, Clock
from paysim.engine.recorder import Column, ColumnarRecorder
from paysim.engine.replication import replication_seed, run_replications, seed_label
from paysim.engine.streams import BlockStream, KeyedUniforms, RandomStreams

__all__ = [
    "SECONDS_PER_DAY",
    "BlockStream",
    "Clock",
    "Column",
    "ColumnarRecorder",
    "KeyedUniforms",
    "RandomStreams",
    "replication_seed",
    "run_replications",
    "seed_label",
]
