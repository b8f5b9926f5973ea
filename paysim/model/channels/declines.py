"""Decline codes: which exist, which are worth retrying, and how a declined payment gets one.

A payment's success uniform ``u`` also picks its decline code, so no extra randomness is drawn
and common random numbers hold. The success probability is a product of layers, and ``u``
falls in one interval per layer (``p_nominal`` is before degradation and buyer risk):

    [0, p)                          approved
    [p, p_risk)                     the earlier decline repeats -> the retry's previous code
    [p_risk, p_nominal * health)    declined for buyer risk     -> the channel's risk mix
    [p_nominal * health, p_nominal) degraded channel             -> issuer_unavailable (soft)
    [p_nominal, 1)                  ordinary decline             -> the channel's code mix

Within its interval ``u`` is again uniform, so rescaled it draws the code from the mix. The
repeat layer exists only for retries (see ``paysim.model.checkout.retry_recovery``); ``p_risk`` is
the probability after buyer risk, before it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# the codes a scenario may give shares to; the model adds the outage, capacity and amount ones
CONFIGURABLE_CODES = (
    "do_not_honour",
    "insufficient_funds",
    "issuer_unavailable",
    "stolen_card",
    "invalid_account",
    "suspected_fraud",
    "credit_declined",
)
DECLINE_CODES = (
    "",
    "channel_unavailable",
    "rate_limited",
    *CONFIGURABLE_CODES,
    "amount_out_of_range",
)
CODE = {name: i for i, name in enumerate(DECLINE_CODES)}
NO_CODE = CODE[""]
CHANNEL_UNAVAILABLE = CODE["channel_unavailable"]
RATE_LIMITED = CODE["rate_limited"]
DO_NOT_HONOUR = CODE["do_not_honour"]
ISSUER_UNAVAILABLE = CODE["issuer_unavailable"]
AMOUNT_OUT_OF_RANGE = CODE["amount_out_of_range"]

# Soft declines may succeed on a retry (same or another channel); hard ones will not.
SOFT_CODES = (
    "channel_unavailable",
    "rate_limited",
    "do_not_honour",
    "insufficient_funds",
    "issuer_unavailable",
)
IS_SOFT_DECLINE = np.array([name in SOFT_CODES for name in DECLINE_CODES])

# Default shares of ordinary decline codes per channel kind. The technical share of bank
# transfers follows the UPI study (business 6.8-7.9 %, technical 0.5-2.7 % of transactions:
# ~18 % of declines technical; parameters.md [P]); the other shares are assumptions in the
# spirit of issuer practice (insufficient funds and the catch-all "do not honour" lead).
DEFAULT_DECLINE_MIX: dict[str, dict[str, float]] = {
    "card_acquirer": {
        "insufficient_funds": 0.45,
        "do_not_honour": 0.35,
        "invalid_account": 0.08,
        "issuer_unavailable": 0.07,
        "stolen_card": 0.05,
    },
    "wallet": {"insufficient_funds": 0.60, "do_not_honour": 0.25, "invalid_account": 0.15},
    "bank": {
        "insufficient_funds": 0.50,
        "issuer_unavailable": 0.18,
        "invalid_account": 0.17,
        "do_not_honour": 0.15,
    },
    "wire": {"invalid_account": 0.60, "do_not_honour": 0.25, "insufficient_funds": 0.15},
    "crypto": {"insufficient_funds": 0.60, "invalid_account": 0.40},
    "bnpl": {"credit_declined": 0.85, "invalid_account": 0.10, "do_not_honour": 0.05},
}
# Codes of declines caused by buyer risk, per kind (a channel may set its own in
# ``success.risk_decline_codes``). Card issuers mostly hide a risk refusal behind the generic
# "do not honour" (05): VisaNet remaps suspected fraud (59) to 05 before merchants see it, and
# 05 carries 30-40 % of all declines (trade press [V]); the 0.8 / 0.2 split is an assumption on
# that ground. For the other kinds the refusal comes from the provider's own risk engine: BNPL's
# is its credit decision (credit_declined); wallets and banks flag the account (suspected
# fraud) or refuse generically; a wire is held by compliance. These shares are assumptions.
DEFAULT_RISK_DECLINE_MIX: dict[str, dict[str, float]] = {
    "card_acquirer": {"do_not_honour": 0.8, "suspected_fraud": 0.2},
    "wallet": {"suspected_fraud": 0.5, "do_not_honour": 0.5},
    "bank": {"do_not_honour": 0.7, "suspected_fraud": 0.3},
    "wire": {"do_not_honour": 0.5, "suspected_fraud": 0.5},
    "crypto": {"suspected_fraud": 1.0},
    "bnpl": {"credit_declined": 1.0},
}
# Of the payments a channel would have approved but answered too late (a timeout), the share it
# still captures, per kind (``timeout_capture_factor`` multiplies the approval probability).
# A card acquirer or gateway that gets no answer reverses the authorisation (ISO 8583 0400
# timeout reversal; e.g. Cybersource's timeout authorisation reversals, vendor docs [P]; Visa's
# stand-in processing answers for a silent issuer), so few timed-out card payments stay
# charged: 0.1 is an assumption for reversals that fail or arrive after the capture. A push
# payment (bank transfer, wallet) may have debited the buyer; a failed-but-debited transfer is
# reversed by T+1 (RBI turnaround-time circular 2019 [P]), so about half stay captured
# (assumption). A confirmed wire or on-chain payment cannot be undone (1.0); a BNPL provider
# that timed out mostly cancels its credit decision (0.3, assumption).
DEFAULT_TIMEOUT_CAPTURE = {
    "card_acquirer": 0.1,
    "wallet": 0.5,
    "bank": 0.5,
    "wire": 1.0,
    "crypto": 1.0,
    "bnpl": 0.3,
}
# How strongly buyer risk in [0, 1] cuts success, per kind (assumption: credit decisions
# weigh risk most, push payments least).
DEFAULT_RISK_SENSITIVITY = {
    "card_acquirer": 0.6,
    "wallet": 0.3,
    "bank": 0.2,
    "wire": 0.1,
    "crypto": 0.0,
    "bnpl": 0.9,
}


class CodeMixes:
    """One cumulative code distribution per row (a channel), looked up by uniforms."""

    def __init__(self, mixes: list[Mapping[str, float]]) -> None:
        names = sorted({name for mix in mixes for name in mix}, key=CODE.__getitem__)
        self.codes = np.array([CODE[name] for name in names], dtype=np.int8)
        shares = np.array([[mix.get(name, 0.0) for name in names] for mix in mixes])
        self.cdf = np.cumsum(shares, axis=1) / shares.sum(axis=1, keepdims=True)
        # every row's cdf shifted by its row number, so one searchsorted serves all rows
        self._flat = (self.cdf + 2.0 * np.arange(len(mixes))[:, None]).ravel()

    def draw(self, row: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The code for each item: row ``row``'s mix at uniform ``u``."""
        k = len(self.codes)
        index = np.searchsorted(self._flat, 2.0 * row + u, side="right") - k * row
        # u outside [0, 1) (an approved payment's) gives some code, masked by the caller
        return self.codes[np.minimum(np.maximum(index, 0), k - 1)]


