"""The simulation clock: a thin layer over a SimPy environment.

The model advances in windows (micro-batches): every ``batch_s`` simulated seconds a process
hands the window ``[t0, t1)`` to the model, which handles all payments in it with vectorised
arithmetic. Periodic jobs (payout runs, settlement files, rate fixings) are their own SimPy
processes, as real systems batch them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator
from typing import Any

import simpy

SECONDS_PER_DAY = 86_400.0

WindowHandler = Callable[[float, float], None]


class _Wake(simpy.events.Event):
    """A timeout with an explicit SimPy priority (URGENT runs before NORMAL at one instant)."""

    def __init__(self, env: simpy.Environment, delay: float, priority: int) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, priority, delay)


class Clock:
    """Simulated time in seconds since the start of the run."""

    def __init__(self, horizon_s: float) -> None:
        if horizon_s <= 0:
            raise ValueError(f"horizon_s ({horizon_s}) must be greater than 0")
        self.horizon_s = float(horizon_s)
        self.env = simpy.Environment()

    @property
    def now(self) -> float:
        """Current simulated time in seconds."""
        return float(self.env.now)

    def every(
        self,
        period_s: float,
        handler: WindowHandler,
        start_s: float = 0.0,
        first: bool = False,
        partial_last: bool = True,
        align_s: float | None = None,
    ) -> None:
        """Call ``handler(t0, t1)`` at the end of each window of ``period_s`` seconds.

        With ``partial_last`` the last window is cut at the horizon, so every moment of the run
        is handed over once; without it a job only runs at its full periods (a payout run at
        02:00 does not also run at the horizon). A negative ``start_s`` puts the first run
        inside the horizon: ``start_s=2h - 1 day, period_s=1 day`` runs daily at 02:00. With
        ``first``, the handler runs before any other job due at the same instant (the payment
        windows use it, so a payout run at midnight sees the payments up to midnight). With
        ``align_s``, a window that spans a multiple of ``align_s`` is cut there too, so a job
        at such an instant (an hourly booking, a payout at 02:00) sees every window before it
        whatever ``period_s`` is.
        """
        if period_s <= 0:
            raise ValueError(f"period_s ({period_s}) must be greater than 0")
        priority = simpy.events.URGENT if first else simpy.events.NORMAL
        windows = self._windows(period_s, start_s, partial_last)
        if align_s is not None:
            slack = max(1e-9 * period_s, 8 * math.ulp(self.horizon_s))
            windows = self._aligned(windows, align_s, slack)
        self.env.process(self._periodic(windows, handler, priority))

    def _periodic(
        self, windows: Iterator[tuple[float, float]], handler: WindowHandler, priority: int
    ) -> Generator[simpy.events.Event, Any, None]:
        for t0, t1 in windows:
            yield _Wake(self.env, t1 - self.env.now, priority)
            handler(t0, t1)

    @staticmethod
    def _aligned(
        windows: Iterator[tuple[float, float]], align_s: float, slack: float
    ) -> Iterator[tuple[float, float]]:
        """The windows, each cut at the multiples of ``align_s`` inside it."""
        for t0, t1 in windows:
            edge = (math.floor(t0 / align_s) + 1) * align_s
            while edge < t1 - slack:
                if edge > t0 + slack:
                    yield t0, edge
                    t0 = edge
                edge += align_s
            yield t0, t1

    def _windows(
        self, period_s: float, start_s: float, partial_last: bool
    ) -> Iterator[tuple[float, float]]:
        """Window edges ``start_s + k * period_s``, the last one snapped to the horizon.

        Edges are multiplied out, not accumulated, so they do not drift over many windows; an
        edge within rounding of the horizon is the horizon, so a horizon of a whole number of
        periods (1 s in windows of 0.1 s) ends with a full window, not an extra sliver.
        """
        slack = max(1e-9 * period_s, 8 * math.ulp(self.horizon_s))
        k = 0
        t0 = start_s
        while t0 < self.horizon_s - slack:
            t1 = start_s + (k + 1) * period_s
            if t1 >= self.horizon_s - slack:
                if partial_last or t1 <= self.horizon_s + slack:
                    yield t0, self.horizon_s
                return
            yield t0, t1
            k, t0 = k + 1, t1

    def run(self) -> None:
        """Run until every periodic job has reached the horizon."""
        self.env.run()
