"""What a defence strategy sees: the platform's signals per attempt, never the truth.

Views are frozen dataclasses of read-only arrays. The defence family's interface is
``paysim.strategies.defence.BaseDefence``; the model only calls it (``bind``, ``decide``,
``observe``) and never imports it at run time. ``is_fraud`` and ``fraud_kind`` are the
simulator's ground truth: they are in the payments log, in no view.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

APPROVE, DECLINE, STEP_UP, REVIEW = 0, 1, 2, 3  # payments_log.DEFENCE_ACTIONS


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _read_only(record: object) -> None:
    cls = type(record)
    names = _FIELD_NAMES.get(cls)
    if names is None:  # dataclasses.fields is slow: looked up once per class
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(record))  # type: ignore[arg-type]
    for name in names:
        value = getattr(record, name)
        if isinstance(value, np.ndarray) and value.flags.writeable:
            view = value.view()
            view.flags.writeable = False
            object.__setattr__(record, name, view)


@dataclass(frozen=True)
class DefenceContext:
    """Static facts handed to ``bind``."""

    markets: tuple[str, ...]
    methods: tuple[str, ...]
    kyc_tiers: tuple[str, ...]
    reporting_currency: str
    rng: np.random.Generator  # the strategy's own stream


@dataclass(frozen=True)
class DefenceView:
    """The attempts to screen now (one row each, in time order), as the platform sees them."""

    t_s: np.ndarray
    amount_reporting: np.ndarray
    buyer_market: np.ndarray  # index into DefenceContext.markets
    seller_market: np.ndarray
    method: np.ndarray  # index into DefenceContext.methods
    kyc_tier: np.ndarray  # index into DefenceContext.kyc_tiers
    attempt: np.ndarray  # 1 for the first try of a checkout
    account_id: np.ndarray  # the buyer's account
    card_id: np.ndarray  # the card or payment instrument's fingerprint
    device_id: np.ndarray  # the device fingerprint (collisions and spoofing included)
    new_device: np.ndarray  # bool: the account never used this device before
    ip_mismatch: np.ndarray  # bool: IP country differs from the billing country
    account_age_days: np.ndarray
    velocity_card_1h: np.ndarray  # attempts of the card in the last hour (exponentially decayed)
    velocity_device_1h: np.ndarray
    velocity_account_1h: np.ndarray
    risk_score: np.ndarray  # the platform's model, 0 to 1

    def __post_init__(self) -> None:
        _read_only(self)

    def __len__(self) -> int:
        return len(self.t_s)


@dataclass(frozen=True)
class DefenceFeedback:
    """Labels that arrived (chargebacks weeks later, review verdicts), in time order."""

    t_s: np.ndarray  # when the label became known
    account_id: np.ndarray
    card_id: np.ndarray
    device_id: np.ndarray
    amount_reporting: np.ndarray
    is_fraud: np.ndarray  # the label: a fraud chargeback or a review finding
    source: np.ndarray  # 0 chargeback, 1 review

    def __post_init__(self) -> None:
        _read_only(self)

    def __len__(self) -> int:
        return len(self.t_s)


class VelocityCounter:
    """Attempts per key in the last hour, as an exponentially decayed count (tau = 1 h).

    Keys are hashed into ``n_slots`` slots: a few unrelated keys share a slot, as counters in
    a real velocity store do. ``count`` gives each row the decayed count of the earlier rows
    with its key (previous windows and earlier rows of the batch), then adds the rows.
    ``n_kinds`` counters (card, device, account) live side by side and are counted in one
    call, one row of keys each: one set of array operations per window, not one per kind.
    """

    def __init__(self, n_slots: int = 1 << 18, tau_s: float = 3600.0, n_kinds: int = 1) -> None:
        self.n_slots = n_slots
        self.tau_s = tau_s
        self.value = np.zeros((n_kinds, n_slots))
        self.at_s = np.zeros((n_kinds, n_slots))
        self.kind_offset = np.arange(n_kinds) * n_slots

    def count(self, keys: np.ndarray, t_s: np.ndarray) -> np.ndarray:
        """Decayed counts before each row; rows must be sorted by time.

        ``keys`` is one array (a single counter) or ``n_kinds`` rows of keys for the same
        attempts; the counts have the same shape.
        """
        keys = np.asarray(keys)
        n = keys.shape[-1]
        if not n:
            return np.zeros(keys.shape)
        if n > 1 and (t_s[1:] < t_s[:-1]).any():
            raise ValueError("velocity counts need attempts in time order")
        n_kinds = keys.size // n
        slot = (keys.reshape(-1).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
        slot = (slot % np.uint64(self.n_slots)).astype(np.int64)
        if n_kinds > 1:  # one table of n_kinds * n_slots: kind k's slots are offset by k
            slot.reshape(n_kinds, n)[:] += self.kind_offset[:n_kinds, None]
        # rows come in time order: a stable sort keeps them so within a slot, and each
        # kind's rows stay in a block of n (its slots are all below the next kind's)
        order = np.argsort(slot, kind="stable")
        s = slot[order]
        t = t_s[order % n] if n_kinds > 1 else t_s[order]
        value, at_s = self.value.reshape(-1), self.at_s.reshape(-1)
        carried = value[s] * np.exp(np.minimum(at_s[s] - t, 0.0) / self.tau_s)
        w = np.exp((t - t_s.max()) / self.tau_s)
        csum = np.cumsum(w.reshape(n_kinds, n), axis=1).reshape(-1)  # per kind, as if alone
        start = np.ones(s.size, dtype=bool)  # the first row of its slot
        np.not_equal(s[1:], s[:-1], out=start[1:])
        last = np.ones(s.size, dtype=bool)  # the last row of its slot
        last[:-1] = start[1:]
        group_first = np.maximum.accumulate(np.where(start, np.arange(s.size), 0))
        counts = carried + (csum - w - (csum[group_first] - w[group_first])) / w
        s_last = s[last]
        value[s_last] = counts[last] + 1.0
        at_s[s_last] = t[last]
        out = np.empty(s.size)
        out[order] = counts
        return out.reshape(keys.shape)
