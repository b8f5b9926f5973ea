"""The start of a worker process: it must watch its parent before it imports anything heavy.

The pool's initializer is unpickled, importing its module, before anything else runs in a
worker: this module imports only the standard library, so a worker whose parent is killed
while it is still importing paysim (seconds on a busy machine) ends at once.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from typing import Any


def watch_parent() -> None:
    """Workers leave Ctrl-C to the parent, and end as soon as the parent does.

    The parent stops its workers when interrupted or terminated, keeping what has finished;
    if it is killed outright, a watchdog thread in each worker sees its end (the sentinel
    ``multiprocessing`` keeps on the parent) and exits at once, mid-task if need be.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: Any) -> None:
    parent.join()
    os._exit(1)  # no clean-up: the task's result is lost with the parent anyway
