"""The manual review team: a FIFO queue served by ``analysts`` (M/G/c with impatience).

Held orders are served first come, first served. A case's wait is known when it arrives (the
cases ahead of it and their review times are), so each case's fate is worked out at once: it
is reviewed after ``wait`` and released ``minutes_per_case`` later, or its buyer gives up
first (exponential patience, ``abandon_rate_per_h``; a buyer who gives up frees no analyst's
time), or the queue is full (``max_queue``) and the case is declined. This is the
Kiefer-Wolfowitz recursion over the analysts' next free times, one step per case: only held
orders pass through it, a few percent of payments.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np

SERVED, ABANDONED, FULL = 0, 1, 2


@dataclass(frozen=True)
class ReviewFates:
    """Per case: what happened, when it left the queue, when the verdict came."""

    fate: np.ndarray  # SERVED, ABANDONED or FULL
    wait_s: np.ndarray  # time spent waiting for an analyst
    done_s: np.ndarray  # verdict time (served), the moment the buyer left, or arrival (full)
    service_s: np.ndarray  # analyst time spent (0 unless served)


class ReviewQueue:
    """Analysts' free times and the waiting line, kept across windows."""

    def __init__(self, analysts: int, max_queue: int | None = None) -> None:
        self.free_s = [0.0] * analysts  # a heap: when each analyst is next free
        self.max_queue = max_queue
        self.leaving_s: deque[float] = deque()  # when each waiting case leaves the line
        self.cases = 0
        self.wait_s_sum = 0.0
        self.backlog_max = 0
        self.analyst_s = 0.0

    def admit(self, t_s: np.ndarray, service_s: np.ndarray, patience_s: np.ndarray) -> ReviewFates:
        """Work out the fate of cases arriving at ``t_s`` (sorted), with their review times."""
        n = len(t_s)
        fate = np.full(n, SERVED, dtype=np.int8)
        wait = np.zeros(n)
        done = np.zeros(n)
        free, line = self.free_s, self.leaving_s
        for i, (t, s, p) in enumerate(
            zip(t_s.tolist(), service_s.tolist(), patience_s.tolist(), strict=True)
        ):
            while line and line[0] <= t:
                line.popleft()
            if self.max_queue is not None and free[0] > t and len(line) >= self.max_queue:
                fate[i], done[i] = FULL, t
                continue
            w = max(free[0] - t, 0.0)
            if w > p:
                fate[i], wait[i], done[i] = ABANDONED, p, t + p
                _insert(line, t + p)
            else:
                start = t + w
                heapq.heapreplace(free, start + s)
                wait[i], done[i] = w, start + s
                if w > 0:
                    _insert(line, start)
            self.backlog_max = max(self.backlog_max, len(line))
        served = fate == SERVED
        counted = fate != FULL
        self.cases += int(counted.sum())
        self.wait_s_sum += float(wait[counted].sum())
        self.analyst_s += float(service_s[served].sum())
        return ReviewFates(fate, wait, done, np.where(served, service_s, 0.0))

    @property
    def mean_wait_h(self) -> float:
        """Mean wait of the cases that joined the line (served or given up), in hours."""
        return self.wait_s_sum / self.cases / 3600.0 if self.cases else 0.0


def _insert(line: deque[float], leave_s: float) -> None:
    """Keep the line sorted by leaving time (cases leave out of order when buyers give up)."""
    if not line or line[-1] <= leave_s:
        line.append(leave_s)
        return
    items = list(line)
    items.insert(int(np.searchsorted(items, leave_s)), leave_s)
    line.clear()
    line.extend(items)
