"""Card testing does not depend on the window (``engine.batch_s``).

Bursts are drawn an hour at a time and each probe's luck is keyed by its card, so every
window sends the same probes; a live card is cashed out by the first genuine checkout after
it is ready. Only which checkout that is can move a little (a checkout's first attempt may
come after the next window's first ones), so losses agree within noise.
"""

from __future__ import annotations

import pytest

import paysim

WINDOWS_S = (15.0, 60.0, 300.0)


def _card_testing(window_s: float) -> dict[str, float]:
    result = paysim.simulate(
        "scenarios/flagship_fraud.yaml", seed=4, days=0.5,
        overrides={"engine.batch_s": window_s},
    )  # fmt: skip
    log = result.payments
    card_testing = log["fraud_kind"].astype(str) == "card_testing"
    return {
        "probes": int((card_testing & (log["checkout_id"] < 0)).sum()),
        "cash_outs": int(
            log.loc[card_testing & (log["checkout_id"] >= 0), "checkout_id"].nunique()
        ),
        "fraud_loss": result.kpis["fraud_loss"],
    }


def test_card_testing_gives_the_same_probes_and_losses_at_any_window():
    runs = {window: _card_testing(window) for window in WINDOWS_S}
    base = runs[WINDOWS_S[0]]
    assert base["probes"] > 100 and base["cash_outs"] > 5
    for window, kpis in runs.items():
        assert kpis["probes"] == base["probes"], (window, runs)
        assert kpis["cash_outs"] == pytest.approx(base["cash_outs"], abs=2), (window, runs)
        assert kpis["fraud_loss"] == pytest.approx(base["fraud_loss"], rel=0.05), (window, runs)
