"""The attackers that redirect money (MITM, QR codes, refunds, collusion rings) and AML."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from paysim.engine import SECONDS_PER_DAY
from paysim.experiment.single import resolve_scenario
from paysim.model.fraud.accounts import ABUSE_DEVICE_BASE
from paysim.model.fraud.aml import RAPID_IN_OUT, STRUCTURING, AmlMonitor
from paysim.model.fraud.fingerprints import fingerprint
from paysim.model.fraud.mitm import session_protected
from paysim.model.fraud.ring_shapes import ring_graph, shipped_shapes
from paysim.model.fraud.spec import RING_TYPOLOGIES, AmlSpec, MitmSpec
from paysim.model.money.ledger import Account
from paysim.model.world import World
from paysim.scenario.strategies import build_defence, build_router
from tests.invariants import check_all

REFUND_SOON = {"dist": "uniform", "low": 0.01, "high": 0.1}
ATTACKERS = [
    {"kind": "stolen_card", "share": 0.005},
    {"kind": "card_testing", "bursts_per_day": 6},
    {"kind": "mitm", "share": 0.05, "protected_share": 0.5},
    {"kind": "qr_substitution", "share": 0.05},
    {"kind": "fake_refund", "share": 0.01, "refund_days": REFUND_SOON},
    {"kind": "collusion_ring", "rings_per_day": 20, "span_factor": 0.1},
]


def _world(days=1.0, seed=3, attackers=None, defence="none", **overrides):
    fraud = {"attackers": ATTACKERS if attackers is None else attackers}
    spec = resolve_scenario("scenarios/quickstart.yaml", {
        "fraud": fraud, "strategies.defence": {"name": defence}, **overrides})  # fmt: skip
    world = World(spec, build_router(spec), np.random.SeedSequence(seed),
                  days * SECONDS_PER_DAY, defence=build_defence(spec))  # fmt: skip
    world.run()
    return world


def _result(world):
    from paysim.analysis.kpis import compute_kpis
    from paysim.experiment.single import RunResult

    ledger = pd.DataFrame(world.ledger.balances, index=[a.name.lower() for a in Account],
                          columns=list(world.currencies))  # fmt: skip
    return RunResult(scenario=world.scenario, seed=3, seed_sequence="3", days=1.0,
                     kpis=compute_kpis(world.totals, world.ledger), ledger=ledger,
                     _recorder=world.recorder)  # fmt: skip


@pytest.fixture(scope="module")
def world():
    return _world(defence="layered")


# -- shapes -------------------------------------------------------------------------------
def _degrees(src, dst, k):
    return np.bincount(src, minlength=k), np.bincount(dst, minlength=k)


@pytest.mark.parametrize("typology", RING_TYPOLOGIES)
@pytest.mark.parametrize("size", [2, 3, 7, 16])
def test_ring_graphs_have_their_typology_shape(typology, size):
    rng = np.random.default_rng(size)
    src, dst, level = ring_graph(typology, size, 2 * size, rng)
    k = int(max(src.max(), dst.max())) + 1
    out, into = _degrees(src, dst, k)
    assert (src != dst).all()  # nobody pays themselves
    if typology != "random":  # random extra hops may repeat a pair
        assert len(set(zip(src.tolist(), dst.tolist(), strict=True))) == src.size
    assert ((out + into) > 0).all()  # every member takes part
    if typology == "fan_in":
        assert (into > 0).sum() == 1 and (out > 0).sum() == k - 1 and (out <= 1).all()
    elif typology == "fan_out":
        assert (out > 0).sum() == 1 and (into > 0).sum() == k - 1
    elif typology == "cycle":
        assert (out == 1).all() and (into == 1).all()
        node, seen = 0, set()
        for _ in range(k):  # one cycle through every member
            seen.add(node)
            node = int(dst[src == node][0])
        assert len(seen) == k and node == 0
    elif typology == "scatter_gather":
        assert (into == 0).sum() == 1 and (out == 0).sum() == 1
        middle = (into > 0) & (out > 0)
        assert (into[middle] == 1).all() and (out[middle] == 1).all() and middle.sum() == k - 2
    elif typology == "gather_scatter":
        hub = (into > 0) & (out > 0)
        assert hub.sum() == 1 and into[hub][0] + out[hub][0] == k - 1
    elif typology == "bipartite":
        assert not ((out > 0) & (into > 0)).any()  # payers and payees are apart
    elif typology == "stack":
        middle = (out > 0) & (into > 0)
        assert middle.any() and not (out[into == 0] == 0).any()
        # the middle layer pays only the last, which pays nobody
        assert (out[dst[np.isin(src, np.flatnonzero(middle))]] == 0).all()
    # money moves level by level: a member passing money on got it at a lower level first
    for node in np.flatnonzero((out > 0) & (into > 0)):
        if typology not in ("cycle", "random"):
            assert level[dst == node].min() < level[src == node].min()


def test_shipped_ring_shapes_are_the_derivation_of_the_aml_patterns():
    from tests.fraud.ring_shapes import PATTERNS, SHIPPED, derive

    if not PATTERNS.exists():
        pytest.skip("../shared/data is not beside the repository")
    shipped = pd.read_csv(SHIPPED)
    pd.testing.assert_frame_equal(derive(), shipped, check_dtype=False)
    assert set(shipped["typology"]) == set(RING_TYPOLOGIES) and len(shipped) == 370
    tables = shipped_shapes()
    assert sum(len(v) for v in tables.values()) == 370


# -- AML rules ----------------------------------------------------------------------------
def test_structuring_alerts_fire_just_under_the_threshold_and_not_on_ordinary_amounts():
    monitor = AmlMonitor(AmlSpec(threshold_reporting=1000, structuring_band=0.1,
                                 structuring_min_payments=2))  # fmt: skip
    none = np.full(2, -1)
    # account 1: two payments just under; 2: one just under; 3: ordinary; 4: at the threshold
    t = np.array([0.0, 60.0])
    for buyer, amounts in ((1, [950, 990]), (2, [950, 100]), (3, [120, 300]), (4, [1000, 1000])):
        monitor.observe(t, np.full(2, buyer), np.array(amounts, float), none, none)
    alerts = monitor.run(3600.0)
    assert alerts.subject[alerts.rule == STRUCTURING].tolist() == [1]
    assert len(monitor.run(7200.0)) == 0  # once per look-back
    monitor.observe(np.array([90_000.0, 90_100.0]), np.full(2, 1), np.array([960.0, 970.0]),
                    none, none)  # fmt: skip
    assert monitor.run(90_200.0).subject.tolist() == [1]  # a day later: again


def test_rapid_in_out_fires_on_pass_through_parties_only():
    monitor = AmlMonitor(AmlSpec(rapid_min_reporting=100, rapid_out_share=0.5))
    t = np.array([0.0, 100.0, 200.0, 300.0])
    amount = np.array([300.0, 250.0, 400.0, 50.0])
    # party 7 gets 300 and pays on 250; party 8 gets 400 and pays 50 (keeps it)
    party_in, party_out = np.array([7, -1, 8, -1]), np.array([-1, 7, -1, 8])
    monitor.observe(t, np.arange(4), amount, party_in, party_out)
    alerts = monitor.run(1000.0)
    assert alerts.rule.tolist() == [RAPID_IN_OUT] and alerts.subject.tolist() == [7]


# -- in the world -------------------------------------------------------------------------
def test_money_is_conserved_with_every_attacker_on(world):
    result = _result(world)
    check_all(result)
    kinds = set(result.payments.loc[result.payments["is_fraud"], "fraud_kind"].astype(str))
    assert {"mitm", "qr_substitution", "fake_refund", "collusion_ring"} <= kinds
    assert result.ledger.loc["fraud_losses"].sum() > 0
    assert (result.ledger.sum(axis=1).drop("fraud_losses") != 0).any()


def test_mitm_hits_only_unprotected_sessions(world):
    log = world.recorder.to_frame()
    hit = log[log["fraud_kind"] == "mitm"]
    spec = next(a for a in world.scenario.fraud.attackers if isinstance(a, MitmSpec))
    ids = hit["checkout_id"].unique()
    assert ids.size > 20
    assert not session_protected(world.streams, spec, ids).any()
    genuine = log.loc[log["fraud_kind"] == "", "checkout_id"].unique()
    assert session_protected(world.streams, spec, genuine).mean() == pytest.approx(0.5, abs=0.05)
    sellers = world.fraud.attacks.payees[0].sellers
    assert np.isin(hit["seller_id"], sellers).all()


def test_qr_payments_land_at_the_fraudsters_sellers(world):
    log = world.recorder.to_frame()
    qr = log[log["fraud_kind"] == "qr_substitution"]
    assert len(qr) > 50
    # the code is scanned at the first attempt; a retry with another method keeps the payee
    assert set(qr.loc[qr["attempt"] == 1, "method"].astype(str)) <= {"wallet", "bank_transfer"}
    sellers = world.fraud.attacks.payees[1].sellers
    assert np.isin(qr["seller_id"], sellers).all()
    assert qr["seller_id"].nunique() <= sellers.size


def test_fan_in_rings_have_one_sink_in_the_log():
    ring = {"kind": "collusion_ring", "rings_per_day": 30, "typologies": {"fan_in": 1},
            "span_factor": 0.05}  # fmt: skip
    w = _world(attackers=[ring], days=0.5)
    log = w.recorder.to_frame()
    fake = log[log["fraud_kind"] == "collusion_ring"].drop_duplicates("checkout_id")
    rings = w.fraud.attacks.ring
    member = rings.member_of(fake["buyer_id"].to_numpy(), "buyer")
    assert (member >= 0).all()
    fake = fake.assign(ring=rings.ring_of(member))
    per_ring = fake.groupby("ring").agg(sinks=("seller_id", "nunique"), n=("buyer_id", "size"),
                                        payers=("buyer_id", "nunique"))  # fmt: skip
    assert len(per_ring) >= 5
    assert (per_ring["sinks"] == 1).all()
    assert (per_ring["payers"] == per_ring["n"]).all()  # each spoke pays the sink once


def test_fraud_losses_are_the_ledger_fraud_postings():
    # everything charged back or refunded within the day; no genuine chargebacks
    soon = {"dist": "constant", "value": 0.3}
    attackers = [
        {"kind": "mitm", "share": 0.05, "protected_share": 0.3, "dispute_days": soon},
        {"kind": "qr_substitution", "share": 0.05, "dispute_days": soon},
        {"kind": "fake_refund", "share": 0.02, "refund_days": REFUND_SOON, "redirect": 0.5,
         "chargeback_days": soon},
        {"kind": "collusion_ring", "rings_per_day": 20, "span_factor": 0.02,
         "purpose": {"extract": 1}, "chargeback_days": soon},
    ]  # fmt: skip
    weights = [1.0, 1.0] + [0.0] * 22
    w = _world(days=1.0, attackers=attackers, **{
        "demand.diurnal": weights, "platform.delivery_days": {"dist": "constant", "value": 0.05},
        "platform.confirm_after_delivery_days": {"dist": "constant", "value": 0.05},
        "platform.disputes.probability": 0.0, "platform.disputes.represent_probability": 0.0,
        "markets.ID.utc_offset_h": 0.0, "markets.TH.utc_offset_h": 0.0})  # fmt: skip
    result = _result(w)
    check_all(result)
    usd = w.currencies.index("USD")
    booked = 0.0
    for account in (Account.CHARGEBACK_LOSSES, Account.FRAUD_LOSSES):
        minor = w.ledger.balances[account]
        booked += float(w.rates.to_major(minor, np.arange(minor.size), usd).sum())
    fraud = w.totals.fraud
    assert fraud.attack_losses > 0 and result.kpis["fraud_loss"] > fraud.attack_losses
    assert result.kpis["fraud_loss"] == pytest.approx(booked, rel=1e-9)


def test_structuring_rings_raise_alerts_that_reach_the_review_team():
    ring = {"kind": "collusion_ring", "rings_per_day": 12, "structuring": 1.0,
            "typologies": {"fan_out": 1, "fan_in": 1}, "span_factor": 0.05}  # fmt: skip
    w = _world(attackers=[ring], days=1.0)
    fraud = w.totals.fraud
    assert fraud.aml_alerts >= 5 and fraud.aml_alerts_true == fraud.aml_alerts
    assert fraud.review_cases >= fraud.aml_alerts and fraud.review_cost > 0
    quiet = _world(attackers=[{**ring, "structuring": 0.0, "rings_per_day": 0}], days=1.0)
    assert quiet.totals.fraud.aml_alerts == 0  # genuine baskets are far from the band


def test_refund_abusers_share_devices_a_defence_can_see():
    from paysim.strategies.defence import DEFENCES
    from paysim.strategies.defence.base import BaseDefence

    seen = []

    class Recorder(BaseDefence):
        def decide(self, view):
            seen.append((np.array(view.device_id), np.array(view.account_id)))
            return np.zeros(len(view), np.int8)

    DEFENCES.register("test_recorder")(Recorder)
    try:
        abuse = {"kind": "fake_refund", "share": 0.05, "accounts_per_device": 6}
        _world(attackers=[abuse], days=0.25, defence="test_recorder")
    finally:
        DEFENCES.unregister("test_recorder")
    device = np.concatenate([d for d, _ in seen])
    account = np.concatenate([a for _, a in seen])
    shared = fingerprint(ABUSE_DEVICE_BASE + np.arange(3), "device")
    for fp in shared:  # the first abusers' devices: six accounts each
        assert np.unique(account[device == fp]).size == 6


def test_the_same_seed_gives_the_same_bytes():
    a = _world(days=0.3, seed=11, defence="layered").recorder.to_frame()
    b = _world(days=0.3, seed=11, defence="layered").recorder.to_frame()
    assert a.equals(b)
