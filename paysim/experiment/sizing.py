"""How big a run will be, estimated before it starts: runs that cannot finish are refused.

A run's memory grows with its checkouts (per-order state, the money calendar and, unless the
payments log streams to a file, the log itself), with the buyers of markets whose KYC tiers
have daily limits (each buyer's spending of the day) and with the sellers (payables and
payouts). The figures below were measured as the slope of peak RSS over checkouts on the
shipped scenarios (quickstart and flagship, 2e5 to 6e6 checkouts, 1 to 30 days), rounded up by
about 10%: quickstart 195 B per checkout with the log in memory and 88 B with it on disk,
flagship 215 B and 118 B. The window count bounds the run time instead: each window costs
about 0.3 ms even when empty.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.errors import ScenarioError
from paysim.model.spec import Scenario

BYTES_PER_CHECKOUT_LOG_IN_MEMORY = 240
BYTES_PER_CHECKOUT_LOG_ON_DISK = 130
BYTES_PER_TRACKED_BUYER = 12  # a float64 and an int32: what the buyer spent, and on which day
BYTES_PER_SELLER = 64  # currency, receivable, and a payout run's per-seller sums
BASE_BYTES = 300e6  # the interpreter with numpy, pandas, pyarrow and the world's tables
#: At ~0.3 ms a window, 10 million windows are about an hour of pure overhead.
MAX_WINDOWS = 10_000_000


@dataclass(frozen=True)
class RunSize:
    """The estimated size of one run.

    Attributes:
        checkouts: expected checkouts (organic, campaign and group-buy orders).
        windows: payment windows (``horizon / engine.batch_s``).
        memory_bytes: estimated peak memory of the process running it.
        largest: the scenario field that contributes most of the memory.

    """

    checkouts: float
    windows: float
    memory_bytes: float
    largest: str


def expected_checkouts(scenario: Scenario, horizon_s: float) -> float:
    """Expected checkouts over the horizon, from the demand model's integrated rate."""
    from paysim.engine.streams import RandomStreams
    from paysim.model.demand.arrivals import DemandModel

    demand = DemandModel(scenario, horizon_s, RandomStreams(scenario.seed))
    singles = float(demand.intensity(horizon_s))
    groups = demand.groups
    if not groups.active:
        return singles
    size = min(max(groups.spec.size.mean, 2.0), float(groups.spec.max_size))
    return singles + float(groups.cumulative[-1]) * size


def estimate(scenario: Scenario, days: float | None = None, log_in_memory: bool = True) -> RunSize:
    """The size of one run of ``scenario`` over ``days`` (the scenario's horizon by default)."""
    horizon_s = (scenario.horizon_days if days is None else days) * SECONDS_PER_DAY
    windows = horizon_s / scenario.engine.batch_s
    if windows > MAX_WINDOWS:  # the demand grid of such a run is itself too big to build
        return RunSize(0.0, windows, BASE_BYTES, "engine.batch_s")
    checkouts = expected_checkouts(scenario, horizon_s)
    per_checkout = (
        BYTES_PER_CHECKOUT_LOG_IN_MEMORY if log_in_memory else BYTES_PER_CHECKOUT_LOG_ON_DISK
    )
    kyc = scenario.risk.kyc
    tracks_daily = any(getattr(kyc, tier).daily is not None for tier in ("none", "basic", "full"))
    parts = {"demand.orders_per_day": checkouts * per_checkout}
    for market in scenario.markets:
        if tracks_daily:
            parts[f"markets.{market.code}.buyers"] = market.buyers * BYTES_PER_TRACKED_BUYER
        parts[f"markets.{market.code}.sellers"] = market.sellers * BYTES_PER_SELLER
    largest = max(parts, key=parts.__getitem__)
    return RunSize(checkouts, windows, BASE_BYTES + sum(parts.values()), largest)


def available_memory_bytes() -> float | None:
    """Memory this process could still use: MemAvailable, within a cgroup limit if any."""
    limits = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(float(line.split()[1]) * 1024)
    except OSError:
        pass
    try:
        cgroup_max = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if cgroup_max != "max":
            used = float(Path("/sys/fs/cgroup/memory.current").read_text())
            limits.append(float(cgroup_max) - used)
    except (OSError, ValueError):
        pass
    if not limits:
        try:
            limits.append(float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")))
        except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
            return None
    return min(limits)


def check_run_size(
    scenario: Scenario,
    days: float | None = None,
    log_in_memory: bool = True,
    processes: int = 1,
    prefix: str = "",
) -> RunSize:
    """Refuse a run with too many windows, or whose memory would exceed what is available.

    Args:
        scenario: the validated scenario.
        days: the horizon, replacing the scenario's.
        log_in_memory: whether the payments log is kept in memory (experiments) or streamed.
        processes: runs side by side (worker processes), each needing the estimate.
        prefix: put before the field path in the message (an experiment's arm).

    Raises:
        ScenarioError: one line naming the field most responsible, with the estimate.

    """
    size = estimate(scenario, days, log_in_memory)
    horizon_days = scenario.horizon_days if days is None else days
    if size.windows > MAX_WINDOWS:
        raise ScenarioError.at(
            f"{prefix}engine.batch_s",
            f"windows of {scenario.engine.batch_s:g} s over {horizon_days:g} days are "
            f"{size.windows:.3g} windows, more than {MAX_WINDOWS:.0e} (~1 h of overhead); "
            "use longer windows or a shorter horizon",
        )
    available = available_memory_bytes()
    if available is None:
        return size
    if size.memory_bytes > available:
        raise ScenarioError.at(
            f"{prefix}{size.largest}",
            f"the run would need about {_gb(size.memory_bytes)} of memory "
            f"({size.checkouts:,.0f} checkouts over {horizon_days:g} days), more than the "
            f"{_gb(available)} available; make it smaller",
        )
    if size.memory_bytes * processes > available:
        raise ScenarioError.at(
            "--workers",
            f"{processes} runs side by side would need about "
            f"{_gb(size.memory_bytes * processes)} of memory ({_gb(size.memory_bytes)} each), "
            f"more than the {_gb(available)} available; use fewer workers",
            processes,
        )
    return size


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.3g} GB" if n_bytes >= 1e8 else f"{n_bytes / 1e6:.0f} MB"
