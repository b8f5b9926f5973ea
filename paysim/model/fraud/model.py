"""The fraud model of one replication: takeovers, probes, screening, review, labels.

``FraudModel`` is called by the world at four places: new checkouts (``open``: the attackers
take some over), the platform's checks (``screen``: signals, score, the defence's decision,
challenges and the review queue), the payments log (``count``) and captures (``captured``:
the chargebacks that will teach the defence, weeks later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from paysim.engine.streams import RandomStreams
from paysim.errors import PaysimError
from paysim.model.channels.declines import NO_CODE
from paysim.model.checkout.spec import KYC_TIERS
from paysim.model.core.batch import ATTEMPTS_PER_KEY, Batch
from paysim.model.core.spec_types import METHODS
from paysim.model.demand.churn import BuyerChurn
from paysim.model.fraud.card_testing import CardTester, amount_cap
from paysim.model.fraud.codes import (
    FRAUD_DECLINED,
    FRIENDLY_FRAUD,
    REVIEW_ABANDONED,
    REVIEW_DECLINED,
    STEP_UP_ABANDONED,
    STEP_UP_FAILED,
)
from paysim.model.fraud.fingerprints import fingerprint, fingerprints
from paysim.model.fraud.review import ABANDONED, FULL, SERVED, ReviewQueue
from paysim.model.fraud.score import RiskScore
from paysim.model.fraud.signals import (
    APPROVE,
    DECLINE,
    REVIEW,
    STEP_UP,
    DefenceContext,
    DefenceFeedback,
    DefenceView,
    VelocityCounter,
)
from paysim.model.fraud.spec import CardTestingSpec, FraudSpec
from paysim.model.fraud.takeover import Takeovers

if TYPE_CHECKING:
    from paysim.model.spec import Scenario
    from paysim.strategies.defence.base import BaseDefence

DAY_S = 86_400.0
#: probes come from guest accounts on devices they never used before, mostly (assumption:
#: the takeover attackers' default ``new_device``); their accounts are days old at most
PROBE_NEW_DEVICE = 0.9
PROBE_AGE_FACTOR = 0.01
APPROVED, DECLINED_BY_REVIEW, LEFT_REVIEW = 1, 2, 3  # review_state of a released case


@dataclass
class FraudTotals:
    """Counts and money of the fraud model (money in the reporting currency)."""

    fraud_attempts: int = 0
    fraud_stopped: int = 0  # declined, failed the challenge or declined in review
    genuine_attempts: int = 0
    false_declines: int = 0  # genuine attempts the defence declined (rules, score, review)
    step_ups: int = 0
    step_up_abandoned: int = 0
    review_cases: int = 0
    review_cost: float = 0.0
    probes: int = 0
    card_testing_fees: float = 0.0
    review_mean_wait_h: float = 0.0
    review_backlog_max: int = 0
    churned_buyers: int = 0  # genuine buyers who stopped buying after a false decline
    churn_lost_orders: int = 0  # the orders they did not place
    attack_losses: float = 0.0  # paid to fraudsters out of cash (attacks.py): ledger FRAUD_LOSSES
    aml_alerts: int = 0
    aml_alerts_true: int = 0  # of those, on a collusion ring's accounts (ground truth)


def _valid_actions(action: np.ndarray) -> bool:
    """Whether every action is one of the four (integers checked by range: no set lookup)."""
    if not action.size:
        return True
    if action.dtype.kind in "iu":
        return bool(action.min() >= APPROVE and action.max() <= REVIEW)
    return bool(np.isin(action, (APPROVE, DECLINE, STEP_UP, REVIEW)).all())


class FraudModel:
    """Attackers, signals and the review team of one replication."""

    def __init__(self, scenario: Scenario, streams: RandomStreams, defence: BaseDefence) -> None:
        self.spec = spec = scenario.fraud or FraudSpec()
        testers = [a for a in spec.attackers if isinstance(a, CardTestingSpec)]
        self.testers = [CardTester(a, i, streams) for i, a in enumerate(testers)]
        first_tester = testers[0] if testers else None
        self.takeovers = Takeovers(
            spec, streams,
            first_tester.cashout_factor if first_tester else None,
            first_tester.chargeback_days if first_tester else None,
        )  # fmt: skip
        self.review = scenario.risk.review
        # probes are recorded on the first corridor: their views show the same markets
        markets = tuple(m.code for m in scenario.markets)
        corridor = scenario.demand.corridors[0]
        self.probe_market = markets.index(corridor.buyer)
        self.probe_seller_market = markets.index(corridor.seller)
        buyer_market = scenario.market(corridor.buyer)
        self.probe_kyc_cdf = np.cumsum([buyer_market.kyc_mix.get(t, 0.0) for t in KYC_TIERS])
        self.queue = ReviewQueue(self.review.analysts, self.review.max_queue)
        self.score = RiskScore(spec.score)
        self.luck = streams.keyed("fraud.screen")
        self.velocity = VelocityCounter(n_kinds=3)  # card, device, account
        self.totals = FraudTotals()
        self.churn = BuyerChurn(scenario.risk.false_decline_churn, streams.keyed("fraud.churn"))
        self.defence = defence
        self.learns = bool(getattr(defence, "learns_from_labels", False))
        self._labels: list[dict[str, np.ndarray]] = []
        defence.bind(
            DefenceContext(
                markets=tuple(m.code for m in scenario.markets), methods=METHODS,
                kyc_tiers=KYC_TIERS, reporting_currency=scenario.reporting_currency,
                rng=streams.generator("strategy.defence"),
            )
        )  # fmt: skip

    # -- new checkouts ----------------------------------------------------------------
    def open(self, first: Batch, amount_reporting: np.ndarray) -> Batch:
        """First attempts of new checkouts, with the attackers' takeovers and the signals.

        Orders of buyers who left after a false decline are not placed (``churn``).
        """
        placed = self.churn.placing(first["buyer_id"])
        if placed is not None:
            first, amount_reporting = first.take(placed), amount_reporting[placed]
            self.totals.churn_lost_orders = self.churn.lost_orders
        return self.takeovers.columns(first, amount_reporting)

    # -- screening --------------------------------------------------------------------
    def screen(
        self, attempts: Batch, amount_reporting: np.ndarray, code: np.ndarray
    ) -> tuple[Batch, np.ndarray, np.ndarray | None, Batch]:
        """The defence's decisions on attempts that passed the platform's checks.

        Returns the attempts with their risk score and action (those held for review
        removed), their codes (fraud declines, failed or abandoned challenges, review
        verdicts), which rows were kept (None: all), and the held attempts as they come
        back from review (``t_s`` the verdict or the moment the buyer left).
        """
        kind = attempts["fraud_kind"]
        seen_as_fraud = (kind > 0) & (kind != FRIENDLY_FRAUD)
        key = attempts["checkout_id"] * ATTEMPTS_PER_KEY + attempts["attempt"]
        u = self.luck.uniforms(key, 5)
        score = self.score.score(u[:, 0], seen_as_fraud).astype(np.float32)
        state = attempts["review_state"]
        rows = np.flatnonzero((code == NO_CODE) & (state == 0))
        action = np.where(state > 0, REVIEW, APPROVE).astype(np.int8)
        if rows.size:
            action[rows] = self._decide(attempts, amount_reporting, score, rows)
        code = code.copy()
        code[state == DECLINED_BY_REVIEW] = REVIEW_DECLINED
        code[state == LEFT_REVIEW] = REVIEW_ABANDONED
        code[action == DECLINE] = FRAUD_DECLINED
        if self.churn.share > 0:  # genuine buyers the defence turned away may not come back
            turned_away = (kind == 0) & ((code == FRAUD_DECLINED) | (code == REVIEW_DECLINED))
            if turned_away.any():
                self.churn.declined(attempts["buyer_id"][turned_away])
                self.totals.churned_buyers = self.churn.n_churned
        shifted = attempts["liability_shift"]
        challenged = np.flatnonzero((action == STEP_UP) & (state == 0))
        if challenged.size:
            shifted = shifted.copy()
            shifted[challenged] = self._challenge(challenged, kind, code, u)
        attempts = attempts.with_columns(
            risk_score=score, defence_action=action, liability_shift=shifted
        )
        held = np.flatnonzero((action == REVIEW) & (state == 0))
        released, keep = Batch({}), None
        if held.size:
            released = self._review(attempts, held, amount_reporting, u)
            keep = np.ones(attempts.n, dtype=bool)
            keep[held] = False
            attempts, code, amount_reporting = (
                attempts.take(keep),
                code[keep],
                amount_reporting[keep],
            )
        self._adapt(attempts, amount_reporting, code)
        return attempts, code, keep, released

    def _decide(
        self, attempts: Batch, amount_reporting: np.ndarray, score: np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        t_s = attempts["t_s"][rows]
        ids = np.stack([attempts["card_id"], attempts["device_id"], attempts["buyer_id"]])[:, rows]
        card_v, device_v, account_v = self.velocity.count(ids, t_s)
        card_f, device_f, account_f = fingerprints(ids)
        view = DefenceView(
            t_s=t_s,
            amount_reporting=amount_reporting[rows],
            buyer_market=attempts["buyer_market"][rows],
            seller_market=attempts["seller_market"][rows],
            method=attempts["method"][rows],
            kyc_tier=attempts["kyc_tier"][rows],
            attempt=attempts["attempt"][rows],
            account_id=account_f,
            card_id=card_f,
            device_id=device_f,
            new_device=attempts["new_device"][rows],
            ip_mismatch=attempts["ip_mismatch"][rows],
            account_age_days=attempts["account_age_days"][rows],
            velocity_card_1h=card_v,
            velocity_device_1h=device_v,
            velocity_account_1h=account_v,
            risk_score=score[rows],
        )
        return self._checked(self.defence.decide(view), len(rows))

    def _checked(self, action: Any, n: int) -> np.ndarray:
        action = np.asarray(action)
        if action.shape != (n,) or not _valid_actions(action):
            raise PaysimError(
                f"defence strategy '{getattr(self.defence, 'name', self.defence)}' must return "
                "one action (0 approve, 1 decline, 2 step_up, 3 review) per attempt"
            )
        return action.astype(np.int8)

    def _challenge(
        self, rows: np.ndarray, kind: np.ndarray, code: np.ndarray, u: np.ndarray
    ) -> np.ndarray:
        """Challenged attempts: who passes (liability shifts), fails or gives up."""
        step_up = self.spec.step_up
        fraud = (kind[rows] > 0) & (kind[rows] != FRIENDLY_FRAUD)
        passes = np.where(fraud, u[rows, 1] < step_up.fraud_pass,
                          u[rows, 1] >= step_up.genuine_abandon)  # fmt: skip
        code[rows[~passes & fraud]] = STEP_UP_FAILED
        code[rows[~passes & ~fraud]] = STEP_UP_ABANDONED
        self.totals.step_ups += rows.size
        return passes & step_up.liability_shift

    def _review(
        self, attempts: Batch, held: np.ndarray, amount_reporting: np.ndarray, u: np.ndarray
    ) -> Batch:
        """Held attempts through the review queue; they come back with their verdict."""
        review = self.review
        t_s = attempts["t_s"][held]
        service_s = review.minutes_per_case.ppf(u[held, 2]) * 60.0
        rate = review.abandon_rate_per_h
        patience_s = (
            -np.log1p(-u[held, 3]) / rate * 3600.0 if rate > 0 else np.full(held.size, np.inf)
        )
        fates = self.queue.admit(t_s, service_s, patience_s)
        kind = attempts["fraud_kind"][held]
        fraud = (kind > 0) & (kind != FRIENDLY_FRAUD)
        found = np.where(
            fraud, u[held, 4] < review.detect_rate, u[held, 4] < review.false_positive_rate
        )
        state = np.where(found, DECLINED_BY_REVIEW, APPROVED)
        state = np.where(fates.fate == ABANDONED, LEFT_REVIEW, state)
        state = np.where(fates.fate == FULL, DECLINED_BY_REVIEW, state).astype(np.int8)
        totals = self.totals
        totals.review_cases += held.size
        totals.review_cost += float(fates.service_s.sum()) / 3600.0 * review.cost_per_hour
        totals.review_mean_wait_h = self.queue.mean_wait_h
        totals.review_backlog_max = self.queue.backlog_max
        if self.learns:
            served = fates.fate == SERVED
            self._label(attempts, held[served], fates.done_s[served], found[served],
                        amount_reporting[held[served]], source=1)  # fmt: skip
        return attempts.take(held).with_columns(t_s=fates.done_s, review_state=state)

    def _adapt(self, attempts: Batch, amount_reporting: np.ndarray, code: np.ndarray) -> None:
        """Adaptive takeover attackers see which of their own attempts were blocked."""
        takeovers = self.takeovers
        if not any(a.adaptive for a in takeovers.attackers):
            return
        which = takeovers.attacker_of(attempts["fraud_kind"])
        blocked = (code == FRAUD_DECLINED) | (code == STEP_UP_FAILED)
        for i, attacker in enumerate(takeovers.attackers):
            mine = which == i
            if attacker.adaptive and mine.any():
                cap = amount_cap(amount_reporting[mine], blocked[mine])
                takeovers.cap_reporting[i] = min(takeovers.cap_reporting[i], cap)

    # -- card testing -----------------------------------------------------------------
    def probes(self, t0: float, t1: float) -> list[dict[str, np.ndarray]]:
        """Each tester's probes of the window, screened and answered (one dict per tester)."""
        out = []
        for tester in self.testers:
            t_s, amount, device, card = tester.probes(t0, t1)
            if t_s.size:
                out.append(self._probe(tester, t_s, amount, device, card))
        return out

    def _probe(
        self, tester: CardTester, t_s: np.ndarray, amount: np.ndarray, device: np.ndarray,
        card: np.ndarray,
    ) -> dict[str, np.ndarray]:  # fmt: skip
        n = t_s.size
        u = self.luck.uniforms(card, 8)
        score = self.score.score(u[:, 0], np.ones(n, bool)).astype(np.float32)
        age = self.spec.signals.account_age_days.ppf(u[:, 5]) * PROBE_AGE_FACTOR
        kyc = np.minimum((u[:, 7, None] >= self.probe_kyc_cdf).sum(axis=1), len(KYC_TIERS) - 1)
        ids = np.stack([card, device, card])
        card_v, device_v, account_v = self.velocity.count(ids, t_s)
        card_f, device_f, account_f = fingerprints(ids)
        view = DefenceView(
            t_s=t_s, amount_reporting=amount,
            buyer_market=np.full(n, self.probe_market, np.intp),
            seller_market=np.full(n, self.probe_seller_market, np.intp),
            method=np.full(n, METHODS.index("card"), np.int8), kyc_tier=kyc.astype(np.int8),
            attempt=np.ones(n, np.int16), account_id=account_f, card_id=card_f,
            device_id=device_f,
            new_device=u[:, 6] < PROBE_NEW_DEVICE, ip_mismatch=u[:, 1] < 0.5,
            account_age_days=age,
            velocity_card_1h=card_v, velocity_device_1h=device_v,
            velocity_account_1h=account_v,
            risk_score=score,
        )  # fmt: skip
        action = self._checked(self.defence.decide(view), n)
        spec = tester.spec
        failed = (action == STEP_UP) & (u[:, 2] >= self.spec.step_up.fraud_pass)
        # a held probe: the analysts see the card-testing pattern at once (not queued)
        reviewed = (action == REVIEW) & (u[:, 2] < self.review.detect_rate)
        stopped = (action == DECLINE) | failed | reviewed
        code = np.where(failed, STEP_UP_FAILED, np.where(reviewed, REVIEW_DECLINED, FRAUD_DECLINED))
        live = ~stopped & (u[:, 3] < spec.live_share)
        tester.observe(amount, stopped)
        if live.any():
            self.takeovers.cashouts.add(card[live], device[live], t_s[live], u[live, 4])
        declined = ~stopped & ~live
        fee = np.where(declined, spec.decline_fee, 0.0)
        self.totals.probes += n
        self.totals.card_testing_fees += float(fee.sum())
        return {"t_s": t_s, "amount_reporting": amount, "stopped": stopped, "live": live,
                "stop_code": code, "kyc_tier": view.kyc_tier,
                "action": action, "score": score, "fee_reporting": fee}  # fmt: skip

    # -- the log and captures -----------------------------------------------------------
    def count(self, kind: np.ndarray, code: np.ndarray) -> None:
        """Tally recorded attempts: fraud ones stopped, genuine ones declined."""
        fraud = kind > 0
        totals = self.totals
        n_fraud = int(fraud.sum())
        totals.fraud_attempts += n_fraud
        totals.genuine_attempts += kind.size - n_fraud
        stop = (code == FRAUD_DECLINED) | (code == STEP_UP_FAILED) | (code == REVIEW_DECLINED)
        totals.fraud_stopped += int((stop & fraud).sum())
        totals.false_declines += int((stop & ~fraud).sum())
        totals.step_up_abandoned += int((code == STEP_UP_ABANDONED).sum())

    def captured(self, attempts: Batch, paid: np.ndarray, t_s: np.ndarray,
                 amount_reporting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Fraud chargebacks of captured orders: days (NaN none) and whether after delivery.

        An authenticated payment's chargeback is the issuer's (liability shift): it is
        not the platform's loss, but the label still reaches the defence.
        """
        days = attempts["dispute_days"][paid]
        after = attempts["dispute_after_delivery"][paid]
        if self.learns:
            known = np.flatnonzero(np.isfinite(days))
            self._label(attempts, paid[known], t_s[known] + days[known] * DAY_S,
                        np.ones(known.size, bool), amount_reporting[known], source=0)  # fmt: skip
        borne = np.where(attempts["liability_shift"][paid], np.nan, days)
        return borne, after

    def _label(self, attempts: Batch, rows: np.ndarray, t_s: np.ndarray, is_fraud: np.ndarray,
               amount_reporting: np.ndarray, source: int) -> None:  # fmt: skip
        if rows.size:
            self._labels.append({
                "t_s": t_s, "account_id": fingerprint(attempts["buyer_id"][rows], "account"),
                "card_id": fingerprint(attempts["card_id"][rows], "card"),
                "device_id": fingerprint(attempts["device_id"][rows], "device"),
                "amount_reporting": amount_reporting, "is_fraud": is_fraud,
                "source": np.full(rows.size, source, np.int8),
            })  # fmt: skip

    def deliver(self, t_s: float) -> None:
        """Hand the defence the labels known before ``t_s``, in time order."""
        if not self._labels:
            return
        merged = {k: np.concatenate([p[k] for p in self._labels]) for k in self._labels[0]}
        due = merged["t_s"] < t_s
        if not due.any():
            return
        self._labels = [{k: v[~due] for k, v in merged.items()}] if (~due).any() else []
        order = np.argsort(merged["t_s"][due], kind="stable")
        self.defence.observe(DefenceFeedback(**{k: v[due][order] for k, v in merged.items()}))
