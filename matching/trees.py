"""The trained ranker's trees as plain arrays, scored with numpy alone.

Importing scikit-learn costs a one-off `spacemap match` more than the whole search does (it
loads most of SciPy). So training also writes the fitted trees — thresholds, branches, leaf
values, the baseline and the sigmoid calibration — to ``ranker-trees.npz``, and the command line
scores with those. They are the same trees walked the same way (a missing value takes the side
the tree learned; values are added tree by tree onto the baseline, in scikit-learn's order), so
the scores agree with scikit-learn's to rounding (tests/test_matching.py). The server, which
imports once and scores many thousands of candidates per request, keeps scikit-learn's compiled
predictor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spacemap.i18n import _

# What the trained ranker is and what its score means (PlacementRanker says the same of itself).
RANKER_DESCRIPTION = _("calibrated gradient-boosting ranker")
RANKER_SCORE_MEANING = _(
    "100 × calibrated probability that a company like this takes this unit among ten "
    "comparable options"
)


@dataclass(frozen=True)
class PlainTrees:
    feature: np.ndarray  # per node, every tree's nodes end to end
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray  # absolute node indexes
    right: np.ndarray
    is_leaf: np.ndarray
    value: np.ndarray
    roots: np.ndarray  # each tree's first node
    depth: int
    baseline: float
    a: float  # the calibration: p = 1 / (1 + exp(a * raw + b))
    b: float
    feature_names_in_: list[str]
    reference_: pd.Series

    description = RANKER_DESCRIPTION  # it is the ranker, read as arrays
    score_meaning = RANKER_SCORE_MEANING

    @classmethod
    def from_ranker(cls, ranker: Any) -> PlainTrees:
        """Read a fitted matching.models.PlacementRanker (binary, no categorical features)."""
        booster = ranker.booster_
        [calibrated] = ranker.calibrated_.calibrated_classifiers_
        [sigmoid] = calibrated.calibrators
        nodes = [iteration[0].nodes for iteration in booster._predictors]
        if any(n["is_categorical"].any() for n in nodes):
            raise ValueError("categorical splits are not supported")
        offsets = np.cumsum([0] + [len(n) for n in nodes[:-1]])
        joined = np.concatenate(nodes)
        shift = np.repeat(offsets, [len(n) for n in nodes])
        return cls(
            feature=joined["feature_idx"].astype(np.int64),
            threshold=joined["num_threshold"].astype(np.float64),
            missing_left=joined["missing_go_to_left"].astype(bool),
            left=joined["left"].astype(np.int64) + shift,
            right=joined["right"].astype(np.int64) + shift,
            is_leaf=joined["is_leaf"].astype(bool),
            value=joined["value"].astype(np.float64),
            roots=offsets.astype(np.int64),
            depth=int(joined["depth"].max()),
            baseline=float(np.ravel(booster._baseline_prediction)[0]),
            a=float(sigmoid.a_),
            b=float(sigmoid.b_),
            feature_names_in_=list(ranker.feature_names_in_),
            reference_=ranker.reference_,
        )

    def save(self, path: Path) -> None:
        arrays = {k: getattr(self, k) for k in ("feature", "threshold", "missing_left", "left",
                                                "right", "is_leaf", "value", "roots")}  # fmt: skip
        with path.open("wb") as f:
            np.savez(
                f, **arrays, scalars=np.array([self.depth, self.baseline, self.a, self.b]),
                names=np.array(self.feature_names_in_),
                reference_names=np.array(list(self.reference_.index)),
                reference_values=self.reference_.to_numpy(dtype=np.float64),
            )  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> PlainTrees:
        with np.load(path, allow_pickle=False) as z:
            depth, baseline, a, b = z["scalars"]
            return cls(
                feature=z["feature"], threshold=z["threshold"], missing_left=z["missing_left"],
                left=z["left"], right=z["right"], is_leaf=z["is_leaf"], value=z["value"],
                roots=z["roots"], depth=int(depth), baseline=float(baseline), a=float(a),
                b=float(b), feature_names_in_=[str(n) for n in z["names"]],
                reference_=pd.Series(z["reference_values"],
                                     index=[str(n) for n in z["reference_names"]]),
            )  # fmt: skip

    def raw(self, Z: np.ndarray) -> np.ndarray:
        """The boosted sum for each row of ``Z`` (features in ``feature_names_in_`` order)."""
        rows = np.arange(len(Z))[:, None]
        node = np.broadcast_to(self.roots, (len(Z), len(self.roots))).copy()
        for _step in range(self.depth):
            leaf = self.is_leaf[node]
            if leaf.all():
                break
            x = Z[rows, self.feature[node]]
            with np.errstate(invalid="ignore"):
                left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            node = np.where(leaf, node, np.where(left, self.left[node], self.right[node]))
        total = np.full(len(Z), self.baseline)
        for tree in range(node.shape[1]):  # tree by tree, as scikit-learn adds them
            total += self.value[node[:, tree]]
        return total

    def score_0_100(self, X: pd.DataFrame) -> np.ndarray:
        Z = X[self.feature_names_in_].to_numpy(dtype=float)
        return 100.0 / (1.0 + np.exp(self.a * self.raw(Z) + self.b))
