"""How the world hands its attempts to the fraud model, and records the card testers' probes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from paysim.engine.recorder import ColumnarRecorder
from paysim.engine.streams import RandomStreams
from paysim.model.channels.declines import DO_NOT_HONOUR, NO_CODE
from paysim.model.channels.table import ABANDONED, BLOCKED, DECLINED, SUCCEEDED
from paysim.model.checkout.funnel import CARD
from paysim.model.core.batch import Batch
from paysim.model.fraud.attacks import AttackedFraudModel, Attacks
from paysim.model.fraud.codes import (
    ABANDON_CODES,
    CARD_TESTING,
    CODES_WITH_FRAUD,
    FIRST_FRAUD_CODE,
    FRAUD_KIND_CATEGORIES,
    IS_HARD_WITH_FRAUD,
)
from paysim.model.fraud.signals import DefenceView
from paysim.model.money.ledger import Account

if TYPE_CHECKING:
    from paysim.model.money.ledger import Ledger
    from paysim.model.spec import Scenario
    from paysim.strategies.defence.base import BaseDefence

_IS_ABANDON = np.isin(np.arange(len(CODES_WITH_FRAUD)), ABANDON_CODES)  # by decline code
PROBE_LATENCY_MS = 300.0  # a card round trip is typically 200-500 ms (parameters.md)


class _ApproveAll:
    """What a world without a defence strategy does: approve every attempt."""

    name = "none"
    learns_from_labels = False

    def bind(self, context: object) -> None:
        pass

    def decide(self, view: DefenceView) -> np.ndarray:
        return np.zeros(len(view), dtype=np.int8)

    def observe(self, feedback: object) -> None:
        pass


class FraudLink:
    """The world's side of the fraud model."""

    hard_decline = IS_HARD_WITH_FRAUD
    log_categories: dict[str, Any] = {  # noqa: RUF012 - read only
        "decline_codes": CODES_WITH_FRAUD,
        "fraud_kinds": FRAUD_KIND_CATEGORIES,
    }

    @classmethod
    def create(
        cls, scenario: Scenario, streams: RandomStreams, defence: BaseDefence | None,
        totals: Any, ledger: Ledger, rates: Any, reporting: int, channels: Any,
    ) -> FraudLink | None:  # fmt: skip
        """The link, or None when the world has no attackers and no defence to run."""
        active = defence is not None and getattr(defence, "name", "none") != "none"
        if scenario.fraud is None and not active:
            return None
        return cls(scenario, streams, defence or _ApproveAll(), totals, ledger, rates, reporting,
                   channels)  # fmt: skip

    def __init__(self, scenario: Scenario, streams: RandomStreams, defence: Any, totals: Any,
                 ledger: Ledger, rates: Any, reporting: int, channels: Any) -> None:  # fmt: skip
        self.attacks = Attacks(scenario, streams, ledger, rates, reporting)
        self.model = AttackedFraudModel(scenario, streams, defence, self.attacks)
        totals.fraud = self.model.totals
        self.totals, self.ledger, self.rates, self.reporting = totals, ledger, rates, reporting
        markets = tuple(m.code for m in scenario.markets)
        corridor = scenario.demand.corridors[0]
        self.probe_market = markets.index(corridor.buyer)
        self.probe_seller_market = markets.index(corridor.seller)
        self.probe_currency = rates.index[scenario.market(corridor.buyer).currency]
        card_channels = np.flatnonzero(channels.eligible[self.probe_market, CARD])
        self.probe_channel = int(card_channels[0]) if card_channels.size else -1

    def open(self, first: Batch, to_reporting: Any) -> Batch:
        """New checkouts' first attempts with the attackers' takeovers."""
        amount = to_reporting(first["amount_minor"], first["currency"])
        opened = self.model.open(first, amount)
        self.totals.checkouts -= first.n - opened.n  # churned buyers' orders: never placed
        return self.attacks.columns(opened)

    def final(self, code: np.ndarray) -> np.ndarray:
        """Codes after which the buyer does not retry (the defence's, the challenge's)."""
        return code >= FIRST_FRAUD_CODE

    def mark_abandoned(self, results: Any) -> None:
        """Buyers who gave up at the challenge or in review: outcome ``abandoned``."""
        left = _IS_ABANDON[results.code]
        if left.any():
            results.outcome[left] = ABANDONED

    def fresh_retries(self, retries: Batch) -> Batch:
        """A retry is screened anew: no review verdict or challenge carried over."""
        n = retries.n
        return retries.with_columns(
            review_state=np.zeros(n, np.int8), liability_shift=np.zeros(n, bool)
        )

    def probes(self, t0: float, t1: float, recorder: ColumnarRecorder) -> None:
        """Record the card testers' probes of the window and count them in the totals."""
        for probe in self.model.probes(t0, t1):
            self._record(probe, recorder)

    def _record(self, probe: dict[str, np.ndarray], recorder: ColumnarRecorder) -> None:
        t_s, amount_rep, stopped, live = (probe[k] for k in ("t_s", "amount_reporting",
                                                               "stopped", "live"))  # fmt: skip
        n = t_s.size
        rates, totals = self.rates, self.totals
        exponent = rates.exponent[self.reporting]
        rep_minor = np.maximum(np.rint(amount_rep * 10.0**exponent), 1).astype(np.int64)
        currency = np.full(n, self.probe_currency, dtype=np.int64)
        amount_minor = np.maximum(
            rates.convert_minor(rep_minor, self.reporting, currency), 1
        ).astype(np.int64)
        outcome = np.where(stopped, BLOCKED, np.where(live, SUCCEEDED, DECLINED)).astype(np.int8)
        code = np.where(stopped, probe["stop_code"], np.where(live, NO_CODE, DO_NOT_HONOUR))
        code = code.astype(np.int8)
        reached = ~stopped & (self.probe_channel >= 0)
        channel = np.where(reached, self.probe_channel, -1)
        latency = np.where(reached, PROBE_LATENCY_MS, np.nan)
        fee_minor = np.rint(probe["fee_reporting"] * 10.0**exponent).astype(np.int64)
        fee = fee_minor / 10.0**exponent
        if fee_minor.any():  # the schemes' card-testing fees, taken from the platform's cash
            total = np.array([int(fee_minor.sum())])
            self.ledger.post(
                Account.CHANNEL_FEES, Account.PLATFORM_CASH, np.array([self.reporting]), total
            )
        totals.attempts_by_outcome += np.bincount(
            outcome, minlength=len(totals.attempts_by_outcome)
        )
        totals.count_codes(code)
        totals.channel_fees += float(fee.sum())
        rows = np.flatnonzero(reached)
        totals.add_latencies(latency[rows], channel[rows], np.full(rows.size, CARD, np.int8))
        totals.channel_attempts += int(reached.sum())
        kind = np.full(n, CARD_TESTING, np.int8)
        self.model.count(kind, code)
        recorder.append({
            "t_s": t_s, "checkout_id": np.full(n, -1, np.int64), "attempt": np.ones(n, np.int16),
            "buyer_id": np.full(n, -1, np.int64), "seller_id": np.full(n, -1, np.int64),
            "buyer_market": np.full(n, self.probe_market), "seller_market":
            np.full(n, self.probe_seller_market), "method": np.full(n, CARD, np.int8),
            "channel": channel + 1, "amount": amount_minor / 10.0 ** rates.exponent[currency],
            "amount_minor": amount_minor, "currency": currency, "amount_reporting": amount_rep,
            "outcome": outcome, "decline_code": code, "latency_ms": latency,
            "fee_reporting": fee, "is_fraud": np.ones(n, bool), "fraud_kind": kind,
            "risk_score": probe["score"], "defence_action": probe["action"],
            "p_success": np.full(n, np.nan, np.float32), "kyc_tier": probe["kyc_tier"],
            "campaign": np.zeros(n, np.int64), "group_buy": np.full(n, -1, np.int64),
            "charged": np.zeros(n, bool), "network": np.zeros(n, np.int16),
            "cross_border": np.zeros(n, bool),
        })  # fmt: skip
