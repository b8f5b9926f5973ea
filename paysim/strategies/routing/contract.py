"""Contract routing: meet volume commitments per channel at the least cost.

Acquirer contracts often commit the merchant to ``target_count`` payments per ``target_time_s``
and price by volume tiers (a lower rate once the period's count passes a threshold). This
router keeps every commitment on a linear schedule and otherwise sends each payment where it
is cheapest, a pacing rule in the manner of smooth ad delivery (Bhalgat, Feldman & Mirrokni,
"Online allocation of display ads with smooth delivery", KDD 2012).

Algorithm, for each batch of payments (in time order):

1. Periods start at time 0 and last ``target_time_s``; counts restart with each period. A
   batch counts in the period its first payment falls in (batches last a minute or so,
   periods hours or days).
2. Each payment's marginal cost at each candidate is the channel's current tier price
   (percent of the amount plus fixed fee, reporting currency) at the count reached so far,
   or the price list's fee for a channel without tiers.
3. Every payment is first given to its cheapest candidate (ties: scenario order).
4. For each committed channel, most behind schedule first, the deficit is
   ``ceil(target_count × elapsed share of the period at the batch's end) − count``; that
   many payments that could use the channel (and were not moved to another committed
   channel) move to it, those whose extra cost over their current choice is smallest first.
5. Counts grow by the batch's choices. A commitment no payment can reach stays behind.

It does not learn from results: commitments here count routed payments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from paysim.model.routing import AttemptView, RoutingContext
from paysim.strategies.params import check_channels, check_number, param_error
from paysim.strategies.routing.base import ROUTERS, BaseRouter
from paysim.strategies.routing.fees import FeeModel


def _check_tiers(channel: str, tiers: Any) -> None:
    where = f"tiers.{channel}"
    if isinstance(tiers, str | bytes) or not isinstance(tiers, Sequence) or not tiers:
        raise param_error(where, "must be a list of {from_count, percent, fixed}", tiers)
    previous = -1.0
    for i, tier in enumerate(tiers):
        if not isinstance(tier, Mapping) or "percent" not in tier:
            raise param_error(f"{where}[{i}]", "must be {from_count, percent, fixed}", tier)
        unknown = set(tier) - {"from_count", "percent", "fixed"}
        if unknown:
            raise param_error(f"{where}[{i}]", "unknown key", sorted(unknown)[0])
        start = tier.get("from_count", 0)
        check_number(f"{where}[{i}].from_count", start, low=0, integer=True)
        check_number(f"{where}[{i}].percent", tier["percent"], low=0)
        check_number(f"{where}[{i}].fixed", tier.get("fixed", 0.0), low=0)
        if (i == 0 and start != 0) or start <= previous:
            raise param_error(f"{where}[{i}].from_count", "must start at 0 and increase", start)
        previous = start


@ROUTERS.register("contract")
class ContractRouter(BaseRouter):
    """Meets per-channel volume commitments on schedule, cheapest tier price otherwise.

    Args:
        commitments: channel id to ``{target_count, target_time_s}``.
        tiers: channel id to volume tiers ``[{from_count, percent, fixed}]``, ``from_count``
            starting at 0 and increasing, ``fixed`` in the reporting currency; channels
            without tiers are priced by their price list.

    """

    def __init__(
        self,
        commitments: Mapping[str, Mapping[str, float]],
        tiers: Mapping[str, Sequence[Mapping[str, float]]] | None = None,
    ) -> None:
        self.commitments = commitments
        self.tiers = tiers
        if not isinstance(commitments, Mapping) or not commitments:
            raise param_error("commitments", "must map channel ids to commitments", commitments)
        for channel, spec in commitments.items():
            where = f"commitments.{channel}"
            if not isinstance(spec, Mapping) or set(spec) != {"target_count", "target_time_s"}:
                raise param_error(where, "must be {target_count, target_time_s}", spec)
            check_number(f"{where}.target_count", spec["target_count"], low=1, integer=True)
            check_number(f"{where}.target_time_s", spec["target_time_s"], low=0, low_open=True)
        if tiers is not None and not isinstance(tiers, Mapping):
            raise param_error("tiers", "must map channel ids to tiers", tiers)
        for channel, channel_tiers in (tiers or {}).items():
            _check_tiers(channel, channel_tiers)

    def bind(self, context: RoutingContext) -> None:  # noqa: D102
        super().bind(context)
        ids = context.channel_ids
        check_channels("commitments", self.commitments, ids)
        check_channels("tiers", self.tiers or {}, ids)
        self.fees = FeeModel(context)
        self.committed = [ids.index(c) for c in self.commitments]
        self.target = np.array([float(s["target_count"]) for s in self.commitments.values()])
        self.period_s = np.array([float(s["target_time_s"]) for s in self.commitments.values()])
        self.period = np.full(len(self.committed), -1)
        self.count = np.zeros(len(ids))  # routed this period (committed channels only used)
        self.tier_table = {
            ids.index(c): (
                np.array([float(t.get("from_count", 0)) for t in ts]),
                np.array([float(t["percent"]) for t in ts]) / 100.0,
                np.array([float(t.get("fixed", 0.0)) for t in ts]),
            )
            for c, ts in (self.tiers or {}).items()
        }

    def marginal_cost(self, view: AttemptView) -> np.ndarray:
        """``[payment, channel]`` price of one more payment at each channel."""
        cost = self.fees.fee_reporting(view)
        for c, (starts, rate, fixed) in self.tier_table.items():
            tier = np.searchsorted(starts, self.count[c], side="right") - 1
            cost[:, c] = view.amount_reporting * rate[tier] + fixed[tier]
        return cost

    def choose(self, view: AttemptView) -> np.ndarray:  # noqa: D102
        n = len(view)
        if not n:
            return np.empty(0, dtype=np.intp)
        t_first, t_last = float(view.t_s[0]), float(view.t_s[-1])
        period = np.floor(t_first / self.period_s).astype(int)
        restart = period != self.period
        self.count[np.asarray(self.committed)[restart]] = 0.0
        self.period = period
        cost = np.where(view.candidates, self.marginal_cost(view), np.inf)
        chosen = cost.argmin(axis=1)
        base_cost = cost[np.arange(n), chosen]
        elapsed = np.clip((t_last - period * self.period_s) / self.period_s, 0.0, 1.0)
        due = np.ceil(self.target * elapsed) - self.count[self.committed]
        pinned = np.zeros(n, dtype=bool)
        for j in np.argsort(-due / self.target, kind="stable"):
            c, deficit = self.committed[j], int(due[j])
            if deficit <= 0:
                continue
            movable = np.flatnonzero(view.candidates[:, c] & ~pinned)
            extra = cost[movable, c] - base_cost[movable]
            take = movable[np.argsort(extra, kind="stable")[:deficit]]
            chosen[take] = c
            pinned[take] = True
        self.count += np.bincount(chosen, minlength=self.count.size)
        return chosen
