"""The shipped risk-score distributions: their separation, and the configurable one."""

from __future__ import annotations

import numpy as np
import pytest

from paysim.model.fraud.score import RiskScore, shipped_table, table_auc
from paysim.model.fraud.spec import ScoreSpec
from tests.fraud import score_training

SHIPPED_OOF_AUC = 0.981  # paysim/data/risk_score_ulb_gbm.md


def _auc(fraud: np.ndarray, genuine: np.ndarray) -> float:
    ranks = np.argsort(np.argsort(np.r_[fraud, genuine])) + 1
    return float((ranks[: fraud.size].sum() - fraud.size * (fraud.size + 1) / 2)
                 / (fraud.size * genuine.size))  # fmt: skip


def test_shipped_tables_separate_as_the_trained_model_did():
    levels, genuine, fraud = shipped_table()
    assert levels[0] == 0 and levels[-1] == 1 and (np.diff(genuine) >= 0).all()
    assert table_auc(levels, genuine, fraud) == pytest.approx(SHIPPED_OOF_AUC, abs=0.005)


def test_scores_drawn_from_the_tables_keep_that_separation():
    score = RiskScore(ScoreSpec())
    rng = np.random.default_rng(0)
    fraud = score.score(rng.random(20_000), np.ones(20_000, bool))
    genuine = score.score(rng.random(20_000), np.zeros(20_000, bool))
    assert _auc(fraud, genuine) == pytest.approx(SHIPPED_OOF_AUC, abs=0.006)
    # at the real prior, genuine payments mostly score near zero
    assert np.median(genuine) < 1e-3 < np.median(fraud)


@pytest.mark.parametrize("auc", [0.6, 0.8, 0.93, 0.99])
def test_binormal_separation_is_the_configured_auc(auc):
    score = RiskScore(ScoreSpec(model="binormal", auc=auc))
    rng = np.random.default_rng(1)
    fraud = score.log_odds(rng.random(40_000), np.ones(40_000, bool))
    genuine = score.log_odds(rng.random(40_000), np.zeros(40_000, bool))
    assert _auc(fraud, genuine) == pytest.approx(auc, abs=0.006)


@pytest.mark.slow
def test_retraining_gives_the_shipped_tables():
    table, auc = score_training.train_tables()
    levels, genuine, fraud = shipped_table()
    assert auc == pytest.approx(SHIPPED_OOF_AUC, abs=0.001)
    assert np.allclose(table["genuine_log_odds"], genuine, atol=1e-3)
    assert np.allclose(table["fraud_log_odds"], fraud, atol=1e-3)
    assert table_auc(levels, genuine, fraud) == pytest.approx(auc, abs=0.005)
