"""The risk score: drawn per attempt from the distribution of its class (fraud or genuine).

The shipped distributions (``paysim/data/risk_score_ulb_gbm.csv``) are quantiles of the
log-odds a gradient-boosted model gives real genuine and fraudulent card payments; a score is
the logistic of a log-odds drawn by inverse CDF (linear between quantiles). ``binormal`` gives
a configurable separation instead: genuine log-odds ``N(-9, 2²)``, fraud ones shifted by
``2 √2 Φ⁻¹(auc)`` so that ``P(fraud score > genuine score) = auc``.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
from scipy import special

from paysim.model.fraud.spec import ScoreSpec

TABLE = "risk_score_ulb_gbm.csv"
_BINORMAL_MEAN, _BINORMAL_SD = -9.0, 2.0


@cache
def shipped_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Levels, genuine and fraud log-odds quantiles of the shipped table."""
    text = resources.files("paysim.data").joinpath(TABLE).read_text()
    rows = list(csv.DictReader(text.splitlines()))
    columns = [
        np.array([float(r[k]) for r in rows])
        for k in ("level", "genuine_log_odds", "fraud_log_odds")
    ]
    return columns[0], columns[1], columns[2]


def table_auc(levels: np.ndarray, genuine: np.ndarray, fraud: np.ndarray) -> float:
    """ROC AUC of two quantile tables: ``P(fraud > genuine)`` with both read piecewise-linearly.

    Integrates the genuine CDF over the fraud distribution on a fine grid of fraud levels.
    """
    u = (np.arange(20_000) + 0.5) / 20_000
    fraud_values = np.interp(u, levels, fraud)
    return float(np.interp(fraud_values, genuine, levels).mean())


class RiskScore:
    """Scores for attempts, from one uniform each (keyed: the same attempt, the same score)."""

    def __init__(self, spec: ScoreSpec) -> None:
        self.spec = spec
        if spec.model == "ulb_gbm":
            self.levels, self.genuine, self.fraud = shipped_table()
        self.shift = 2.0 * np.sqrt(2.0) * float(special.ndtri(spec.auc))

    def log_odds(self, u: np.ndarray, is_fraud: np.ndarray) -> np.ndarray:
        """Log-odds at cumulative probabilities ``u`` of each attempt's class."""
        if self.spec.model == "binormal":
            z = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))
            return _BINORMAL_MEAN + _BINORMAL_SD * z + np.where(is_fraud, self.shift, 0.0)
        return np.where(
            is_fraud,
            np.interp(u, self.levels, self.fraud),
            np.interp(u, self.levels, self.genuine),
        )

    def score(self, u: np.ndarray, is_fraud: np.ndarray) -> np.ndarray:
        """Risk scores in [0, 1]: the logistic of the drawn log-odds."""
        return special.expit(self.log_odds(u, is_fraud))
