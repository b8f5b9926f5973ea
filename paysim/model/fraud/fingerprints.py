"""What the platform sees of an id: a keyed fingerprint, never the simulator's numbering.

The model numbers cards, devices and accounts in ranges (genuine ones by buyer id, attackers'
above 2**50, probes above 2**53): a view showing those numbers would tell a defence who is
an attacker. Every id a view or label shows goes through one bijective mixer keyed by its
kind (SplitMix64's finaliser), so equal ids stay equal (shared and popular devices, a card
seen again) and every kind's fingerprints spread over one 63-bit range whoever owns them.
"""

from __future__ import annotations

import numpy as np

from paysim.engine.streams import _mix64

#: one salt per kind of id, so a buyer's card, device and account fingerprints differ
_SALT = {
    "account": np.uint64(0x6A09E667F3BCC908),
    "card": np.uint64(0xBB67AE8584CAA73B),
    "device": np.uint64(0x3C6EF372FE94F82B),
}
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_ONE = np.uint64(1)


def fingerprint(ids: np.ndarray, kind: str) -> np.ndarray:
    """Non-negative int64 fingerprints of ``ids`` of one ``kind`` (account, card, device)."""
    mixed = _mix64(np.asarray(ids).astype(np.uint64) * _GOLDEN + _SALT[kind])
    return (mixed >> _ONE).astype(np.int64)


#: salts of a (card, device, account) stack of ids, one row each
_STACK_SALTS = np.array([[_SALT["card"]], [_SALT["device"]], [_SALT["account"]]], dtype=np.uint64)


def fingerprints(card_device_account: np.ndarray) -> np.ndarray:
    """``fingerprint`` of a stack of rows (card, device, account ids) in one pass."""
    mixed = _mix64(card_device_account.astype(np.uint64) * _GOLDEN + _STACK_SALTS)
    return (mixed >> _ONE).astype(np.int64)
