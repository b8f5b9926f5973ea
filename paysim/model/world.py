"""The simulated marketplace, advanced one window at a time on the engine's clock."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from paysim.engine.clock import SECONDS_PER_DAY, Clock
from paysim.engine.recorder import ColumnarRecorder
from paysim.engine.streams import RandomStreams
from paysim.errors import PaysimError
from paysim.model.channels.drift import DriftWatch
from paysim.model.channels.table import (
    CHANNEL_UNAVAILABLE,
    DECLINED,
    NO_CODE,
    OUTCOMES,
    SUCCEEDED,
    TIMEOUT,
    ChannelResult,
    ChannelTable,
    ChannelTruth,
)
from paysim.model.checkout.cascade import Cascade
from paysim.model.checkout.funnel import (
    CANNOT_RETRY,
    MAY_RETRY,
    MUST_SWITCH,
    CheckoutModel,
    attempt_network,
)
from paysim.model.checkout.platform_declines import (
    IS_HARD_DECLINE,
    KYC_LIMIT,
    PERSONAL_LIMIT,
    UNSUPPORTED_CARD,
)
from paysim.model.checkout.retry_recovery import RetryRecovery
from paysim.model.checkout.status_checks import ABANDONED, OPEN, PAID, CheckoutStates, StatusChecks
from paysim.model.core.batch import Batch, concat_records, take_records
from paysim.model.core.series import HourlySeries
from paysim.model.core.spec_types import METHODS
from paysim.model.demand.arrivals import DemandModel
from paysim.model.fraud.world_link import FraudLink
from paysim.model.fx.path import build_rates
from paysim.model.fx.rates import FixedRates
from paysim.model.metrics import RunTotals
from paysim.model.money.ledger import Ledger
from paysim.model.payments_log import AttemptResults, log_columns, payment_columns
from paysim.model.platform.books import Platform
from paysim.model.platform.money_calendar import SLOT_S
from paysim.model.routing import (
    AttemptView,
    FeedbackQueue,
    RoutingContext,
    RoutingTruth,
    known_before_s,
)
from paysim.model.spec import Scenario
from paysim.model.time_order import TimeOrder
from paysim.model.treasury import Treasury, build_treasury, treasury_needed

if TYPE_CHECKING:  # the model never imports strategies at run time
    from paysim.strategies.defence.base import BaseDefence
    from paysim.strategies.hedging.base import BaseHedger
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


def _truth_rows(truth: ChannelTruth, rows: slice) -> ChannelTruth:
    """The rows of ``truth`` for a run of its payments (views, nothing copied)."""
    parts = truth.__dict__
    return ChannelTruth(**{k: None if v is None else v[rows] for k, v in parts.items()})


class World:
    """Buyers, channels and the platform, wired together for one replication."""

    def __init__(
        self,
        scenario: Scenario,
        router: BaseRouter,
        seed: int | np.random.SeedSequence,
        horizon_s: float,
        log_path: str | None = None,
        defence: BaseDefence | None = None,
        hedger: BaseHedger | None = None,
    ) -> None:
        self.scenario = scenario
        self.horizon_s = horizon_s
        self.markets = tuple(m.code for m in scenario.markets)
        self.currencies = scenario_currencies(scenario)
        self.reporting = self.currencies.index(scenario.reporting_currency)
        self.streams = RandomStreams(seed)
        self.rates = build_rates(scenario.fx, self.currencies, self.streams, horizon_s)
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
        self.series = HourlySeries(horizon_s)
        self.series.declare("attempts", self.channels.ids)  # sent to each channel
        self.series.declare("successes", self.channels.ids)
        self.series.declare("regret")  # expected successes lost against the best channel
        self.recovery = RetryRecovery(scenario.checkout.retry.recovery)
        # fraud and defences (issue 11): None when the world has neither
        self.fraud = FraudLink.create(scenario, self.streams, defence, self.totals, self.ledger,
                                      self.rates, self.reporting, self.channels)  # fmt: skip
        self.hard_decline = IS_HARD_DECLINE if self.fraud is None else self.fraud.hard_decline
        self.recorder = ColumnarRecorder(
            payment_columns(
                self.markets,
                self.channels.ids,
                self.currencies,
                tuple(c.id for c in scenario.demand.campaigns),
                self.channels.network_ids,
                **({} if self.fraud is None else self.fraud.log_categories),
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
        self.refresh_s = scenario.platform.routing_refresh_s
        self.limiters = [limiter for _, limiter in self.channels.limited]
        self.drift_watch = DriftWatch(
            scenario.channels, self.markets, self.channels.network_ids, horizon_s
        )
        cascade = scenario.strategies.routing.cascade
        self.cascade = None if cascade is None else Cascade(cascade)
        # with a learning router or a queue, attempts are handled in time order
        self.in_time_order = self.router_learns or bool(self.limiters)
        self.order = TimeOrder(
            self.checkout, self.limiters, self.refresh_s,
            timeouts.status_check_s if self.wait_for_status else None,
            None if self.cascade is None else self.cascade.on,
        )  # fmt: skip
        self.clock = Clock(horizon_s)
        # windows end at every hour too: the money calendar books by the hour, so the daily
        # payout run sees the same bookings whatever the window
        self.clock.every(scenario.engine.batch_s, self.step, first=True, align_s=SLOT_S)
        payout_s = scenario.platform.payout.hour_utc * 3600.0
        self.clock.every(
            SECONDS_PER_DAY,
            self.platform.payout_run,
            start_s=payout_s - SECONDS_PER_DAY,
            partial_last=False,
        )
        self.treasury = self._treasury(hedger, payout_s)

    def _treasury(self, hedger: BaseHedger | None, payout_s: float) -> Treasury | None:
        """FX (issue 10): conversions and hedges, when rates move or a policy acts."""
        if not treasury_needed(self.scenario):
            return None
        if hedger is None:
            raise PaysimError("this scenario's FX needs a hedging strategy: pass hedger=")
        treasury = build_treasury(
            self.scenario, self.rates, self.ledger, self.reporting, hedger,
            self.streams.generator("strategy.hedging"),
        )  # fmt: skip
        self.platform.quotes = treasury.quotes
        self.clock.every(SLOT_S, treasury.hourly, partial_last=False)
        self.clock.every(
            SECONDS_PER_DAY, lambda t0, t1: treasury.after_payout(t1),
            start_s=payout_s - SECONDS_PER_DAY, partial_last=False,
        )  # fmt: skip
        return treasury

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
        if self.drift_watch.any:
            times = self.drift_watch.detection_times_s()
            self.totals.routing_detection_s = float(np.mean(times)) if times else 0.0
        if self.treasury is not None:
            self.totals.fx = self.treasury.result(self.horizon_s, self.totals.gmv)

    # -- one window -------------------------------------------------------------------
    def step(self, t0: float, t1: float) -> None:
        """Handle everything that happens in ``[t0, t1)``.

        Due attempts are handled in rounds, vectorised. A round never goes past the first
        moment a retry it causes could change what a later attempt of the round met: with a
        learning router, the first moment any retry could land (the router must route it
        knowing what it knew then); with a rate-limited channel, the first retry that would
        change a queue wait already given. So every result is what an event-by-event
        simulation gives, whatever ``engine.batch_s`` is; a longer window only means fewer,
        larger rounds. Without either, a round takes every due attempt.
        """
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
        if self.cascade is not None:
            self.cascade.grow(self.states.n)
        if dropped.any():
            opened = np.arange(first_id, self.checkout.next_checkout_id)
            self.states.set(opened, ABANDONED)
            self.states.set(first["checkout_id"], OPEN)
        if self.fraud is not None:  # after the states: a churned buyer's order stays unplaced
            first = self.fraud.open(first, self._to_reporting)
            self.fraud.probes(t0, t1, self.recorder)
        pending = Batch.concat([self.pending, first])
        while pending.n:
            t_s = pending["t_s"]
            due = np.flatnonzero(t_s < t1)
            if not due.size:
                break
            now = pending.take(due[np.argsort(t_s[due], kind="stable")])
            pending = pending.take(np.flatnonzero(t_s >= t1))
            retries, later = self._attempt(now, t1)
            pending = Batch.concat([pending, later, retries])
            self.totals.rounds += 1
        self.pending = pending
        self._resolve_status_checks(t1)
        if self.router_learns:
            self.feedback.deliver(self.router, known_before_s(t1, self.refresh_s))
        if self.fraud is not None:
            self.fraud.model.deliver(t1)
        self.platform.book_due(t1)

    def _attempt(self, attempts: Batch, t1: float) -> tuple[Batch, Batch]:
        """Handle due attempts (sorted by time); return the retries they cause and the rest.

        The rest are the attempts this round leaves to the next (see ``step``).
        """
        known_paid = self.paid_known_at_s[attempts["checkout_id"]] <= attempts["t_s"]
        if known_paid.any():  # a status check found the order paid: nothing left to pay
            attempts = attempts.take(np.flatnonzero(~known_paid))
        amount_reporting = self.rates.to_major_at(
            attempts["amount_minor"], attempts["currency"], self.reporting, attempts["t_s"]
        )
        luck = self.checkout.attempt_luck(attempts)
        network = attempt_network(attempts)
        code = self._platform_controls(attempts, amount_reporting, network)
        released = None
        if self.fraud is not None:
            attempts, code, keep, released = self.fraud.model.screen(
                attempts, amount_reporting, code
            )
            if keep is not None:
                amount_reporting, luck, network = amount_reporting[keep], luck[keep], network[keep]
        send = np.flatnonzero(code == NO_CODE)
        result, chosen, later = None, np.empty(0, dtype=np.intp), Batch({})
        if send.size:
            sent = attempts if send.size == attempts.n else attempts.take(send)
            blocked_retries = None
            if self.in_time_order:
                blocked_retries = Batch({})
                if send.size < attempts.n:
                    rows = np.flatnonzero(code != NO_CODE)
                    gap_s = self.order.retry_gap_s(
                        attempts["attempt"][rows], luck[rows], sent=False
                    )
                    retry_s = attempts["t_s"][rows] + gap_s
                    blocked_retries = self.order.next_attempts(attempts, retry_s, rows)
            result, chosen, handled = self._send(
                sent, amount_reporting[send], luck[send], t1, blocked_retries
            )
            if handled is not None:  # some wait for the next round
                keep = np.ones(attempts.n, dtype=bool)
                keep[send] = False
                keep[send[handled]] = True
                later = attempts.take(np.flatnonzero(~keep))
                attempts, amount_reporting = attempts.take(keep), amount_reporting[keep]
                code, luck = code[keep], luck[keep]
                send = np.flatnonzero(code == NO_CODE)
        if released is not None and released.n:
            later = Batch.concat([later, released])
        return self._settle(attempts, code, amount_reporting, luck, send, chosen, result), later

    def _settle(
        self,
        attempts: Batch,
        code: np.ndarray,
        amount_reporting: np.ndarray,
        luck: np.ndarray,
        send: np.ndarray,
        chosen: np.ndarray,
        result: ChannelResult | None,
    ) -> Batch:
        """Record handled attempts, book what was paid, and return the retries of the rest."""
        results = AttemptResults.blocked(code, attempt_network(attempts))
        if result is not None and send.size:
            results.fill(send, chosen, result)
        if self.fraud is not None:
            self.fraud.mark_abandoned(results)
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
        retries = self._after_failure(
            attempts, failed, results.code, outcome, latency_ms, pending_capture, t_result,
            channel, luck,
        )  # fmt: skip
        if self.fraud is not None and retries.n:
            retries = self.fraud.fresh_retries(retries)
        if self.in_time_order and retries.n:
            known_s = self.feedback.delivered_before_s if self.router_learns else None
            self.totals.retries_out_of_order += self.order.out_of_order(retries["t_s"], known_s)
        return retries

    def _send(
        self,
        attempts: Batch,
        amount_reporting: np.ndarray,
        luck: np.ndarray,
        t1: float,
        blocked_retries: Batch | None = None,
    ) -> tuple[ChannelResult | None, np.ndarray, np.ndarray | None]:
        """Route attempts (sorted by time) and let their channels answer, in time order.

        Returns the answers, the channels chosen and which attempts they are (``None``: all);
        the others wait for the next round (see ``step``). ``blocked_retries``, when time
        order matters: the retries the attempts the platform blocked may cause.
        """
        if blocked_retries is None:
            result, chosen = self._send_chunk(attempts, amount_reporting, luck)
            return result, chosen, None
        if self.router_learns:
            landing = blocked_retries["t_s"] if blocked_retries.n else np.empty(0)
            landing = landing[landing < t1]
            until_s = float(landing.min()) if landing.size else math.inf
            return self._send_in_chunks(attempts, amount_reporting, luck, t1, until_s)
        saved = self.order.save()
        truth = self._truth(attempts, amount_reporting)
        view, channel = self._route(attempts, amount_reporting, truth)
        result, best_p = self._answer(attempts, luck, channel, truth, view.candidates)
        retries = self.order.early_retries(attempts, result, luck, blocked_retries)
        stand_s = self.order.queues_stand_until(retries)
        handled = None
        later = self.channels.is_limited[channel] & (attempts["t_s"] > stand_s)
        if stand_s < math.inf and later.any():  # what queues from there on waits
            handled = np.flatnonzero(~later)
            self.order.restore(saved)
            attempts, channel, best_p = attempts.take(handled), channel[handled], best_p[handled]
            view, result = view.take(handled), take_records(result, handled)
            self._readmit(attempts["t_s"], channel, result)
        self._note_sent(view, channel, result, best_p)
        return result, channel, handled

    def _readmit(self, t_s: np.ndarray, channel: np.ndarray, result: ChannelResult) -> None:
        """Queue again, in order, the attempts that stand (as ``ChannelTable.process`` did).

        They are a time-ordered head of what each queue admitted, so they get the same waits.
        """
        for c, limiter in self.channels.limited:
            queued = np.flatnonzero((channel == c) & (result.decline_code != CHANNEL_UNAVAILABLE))
            if queued.size:
                limiter.admit(t_s[queued], self.channels.window_start_s)

    def _send_in_chunks(
        self,
        attempts: Batch,
        amount_reporting: np.ndarray,
        luck: np.ndarray,
        t1: float,
        until_s: float,
    ) -> tuple[ChannelResult | None, np.ndarray, np.ndarray | None]:
        """A learning router: route in time-ordered chunks, results delivered between them.

        A chunk is the attempts that know the same results (one refresh period, or with
        ``routing_refresh_s`` 0 one instant); the round stops where a retry may land.
        """
        t_s = attempts["t_s"]
        results, channels = [], []
        # with a queue, no retry may land among attempts already admitted: a chunk ends
        # before the earliest a retry of one of its attempts may come
        retry_from_s = None
        if self.limiters:
            retry_from_s = t_s + self.order.retry_gap_s(attempts["attempt"], luck)
        truth = self._truth(attempts, amount_reporting)  # the same whatever is routed
        # what the router is shown depends on nothing routed in the round either (but the
        # channels a cascade has tried): built once, each chunk gets a slice of it
        candidates = self.channels.candidates(
            attempts["buyer_market"], attempts["method"], truth.network
        )
        view = None
        if self.cascade is None:
            view = self._view(attempts, amount_reporting, truth, candidates)
        result_from_s = None
        if self.refresh_s == 0 and self.order.lookahead:
            soonest_ms = self.channels.earliest_result_ms(truth, candidates, luck[:, 1])
            result_from_s = t_s + soonest_ms / 1000.0
        columns = attempts.columns
        pos = 0
        while pos < attempts.n and t_s[pos] <= until_s:
            self.feedback.deliver(self.router, known_before_s(float(t_s[pos]), self.refresh_s))
            lookahead = None
            if result_from_s is not None:
                lookahead = (self.feedback.earliest_s, result_from_s)
            end = self.order.chunk_end(t_s, pos, until_s, retry_from_s, lookahead)
            rows = slice(pos, end)  # chunks are runs of the time-sorted attempts: views
            chunk = Batch({k: v[rows] for k, v in columns.items()}, end - pos)
            chunk_luck = luck[rows]
            result, channel = self._send_chunk(
                chunk, amount_reporting[rows], chunk_luck, _truth_rows(truth, rows),
                None if view is None else view.rows(pos, end),
            )  # fmt: skip
            results.append(result)
            channels.append(channel)
            retry_s = self.order.retry_times_s(chunk, result, chunk_luck)
            retry_s = retry_s[retry_s < t1]
            if retry_s.size:
                until_s = min(until_s, float(retry_s.min()))
            self.totals.routing_chunks += 1
            pos = end
        handled = None if pos == attempts.n else np.arange(pos)
        if not results:
            return None, np.empty(0, dtype=np.intp), handled
        return concat_records(results), np.concatenate(channels), handled

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
        mode[(outcome == DECLINED) & self.hard_decline[code]] = MUST_SWITCH
        mode[(code == PERSONAL_LIMIT) | (code == UNSUPPORTED_CARD)] = MUST_SWITCH
        mode[code == KYC_LIMIT] = CANNOT_RETRY
        if self.fraud is not None:  # the defence stopped the order, or the buyer left it
            mode[self.fraud.final(code)] = CANNOT_RETRY
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
        tries = None
        if self.cascade is not None:  # the platform's own tries first, on other channels
            tries, took = self._cascade_tries(
                attempts, failed, code, ~left & ~timed_out, channel, t_result
            )
            keep = np.flatnonzero(~took)
            failed, code, mode, t_retry_from = (
                failed[keep],
                code[keep],
                mode[keep],
                t_retry_from[keep],
            )
        buyers = attempts.take(failed)
        if self.cascade is not None:
            buyers = self.cascade.buyer_attempts(buyers)
        retries, gave_up = self.checkout.retries(
            buyers, luck[failed], mode, channel[failed], code, t_retry_from
        )
        if tries is not None:
            retries = Batch.concat([self.cascade.buyer_retries(retries), tries])
        gave_up = attempts["checkout_id"][failed[gave_up]]
        # a checkout the channel did charge (a timeout still to be confirmed) is not abandoned
        self.states.set(gave_up[self.states.of(gave_up) != PAID], ABANDONED)
        return retries

    def _cascade_tries(
        self,
        attempts: Batch,
        failed: np.ndarray,
        code: np.ndarray,
        may: np.ndarray,
        channel: np.ndarray,
        t_result: np.ndarray,
    ) -> tuple[Batch, np.ndarray]:
        """Cascade tries of the ``failed`` rows, and which failures they take over."""
        sub = attempts.take(failed)
        candidates = self.channels.candidates(
            sub["buyer_market"], sub["method"], attempt_network(sub)
        )
        return self.cascade.tries(sub, code, channel[failed], t_result[failed], may, candidates)  # type: ignore[union-attr]

    def _watch_drifts(self, attempts: Batch, channel: np.ndarray, sent: np.ndarray) -> None:
        """Count sent attempts against the scheduled drifts (``DriftWatch``)."""
        rows = np.flatnonzero(sent)
        market = attempts["buyer_market"][rows]
        network = attempt_network(attempts)[rows]
        able = self.channels.candidates(market, attempts["method"][rows], network)
        self.drift_watch.add(attempts["t_s"][rows], market, network, able, channel[rows])

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

    def _send_chunk(
        self,
        attempts: Batch,
        amount_reporting: np.ndarray,
        luck: np.ndarray,
        truth: ChannelTruth | None = None,
        view: AttemptView | None = None,
    ) -> tuple[ChannelResult, np.ndarray]:
        """Route attempts and let their channels answer, all at once (``view``: if built)."""
        if truth is None:
            truth = self._truth(attempts, amount_reporting)
        if view is None:
            view, channel = self._route(attempts, amount_reporting, truth)
        else:
            channel = self._choose(view)
        result, best_p = self._answer(attempts, luck, channel, truth, view.candidates)
        self._note_sent(view, channel, result, best_p)
        return result, channel

    def _route(
        self, attempts: Batch, amount_reporting: np.ndarray, truth: ChannelTruth
    ) -> tuple[AttemptView, np.ndarray]:
        """The view the router is shown and its channel for each attempt, checked."""
        view = self._view(attempts, amount_reporting, truth)
        return view, self._choose(view)

    def _view(
        self,
        attempts: Batch,
        amount_reporting: np.ndarray,
        truth: ChannelTruth,
        candidates: np.ndarray | None = None,
    ) -> AttemptView:
        """What the router is shown of the attempts (``candidates``: the channels' own)."""
        if candidates is None:
            candidates = self.channels.candidates(
                attempts["buyer_market"], attempts["method"], truth.network
            )
        if self.cascade is not None:
            candidates = self.cascade.untried(candidates, attempts["checkout_id"])
        return AttemptView(
            t_s=attempts["t_s"],
            buyer_market=attempts["buyer_market"],
            method=attempts["method"],
            currency=attempts["currency"],
            network=truth.network,
            amount_reporting=amount_reporting,
            attempt=attempts["attempt"],
            previous_channel=attempts["previous_channel"],
            candidates=candidates,
            # only a labelled bound (``oracle``) is handed the simulator's truth
            truth=RoutingTruth(p_success=truth.p) if self.router.reads_truth else None,
        )

    def _choose(self, view: AttemptView) -> np.ndarray:
        """The router's channel for each payment of ``view``, checked."""
        channel = np.asarray(self.router.choose(view), dtype=np.intp)
        n = len(view)
        if channel.shape != (n,) or not view.candidates[np.arange(n), channel].all():
            raise PaysimError(
                f"routing strategy '{getattr(self.router, 'name', self.router)}' "
                "chose a channel that cannot take the payment"
            )
        return channel

    def _truth(self, attempts: Batch, amount_reporting: np.ndarray) -> ChannelTruth:
        """What every channel would do with each attempt, at its time (``ChannelTable.truth``).

        It depends on nothing routed, so it is known before the router chooses.
        """
        recovery = self.recovery.factors(
            attempts["previous_code"], attempts["change"], attempts["previous_channel"],
            self.channels.n,
        )  # fmt: skip
        return self.channels.truth(
            attempts["t_s"], attempts["buyer_market"], attempts["method"], amount_reporting,
            attempts["buyer_risk"], attempt_network(attempts), recovery,
        )  # fmt: skip

    def _answer(
        self,
        attempts: Batch,
        luck: np.ndarray,
        channel: np.ndarray,
        truth: ChannelTruth,
        candidates: np.ndarray,
    ) -> tuple[ChannelResult, np.ndarray]:
        """What the chosen channels answer, and the best true success probability of each."""
        result = self.channels.process(
            channel, truth, attempts["amount_minor"], attempts["currency"],
            attempts["checkout_id"], attempts["attempt"], luck[:, 0], luck[:, 1],
        )  # fmt: skip
        return result, np.where(candidates, truth.p, -np.inf).max(axis=1)

    def _note_sent(
        self, view: AttemptView, channel: np.ndarray, result: ChannelResult, best_p: np.ndarray
    ) -> None:
        """Totals of the sent attempts, and their results on their way to the router."""
        lost = best_p - result.p_success
        self.totals.routing_regret += float(np.sum(lost))
        self.series.add("regret", view.t_s, 0, lost)
        self.totals.queue_wait_ms_sum += float(result.queue_wait_ms.sum())
        self.totals.rate_limited_channel_attempts += int(self.channels.is_limited[channel].sum())
        reached = ~np.isnan(result.latency_ms)
        if self.router_learns:
            self._queue_feedback(view, reached, channel, result)

    def _queue_feedback(
        self, view: AttemptView, reached: np.ndarray, channel: np.ndarray, result: ChannelResult
    ) -> None:
        self.feedback.add_columns(
            t_s=view.t_s + np.where(reached, result.latency_ms, 0.0) / 1000.0,
            channel=channel, buyer_market=view.buyer_market, method=view.method,
            currency=view.currency, network=view.network,
            amount_reporting=view.amount_reporting,
            succeeded=result.outcome == SUCCEEDED, outcome=result.outcome,
            latency_ms=result.latency_ms, decline_code=result.decline_code,
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
        disputes: dict[str, np.ndarray] = {}
        if self.fraud is not None:
            rep = self._to_reporting(amount_minor, currency)
            days, after = self.fraud.model.captured(attempts, paid, t_s, rep)
            disputes = {"forced_dispute_days": days, "forced_after_delivery": after}
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
            **disputes,
        )
        self.totals.paid_orders += paid.size
        day = (t_s // SECONDS_PER_DAY).astype(np.int64)
        spend = self.rates.to_major_at(amount_minor, currency, self.reporting, t_s)
        self.checkout.buyers.record_spend(attempts["buyer_id"][paid], spend, day)

    def _record(
        self, attempts: Batch, results: AttemptResults, amount_reporting: np.ndarray
    ) -> None:
        fee_reporting = self.rates.to_major_at(
            results.fee_minor, attempts["currency"], self.reporting, attempts["t_s"]
        )
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
        if self.drift_watch.any and sent.any():
            self._watch_drifts(attempts, results.channel, sent)
        totals.channel_attempts += int(sent.sum())
        if sent.any():
            rows = np.flatnonzero(sent)
            t_sent, channel_sent = attempts["t_s"][rows], results.channel[rows]
            self.series.add("attempts", t_sent, channel_sent)
            won = results.outcome[rows] == SUCCEEDED
            self.series.add("successes", t_sent[won], channel_sent[won])
        if self.fraud is not None:
            self.fraud.model.count(attempts["fraud_kind"], results.code)
        self.recorder.append(
            log_columns(
                attempts, results, amount_reporting, fee_reporting, self.rates, cross_border
            )
        )
