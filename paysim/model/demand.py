"""Order arrivals: a non-homogeneous Poisson process with a diurnal profile per market.

The arrival rate of each corridor is piecewise constant on a 15-minute grid: orders per day ×
corridor share × the buyer market's diurnal weight at its local hour. Arrivals in a window are
drawn exactly: a Poisson count with the integrated rate, then times by inverting the
cumulative rate, then a corridor from the mix of the grid cell each arrival falls in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paysim.engine.streams import BlockStream
from paysim.model.spec import Scenario

CELL_S = 900.0

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
    """Orders arriving in one window."""

    t_s: np.ndarray
    corridor: np.ndarray


class DemandModel:
    """Arrival process over the whole horizon, served window by window."""

    def __init__(self, scenario: Scenario, horizon_s: float) -> None:
        demand = scenario.demand
        n_cells = int(np.ceil(horizon_s / CELL_S))
        self.edges_s = np.arange(n_cells + 1) * CELL_S
        mid_hours = (self.edges_s[:-1] + CELL_S / 2) / 3600.0
        rates = np.empty((n_cells, len(demand.corridors)))
        per_second = demand.orders_per_day / 86_400.0
        for j, corridor in enumerate(demand.corridors):
            market = scenario.market(corridor.buyer)
            weights = hourly_weights(demand.diurnal)
            local_hour = np.floor(mid_hours + market.utc_offset_h).astype(int) % 24
            rates[:, j] = per_second * corridor.share * weights[local_hour]
        self.rate_per_s = rates
        total = rates.sum(axis=1)
        self.cumulative_intensity = np.concatenate([[0.0], np.cumsum(total * CELL_S)])
        cumulative_mix = np.cumsum(rates, axis=1)
        self.corridor_cdf = cumulative_mix / np.where(total > 0, total, 1.0)[:, None]

    def intensity(self, t_s: np.ndarray | float) -> np.ndarray:
        """Expected number of arrivals in ``[0, t_s)``."""
        return np.interp(t_s, self.edges_s, self.cumulative_intensity)

    def arrivals(self, t0: float, t1: float, stream: BlockStream) -> Arrivals:
        """Draw the arrivals in ``[t0, t1)``: their times (sorted) and corridors."""
        low, high = self.intensity(t0), self.intensity(t1)
        n = int(stream.generator.poisson(high - low))
        if n == 0:
            return Arrivals(np.empty(0), np.empty(0, dtype=np.intp))
        u = stream.uniform((2, n))
        targets = np.sort(low + (high - low) * u[0])
        t_s = np.interp(targets, self.cumulative_intensity, self.edges_s)
        t_s = np.clip(t_s, t0, np.nextafter(t1, t0))
        cell = np.minimum((t_s // CELL_S).astype(np.intp), len(self.corridor_cdf) - 1)
        corridor = (u[1][:, None] >= self.corridor_cdf[cell]).sum(axis=1)
        corridor = np.minimum(corridor, self.corridor_cdf.shape[1] - 1)
        return Arrivals(t_s, corridor)