def decline_codes(
    u: np.ndarray,
    p: np.ndarray,
    p_health: np.ndarray,
    p_nominal: np.ndarray,
    row: np.ndarray,
    risk_row: np.ndarray,
    mixes: CodeMixes,
) -> np.ndarray:
    """The decline code each payment gets if declined with uniform ``u`` (``u >= p``).

    Vectorised over every payment (a value where ``u < p`` is meaningless, to be masked).

    Args:
        u: success uniforms.
        p: success probabilities after buyer risk (before a retry's repeat layer).
        p_health: the probability before buyer risk (nominal times channel health).
        p_nominal: the probability before degradation and buyer risk.
        row: the row of ``mixes`` holding each payment's ordinary mix (its channel's).
        risk_row: the row holding its risk-decline mix.
        mixes: the code mixes.

    """
    by_risk = u < p_health
    low = np.where(by_risk, p, p_nominal)
    # an empty interval only holds payments that are not declined: any finite v will do
    v = (u - low) / np.maximum(np.where(by_risk, p_health, 1.0) - low, 1e-12)
    code = mixes.draw(np.where(by_risk, risk_row, row), v)
    return np.where(by_risk | (u >= p_nominal), code, _ISSUER_UNAVAILABLE)


_ISSUER_UNAVAILABLE = np.int8(ISSUER_UNAVAILABLE)
