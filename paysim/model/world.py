"""The simulated marketplace, advanced one window at a time on the engine's clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY, Clock
from paysim.engine.recorder import ColumnarRecorder
from paysim.engine.streams import RandomStreams
from paysim.errors import PaysimError
from paysim.model.batch import Batch
from paysim.model.channels import (
    DECLINED,
    NO_CODE,
    OUTCOMES,
    SUCCEEDED,
    TIMEOUT,
    ChannelResult,
    ChannelTable,
)
from paysim.model.checkout import (
    CANNOT_RETRY,
    MAY_RETRY,
    MUST_SWITCH,
    CheckoutModel,
    attempt_network,
)
from paysim.model.demand import DemandModel
from paysim.model.fx import FixedRates
from paysim.model.ledger import Ledger
from paysim.model.metrics import RunTotals
from paysim.model.payments_log import (
    IS_HARD_DECLINE,
    KYC_LIMIT,
    PERSONAL_LIMIT,
    UNSUPPORTED_CARD,
    AttemptResults,
    log_columns,
    payment_columns,
)
from paysim.model.platform import Platform
from paysim.model.retry_recovery import RetryRecovery
from paysim.model.routing import (
    AttemptView,
    FeedbackQueue,
    RoutingContext,
    RoutingFeedback,
    RoutingTruth,
)
from paysim.model.spec import Scenario
from paysim.model.spec_types import METHODS
from paysim.model.status_checks import ABANDONED, OPEN, PAID, CheckoutStates, StatusChecks

if TYPE_CHECKING:  # the model never imports strategies at run time
    from paysim.strategies.routing.base import BaseRouter


def scenario_currencies(scenario: Scenario) -> tuple[str, ...]:
    """Every currency the world books money in, sorted (the ledger's columns)."""
    return tuple(
        sorted(
            {m.currency for m in scenario.markets}
            | {c.currency for c in scenario.channels}
            | {scenario.reporting_currency}
        )
    )


def routing_context(
    scenario: Scenario,
    channels: ChannelTable,
    rates: FixedRates,
    reporting: int,
    rng: np.random.Generator,
) -> RoutingContext:
    """The static channel facts a routing strategy is bound to."""
    return RoutingContext(
        channel_ids=channels.ids,
        channel_kinds=tuple(c.kind for c in scenario.channels),
        markets=tuple(m.code for m in scenario.markets),
        methods=METHODS,
        currencies=tuple(rates.currencies),
        eligible=channels.eligible.copy(),
        fee_percent=channels.fee_percent.copy(),
        fee_cross_border_percent=channels.fee_cross_border_percent.copy(),
        fee_fx_markup_percent=channels.fx_markup_percent.copy(),
        fee_fixed_reporting=rates.to_major(channels.fee_fixed_minor, channels.currency, reporting),
        channel_country=tuple(c.country for c in scenario.channels),
        channel_currency=channels.currency.copy(),
        reporting_currency=scenario.reporting_currency,
        rng=rng,
        network_ids=channels.network_ids,
        accepts=channels.accepts.copy(),
    )


class World:
    """Buyers, channels and the platform, wired together for one replication."""

    def __init__(
        self,
        scenario: Scenario,
        router: BaseRouter,
        seed: int | np.random.SeedSequence,
        horizon_s: float,
        log_path: str | None = None,
    ) -> None:
        self.scenario = scenario
        self.horizon_s = horizon_s
        self.markets = tuple(m.code for m in scenario.markets)
        self.currencies = scenario_currencies(scenario)
        self.reporting = self.currencies.index(scenario.reporting_currency)
        self.streams = RandomStreams(seed)
        self.rates = FixedRates.from_spec(scenario.fx, self.currencies)
        self.demand = DemandModel(scenario, horizon_s, self.streams)
        self.checkout = CheckoutModel(
            scenario, self.markets, self.currencies, self.streams, self._to_reporting
        )
        self.channels = ChannelTable(scenario, self.markets, self.rates, self.streams, horizon_s)
        self.ledger = Ledger(self.currencies)
        self.platform = Platform(
            scenario, self.ledger, self.rates, self.reporting, horizon_s,
            markets=self.markets, channels=self.channels, streams=self.streams,
            seller_currency=np.repeat(self.checkout.market_currency, self.checkout.seller_count),
        )  # fmt: skip
        self.totals = RunTotals(platform=self.platform.totals, channel_ids=self.channels.ids)
        self.recovery = RetryRecovery(scenario.checkout.retry.recovery)
        self.recorder = ColumnarRecorder(
            payment_columns(
                self.markets,
                self.channels.ids,
                self.currencies,
                tuple(c.id for c in scenario.demand.campaigns),
                self.channels.network_ids,
            ),
            path=log_path,
        )
        self.router = router
        self.router.bind(self._routing_context())
        self.pending = Batch({})
        self.states = CheckoutStates()  # the truth: paid once the channel charged
        self.booked = np.zeros(0, dtype=bool)  # the platform booked the order's payment
        self.paid_known_at_s = np.zeros(0)  # when the platform knows the order is paid
        timeouts = scenario.checkout.timeouts
        self.status_checks = StatusChecks(timeouts.status_check_s)
        self.wait_for_status = timeouts.policy == "wait_for_status"
        self.feedback = FeedbackQueue()
        # a router that learns nothing from results need not be sent any
        self.router_learns = router.learns_from_feedback
        self.clock = Clock(horizon_s)
        self.clock.every(scenario.engine.batch_s, self.step, first=True)
        payout_s = scenario.platform.payout.hour_utc * 3600.0
        self.clock.every(
            SECONDS_PER_DAY,
            self.platform.payout_run,
            start_s=payout_s - SECONDS_PER_DAY,
            partial_last=False,
        )

    def _to_reporting(self, amount_minor: np.ndarray, currency: np.ndarray) -> np.ndarray:
        return self.rates.to_major(amount_minor, currency, self.reporting)

    def _routing_context(self) -> RoutingContext:
        return routing_context(
            self.scenario, self.channels, self.rates, self.reporting,
            self.streams.generator("strategy.routing"),
        )  # fmt: skip

    def run(self) -> None:
        """Simulate to the horizon and close the payments log."""
        self.clock.run()
        self.recorder.close()
        self.totals.paid_checkouts = self.states.count(PAID)
        self.totals.checkouts_abandoned = self.states.count(ABANDONED)

    # -- one window -------------------------------------------------------------------
    def step(self, t0: float, t1: float) -> None:
        """Handle everything that happens in ``[t0, t1)``."""
        self.channels.window_start_s = t0
        arrivals = self.demand.arrivals(t0, t1, self.streams.stream("arrivals"))
        self.totals.checkouts += len(arrivals.t_s)
        first_id = self.checkout.next_checkout_id
        first, dropped = self.checkout.open(arrivals)
        self.totals.abandoned_at_step += dropped
        self.states.open(len(arrivals.t_s))
        if self.booked.size < self.states.n:
            extra = self.states.state.size
            self.booked = np.concatenate([self.booked, np.zeros(extra, bool)])
            self.paid_known_at_s = np.concatenate([self.paid_known_at_s, np.full(extra, np.inf)])
        if dropped.any():
            opened = np.arange(first_id, self.checkout.next_checkout_id)
            self.states.set(opened, ABANDONED)
            self.states.set(first["checkout_id"], OPEN)
        pending = Batch.concat([self.pending, first])
        while pending.n:
            t_s = pending["t_s"]
            due = np.flatnonzero(t_s < t1)
            if not due.size:
                break
            now = pending.take(due[np.argsort(t_s[due], kind="stable")])
            pending = pending.take(np.flatnonzero(t_s >= t1))
            pending = Batch.concat([pending, self._attempt(now)])
        self.pending = pending
        self._resolve_status_checks(t1)
        self.feedback.deliver(self.router, t1)
        self.platform.book_due(t1)

    def _attempt(self, attempts: Batch) -> Batch:
        """Send due attempts (sorted by time); return the retries they cause."""
        known_paid = self.paid_known_at_s[attempts["checkout_id"]] <= attempts["t_s"]
        if known_paid.any():  # a status check found the order paid: nothing left to pay
            attempts = attempts.take(np.flatnonzero(~known_paid))
        n = attempts.n
        amount_reporting = self.rates.to_major(
            attempts["amount_minor"], attempts["currency"], self.reporting
        )
        luck = self.checkout.attempt_luck(attempts)
        network = attempt_network(attempts)
        results = AttemptResults.blocked(
            self._platform_controls(attempts, amount_reporting, network), network
        )
        send = np.flatnonzero(results.code == NO_CODE)
        if send.size:
            sent = attempts if send.size == n else attempts.take(send)
            result, chosen = self._send(sent, amount_reporting[send], luck[send])
            results.fill(send, chosen, result)
        channel, outcome, latency_ms = results.channel, results.outcome, results.latency_ms
        reached = ~np.isnan(latency_ms)
        t_result = attempts["t_s"] + np.where(reached, latency_ms, 0.0) / 1000.0
        self._record(attempts, results, amount_reporting)
        self._count_charges(attempts["checkout_id"], results.charged, amount_reporting)
        succeeded = outcome == SUCCEEDED
        paid = np.flatnonzero(succeeded)
        if paid.size:
            self._capture(
                attempts, paid, channel[paid], results.fee_minor[paid], t_result[paid],
                results.settled_factor[paid],
            )  # fmt: skip
        pending_capture = (outcome == TIMEOUT) & results.charged
        if pending_capture.any():
            self._schedule_status_checks(
                attempts, np.flatnonzero(pending_capture), results, t_result
            )
        failed = np.flatnonzero(~succeeded)
        return self._after_failure(
            attempts, failed, results.code, outcome, latency_ms, pending_capture, t_result,
            channel, luck,
        )  # fmt: skip

    def _schedule_status_checks(
        self, attempts: Batch, late: np.ndarray, results: AttemptResults, t_result: np.ndarray
    ) -> None:
        """Captured timeouts: the platform learns of them ``status_check_s`` later."""
        self.status_checks.schedule(
            attempts.take(late).with_columns(settled_factor=results.settled_factor[late]),
            t_result[late], results.channel[late], results.capture_fee_minor[late],
        )  # fmt: skip
        ids = attempts["checkout_id"][late]
        t_known = t_result[late] + self.status_checks.status_check_s
        self.paid_known_at_s[ids] = np.minimum(self.paid_known_at_s[ids], t_known)

    def _after_failure(
        self,
        attempts: Batch,
        failed: np.ndarray,
        code: np.ndarray,
        outcome: np.ndarray,
        latency_ms: np.ndarray,
        pending_capture: np.ndarray,
        t_result: np.ndarray,
        channel: np.ndarray,
        luck: np.ndarray,
    ) -> Batch:
        """What buyers do after failed attempts: the retries, and who gives up."""
        code, outcome = code[failed], outcome[failed]
        mode = np.full(failed.size, MAY_RETRY, dtype=np.int8)
        mode[(outcome == DECLINED) & IS_HARD_DECLINE[code]] = MUST_SWITCH
        mode[(code == PERSONAL_LIMIT) | (code == UNSUPPORTED_CARD)] = MUST_SWITCH
        mode[code == KYC_LIMIT] = CANNOT_RETRY
        # the buyer left while the channel was processing: nobody is there to retry, and the
        # buyer is lost unless the channel did charge (the order completes when that is known)
        left = latency_ms[failed] / 1000.0 > attempts["patience_s"][failed]
        mode[left] = CANNOT_RETRY
        lost = left & (self.states.of(attempts["checkout_id"][failed]) != PAID)
        self.totals.left_during_processing += int(lost.sum())
        t_retry_from = t_result[failed]
        timed_out = outcome == TIMEOUT
        if self.wait_for_status and timed_out.any():
            # the buyer waits for the status check: a captured payment completes the order
            mode[pending_capture[failed]] = CANNOT_RETRY
            t_retry_from = np.where(
                timed_out, t_retry_from + self.status_checks.status_check_s, t_retry_from
            )
        retries, gave_up = self.checkout.retries(
            attempts.take(failed), luck[failed], mode, channel[failed], code, t_retry_from
        )
        gave_up = attempts["checkout_id"][failed[gave_up]]
        # a checkout the channel did charge (a timeout still to be confirmed) is not abandoned
        self.states.set(gave_up[self.states.of(gave_up) != PAID], ABANDONED)
        return retries

    def _count_charges(
        self, checkout_id: np.ndarray, charged: np.ndarray, amount_reporting: np.ndarray
    ) -> None:
        """The channel's truth: an order is paid by its first charge; a later one is a repeat.

        Counted when the channel charges, whenever the platform learns of it, so the KPIs
        follow from the payments log (its ``charged`` column) alone.
        """
        first = charged & (self.states.of(checkout_id) != PAID)
        self.states.set(checkout_id[first], PAID)
        self.totals.gmv += float(amount_reporting[first].sum())
        self.totals.double_charges += int(np.count_nonzero(charged & ~first))

    def _resolve_status_checks(self, t1: float) -> None:
        """Status checks due by ``t1``: late successes complete orders, repeats are refunded."""
        checks = self.status_checks.due(t1)
        if not checks.n:
            return
        ids = checks["checkout_id"]
        # two captured timeouts of one order (a blind retry timed out too): the first pays it
        _, first = np.unique(ids, return_index=True)
        repeat = np.ones(checks.n, dtype=bool)
        repeat[first] = False
        already_booked = self.booked[ids] | repeat
        late = np.flatnonzero(~already_booked)
        if late.size:
            self._capture(
                checks, late, checks["channel"][late], checks["capture_fee_minor"][late],
                checks["t_check_s"][late], checks["settled_factor"][late],
            )  # fmt: skip
            self.totals.late_successes += late.size
        double = np.flatnonzero(already_booked)
        if double.size:
            self.platform.book_double_charge(
                checks["channel"][double], checks["currency"][double],
                checks["capture_fee_minor"][double],
            )  # fmt: skip

    def _platform_controls(
        self, attempts: Batch, amount_reporting: np.ndarray, network: np.ndarray
    ) -> np.ndarray:
        """Decline code per attempt of the platform's own checks (``NO_CODE`` to send it).

        A card no channel serving the market accepts is ``unsupported_card``; over the
        buyer's personal limit ``personal_limit``; over the KYC tier's limits ``kyc_limit``.
        """
        day = (attempts["t_s"] // SECONDS_PER_DAY).astype(np.int64)
        over_kyc = self.checkout.buyers.over_kyc_limit(
            attempts["buyer_id"], attempts["kyc_tier"], amount_reporting, day
        )
        over_personal = (attempts["method"] == attempts["default_method"]) & (
            amount_reporting > attempts["personal_limit"]
        )
        no_route = ~self.channels.routable[attempts["buyer_market"], attempts["method"], network]
        code = np.where(no_route, UNSUPPORTED_CARD, NO_CODE)
        code = np.where(over_personal, PERSONAL_LIMIT, code)
        return np.where(over_kyc, KYC_LIMIT, code).astype(np.int8)

    def _send(
        self, attempts: Batch, amount_reporting: np.ndarray, luck: np.ndarray
    ) -> tuple[ChannelResult, np.ndarray]:
        """Route attempts and let their channels answer."""
        t_s, market, method = attempts["t_s"], attempts["buyer_market"], attempts["method"]
        network = attempt_network(attempts)
        candidates = self.channels.candidates(market, method, network)
        recovery = self.recovery.factors(
            attempts["previous_code"], attempts["change"], attempts["previous_channel"],
            self.channels.n,
        )  # fmt: skip
        truth = self.channels.truth(
            t_s, market, method, amount_reporting, attempts["buyer_risk"], network, recovery
        )
        view = AttemptView(
            t_s=t_s,
            buyer_market=market,
            method=method,
            currency=attempts["currency"],
            network=network,
            amount_reporting=amount_reporting,
            attempt=attempts["attempt"],
            previous_channel=attempts["previous_channel"],
            candidates=candidates,
            # only a labelled bound (``oracle``) is handed the simulator's truth
            truth=RoutingTruth(p_success=truth.p) if self.router.reads_truth else None,
        )
        channel = np.asarray(self.router.choose(view), dtype=np.intp)
        if channel.shape != (attempts.n,) or not candidates[np.arange(attempts.n), channel].all():
            raise PaysimError(
                f"routing strategy '{getattr(self.router, 'name', self.router)}' "
                "chose a channel that cannot take the payment"
            )
        best = np.where(candidates, truth.p, -np.inf).max(axis=1)
        result = self.channels.process(
            channel, truth, attempts["amount_minor"], attempts["currency"],
            attempts["checkout_id"], attempts["attempt"], luck[:, 0], luck[:, 1],
        )  # fmt: skip
        self.totals.routing_regret += float(np.sum(best - result.p_success))
        self.totals.queue_wait_ms_sum += float(result.queue_wait_ms.sum())
        self.totals.rate_limited_channel_attempts += int(self.channels.is_limited[channel].sum())
        reached = ~np.isnan(result.latency_ms)
        if self.router_learns:
            self._queue_feedback(view, reached, channel, result)
        return result, channel

    def _queue_feedback(
        self, view: AttemptView, reached: np.ndarray, channel: np.ndarray, result: ChannelResult
    ) -> None:
        self.feedback.add(
            RoutingFeedback(
                t_s=view.t_s + np.where(reached, result.latency_ms, 0.0) / 1000.0,
                channel=channel, buyer_market=view.buyer_market, method=view.method,
                currency=view.currency, network=view.network,
                amount_reporting=view.amount_reporting,
                succeeded=result.outcome == SUCCEEDED, outcome=result.outcome,
                latency_ms=result.latency_ms,
            )
        )  # fmt: skip

    def _capture(
        self,
        attempts: Batch,
        paid: np.ndarray,
        channel: np.ndarray,
        fee_minor: np.ndarray,
        t_s: np.ndarray,
        settled_factor: np.ndarray,
    ) -> None:
        """Book captured payments (rows ``paid`` of ``attempts``) and the buyers' spending."""
        amount_minor, currency = attempts["amount_minor"][paid], attempts["currency"][paid]
        ids = attempts["checkout_id"][paid]
        self.booked[ids] = True
        self.paid_known_at_s[ids] = np.minimum(self.paid_known_at_s[ids], t_s)
        self.platform.capture(
            t_s=t_s,
            checkout_id=attempts["checkout_id"][paid],
            channel=channel,
            buyer_market=attempts["buyer_market"][paid],
            seller_market=attempts["seller_market"][paid],
            seller_id=attempts["seller_id"][paid],
            currency=currency,
            seller_currency=attempts["seller_currency"][paid],
            amount_minor=amount_minor,
            fee_minor=fee_minor,
            campaign=attempts["campaign"][paid],
            group=attempts["group"][paid],
            settled_factor=settled_factor,
        )
        self.totals.paid_orders += paid.size
        day = (t_s // SECONDS_PER_DAY).astype(np.int64)
        self.checkout.buyers.record_spend(
            attempts["buyer_id"][paid], self._to_reporting(amount_minor, currency), day
        )

    def _record(
        self, attempts: Batch, results: AttemptResults, amount_reporting: np.ndarray
    ) -> None:
        fee_reporting = self.rates.to_major(results.fee_minor, attempts["currency"], self.reporting)
        totals = self.totals
        totals.attempts_by_outcome += np.bincount(results.outcome, minlength=len(OUTCOMES))
        totals.count_codes(results.code)
        totals.channel_fees += float(fee_reporting.sum())
        reached = np.flatnonzero(~np.isnan(results.latency_ms))
        totals.add_latencies(
            results.latency_ms[reached], results.channel[reached], attempts["method"][reached]
        )
        sent = results.channel >= 0
        cross_border = (
            sent
            & self.channels.cross_border[attempts["buyer_market"], np.maximum(results.channel, 0)]
        )
        totals.cross_border_attempts += int(cross_border.sum())
        totals.channel_attempts += int(sent.sum())
        self.recorder.append(
            log_columns(
                attempts, results, amount_reporting, fee_reporting, self.rates, cross_border
            )
        )
