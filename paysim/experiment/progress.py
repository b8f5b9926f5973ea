"""Progress on stderr: a bar on a terminal, a line every few seconds anywhere else.

A CI log or a file gets ``flagship_routing: 12/30 runs done, 40 s elapsed`` every
``LINE_EVERY_S`` seconds (and nothing for a command that finishes sooner), so a long run is
never silent for minutes; a terminal gets a tqdm bar.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

#: Seconds between two progress lines when stderr is not a terminal.
LINE_EVERY_S = 5.0


class Progress:
    """Counts done out of a total, shown as a bar or as periodic lines.

    Args:
        desc: what is progressing (an experiment's or a scenario's name).
        unit: what is counted (``runs``, ``days``).
        enabled: None shows a bar on a terminal and lines elsewhere; True a bar anywhere;
            False nothing.
        stream: where to write (stderr by default).

    """

    def __init__(
        self, desc: str, unit: str, enabled: bool | None = None, stream: IO[str] | None = None
    ) -> None:
        self.desc, self.unit = desc, unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled is not False
        self.total = 0.0
        self.done = 0.0
        self.started = time.monotonic()
        self._bar: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._lines = 0
        if enabled or (enabled is None and _is_terminal(self.stream)):
            from tqdm import tqdm

            self._bar = tqdm(total=0, desc=desc, unit=unit, file=self.stream, dynamic_ncols=True)
        elif self.enabled:  # a thread, so a line comes even while one long task runs
            self._ticker = threading.Thread(target=self._tick, daemon=True, name="progress")
            self._ticker.start()

    def add_total(self, n: float) -> None:
        """There are ``n`` more to do."""
        self.total += n
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.refresh()

    def update(self, n: float = 1) -> None:
        """``n`` more are done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def _tick(self) -> None:
        while not self._stop.wait(LINE_EVERY_S):
            self._lines += 1
            print(self.line(), file=self.stream, flush=True)

    def line(self, now: float | None = None) -> str:
        """The progress line: ``name: 12/30 runs done, 40 s elapsed``."""
        elapsed = (time.monotonic() if now is None else now) - self.started
        return (
            f"{self.desc}: {_count(self.done)}/{_count(self.total)} {self.unit} done, "
            f"{elapsed:.0f} s elapsed"
        )

    def close(self) -> None:
        """Stop showing progress."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
            if self._lines:  # a log that showed progress also shows where it ended
                print(self.line(), file=self.stream, flush=True)
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _count(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
