"""Channel capacity: a rate limit as a FIFO queue with deterministic service and a bound.

A channel with ``capacity_tps`` admits one payment every ``1 / capacity_tps`` seconds; the
rest wait in arrival order. A payment is rejected (``rate_limited``) when its wait would
exceed a bound. With deterministic service the wait an arrival would get, the workload
``W`` ahead of it, says how many are ahead: ``ceil(W / service)`` in the system, so "at most
``queue_max`` waiting" is "``W <= queue_max * service``". Both bounds are a bound on ``W``.

Waits follow the Lindley recursion on departures, ``d[k] = max(d[k-1], t[k]) + s``. Unrolled,
``d[k] - (k+1) s = max(d[-1], max_{j<=k} (t[j] - j s))``: one ``maximum.accumulate`` per
window. A rejection breaks the recursion (the rejected payment adds no work), so from the
first rejection the queue is walked one payment at a time until it empties, then the
vectorised form resumes. The state carried across windows is the time the server frees up,
plus the admitted payments still able to delay a retry that lands in a handled window.

The world hands a limiter its arrivals in time order. The one exception it allows is an
arrival that changes no wait already given (``disturbed_by`` says which would): it finds the
server idle and is served before the next admitted arrival. Anything else would need the waits
of payments already decided to change, so the world keeps such arrivals from happening (it
handles fewer payments at once instead), and the queue is the same whatever the window.

With Poisson arrivals this is an M/D/1 queue (M/D/1/K with ``queue_max``), checked against
the Pollaczek-Khinchine mean wait and the M/D/1/K blocking probability in the validation tests.
"""

from __future__ import annotations

import math

import numpy as np


