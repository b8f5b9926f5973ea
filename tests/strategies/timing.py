"""Cost of ``choose`` + ``observe`` per 1,000 payments for every shipped routing strategy.

Not a test: run ``.venv/bin/python tests/strategies/timing.py``. Nine channels (as many as the
flagship), payments of two methods from two markets with random candidate sets; each round
routes a batch and hands its results back. Batches of 100 are the flagship's one-minute
windows; batches of 1,000 show the per-payment cost once per-call overhead is spread.
"""

from __future__ import annotations

import time

import numpy as np

from paysim.model.routing import RoutingTruth
from paysim.strategies import ROUTERS
from paysim.testing import fake_context, fake_view, feedback_for

PARAMS = {
    "volume_split": {"shares": {f"ch{c}": c + 1 for c in range(9)}},
    "contract": {"commitments": {"ch3": {"target_count": 5000, "target_time_s": 86_400.0}}},
}


def cost_per_1000(name: str, batch: int, rounds: int) -> float:
    """Microseconds of choose + observe per 1,000 payments."""
    context = fake_context(9, seed=1)
    router = ROUTERS.create(name, PARAMS.get(name, {}), "x")
    router.bind(context)
    rng = np.random.default_rng(2)
    views = [fake_view(context, batch, rng, t0_s=60.0 * r) for r in range(rounds)]
    if router.reads_truth:
        views = [
            fake_view(context, batch, rng, t0_s=60.0 * r, candidates=v.candidates,
                      truth=RoutingTruth(rng.random(v.candidates.shape)))
            for r, v in enumerate(views)
        ]  # fmt: skip
    luck = rng.random((rounds, batch))
    elapsed = 0.0
    for r, view in enumerate(views):
        start = time.perf_counter()
        chosen = router.choose(view)
        elapsed += time.perf_counter() - start
        if router.learns_from_feedback:
            feedback = feedback_for(view, chosen, luck[r] < 0.8)
            start = time.perf_counter()
            router.observe(feedback)
            elapsed += time.perf_counter() - start
    return elapsed / (rounds * batch) * 1e9  # s per payment -> µs per 1,000


if __name__ == "__main__":
    print(f"{'strategy':16s} {'batch 100':>12s} {'batch 1000':>12s}   (µs per 1,000 payments)")
    for name in ROUTERS.names():
        small = min(cost_per_1000(name, 100, 400) for _ in range(3))
        large = min(cost_per_1000(name, 1000, 60) for _ in range(3))
        print(f"{name:16s} {small:12.0f} {large:12.0f}")
