"""Order arrivals: a non-homogeneous Poisson process with a diurnal profile and social bursts.

The organic rate of each corridor is piecewise constant on a 15-minute grid: orders per day ×
corridor share × the buyer market's diurnal weight at its local hour. Campaigns (live-streams,
flash sales) add their extra rate on a grid refined at their boundaries (``campaigns.py``).
Arrivals are drawn exactly, an hour at a time: a Poisson count with the integrated rate, times
by inverting the cumulative rate, then a component (corridor and campaign) in proportion to the
component rates of the cell each arrival falls in. The world's windows are then served from the
drawn hour, so the arrivals of a run do not depend on the window (``engine.batch_s``): changing
it changes the speed, never who arrives when.

Group buys are a cluster process on top: groups open at a rate proportional to the organic
rate, and each brings a burst of orders for one item from one seller over the next minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from paysim.engine.streams import BlockStream, RandomStreams
from paysim.model.core.batch import concat_records, take_records
from paysim.model.demand import campaigns as campaign_model

if TYPE_CHECKING:
    from paysim.model.spec import Scenario

CELL_S = 900.0
ARRIVAL_BLOCK_S = 3600.0  # arrivals are drawn this far ahead, whatever the window

# Hourly weights, local time. ``social_commerce``: evening peak from live-stream shopping
# (assumption: shape of the 20:00-22:00 prime-time peak reported for live commerce in SEA and
# China; to be replaced by `paysim calibrate demand`). ``mobile_money``: hourly counts of one
# month of a real mobile-money service (PaySim aggregates, Lopez-Rojas et al., EMSS 2016).
PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 24,
    "social_commerce": (
        2.2, 1.4, 0.9, 0.6, 0.5, 0.6, 1.0, 1.8, 2.8, 3.6, 4.2, 4.6,
        5.2, 5.0, 4.6, 4.6, 4.8, 5.2, 5.8, 6.6, 7.6, 8.4, 7.4, 4.5,
    ),
    "mobile_money": (
        809371, 288809, 69941, 7306, 660, 933, 14914, 86861, 234594, 343402, 288481, 400910,
        604041, 881060, 1083041, 1088259, 1504885, 1712156, 2597439, 3179706, 3165670, 2517305,
        2094673, 1602268,
    ),
}  # fmt: skip


def hourly_weights(diurnal: str | list[float]) -> np.ndarray:
    """24 weights normalised to mean 1 (so the daily total equals ``orders_per_day``)."""
    weights = np.asarray(PROFILES[diurnal] if isinstance(diurnal, str) else diurnal, dtype=float)
    return weights * 24.0 / weights.sum()


@dataclass(frozen=True)
class Arrivals:
    """Orders arriving in one window, sorted by time.

    ``campaign`` is the index in ``demand.campaigns`` of the campaign an order came from
    (``-1``: organic); ``group`` the id of its group buy (``-1``: none). Orders of one group
    share a corridor, and the checkout gives them one seller and one item (``GROUP_LUCK``).
    """

    t_s: np.ndarray
    corridor: np.ndarray
    campaign: np.ndarray = None  # type: ignore[assignment]
    group: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = len(self.t_s)
        if self.campaign is None:
            object.__setattr__(self, "campaign", np.full(n, -1, dtype=np.intp))
        if self.group is None:
            object.__setattr__(self, "group", np.full(n, -1, dtype=np.int64))


# Uniforms a group's orders share: ``streams.keyed(GROUP_LUCK_STREAM).uniforms(group,
# len(GROUP_LUCK))``, looked up by group id, so every order of a group gets one seller and item.
GROUP_LUCK = ("seller", "amount")
GROUP_LUCK_STREAM = "group_buy"


class DemandModel:
    """Arrival process over the whole horizon, drawn an hour at a time, served window by window.

    Windows must be asked for in order (each ``t0`` the previous ``t1``), as the world does.
    """

    def __init__(
        self, scenario: Scenario, horizon_s: float, streams: RandomStreams | None = None
    ) -> None:
        demand = scenario.demand
        streams = streams if streams is not None else RandomStreams(scenario.seed)
        n_cells = int(np.ceil(horizon_s / CELL_S))
        self.grid_edges_s = np.minimum(np.arange(n_cells + 1) * CELL_S, horizon_s)
        mid_hours = (self.grid_edges_s[:-1] + CELL_S / 2) / 3600.0
        organic = np.empty((n_cells, len(demand.corridors)))
        per_second = demand.orders_per_day / 86_400.0
        weights = hourly_weights(demand.diurnal)
        for j, corridor in enumerate(demand.corridors):
            market = scenario.market(corridor.buyer)
            local_hour = np.floor(mid_hours + market.utc_offset_h).astype(int) % 24
            organic[:, j] = per_second * corridor.share * weights[local_hour]
        self.organic_per_s = organic
        self.rate_per_s = organic  # organic rate per 15-minute cell and corridor (no campaigns)
        self.occurrences = campaign_model.schedule(demand.campaigns, horizon_s, streams)
        self.rate = campaign_model.components(
            self.grid_edges_s,
            organic,
            self.occurrences,
            np.array([c.uplift for c in demand.campaigns]),
            campaign_model.targets(demand.campaigns, demand.corridors),
        )
        self.groups = GroupBuys(scenario, self.grid_edges_s, organic, streams)
        self.horizon_s = horizon_s
        self.drawn_until_s = 0.0  # single arrivals are drawn up to here ...
        self.served_until_s = 0.0  # ... and handed out up to here
        self.waiting = Arrivals(np.empty(0), np.empty(0, dtype=np.intp))

    def intensity(self, t_s: np.ndarray | float) -> np.ndarray:
        """Expected number of (non-group) arrivals in ``[0, t_s)``."""
        return np.interp(t_s, self.rate.edges_s, self.rate.cumulative_at_edge)

    def arrivals(self, t0: float, t1: float, stream: BlockStream) -> Arrivals:
        """Draw the arrivals in ``[t0, t1)``: times (sorted), corridors, campaigns, groups."""
        single = self._singles(t0, t1, stream)
        if not self.groups.active:
            return single
        grouped = self.groups.arrivals(t0, t1)
        if not len(grouped.t_s):
            return single
        parts = (single, grouped)
        t_s = np.concatenate([p.t_s for p in parts])
        order = np.argsort(t_s, kind="stable")
        return Arrivals(
            t_s[order],
            np.concatenate([p.corridor for p in parts])[order],
            np.concatenate([p.campaign for p in parts])[order],
            np.concatenate([p.group for p in parts])[order],
        )

    def _singles(self, t0: float, t1: float, stream: BlockStream) -> Arrivals:
        """Non-group arrivals in ``[t0, t1)``, from the hours drawn so far."""
        if t0 < self.served_until_s:
            raise ValueError(f"t0 ({t0}) must not be before the last window's end")
        self.served_until_s = t1
        while self.drawn_until_s < min(t1, self.horizon_s):
            start = self.drawn_until_s
            self.drawn_until_s = min(start + ARRIVAL_BLOCK_S, self.horizon_s)
            drawn = self._draw(start, self.drawn_until_s, stream)
            if len(drawn.t_s):
                self.waiting = concat_records([self.waiting, drawn])
        due = int(np.searchsorted(self.waiting.t_s, t1, side="left"))
        if not due:
            return Arrivals(np.empty(0), np.empty(0, dtype=np.intp))
        now = take_records(self.waiting, np.arange(due))
        self.waiting = take_records(self.waiting, np.arange(due, len(self.waiting.t_s)))
        return now

    def _draw(self, t0: float, t1: float, stream: BlockStream) -> Arrivals:
        """Draw the single arrivals of one block ``[t0, t1)`` (sorted)."""
        low, high = self.intensity(t0), self.intensity(t1)
        n = int(stream.generator.poisson(high - low))
        if n == 0:
            return Arrivals(np.empty(0), np.empty(0, dtype=np.intp))
        u = stream.uniform((2, n))
        targets = np.sort(low + (high - low) * u[0])
        t_s = np.interp(targets, self.rate.cumulative_at_edge, self.rate.edges_s)
        t_s = np.clip(t_s, t0, np.nextafter(t1, t0))
        component = campaign_model.pick(self.rate, t_s, u[1])
        return Arrivals(t_s, self.rate.corridor[component], self.rate.campaign[component])


GROUP_BLOCK_S = 3600.0


class GroupBuys:
    """Group buys: a Poisson cluster process that follows the organic rate.

    Groups open at ``groups_per_day / orders_per_day`` times the organic rate (same diurnal
    shape and corridor mix); their members' delays are drawn when the group opens, and members
    due after the window wait in a small buffer for theirs.
    """

    def __init__(
        self,
        scenario: Scenario,
        grid_edges_s: np.ndarray,
        organic_per_s: np.ndarray,
        streams: RandomStreams,
    ) -> None:
        spec = scenario.demand.group_buys
        self.spec = spec
        self.active = spec.groups_per_day > 0
        ratio = spec.groups_per_day / scenario.demand.orders_per_day
        total = organic_per_s.sum(axis=1) * ratio
        self.edges_s = grid_edges_s
        self.cumulative = np.concatenate([[0.0], np.cumsum(total * np.diff(grid_edges_s))])
        cumulative_mix = np.cumsum(organic_per_s, axis=1)
        row_total = organic_per_s.sum(axis=1)
        self.corridor_cdf = cumulative_mix / np.where(row_total > 0, row_total, 1.0)[:, None]
        self.stream = streams.stream("demand.group_buys")
        self.next_group = 0
        self.opened_until_s = 0.0
        self.waiting = Arrivals(np.empty(0), np.empty(0, dtype=np.intp))

    def arrivals(self, t0: float, t1: float) -> Arrivals:
        """Members of open groups whose order falls in ``[t0, t1)``.

        Groups are opened an hour ahead at a time (their members wait in the buffer), so the
        per-window cost does not grow with the number of windows.
        """
        if self.active and t1 > self.opened_until_s:
            start = self.opened_until_s
            self.opened_until_s = min(np.ceil(t1 / GROUP_BLOCK_S) * GROUP_BLOCK_S, self.edges_s[-1])
            opened = self._open(start, self.opened_until_s)
            if len(opened.t_s):
                self.waiting = concat_records([self.waiting, opened])
        due = self.waiting.t_s < t1
        if not due.any():
            return Arrivals(np.empty(0), np.empty(0, dtype=np.intp))
        now, self.waiting = take_records(self.waiting, due), take_records(self.waiting, ~due)
        return take_records(now, np.argsort(now.t_s, kind="stable"))

    def _open(self, t0: float, t1: float) -> Arrivals:
        low, high = np.interp([t0, t1], self.edges_s, self.cumulative)
        n = int(self.stream.generator.poisson(high - low))
        if n == 0:
            return Arrivals(np.empty(0), np.empty(0, dtype=np.intp))
        u = self.stream.uniform((3, n))
        open_s = np.interp(np.sort(low + (high - low) * u[0]), self.cumulative, self.edges_s)
        open_s = np.clip(open_s, t0, np.nextafter(t1, t0))
        cell = np.minimum((open_s // CELL_S).astype(np.intp), len(self.corridor_cdf) - 1)
        corridor = (u[1][:, None] >= self.corridor_cdf[cell]).sum(axis=1)
        corridor = np.minimum(corridor, self.corridor_cdf.shape[1] - 1)
        size = np.clip(np.rint(self.spec.size.ppf(u[2])), 2, self.spec.max_size).astype(np.intp)
        group = np.arange(self.next_group, self.next_group + n, dtype=np.int64)
        self.next_group += n
        member_group = np.repeat(np.arange(n), size)
        first = np.concatenate([[0], np.cumsum(size)[:-1]])
        delay_s = self.spec.join_delay_min.ppf(self.stream.uniform(int(size.sum()))) * 60.0
        delay_s[first] = 0.0  # the opener orders when the group opens
        return Arrivals(
            open_s[member_group] + delay_s,
            corridor[member_group],
            np.full(member_group.size, -1, dtype=np.intp),
            group[member_group],
        )
