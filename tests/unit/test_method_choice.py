"""Method choice by amount: the tabulated weights equal the rule at every amount."""

from __future__ import annotations

import numpy as np

import paysim
from paysim.model.checkout.method_choice import MethodChoice
from paysim.model.core.spec_types import METHODS
from paysim.model.fx.rates import FixedRates
from paysim.model.world import scenario_currencies
from tests.conftest import FLAGSHIP

WIRE, BNPL = METHODS.index("wire"), METHODS.index("bnpl")


def _choice() -> tuple[MethodChoice, paysim.Scenario]:
    spec = paysim.load_scenario(FLAGSHIP)
    currencies = scenario_currencies(spec)
    rates = FixedRates.from_spec(spec.fx, currencies)
    usd = currencies.index("USD")
    markets = tuple(m.code for m in spec.markets)
    return MethodChoice(spec, markets, currencies, lambda a, c: rates.to_major(a, c, usd)), spec


def test_the_table_applies_ticket_ranges_and_amount_bands_exactly():
    choice, spec = _choice()
    # flagship: wire from 200 USD (x20 from 1,000 USD), BNPL up to 1,000 USD where served
    amounts = np.array([0.5, 15.0, 199.99, 200.0, 999.99, 1000.0, 1000.01, 5000.0])
    for m, market in enumerate(spec.markets):
        if not market.method_mix:
            continue
        weights = choice.weights[m, choice.segment(np.full(len(amounts), m), amounts)]
        mix = np.array([market.method_mix.get(k, 0.0) for k in METHODS])
        wire = np.where(amounts >= 200, mix[WIRE], 0.0) * np.where(amounts >= 1000, 20.0, 1.0)
        bnpl = np.where(amounts <= 1000, mix[BNPL], 0.0)
        np.testing.assert_allclose(weights[:, WIRE], wire, err_msg=market.code)
        np.testing.assert_allclose(weights[:, BNPL], bnpl, err_msg=market.code)
        others = [k for k in range(len(METHODS)) if k not in (WIRE, BNPL)]
        np.testing.assert_allclose(weights[:, others], np.tile(mix[others], (len(amounts), 1)))


def test_another_method_takes_the_amount_and_differs_from_the_current():
    choice, _ = _choice()
    rng = np.random.default_rng(1)
    n = 20_000
    market = np.zeros(n, dtype=np.intp)  # ID
    amount = rng.choice([10.0, 500.0, 3000.0], n)
    current = rng.integers(0, len(METHODS), n)
    other = choice.other(market, amount, current, rng.random(n))
    assert (other != current).all()
    assert not ((other == WIRE) & (amount < 200)).any()
    assert not ((other == BNPL) & (amount > 1000)).any()
