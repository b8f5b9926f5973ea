"""Training of the shipped risk-score tables (imported by tests only; needs scikit-learn).

A gradient-boosted classifier is fitted on the ULB credit-card sample with the legitimate rows
reweighted so the training set has the full data set's 0.172% fraud rate (492 frauds among
284,807 transactions, Dal Pozzolo et al. 2015). Scores are out-of-fold predictions (5-fold,
stratified), so each row is scored by a model that never saw it; the tables are the quantiles
of those scores for frauds and for genuine payments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# the project's shared data folder sits next to the repository (``../shared``); worktrees
# read the main copy
_BESIDE = Path(__file__).resolve().parents[3] / "shared"
SHARED = _BESIDE if _BESIDE.is_dir() else Path("/work/shared")
SAMPLE = SHARED / "data" / "creditcard_ulb_sample.csv"
FULL_ROWS, FULL_FRAUDS = 284_807, 492
FULL_FRAUD_RATE = FULL_FRAUDS / FULL_ROWS  # 0.172%
LEVELS = np.linspace(0.0, 1.0, 201)


def load_sample(path: Path = SAMPLE) -> tuple[np.ndarray, np.ndarray]:
    """Features (Time, V1-V28, Amount) and labels of the sample."""
    frame = pd.read_csv(path, index_col=0)
    labels = frame.pop("Class").to_numpy(dtype=int)
    return frame.to_numpy(dtype=float), labels


def genuine_weight(labels: np.ndarray, fraud_rate: float = FULL_FRAUD_RATE) -> float:
    """Weight of a genuine row that gives the weighted sample the full set's fraud rate."""
    n_fraud, n_genuine = int(labels.sum()), int((labels == 0).sum())
    return n_fraud * (1.0 / fraud_rate - 1.0) / n_genuine


def out_of_fold_scores(features: np.ndarray, labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """Fraud log-odds of each row (at the full set's prior) from a model of the other folds.

    Log-odds rather than probabilities: the model is sure of most frauds, and their
    probabilities would all round to 1.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold

    weights = np.where(labels == 1, 1.0, genuine_weight(labels))
    scores = np.empty(len(labels))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    for train, test in folds.split(features, labels):
        model = HistGradientBoostingClassifier(
            max_iter=100, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=20,
            l2_regularization=1.0, early_stopping=False, random_state=seed,
        )  # fmt: skip
        model.fit(features[train], labels[train], sample_weight=weights[train])
        scores[test] = model.decision_function(features[test])
    return scores


def quantile_table(scores: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Log-odds quantiles of genuine and fraud rows at ``LEVELS``."""
    return pd.DataFrame(
        {
            "level": LEVELS,
            "genuine_log_odds": np.quantile(scores[labels == 0], LEVELS),
            "fraud_log_odds": np.quantile(scores[labels == 1], LEVELS),
        }
    )


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC of scores (the sample's class ratio does not change it)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def train_tables(seed: int = 0) -> tuple[pd.DataFrame, float]:
    """The quantile tables and the out-of-fold ROC AUC they come from."""
    features, labels = load_sample()
    scores = out_of_fold_scores(features, labels, seed)
    return quantile_table(scores, labels), roc_auc(scores, labels)
