"""QR-code substitution: QR-scanned payments paid to the fraudster's seller accounts.

A payment is redirected by uniforms keyed by its checkout id (``fraud.qr``), only when its
method is one the buyer scans a QR code for. The seller is never paid and ships nothing;
the buyer disputes after the expected delivery.
"""

from __future__ import annotations

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.model.core.batch import Batch
from paysim.model.core.spec_types import METHODS
from paysim.model.fraud.accounts import Accounts, fraud_sellers
from paysim.model.fraud.codes import KIND_CODE
from paysim.model.fraud.spec import QrSubstitutionSpec

QR_LUCK = ("hit", "seller", "dispute")
_U = {name: i for i, name in enumerate(QR_LUCK)}


class QrSubstitution:
    """Redirects a share of QR-scanned payments."""

    kind = KIND_CODE["qr_substitution"]

    def __init__(
        self, spec: QrSubstitutionSpec, accounts: Accounts, streams: RandomStreams
    ) -> None:
        self.spec = spec
        self.luck = streams.keyed("fraud.qr")
        self.methods = np.array([METHODS.index(m) for m in spec.methods])
        self.sellers = fraud_sellers(accounts, spec.fraud_sellers, streams, "fraud.qr.sellers")

    def take(self, first: Batch, free: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        """Redirect some of the QR-scanned rows among ``free``."""
        spec = self.spec
        free = free[np.isin(first["method"][free], self.methods)]
        hit = self.luck.uniforms(first["checkout_id"][free], 1)[:, _U["hit"]] < spec.share
        rows = free[hit]
        if not rows.size:
            return
        u = self.luck.uniforms(first["checkout_id"][rows], len(QR_LUCK))
        pick = (u[:, _U["seller"]] * spec.fraud_sellers).astype(np.int64)
        columns["seller_id"][rows] = self.sellers[first["seller_market"][rows], pick]
        columns["fraud_kind"][rows] = self.kind
        columns["dispute_days"][rows] = spec.dispute_days.ppf(u[:, _U["dispute"]])
        columns["dispute_after_delivery"][rows] = True
