"""Man-in-the-middle tampering: payee (and amount) changed in transit on unprotected sessions.

Each checkout's session is protected or not, and tampered or not, by uniforms keyed by its id
(``fraud.mitm``): the same checkout is hit in every experiment arm, and a protected session
never is. A tampered payment pays one of the attacker's seller accounts; its buyer, who gets
nothing, disputes after the expected delivery (a fraud chargeback the platform bears once the
attacker's payout has left escrow).
"""

from __future__ import annotations

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.model.core.batch import Batch
from paysim.model.fraud.accounts import Accounts, fraud_sellers
from paysim.model.fraud.codes import KIND_CODE
from paysim.model.fraud.spec import MitmSpec

MITM_LUCK = ("protected", "hit", "amount", "factor", "seller", "dispute")
_U = {name: i for i, name in enumerate(MITM_LUCK)}


def session_protected(
    streams: RandomStreams, spec: MitmSpec, checkout_id: np.ndarray
) -> np.ndarray:
    """Whether each checkout's session is protected (the attacker cannot touch it)."""
    u = streams.keyed("fraud.mitm").uniforms(checkout_id, len(MITM_LUCK))
    return u[:, _U["protected"]] < spec.protected_share


class MitmAttacker:
    """Tampers a share of the unprotected sessions' payments."""

    kind = KIND_CODE["mitm"]

    def __init__(self, spec: MitmSpec, accounts: Accounts, streams: RandomStreams) -> None:
        self.spec = spec
        self.luck = streams.keyed("fraud.mitm")
        self.sellers = fraud_sellers(accounts, spec.fraud_sellers, streams, "fraud.mitm.sellers")

    def take(self, first: Batch, free: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        """Tamper with some of the rows ``free`` (not another attacker's) of ``columns``."""
        spec = self.spec
        u = self.luck.uniforms(first["checkout_id"][free], 2)  # the first two fields decide
        hit = (u[:, _U["protected"]] >= spec.protected_share) & (u[:, _U["hit"]] < spec.share)
        rows = free[hit]
        if not rows.size:
            return
        u = self.luck.uniforms(first["checkout_id"][rows], len(MITM_LUCK))
        pick = (u[:, _U["seller"]] * spec.fraud_sellers).astype(np.int64)
        columns["seller_id"][rows] = self.sellers[first["seller_market"][rows], pick]
        raise_amount = u[:, _U["amount"]] < spec.amount_share
        factor = np.where(raise_amount, spec.amount_factor.ppf(u[:, _U["factor"]]), 1.0)
        amount = columns["amount_minor"]
        amount[rows] = np.maximum(np.rint(amount[rows] * np.maximum(factor, 1.0)), 1)
        columns["fraud_kind"][rows] = self.kind
        columns["dispute_days"][rows] = spec.dispute_days.ppf(u[:, _U["dispute"]])
        columns["dispute_after_delivery"][rows] = True
