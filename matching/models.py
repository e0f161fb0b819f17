"""Scoring models with one interface, in the shape of scikit-learn estimators.

``fit(X, y, groups)`` learns, learned state ends in ``_``, ``score_0_100(X)`` scores. The rule
baseline, the trained ranker and any future model are interchangeable in matching, explanation
and evaluation.

The ranker is pointwise: a HistGradientBoostingClassifier on (company, unit) pairs, stopped early
and calibrated with a sigmoid on companies held out from fitting. Its score is 100 × the
calibrated probability that the pair is a real placement, in training pools of one real placement
per ``NEGATIVES + 1`` candidates — a fixed reference, so scores compare across companies. Its
trees respect ``features.MONOTONE`` (cheaper, closer, better focused never scores lower), and the
sigmoid is increasing, so the score does too. A company reads the fit percentile
(``match.fit_percentiles``), not this probability, which collapses when a few units stand out.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from matching.features import FEATURES, MONOTONE, rule_score
from matching.trees import RANKER_DESCRIPTION, RANKER_SCORE_MEANING
from spacemap.i18n import _

NEGATIVES = 9  # negatives sampled per placement in training (the score's reference pool)


class RuleModel:
    """The hand-weighted score (features.RULE_WEIGHTS); needs no training data."""

    name = "rule-v1"
    description = _("hand-weighted rule score (cold start)")
    score_meaning = _("hand-weighted rule score, 0–100, not a probability")

    def fit(self, X: pd.DataFrame, y: np.ndarray | None = None, groups=None) -> RuleModel:
        self.reference_ = X.median(numeric_only=True)
        return self

    def score_0_100(self, X: pd.DataFrame) -> np.ndarray:
        return 100.0 * rule_score(X)


class PlacementRanker:
    """Calibrated gradient boosting over the features (see module docstring)."""

    description = RANKER_DESCRIPTION
    score_meaning = RANKER_SCORE_MEANING

    def __init__(
        self,
        max_iter: int = 300,
        learning_rate: float = 0.2,  # as good on the hold-out as 0.1 with half the trees
        max_leaf_nodes: int = 15,
        l2_regularization: float = 1.0,
        n_iter_no_change: int = 10,
        calibration_share: float = 0.3,
        random_state: int = 0,
        unconstrained: tuple[str, ...] = (),
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.n_iter_no_change = n_iter_no_change
        self.calibration_share = calibration_share
        self.random_state = random_state
        self.unconstrained = unconstrained  # exempt from MONOTONE: only to measure its cost

    def settings(self) -> dict[str, float]:
        """What shapes the trees, the seed aside: recorded with a trained model, so `spacemap
        train --if-missing` retrains one made with other settings (e.g. the 0.1 learning rate
        whose twice as many trees make every search slower)."""
        names = ("max_iter", "learning_rate", "max_leaf_nodes", "l2_regularization",
                 "n_iter_no_change", "calibration_share")  # fmt: skip
        return {name: getattr(self, name) for name in names}

    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> PlacementRanker:
        """Boost on some companies; on the others, stop boosting when their loss stops falling,
        then calibrate. Held-out *companies*, not rows: a company's pairs are not independent.
        Stopping early is also what keeps matching fast — every tree costs time per search —
        and so does a learning rate of 0.2: it stops at about half the trees of scikit-learn's
        default 0.1 and ranks the hold-out about as well (docs/EVALUATION.md).

        scikit-learn is imported here, not at the top: scoring a loaded model imports only what
        unpickling needs, which keeps a one-off `spacemap match` quick to start."""
        from sklearn.base import clone
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.frozen import FrozenEstimator
        from sklearn.model_selection import GroupShuffleSplit

        split = GroupShuffleSplit(
            1, test_size=self.calibration_share, random_state=self.random_state
        )
        fit_idx, cal_idx = next(split.split(X, y, groups))
        Z = X.to_numpy(dtype=float)
        self.feature_names_in_ = list(X.columns)
        booster = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes, l2_regularization=self.l2_regularization,
            early_stopping=True, scoring="loss", n_iter_no_change=self.n_iter_no_change,
            monotonic_cst=[0 if name in self.unconstrained else MONOTONE.get(name, 0)
                           for name in self.feature_names_in_],
            random_state=self.random_state,
        )  # fmt: skip
        booster.fit(Z[fit_idx], y[fit_idx], X_val=Z[cal_idx], y_val=y[cal_idx])
        # Keep the trees up to the lowest held-out loss, not the rounds spent confirming it.
        best = max(1, int(np.argmax(booster.validation_score_)))
        booster = clone(booster).set_params(max_iter=best, early_stopping=False)
        booster.fit(Z[fit_idx], y[fit_idx])
        calibrated = CalibratedClassifierCV(FrozenEstimator(booster), method="sigmoid")
        calibrated.fit(Z[cal_idx], y[cal_idx])
        self.booster_ = booster
        self.calibrated_ = calibrated
        self.reference_ = X.median(numeric_only=True)
        return self

    def score_0_100(self, X: pd.DataFrame) -> np.ndarray:
        # Fitted and scored on plain arrays, columns picked by name here: scikit-learn's checks
        # of a DataFrame cost more than a small batch of trees, on every search.
        # The calibration applied directly (what CalibratedClassifierCV.predict_proba computes
        # for a binary classifier, less ~1 ms of its checks per call).
        Z = X[self.feature_names_in_].to_numpy(dtype=float)
        with _openmp().limit(limits=1, user_api="openmp"):
            raw = self.booster_.decision_function(Z)
        [calibrated] = self.calibrated_.calibrated_classifiers_
        [sigmoid] = calibrated.calibrators
        return 100.0 / (1.0 + np.exp(sigmoid.a_ * raw + sigmoid.b_))


@cache
def _openmp() -> ThreadpoolController:
    """Scoring uses one OpenMP thread. A search is one request among many; on the two-core
    machine measured, a second thread per prediction lost more to contention with PostgreSQL
    than it saved (100k-unit match p50 ~47 ms with one thread, ~55 ms with two)."""
    return ThreadpoolController()


class PairwiseLogistic:
    """Logistic regression on feature differences (placed minus not placed) — a comparison."""

    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> PairwiseLogistic:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        Z = X.fillna(X.median()).fillna(0.0).to_numpy()
        diffs = []
        for g in np.unique(groups):
            idx = np.flatnonzero(groups == g)
            pos, neg = idx[y[idx] == 1], idx[y[idx] == 0]
            for p in pos:
                diffs.append(Z[p] - Z[neg])
        D = np.vstack(diffs)
        Xd = np.vstack([D, -D])
        yd = np.r_[np.ones(len(D)), np.zeros(len(D))]
        self.model_ = make_pipeline(
            StandardScaler(with_mean=False), LogisticRegression(max_iter=2000)
        )
        self.model_.fit(Xd, yd)
        self.fill_ = X.median().fillna(0.0)
        return self

    def score_0_100(self, X: pd.DataFrame) -> np.ndarray:
        Z = X.fillna(self.fill_).to_numpy()
        scaler, logreg = self.model_[0], self.model_[1]
        return (scaler.transform(Z) @ logreg.coef_.ravel()).astype(float)


def contributions(model: object, X: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    """Per-feature contribution by ablation: score − score with that feature set to ``reference``.

    All ablations and the unchanged rows are stacked and scored in one call (a boosted model's
    predict has a fixed cost per call). The rule score is recomputed after each change, so
    features feed it the way they feed the model; it is not itself a reason.
    """
    names = [f for f in FEATURES if f != "rule_score"]
    columns = list(X.columns)
    base_values = X.to_numpy(dtype=float)
    stacked = np.repeat(base_values[None, :, :], len(names) + 1, axis=0)
    for i, name in enumerate(names):
        stacked[i, :, columns.index(name)] = reference.get(name, np.nan)
    ablated = pd.DataFrame(stacked.reshape(-1, len(columns)), columns=columns)
    if "rule_score" in ablated:
        ablated["rule_score"] = rule_score(ablated)
    scores = model.score_0_100(ablated).reshape(len(names) + 1, len(X))  # type: ignore[attr-defined]
    base = scores[-1]
    return pd.DataFrame((base[None, :] - scores[:-1]).T, index=X.index, columns=names)
