"""The attackers that redirect money (MITM, QR codes, refunds, collusion rings) and AML.

``Attacks`` adds their fraud to new checkouts after the takeover attackers (only genuine
checkouts can be taken), pays what they cost the platform out of its cash when it is paid
(promotions, refunds claimed or redirected), and runs the AML monitor at each window's end,
whose alerts wait for the review team like held orders. ``AttackedFraudModel`` is the fraud
model with these hooks at capture and at the window's end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from paysim.model.core.batch import Batch
from paysim.model.fraud.accounts import Accounts
from paysim.model.fraud.aml import STRUCTURING, AmlMonitor
from paysim.model.fraud.codes import GENUINE, KIND_CODE
from paysim.model.fraud.collusion import CollusionRings
from paysim.model.fraud.fake_refund import RefundAbusers
from paysim.model.fraud.mitm import MitmAttacker
from paysim.model.fraud.model import FraudModel
from paysim.model.fraud.qr_substitution import QrSubstitution
from paysim.model.fraud.spec import (
    CollusionRingSpec,
    FakeRefundSpec,
    MitmSpec,
    QrSubstitutionSpec,
)
from paysim.model.money.ledger import Account

if TYPE_CHECKING:
    from paysim.engine.streams import RandomStreams
    from paysim.model.money.ledger import Ledger
    from paysim.model.spec import Scenario

#: the columns of a new checkout an attacker may change
TAKEN_COLUMNS = ("seller_id", "buyer_id", "amount_minor", "fraud_kind", "dispute_days",
                 "dispute_after_delivery", "device_id", "card_id", "new_device", "ip_mismatch",
                 "account_age_days", "kyc_tier")  # fmt: skip
_SIMPLE = {MitmSpec: MitmAttacker, QrSubstitutionSpec: QrSubstitution}


class Attacks:
    """Payee, refund and ring attackers of one replication, their costs, and AML."""

    def __init__(self, scenario: Scenario, streams: RandomStreams, ledger: Ledger, rates: Any,
                 reporting: int) -> None:  # fmt: skip
        spec = scenario.fraud
        attackers = spec.attackers if spec is not None else []
        self.ledger, self.rates, self.reporting = ledger, rates, reporting
        accounts = Accounts.of(scenario)
        # at most one attacker of each kind (FraudSpec)
        ring = [a for a in attackers if isinstance(a, CollusionRingSpec)]
        self.ring = CollusionRings(ring[0], accounts, streams, rates, reporting) if ring else None
        self.payees = [_SIMPLE[type(a)](a, accounts, streams) for a in attackers
                       if type(a) in _SIMPLE]  # fmt: skip
        self.abusers = [RefundAbusers(a, streams) for a in attackers
                        if isinstance(a, FakeRefundSpec)]  # fmt: skip
        self.aml = AmlMonitor(spec.aml) if spec is not None and spec.aml.enabled else None
        self.aml_luck = streams.keyed("fraud.aml")
        self.n_alerts = 0
        self.due: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # t_s, currency, minor
        self.active = bool(self.ring or self.payees or self.abusers)

    # -- new checkouts ----------------------------------------------------------------
    def columns(self, first: Batch) -> Batch:
        """``first`` (with the takeovers' fraud columns) with these attackers' orders."""
        if not self.active or not first.n:
            return first
        columns = {c: first[c].copy() for c in TAKEN_COLUMNS}
        t_last = float(first["t_s"].max())
        if self.ring is not None:
            self.ring.take(first, self._free(columns), columns, t_last)
        for attacker in (*self.payees, *self.abusers):
            attacker.take(first, self._free(columns), columns)
        return first.with_columns(**columns)

    @staticmethod
    def _free(columns: dict[str, np.ndarray]) -> np.ndarray:
        return np.flatnonzero(columns["fraud_kind"] == GENUINE)

    # -- captures ---------------------------------------------------------------------
    def captured(self, attempts: Batch, paid: np.ndarray, t_s: np.ndarray,
                 amount_reporting: np.ndarray, totals: Any) -> None:  # fmt: skip
        """Promotions and refunds of abusers' captured orders; the AML monitor's input."""
        kind = attempts["fraud_kind"][paid]
        currency, amount = attempts["currency"][paid], attempts["amount_minor"][paid]
        for abuser in self.abusers:
            rows = np.flatnonzero(kind == abuser.kind)
            if not rows.size:
                continue
            promo = np.full(rows.size, abuser.spec.promotion_reporting)
            self._pay(t_s[rows], currency[rows], self._minor(promo, currency[rows]), totals)
            claims, when = abuser.costs(attempts["checkout_id"][paid[rows]], t_s[rows])
            if claims.any():
                self.due.append((when[claims], currency[rows][claims], amount[rows][claims]))
        if self.aml is not None and paid.size:
            buyer, seller = attempts["buyer_id"][paid], attempts["seller_id"][paid]
            self.aml.observe(t_s, buyer, amount_reporting, self._party(seller, "seller"),
                             self._party(buyer, "buyer"))  # fmt: skip

    def _minor(self, amount_reporting: np.ndarray, currency: np.ndarray) -> np.ndarray:
        exponent = self.rates.exponent[self.reporting]
        rep_minor = np.rint(amount_reporting * 10.0**exponent).astype(np.int64)
        return self.rates.convert_minor(rep_minor, self.reporting, currency)

    def _pay(self, t_s: np.ndarray, currency: np.ndarray, amount_minor: np.ndarray,
             totals: Any) -> None:  # fmt: skip
        """The platform pays a fraudster out of its cash: a fraud loss on the ledger."""
        positive = amount_minor > 0
        if not positive.any():
            return
        currency, amount_minor, t_s = currency[positive], amount_minor[positive], t_s[positive]
        self.ledger.post(Account.FRAUD_LOSSES, Account.PLATFORM_CASH, currency, amount_minor)
        totals.attack_losses += float(
            self.rates.to_major_at(amount_minor, currency, self.reporting, t_s).sum()
        )

    def _party(self, account: np.ndarray, side: str) -> np.ndarray:
        """The ring member holding each account (-1: a holder of one kind of account only)."""
        if self.ring is None:
            return np.full(account.size, -1, np.int64)
        return self.ring.member_of(account, side)

    # -- the window's end -------------------------------------------------------------
    def window_end(self, t_s: float, model: FraudModel) -> None:
        """Pay the refunds now due; run AML and queue its alerts for the review team."""
        if self.due:
            merged = [np.concatenate(parts) for parts in zip(*self.due, strict=True)]
            now = merged[0] < t_s
            if now.any():
                self._pay(merged[0][now], merged[1][now], merged[2][now], model.totals)
            self.due = [tuple(m[~now] for m in merged)] if (~now).any() else []  # type: ignore[misc]
        if self.aml is not None:
            self._alerts(t_s, model)

    def _alerts(self, t_s: float, model: FraudModel) -> None:
        alerts = self.aml.run(t_s)  # type: ignore[union-attr]
        n = len(alerts)
        if not n:
            return
        ring = self._ring_of(alerts.rule, alerts.subject)
        keys = self.n_alerts + np.arange(n, dtype=np.int64)
        self.n_alerts += n
        u = self.aml_luck.uniforms(keys, 2)
        review = model.review
        service_s = review.minutes_per_case.ppf(u[:, 0]) * 60.0
        fates = model.queue.admit(np.full(n, t_s), service_s, np.full(n, np.inf))
        totals = model.totals
        totals.aml_alerts += n
        totals.aml_alerts_true += int((ring >= 0).sum())
        totals.review_cases += n
        totals.review_cost += float(fates.service_s.sum()) / 3600.0 * review.cost_per_hour
        totals.review_mean_wait_h = model.queue.mean_wait_h
        totals.review_backlog_max = model.queue.backlog_max
        confirmed = (ring >= 0) & (u[:, 1] < review.detect_rate)
        if confirmed.any():  # the confirmed rings' accounts are closed at the verdict
            self.ring.close(ring[confirmed], fates.done_s[confirmed])  # type: ignore[union-attr]

    def _ring_of(self, rule: np.ndarray, subject: np.ndarray) -> np.ndarray:
        """The ring behind each alert's subject (-1: none, a false alert)."""
        if self.ring is None:
            return np.full(subject.size, -1, np.int64)
        party = np.where(rule == STRUCTURING, self._party(subject, "buyer"), subject)
        return self.ring.ring_of(party)


class AttackedFraudModel(FraudModel):
    """The fraud model with the redirecting attackers' hooks at capture and window end."""

    def __init__(self, scenario: Scenario, streams: RandomStreams, defence: Any,
                 attacks: Attacks) -> None:  # fmt: skip
        super().__init__(scenario, streams, defence)
        self.attacks = attacks

    def captured(self, attempts: Batch, paid: np.ndarray, t_s: np.ndarray,
                 amount_reporting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """See ``FraudModel.captured``; also the abusers' costs and the AML monitor's input."""
        self.attacks.captured(attempts, paid, t_s, amount_reporting, self.totals)
        return super().captured(attempts, paid, t_s, amount_reporting)

    def deliver(self, t_s: float) -> None:
        """See ``FraudModel.deliver``; also the window's refunds and AML alerts."""
        super().deliver(t_s)
        self.attacks.window_end(t_s, self)


__all__ = ["KIND_CODE", "AttackedFraudModel", "Attacks"]
