"""Influencer live-streams and flash sales: when they run and the rate they add.

A campaign occurrence multiplies the diurnal rate of its corridors by ``uplift`` while it
runs. The arrival process stays a Poisson process with a piecewise-constant rate: the 15-minute
grid is refined at every occurrence's start and end, and in each refined cell the rate is a sum
of *components*, one per corridor for organic demand and one per (occurrence, corridor) for the
extra ``(uplift - 1) x organic`` rate of a running campaign. Overlapping occurrences add their
extras. An arrival's component gives its corridor and its campaign (``-1`` for organic).

Occurrence start times are drawn once at set-up from the campaign's own named stream, in time
order, so a shorter run sees the same first campaigns as a longer one and adding a campaign
does not move any other campaign or the organic arrivals.

Default uplifts and durations are assumptions (live-commerce trade press reports conversion
"up to 10x" that of ordinary e-commerce for viewers; the platform-wide order rate of the
targeted markets rises far less): calibrate them with ``paysim calibrate demand``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY
from paysim.engine.streams import RandomStreams
from paysim.model.demand.spec import CampaignSpec, CorridorSpec


@dataclass(frozen=True)
class Occurrences:
    """Every run of every campaign within the horizon, sorted by start."""

    campaign: np.ndarray  # index into demand.campaigns
    start_s: np.ndarray
    end_s: np.ndarray


def schedule(
    campaigns: list[CampaignSpec], horizon_s: float, streams: RandomStreams
) -> Occurrences:
    """Draw the occurrences of every campaign (explicit, periodic and Poisson starts)."""
    index, starts, ends = [], [], []
    for k, campaign in enumerate(campaigns):
        start_s = campaign_starts(campaign, horizon_s, streams)
        u = streams.generator(f"demand.campaigns.{campaign.id}.duration").random(len(start_s))
        duration_s = campaign.duration_min.ppf(u) * 60.0
        index.append(np.full(len(start_s), k, dtype=np.intp))
        starts.append(start_s)
        ends.append(np.minimum(start_s + duration_s, horizon_s))
    if not campaigns:
        return Occurrences(np.empty(0, np.intp), np.empty(0), np.empty(0))
    campaign_index, start, end = (np.concatenate(a) for a in (index, starts, ends))
    order = np.argsort(start, kind="stable")
    return Occurrences(campaign_index[order], start[order], end[order])


def campaign_starts(campaign: CampaignSpec, horizon_s: float, streams: RandomStreams) -> np.ndarray:
    """Start times (s) of one campaign within the horizon, sorted."""
    parts = [np.asarray(campaign.starts_h, dtype=float) * 3600.0]
    if campaign.every_h is not None:
        parts.append(np.arange(campaign.first_h * 3600.0, horizon_s, campaign.every_h * 3600.0))
    if campaign.per_day > 0:
        rng = streams.generator(f"demand.campaigns.{campaign.id}")
        mean_gap_s = SECONDS_PER_DAY / campaign.per_day
        poisson, t = [], rng.exponential(mean_gap_s)
        while t < horizon_s:  # gap by gap: a longer horizon only appends occurrences
            poisson.append(t)
            t += rng.exponential(mean_gap_s)
        parts.append(np.asarray(poisson))
    start_s = np.sort(np.concatenate(parts))
    return start_s[start_s < horizon_s]


def targets(campaigns: list[CampaignSpec], corridors: list[CorridorSpec]) -> np.ndarray:
    """Bool ``[campaign, corridor]``: which corridors each campaign lifts."""
    mask = np.zeros((len(campaigns), len(corridors)), dtype=bool)
    for k, campaign in enumerate(campaigns):
        for j, corridor in enumerate(corridors):
            buyer_ok = not campaign.buyer_markets or corridor.buyer in campaign.buyer_markets
            seller_ok = not campaign.seller_markets or corridor.seller in campaign.seller_markets
            mask[k, j] = buyer_ok and seller_ok
    return mask


@dataclass(frozen=True)
class RateComponents:
    """A piecewise-constant rate split into components, on a (refined) grid of cells.

    Cell ``c`` spans ``[edges_s[c], edges_s[c+1])`` and holds components
    ``first[c]:first[c+1]``; ``cumulative`` is the running expected count over components in
    cell order, so ``cumulative_at_edge[c]`` is the expected count in ``[0, edges_s[c])``.
    """

    edges_s: np.ndarray
    first: np.ndarray
    corridor: np.ndarray
    campaign: np.ndarray
    cumulative: np.ndarray
    cumulative_at_edge: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.edges_s) - 1


def components(
    grid_edges_s: np.ndarray,
    organic_per_s: np.ndarray,
    occurrences: Occurrences,
    uplift: np.ndarray,
    lifted: np.ndarray,
) -> RateComponents:
    """Organic and campaign components on the grid refined at every occurrence boundary.

    Args:
        grid_edges_s: edges of the base grid (the diurnal profile's cells), ``n + 1`` values.
        organic_per_s: organic rate per base cell and corridor, shape ``(n, n_corridors)``.
        occurrences: the campaigns' runs.
        uplift: rate multiplier per campaign.
        lifted: bool ``[campaign, corridor]`` from ``targets``.

    Returns:
        The components, cell by cell, with their cumulative expected counts.

    """
    horizon_s = grid_edges_s[-1]
    cuts = np.concatenate([occurrences.start_s, occurrences.end_s])
    cuts = cuts[(cuts > 0) & (cuts < horizon_s)]
    edges = np.union1d(grid_edges_s, cuts)
    n_cells, n_corridors = len(edges) - 1, organic_per_s.shape[1]
    base_cell = np.searchsorted(grid_edges_s, edges[:-1], side="right") - 1
    width_s = np.diff(edges)
    organic = organic_per_s[base_cell]  # (n_cells, n_corridors)

    cell = [np.repeat(np.arange(n_cells), n_corridors)]
    corridor = [np.tile(np.arange(n_corridors), n_cells)]
    campaign = [np.full(n_cells * n_corridors, -1, dtype=np.intp)]
    weight = [(organic * width_s[:, None]).ravel()]
    for k, start, end in zip(
        occurrences.campaign, occurrences.start_s, occurrences.end_s, strict=True
    ):
        lo, hi = np.searchsorted(edges, [start, end])
        cols = np.flatnonzero(lifted[k])
        if hi <= lo or not cols.size:
            continue
        cells = np.repeat(np.arange(lo, hi), cols.size)
        cols_rep = np.tile(cols, hi - lo)
        cell.append(cells)
        corridor.append(cols_rep)
        campaign.append(np.full(cells.size, k, dtype=np.intp))
        weight.append((uplift[k] - 1.0) * organic[cells, cols_rep] * width_s[cells])
    cell_all = np.concatenate(cell)
    order = np.argsort(cell_all, kind="stable")
    cumulative = np.cumsum(np.concatenate(weight)[order])
    first = np.searchsorted(cell_all[order], np.arange(n_cells + 1))
    at_edge = np.concatenate([[0.0], cumulative])[first]
    return RateComponents(
        edges_s=edges,
        first=first,
        corridor=np.concatenate(corridor)[order],
        campaign=np.concatenate(campaign)[order],
        cumulative=cumulative,
        cumulative_at_edge=at_edge,
    )


def pick(rate: RateComponents, t_s: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The component of each arrival at ``t_s``, chosen in proportion to the rates there."""
    cell = np.clip(np.searchsorted(rate.edges_s, t_s, side="right") - 1, 0, rate.n_cells - 1)
    low, high = rate.cumulative_at_edge[cell], rate.cumulative_at_edge[cell + 1]
    chosen = np.searchsorted(rate.cumulative, low + u * (high - low), side="right")
    return np.clip(chosen, rate.first[cell], rate.first[cell + 1] - 1)
