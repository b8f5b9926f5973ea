"""A whole run drops buyers at each funnel step at the configured rates."""

import numpy as np

import paysim

ABANDON = {"choose_method": 0.05, "enter_details": 0.10, "confirm": 0.04}


def test_funnel_kpis_match_the_configured_abandonment():
    overrides = {
        "checkout.abandonment": ABANDON,
        "checkout.one_click_share": 0.0,
        "checkout.password_free_share": 0.0,
        "demand.orders_per_day": 40_000,
    }
    kpis = paysim.simulate("scenarios/quickstart.yaml", seed=12, days=1, overrides=overrides).kpis
    n = kpis["checkouts"]
    p = np.array(list(ABANDON.values()))
    reach = np.cumprod(np.r_[1.0, 1 - p[:-1]])
    share = reach * p  # multinomial cell probabilities
    observed = np.array([kpis[f"abandoned_at_{step}"] for step in ABANDON])
    sd = np.sqrt(n * share * (1 - share))
    assert np.all(np.abs(observed - n * share) < 4.5 * sd), (observed, n * share)
    assert kpis["checkouts_abandoned"] >= observed.sum()
