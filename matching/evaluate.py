"""Does the ranker earn its place? Ranking metrics on companies it never saw, against baselines.

Split by company (all of a company's candidate pairs on one side), NDCG@5, NDCG@10 and MRR per
company, averaged; the ranker's gain over the rule score gets a bootstrap confidence interval over
held-out companies. Baselines: random order, nearest metro first, the hand-weighted rule score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

Scorer = Callable[[pd.DataFrame], np.ndarray]


def _ranks_of_positive(scores: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> int:
    """1-based rank of the placed unit; ties broken at random so a constant scorer gains nothing."""
    order = np.lexsort((rng.random(len(scores)), -scores))
    return int(np.flatnonzero(y[order] == 1)[0]) + 1


def per_company_metrics(
    scores: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int = 0
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        rank = _ranks_of_positive(scores[idx], y[idx], rng)
        gain = 1.0 / np.log2(rank + 1)  # one relevant item: ideal DCG is 1
        row = {"group": g, "ndcg@5": gain if rank <= 5 else 0.0}
        row |= {"ndcg@10": gain if rank <= 10 else 0.0, "mrr": 1.0 / rank}
        rows.append(row)
    return pd.DataFrame(rows).set_index("group")


def bootstrap_ci(
    diff: np.ndarray, n: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = rng.choice(diff, size=(n, len(diff)), replace=True).mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


@dataclass
class Evaluation:
    table: pd.DataFrame  # method × metric, mean over held-out companies
    gain_ndcg10: float
    gain_ci: tuple[float, float]
    n_train: int
    n_test: int
    trees: dict[str, int]  # per boosted method: the trees it kept (what each search walks)


def split_by_company(groups: np.ndarray, test_share: float = 0.3, seed: int = 0):
    split = GroupShuffleSplit(1, test_size=test_share, random_state=seed)
    return next(split.split(np.zeros(len(groups)), groups=groups))


def evaluate(
    X: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    sampled: np.ndarray,
    methods: dict[str, Callable[[pd.DataFrame, np.ndarray, np.ndarray], Scorer]],
    seed: int = 0,
) -> Evaluation:
    """``methods``: name → trainer(X, y, groups) returning a scorer. Models train on the sampled
    rows of training companies and rank the *full* candidate pools of held-out companies."""
    train, test = split_by_company(groups, seed=seed)
    fit = train[sampled[train]]
    Xte, yte, gte = X.iloc[test], y[test], groups[test]
    per_method, trees = {}, {}
    for name, trainer in methods.items():
        scorer = trainer(X.iloc[fit], y[fit], groups[fit])
        per_method[name] = per_company_metrics(np.asarray(scorer(Xte)), yte, gte, seed)
        booster = getattr(getattr(scorer, "__self__", None), "booster_", None)
        if booster is not None:
            trees[name] = int(booster.n_iter_)
    table = pd.DataFrame({name: m.mean() for name, m in per_method.items()}).T
    diff = (per_method["ranker"]["ndcg@10"] - per_method["rule"]["ndcg@10"]).to_numpy()
    return Evaluation(
        table=table,
        gain_ndcg10=float(diff.mean()),
        gain_ci=bootstrap_ci(diff, seed=seed),
        n_train=len(np.unique(groups[fit])),
        n_test=len(np.unique(gte)),
        trees=trees,
    )


def _lightgbm_lambdarank(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> Scorer:
    import lightgbm  # reference only: installed for evaluation, never a runtime dependency

    order = np.argsort(groups, kind="stable")
    _, counts = np.unique(groups[order], return_counts=True)
    model = lightgbm.LGBMRanker(
        objective="lambdarank",
        n_estimators=300,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=10,
        random_state=0,
        verbose=-1,
    )
    model.fit(X.iloc[order], y[order], group=counts)
    return lambda Z: model.predict(Z)


def standard_methods(seed: int = 0) -> dict[str, Callable[..., Scorer]]:
    """The ranker, the three baselines, the pairwise alternative and (if installed) LightGBM."""
    from matching.features import MONOTONE
    from matching.models import PairwiseLogistic, PlacementRanker, RuleModel

    rng = np.random.default_rng(seed)
    methods: dict[str, Callable[..., Scorer]] = {
        "random": lambda X, y, g: lambda Z: rng.random(len(Z)),
        "nearest_metro": lambda X, y, g: lambda Z: -Z["metro_m"].to_numpy(),
        "rule": lambda X, y, g: RuleModel().fit(X).score_0_100,
        "ranker": lambda X, y, g: PlacementRanker(random_state=seed).fit(X, y, g).score_0_100,
        "ranker_unconstrained": lambda X, y, g: (
            PlacementRanker(random_state=seed, unconstrained=tuple(MONOTONE))
            .fit(X, y, g)
            .score_0_100
        ),
        "ranker_rent_free": lambda X, y, g: (
            PlacementRanker(random_state=seed, unconstrained=("rent_ratio",))
            .fit(X, y, g)
            .score_0_100
        ),
        "ranker_lr_0_1": lambda X, y, g: (
            PlacementRanker(random_state=seed, learning_rate=0.1).fit(X, y, g).score_0_100
        ),
        "pairwise_logistic": lambda X, y, g: PairwiseLogistic().fit(X, y, g).score_0_100,
    }
    try:
        import lightgbm  # noqa: F401
    except ImportError:
        return methods
    methods["lightgbm_lambdarank"] = _lightgbm_lambdarank
    return methods
