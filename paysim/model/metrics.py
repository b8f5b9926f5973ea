"""Running totals of one replication, kept as the model goes (no second pass over the log)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from paysim.model.channels.table import DECLINE_CODES, OUTCOMES
from paysim.model.core.spec_types import FUNNEL_STEPS
from paysim.model.fraud.model import FraudTotals
from paysim.model.platform.totals import PlatformTotals


@dataclass
class RunTotals:
    """Counts and sums from which every KPI is computed (money in the reporting currency)."""

    checkouts: int = 0
    abandoned_at_step: np.ndarray = field(
        default_factory=lambda: np.zeros(len(FUNNEL_STEPS), dtype=np.int64)
    )
    left_during_processing: int = 0
    paid_orders: int = 0  # orders captured so far (immediately or after a status check)
    late_successes: int = 0  # timed-out payments a status check found captured
    double_charges: int = 0  # second captures of an order already paid (refunded)
    # final states, set when the run ends (see status_checks.CheckoutStates)
    paid_checkouts: int = 0
    checkouts_abandoned: int = 0
    attempts_by_outcome: np.ndarray = field(
        default_factory=lambda: np.zeros(len(OUTCOMES), dtype=np.int64)
    )
    # index: decline code (the channels' DECLINE_CODES, then any the world adds after them)
    attempts_by_code: np.ndarray = field(
        default_factory=lambda: np.zeros(len(DECLINE_CODES), dtype=np.int64)
    )
    queue_wait_ms_sum: float = 0.0
    rate_limited_channel_attempts: int = 0  # attempts sent to a channel with a rate limit
    gmv: float = 0.0
    channel_fees: float = 0.0
    routing_regret: float = 0.0
    routing_detection_s: float = 0.0  # mean over the scheduled drifts (channels.drift.DriftWatch)
    latency_chunks: list[np.ndarray] = field(default_factory=list)
    latency_channel_chunks: list[np.ndarray] = field(default_factory=list)
    latency_method_chunks: list[np.ndarray] = field(default_factory=list)
    channel_attempts: int = 0  # attempts a channel saw (not blocked by the platform)
    cross_border_attempts: int = 0  # of those, acquired outside the buyer's market
    # how the world handled time (see World.step): not KPIs, they show what the order costs
    rounds: int = 0  # calls handling due attempts, over all windows
    routing_chunks: int = 0  # router calls of a learning router (one per round otherwise)
    retries_out_of_order: int = 0  # retries landing where they could change a decided result
    platform: PlatformTotals = field(default_factory=lambda: PlatformTotals())
    fx: dict[str, float] | None = None  # the treasury's FX KPIs (None: no treasury)
    fraud: FraudTotals | None = None  # with the fraud model on (issue 11)
    channel_ids: tuple[str, ...] = ()

    @property
    def attempts(self) -> int:
        """Payment attempts sent to a channel (rows of the payments log)."""
        return int(self.attempts_by_outcome.sum())

    def count_codes(self, code: np.ndarray) -> None:
        """Add attempts by decline code, growing the counts for codes not seen before."""
        counts = np.bincount(code, minlength=len(self.attempts_by_code))
        if len(counts) > len(self.attempts_by_code):
            self.attempts_by_code = np.pad(
                self.attempts_by_code, (0, len(counts) - len(self.attempts_by_code))
            )
        self.attempts_by_code += counts

    def add_latencies(
        self, latency_ms: np.ndarray, channel: np.ndarray, method: np.ndarray
    ) -> None:
        """Latencies of attempts that reached a working channel, with their channel and method."""
        self.latency_chunks.append(latency_ms)
        self.latency_channel_chunks.append(channel.astype(np.int16))
        self.latency_method_chunks.append(method.astype(np.int8))

    def latencies_ms(self) -> np.ndarray:
        """Latency of every attempt that reached a working channel."""
        if not self.latency_chunks:
            return np.empty(0)
        return np.concatenate(self.latency_chunks)

    def latency_labels(self) -> tuple[np.ndarray, np.ndarray]:
        """Channel and method of each latency of ``latencies_ms`` (same order)."""
        if not self.latency_chunks:
            return np.empty(0, dtype=np.int16), np.empty(0, dtype=np.int8)
        return np.concatenate(self.latency_channel_chunks), np.concatenate(
            self.latency_method_chunks
        )
