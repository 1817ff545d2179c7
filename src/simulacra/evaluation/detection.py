"""Classifier two-sample test: can a model tell real rows from synthetic ones?"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ._space import model_matrix
from ._threads import one_thread


@one_thread
def detection_auc(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    categorical: Sequence[str] = (),
    seed: int = 0,
    folds: int = 3,
) -> float:
    """Cross-validated ROC AUC of a gradient-boosting classifier trained to label rows as real (0)
    or synthetic (1), pooled over `folds` stratified folds:
    AUC = P(score(synthetic row) > score(real row)). Range [0, 1]; 0.5 means the classifier
    cannot tell them apart (perfect), 1.0 means every row is recognised. Values below 0.5 are
    chance; read them as 0.5.

    Both frames hold prepared columns (`prepare.prepare`): numbers, or Categoricals with shared
    categories for the `categorical` columns. The caller subsamples large tables.
    """
    columns = list(real.columns)
    x = np.vstack(
        [
            model_matrix(real, columns, categorical),
            model_matrix(synthetic, columns, categorical),
        ]
    )
    y = np.concatenate([np.zeros(len(real)), np.ones(len(synthetic))])
    folds = max(2, min(folds, len(real), len(synthetic)))
    scores = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    mask = np.array([c in categorical for c in columns], dtype=bool)
    for train, test in splitter.split(x, y):
        model = HistGradientBoostingClassifier(
            max_iter=50,
            learning_rate=0.2,
            categorical_features=mask if mask.any() else None,
            random_state=seed,
            early_stopping=False,
        )
        model.fit(x[train], y[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
    return float(roc_auc_score(y, scores))


def detection_score(auc: float) -> float:
    """1 - 2 * (max(AUC, 0.5) - 0.5). Range [0, 1]: 1 when the classifier is at chance, 0 when
    it is perfect."""
    return float(1.0 - 2.0 * (max(auc, 0.5) - 0.5))


@one_thread
def detection_importance(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    categorical: Sequence[str] = (),
    seed: int = 0,
    repeats: int = 3,
) -> list[dict[str, float | str]]:
    """Permutation importance of each column to the real-vs-synthetic classifier: fit on two
    thirds of the rows, then the mean drop of ROC AUC on the other third when the column's
    values are shuffled (`repeats` times). Range [-0.5, 0.5]; a large drop means the column
    (alone or with others) gives the synthetic rows away. Sorted, most telling first."""
    columns = list(real.columns)
    x = np.vstack(
        [model_matrix(real, columns, categorical), model_matrix(synthetic, columns, categorical)]
    )
    y = np.concatenate([np.zeros(len(real)), np.ones(len(synthetic))])
    rng = np.random.default_rng(seed)
    test = rng.random(len(y)) < 1 / 3
    if len(np.unique(y[test])) < 2 or len(np.unique(y[~test])) < 2:
        return []
    mask = np.array([c in categorical for c in columns], dtype=bool)
    model = HistGradientBoostingClassifier(
        max_iter=50,
        learning_rate=0.2,
        categorical_features=mask if mask.any() else None,
        random_state=seed,
        early_stopping=False,
    ).fit(x[~test], y[~test])
    x_test, y_test = x[test], y[test]
    base = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])
    out: list[dict[str, float | str]] = []
    for j, name in enumerate(columns):
        drops = []
        for _ in range(repeats):
            shuffled = x_test.copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            drops.append(base - roc_auc_score(y_test, model.predict_proba(shuffled)[:, 1]))
        out.append({"column": name, "importance": float(np.mean(drops))})
    return sorted(out, key=lambda r: -float(r["importance"]))