class RateLimiter:
    """One channel's rate limit: the queue state and the wait of each arrival."""

    __slots__ = (
        "arrivals_s",
        "departures_s",
        "free_at_s",
        "last_arrival_s",
        "max_wait_s",
        "service_s",
    )

    def __init__(self, capacity_tps: float, max_wait_s: float) -> None:
        self.service_s = 1.0 / capacity_tps
        self.max_wait_s = max_wait_s
        self.free_at_s = -math.inf  # when the last admitted payment leaves
        self.last_arrival_s = -math.inf  # arrival of the last admitted payment
        # admitted payments that may still delay a later arrival (for late arrivals)
        self.arrivals_s = np.empty(0)
        self.departures_s = np.empty(0)

    @classmethod
    def bounded(
        cls,
        capacity_tps: float,
        queue_max: int | None,
        queue_timeout_s: float | None,
        timeout_s: float,
    ) -> RateLimiter:
        """The limiter whose bound is the tighter of the count and time bounds.

        Without either bound a payment waits at most ``timeout_s`` (it would time out anyway).
        """
        bounds = [math.inf]
        if queue_max is not None:
            # the slack keeps the last place when rounding makes queue_max waits a hair longer
            bounds.append(queue_max / capacity_tps * (1 + 1e-9))
        if queue_timeout_s is not None:
            bounds.append(queue_timeout_s)
        if queue_max is None and queue_timeout_s is None:
            bounds.append(timeout_s)
        return cls(capacity_tps, min(bounds))

    def admit(self, t_s: np.ndarray, no_arrival_before_s: float | None = None) -> np.ndarray:
        """Wait in seconds of each arrival (sorted times), NaN where rejected; updates state.

        An arrival earlier than the last admitted one (a retry landing in a window the world
        has already handled) is slotted in at its own time: it waits for the work that arrived
        before it, and the departures after it are pushed back as the recursion says, but the
        waits already given to later payments stay as they were. ``no_arrival_before_s`` is
        the earliest time a later call may still bring (the start of the world's window;
        this batch's first arrival when not given): departures before it are forgotten.
        """
        if not len(t_s):
            return np.empty(0)
        if t_s[0] >= self.free_at_s and (len(t_s) == 1 or np.diff(t_s).min() >= self.service_s):
            # the usual case below capacity: nobody waits
            self._record(t_s, t_s + self.service_s)
            self._forget(float(t_s[0]) if no_arrival_before_s is None else no_arrival_before_s)
            return np.zeros(len(t_s))
        wait = np.full(len(t_s), np.nan)
        late = int(np.searchsorted(t_s, self.last_arrival_s, side="left"))
        if late and self._slot_in_idle(t_s[:late]):
            wait[:late] = 0.0
        else:
            for k in range(late):
                wait[k] = self._late(float(t_s[k]))
        start = late
        while start < len(t_s):
            start = self._vectorised(t_s, wait, start)
            if start < len(t_s):
                start = self._sequential(t_s, wait, start)
        self._forget(float(t_s[0]) if no_arrival_before_s is None else no_arrival_before_s)
        return wait

    def state(self) -> tuple[float, float, np.ndarray, np.ndarray]:
        """The queue as it is now, to put back with ``restore`` (arrays are never edited)."""
        return (self.free_at_s, self.last_arrival_s, self.arrivals_s, self.departures_s)

    def restore(self, state: tuple[float, float, np.ndarray, np.ndarray]) -> None:
        """Put back a queue saved by ``state``: undo the arrivals admitted since."""
        self.free_at_s, self.last_arrival_s, self.arrivals_s, self.departures_s = state

    def disturbed_by(self, t_s: np.ndarray) -> np.ndarray:
        """Per arrival time (sorted): whether an arrival then would change a wait given.

        An arrival after the last admitted one changes nothing given. An earlier one changes
        nothing only if it finds the server idle, is served before the next admitted arrival,
        and is at least one service apart from the other early ones in ``t_s`` (they could
        queue behind one another: counted as a disturbance, which is conservative).
        """
        disturbed = np.zeros(len(t_s), dtype=bool)
        if len(t_s) <= 4:  # the usual few: one at a time costs less than arrays
            return self._disturbed_few(t_s, disturbed)
        late = np.flatnonzero(t_s < self.last_arrival_s)
        if not late.size:
            return disturbed
        t, s = t_s[late], self.service_s
        known = len(self.arrivals_s)
        j = np.searchsorted(self.arrivals_s, t, side="right")
        before = np.full(len(t), -math.inf)
        after = np.full(len(t), math.inf)
        if known:
            before[j > 0] = self.departures_s[j[j > 0] - 1]
            after[j < known] = self.arrivals_s[j[j < known]]
        disturbed[late] = (before > t) | (t + s > after)
        if len(t) > 1:
            disturbed[late[1:]] |= t[1:] - t[:-1] < s
        return disturbed

    def _disturbed_few(self, t_s: np.ndarray, disturbed: np.ndarray) -> np.ndarray:
        """``disturbed_by`` for a handful of arrivals (the same rules, one by one)."""
        s, last_late = self.service_s, -math.inf
        arrivals, departures = self.arrivals_s, self.departures_s
        for k, t in enumerate(t_s.tolist()):
            if t >= self.last_arrival_s:
                continue
            j = int(np.searchsorted(arrivals, t, side="right"))
            before = departures[j - 1] if j else -math.inf
            after = arrivals[j] if j < len(arrivals) else math.inf
            disturbed[k] = before > t or t + s > after or t - last_late < s
            last_late = t
        return disturbed

    def _slot_in_idle(self, t_s: np.ndarray) -> bool:
        """Slot in late arrivals at once if each finds the server idle and delays nobody.

        That holds when the admitted payment before each has left by its arrival, and it is
        served before the next admitted one (or the next late one) arrives; then every wait
        stays as it was and the late arrivals wait nothing.
        """
        s = self.service_s
        known = len(self.arrivals_s)
        j = np.searchsorted(self.arrivals_s, t_s, side="right")
        before = np.full(len(t_s), -math.inf)
        after = np.full(len(t_s), math.inf)
        if known:
            before[j > 0] = self.departures_s[j[j > 0] - 1]
            after[j < known] = self.arrivals_s[j[j < known]]
        spaced = len(t_s) == 1 or np.diff(t_s).min() >= s
        if not (spaced and np.all(before <= t_s) and np.all(after >= t_s + s)):
            return False
        arrivals = np.concatenate([self.arrivals_s, t_s])
        order = np.argsort(arrivals, kind="stable")
        self.arrivals_s = arrivals[order]
        self.departures_s = np.concatenate([self.departures_s, t_s + s])[order]
        return True

    def _forget(self, before_s: float) -> None:
        """Drop admitted payments gone before ``before_s``: no later arrival comes earlier."""
        forget = int(np.searchsorted(self.departures_s, before_s, side="right"))
        if forget:
            self.arrivals_s = self.arrivals_s[forget:]
            self.departures_s = self.departures_s[forget:]

    def _vectorised(self, t_s: np.ndarray, wait: np.ndarray, start: int) -> int:
        """Waits from ``start`` on, up to the first rejection; returns where it stopped."""
        t = t_s[start:]
        s = self.service_s
        steps = np.arange(len(t)) * s
        begin = np.maximum.accumulate(np.maximum(t - steps, self.free_at_s)) + steps
        w = begin - t
        over = np.flatnonzero(w > self.max_wait_s)
        end = over[0] if over.size else len(t)
        wait[start : start + end] = w[:end]
        if end:
            self._record(t[:end], begin[:end] + s)
        if over.size:
            return start + end + 1  # the first rejected payment: wait stays NaN
        return len(t_s)

    def _sequential(self, t_s: np.ndarray, wait: np.ndarray, start: int) -> int:
        """Walk the queue from ``start`` until an arrival finds it empty; returns that index."""
        free_at, s, bound = self.free_at_s, self.service_s, self.max_wait_s
        admitted_t: list[float] = []
        admitted_d: list[float] = []
        stop = len(t_s)
        for offset, t in enumerate(t_s[start:].tolist()):
            w = free_at - t
            if w <= 0.0:
                stop = start + offset
                break
            if w <= bound:
                wait[start + offset] = w
                free_at += s
                admitted_t.append(t)
                admitted_d.append(free_at)
        if admitted_t:
            self._record(np.array(admitted_t), np.array(admitted_d))
        return stop

    def _record(self, arrivals_s: np.ndarray, departures_s: np.ndarray) -> None:
        self.arrivals_s = np.concatenate([self.arrivals_s, arrivals_s])
        self.departures_s = np.concatenate([self.departures_s, departures_s])
        self.free_at_s = float(departures_s[-1])
        self.last_arrival_s = float(arrivals_s[-1])

    def _late(self, t: float) -> float:
        """Slot in an arrival earlier than the last admitted one; its wait, or NaN."""
        j = int(np.searchsorted(self.arrivals_s, t, side="right"))
        before = float(self.departures_s[j - 1]) if j else -math.inf
        w = max(before - t, 0.0)
        if w > self.max_wait_s:
            return math.nan
        # Lindley on the suffix, the new arrival first
        t_suffix = np.concatenate([[t], self.arrivals_s[j:]])
        steps = np.arange(len(t_suffix)) * self.service_s
        d_suffix = np.maximum.accumulate(np.maximum(t_suffix - steps, before)) + steps
        d_suffix += self.service_s
        self.arrivals_s = np.concatenate([self.arrivals_s[:j], t_suffix])
        self.departures_s = np.concatenate([self.departures_s[:j], d_suffix])
        self.free_at_s = max(self.free_at_s, float(self.departures_s[-1]))
        return w


