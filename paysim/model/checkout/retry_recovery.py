"""How far a retry's chance survives the decline before it (``checkout.retry.recovery``).

A retry is not a fresh try: insufficient funds stays insufficient a minute later, and an
issuer that refused with "do not honour" tends to refuse again. Each retry carries the code of
the decline before it and what the buyer changed (nothing, the card, the method); the channel
the router picks says whether the same card goes to the same channel. The factor for that code
and change multiplies the retry's approval probability at every channel, and a retry declined
because the earlier cause persists carries the earlier code (``paysim.model.channels.declines``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from paysim.model.channels.declines import CODE, NO_CODE
from paysim.model.checkout.funnel import SAME_INSTRUMENT
from paysim.model.checkout.platform_declines import ALL_DECLINE_CODES
from paysim.model.checkout.spec import RecoverySpec

# the columns of the table, indexed by the retry's ``change`` (``paysim.model.checkout.funnel``),
# the same instrument split by the channel chosen
CHANGES = ("same_channel", "other_channel", "other_card", "other_method")


class RetryRecovery:
    """The recovery table as ``[previous decline code, change]`` factors."""

    def __init__(self, spec: Mapping[str, RecoverySpec]) -> None:
        self.table = np.ones((len(ALL_DECLINE_CODES), len(CHANGES)))
        for code, factors in spec.items():
            self.table[CODE[code]] = [getattr(factors, change) for change in CHANGES]
        self.trivial = bool((self.table == 1.0).all())

    def factors(
        self,
        previous_code: np.ndarray,
        change: np.ndarray,
        previous_channel: np.ndarray,
        n_channels: int,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """``[payment, channel]`` factors and the codes a retry may repeat; None if all 1.

        Args:
            previous_code: decline code of each payment's previous attempt (``NO_CODE`` for
                a first attempt or after a timeout).
            change: ``SAME_INSTRUMENT``, ``OTHER_CARD`` or ``OTHER_METHOD``.
            previous_channel: channel of the previous attempt (-1 if none).
            n_channels: number of channels.

        """
        if self.trivial or not np.any(previous_code != NO_CODE):
            return None
        t = self.table[previous_code]
        rows = np.arange(len(change))
        same = change == SAME_INSTRUMENT
        here = np.where(same, t[:, 0], t[rows, change])
        elsewhere = np.where(same, t[:, 1], t[rows, change])
        at_previous = np.arange(n_channels)[None, :] == previous_channel[:, None]
        return np.where(at_previous, here[:, None], elsewhere[:, None]), previous_code
