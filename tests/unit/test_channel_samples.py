"""The sample channel blocks offered for the shipped scenarios: valid, and every kind runs.

``channel_samples.yaml`` is meant to be pasted into a scenario (Southeast Asia to China); each
number carries its source from ``../shared/reference/parameters.md`` or says it is an assumption.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import paysim
from paysim.scenario.loader import parse_yaml, scenario_from_dict

CHANNELS_YAML = (Path(__file__).parent / "channel_samples.yaml").read_text()

MARKETS_YAML = """
name: samples
horizon_days: 0.25
seed: 1
markets:
  - {code: ID, currency: IDR, buyers: 20000,
     basket_amount: {dist: lognormal, p50: 250000, p99: 35000000},
     card_networks: {visa: 0.55, mastercard: 0.40, unionpay: 0.05},
     method_mix: {card: 0.2, wallet: 0.4, bank_transfer: 0.2, wire: 0.05, crypto: 0.05, bnpl: 0.1}}
  - {code: TH, currency: THB, buyers: 9000, basket_amount: {dist: lognormal, p50: 520, p99: 7000},
     card_networks: {visa: 0.52, mastercard: 0.33, unionpay: 0.15},
     method_mix: {card: 0.35, wallet: 0.4, bank_transfer: 0.2, bnpl: 0.05}}
  - {code: VN, currency: VND, buyers: 12000,
     basket_amount: {dist: lognormal, p50: 350000, p99: 4500000},
     card_networks: {visa: 0.58, mastercard: 0.37, unionpay: 0.05},
     method_mix: {card: 0.15, wallet: 0.55, bank_transfer: 0.3}}
  - {code: PH, currency: PHP, buyers: 9000, basket_amount: {dist: lognormal, p50: 800, p99: 10000},
     card_networks: {visa: 0.55, mastercard: 0.35, unionpay: 0.10},
     method_mix: {card: 0.2, wallet: 0.65, bank_transfer: 0.1, bnpl: 0.05}}
  - {code: MY, currency: MYR, buyers: 6000, basket_amount: {dist: lognormal, p50: 75, p99: 900},
     card_networks: {visa: 0.55, mastercard: 0.35, unionpay: 0.10},
     method_mix: {card: 0.4, wallet: 0.35, bank_transfer: 0.2, bnpl: 0.05}}
  - {code: CN, currency: CNY, sellers: 4000}
demand:
  orders_per_day: 60000
  corridors:
    - {buyer: ID, seller: CN, share: 0.4}
    - {buyer: VN, seller: CN, share: 0.2}
    - {buyer: TH, seller: CN, share: 0.15}
    - {buyer: PH, seller: CN, share: 0.15}
    - {buyer: MY, seller: CN, share: 0.1}
fx: {assumed_per_usd: {VND: 26300}}
"""


@pytest.fixture(scope="module")
def run() -> paysim.RunResult:
    raw = {**parse_yaml(MARKETS_YAML), **parse_yaml(CHANNELS_YAML)}
    return paysim.simulate(scenario_from_dict(raw))


def test_samples_cover_every_kind():
    kinds = {c["kind"] for c in parse_yaml(CHANNELS_YAML)["channels"]}
    assert kinds == {"card_acquirer", "wallet", "bank", "wire", "crypto", "bnpl"}


def test_samples_run_with_a_balanced_ledger(run):
    assert run.kpis["ledger_imbalance"] == 0
    used = set(run.payments["channel"].astype(str))
    assert {"card_sg", "wallet_sea", "bank_rtp", "wire_swift", "crypto_gw", "bnpl_sea"} <= used
    assert 0.6 < run.kpis["auth_rate"] < 0.98