def md1_mean_wait_s(arrival_rate: float, service_s: float) -> float:
    """Pollaczek-Khinchine mean wait in queue of M/D/1: rho * s / (2 (1 - rho))."""
    rho = arrival_rate * service_s
    if rho >= 1:
        raise ValueError(f"utilisation ({rho}) must be less than 1")
    return rho * service_s / (2.0 * (1.0 - rho))


def mdk_blocking(rho: float, system_size: int) -> float:
    """Blocking probability of M/D/1/K (``system_size`` = K, in service included).

    Embedded Markov chain at departures: a_k = P(k Poisson(rho) arrivals in one service);
    with departure-epoch probabilities pi_0..pi_{K-1}, the time-average probability that the
    system is full is 1 - 1 / (pi_0 + rho), which arrivals see by PASTA (Gross and Harris,
    Fundamentals of Queueing Theory, M/G/1/K).
    """
    k = system_size
    if k == 1:
        return rho / (1.0 + rho)
    # Poisson pmf by its recurrence (scipy.stats would cost every worker a second to import)
    a = np.exp(-rho) * np.cumprod(np.r_[1.0, rho / np.arange(1, k)])
    transition = np.zeros((k, k))
    for i in range(k):
        base = max(i - 1, 0)  # queue left behind before this service's arrivals
        for j in range(base, k - 1):
            transition[i, j] = a[j - base]
        transition[i, k - 1] = 1.0 - transition[i, : k - 1].sum()
    # stationary distribution: pi (P - I) = 0, sum(pi) = 1
    system = np.vstack([(transition - np.eye(k)).T, np.ones(k)])
    rhs = np.zeros(k + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(system, rhs, rcond=None)[0]
    return 1.0 - 1.0 / (pi[0] + rho)
