"""Privacy: do synthetic rows sit closer to the training rows than unseen real rows do?

"Training" rows are the real table the generator learned from; "holdout" rows are real rows it
never saw. Distances are Euclidean in the normalised `FeatureSpace`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from sklearn.neighbors import NearestNeighbors

from ._space import model_matrix
from ._threads import one_thread

PERCENTILES = (1, 5, 25, 50)
# estimated share of holdout rows that are training rows (`holdout_overlap`): from this share
# on, a holdout is refused (most of it is not unseen: every figure it gives is void) ...
OVERLAP_REFUSED = 0.5
# ... and from this one on, with copies beyond chance, every figure it gives is flagged
OVERLAP_WARNED = 0.02


def exact_copy_share(synthetic: pd.DataFrame, training: pd.DataFrame) -> float:
    """|{s in synthetic : s equals some training row on every column}| / |synthetic|.
    Range [0, 1]; 0 is best. Both frames must hold the same columns in the same order.
    """
    seen = pd.util.hash_pandas_object(training, index=False)
    rows = pd.util.hash_pandas_object(synthetic, index=False)
    return float(rows.isin(seen).mean())


def holdout_overlap(training: pd.DataFrame, holdout: pd.DataFrame) -> dict[str, Any]:
    """How much of the holdout is training rows, beyond the repeats real rows have anyway.

    c = share of holdout rows equal to some training row on every compared column;
    d = share of training rows equal to another training row: about the share of unseen real
    rows that repeat a training row by chance. The estimated share of holdout rows that are
    copies of training rows is overlap = (c - d) / (1 - d), clipped to [0, 1] (0 when d = 1:
    when every real row repeats, copies cannot be told from chance). `contaminated` when the
    overlap reaches `OVERLAP_WARNED` and the 95% Wilson interval of c lies above d. Range of
    each share [0, 1]; 0 overlap means the holdout is as unseen as independent real rows.
    """
    seen = pd.util.hash_pandas_object(training, index=False)
    copies = float(pd.util.hash_pandas_object(holdout, index=False).isin(seen).mean())
    chance = float(seen.duplicated(keep=False).mean())
    overlap = 0.0 if chance >= 1.0 else min(1.0, max(0.0, (copies - chance) / (1.0 - chance)))
    low, _ = wilson_interval(copies * len(holdout), len(holdout))
    return {
        "copy_share": copies,
        "chance_share": chance,
        "overlap": overlap,
        "contaminated": overlap >= OVERLAP_WARNED and low > chance,
    }


@one_thread
def closest_distances(queries: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the Euclidean distances to its nearest and second-nearest reference
    rows (d1 <= d2). With a single reference row, d2 = d1."""
    k = min(2, len(reference))
    distances, _ = NearestNeighbors(n_neighbors=k).fit(reference).kneighbors(queries)
    return distances[:, 0], distances[:, k - 1]


def nndr(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Nearest-neighbour distance ratio d1 / d2 per row (0 when d1 = 0). Range [0, 1]; values
    near 0 mean a row sits much closer to one record than to any other."""
    ratio = np.divide(first, second, out=np.zeros_like(first), where=second > 0)
    return np.where(first > 0, ratio, 0.0)


def membership_auc(member_distances: np.ndarray, nonmember_distances: np.ndarray) -> float:
    """ROC AUC of the attack that calls a real row a training member when it is close to a
    synthetic row (score = -distance to the closest synthetic row), over training rows (members)
    and holdout rows (non-members): P(member closer than non-member). Range [0, 1]; 0.5 means
    the synthetic data reveal nothing about membership, 1 means every member is exposed."""
    y = np.concatenate([np.ones(len(member_distances)), np.zeros(len(nonmember_distances))])
    scores = -np.concatenate([member_distances, nonmember_distances])
    return float(roc_auc_score(y, scores))


def dcr_share(to_training: np.ndarray, to_holdout: np.ndarray) -> dict[str, float]:
    """Share of synthetic rows closer to their nearest training row than to their nearest
    holdout row (ties count one half), with its 95% Wilson interval. The training rows measured
    against must be as many as the holdout rows: then a generator that never saw the training
    rows lands at 0.5 (ideal), and a share well above 0.5 means the synthetic rows lean towards
    the records the generator learned from. Range [0, 1].
    """
    closer = float(np.sum(to_training < to_holdout) + 0.5 * np.sum(to_training == to_holdout))
    low, high = wilson_interval(closer, len(to_training))
    return {"share": closer / max(len(to_training), 1), "low": low, "high": high}


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial share successes / n (95% for z = 1.96); (0, 1) when
    n = 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def far_share(synthetic_distances: np.ndarray, holdout_distances: np.ndarray) -> float:
    """Share of synthetic rows farther from every training row than 95% of unseen real rows
    are (beyond the holdout's 95th percentile of distances to closest records). Range [0, 1];
    about 5% for realistic rows. Far rows are a fidelity failure (rows unlike any real one), not
    privacy."""
    return float(np.mean(synthetic_distances > np.percentile(holdout_distances, 95)))


def dcr_summary(distances: np.ndarray) -> dict[str, float]:
    """Percentiles (1st, 5th, 25th, 50th) and mean of distances to closest records (Euclidean,
    in the normalised feature space). Range [0, inf); near 0 means copies of training rows."""
    out = {f"p{q}": float(np.percentile(distances, q)) for q in PERCENTILES}
    out["mean"] = float(np.mean(distances))
    return out


@one_thread
def attribute_inference(
    synthetic: pd.DataFrame,
    training: pd.DataFrame,
    holdout: pd.DataFrame | None,
    sensitive: str,
    categorical: Sequence[str],
    seed: int = 0,
) -> dict[str, Any]:
    """An attacker who knows a real person's other columns (the quasi-identifiers) trains a
    gradient-boosting model on the synthetic rows to predict the `sensitive` column, then
    predicts it for training rows. The score is accuracy for a categorical column (range
    [0, 1]) and R2 for a numerical one (range (-inf, 1]). It is compared with a baseline that
    knows nothing (the most frequent class's share, or R2 = 0) and with the same attack on holdout
    rows: `leak` = score(training) - score(holdout) near 0 means the synthetic data help the
    attacker no more on training rows than on anyone else.
    """
    quasi = [c for c in training.columns if c != sensitive]
    task = "classification" if sensitive in categorical else "regression"
    x_syn = model_matrix(synthetic, quasi, categorical)
    mask = np.array([c in categorical for c in quasi], dtype=bool)
    features = mask if mask.any() else None
    y_syn = _labels(synthetic[sensitive], task)
    model: Any
    settings = {"max_iter": 50, "learning_rate": 0.2, "early_stopping": False}
    if task == "classification":
        model = HistGradientBoostingClassifier(
            categorical_features=features, random_state=seed, **settings
        )
    else:
        model = HistGradientBoostingRegressor(
            categorical_features=features, random_state=seed, **settings
        )
    single_class = task == "classification" and len(np.unique(y_syn)) < 2
    if not single_class:
        model.fit(x_syn, y_syn)

    def attack(frame: pd.DataFrame) -> float:
        y_true = _labels(frame[sensitive], task)
        if single_class:
            return float(np.mean(y_true == y_syn[0]))
        predicted = model.predict(model_matrix(frame, quasi, categorical))
        if task == "classification":
            return float(accuracy_score(y_true, predicted))
        return float(r2_score(y_true, predicted))

    y_train = _labels(training[sensitive], task)
    if task == "classification":
        baseline = float(np.bincount(y_train - y_train.min()).max() / len(y_train))
    else:
        baseline = 0.0
    on_training = attack(training)
    on_holdout = attack(holdout) if holdout is not None else None
    return {
        "sensitive": sensitive,
        "metric": "accuracy" if task == "classification" else "r2",
        "training_rows": on_training,
        "holdout_rows": on_holdout,
        "baseline": baseline,
        "advantage": on_training - baseline,
        "leak": on_training - on_holdout if on_holdout is not None else None,
    }


def _labels(values: pd.Series, task: str) -> np.ndarray:
    if task == "classification":
        return values.cat.codes.to_numpy().astype(np.int64)
    numbers = values.to_numpy(np.float64)
    return np.where(np.isnan(numbers), np.nanmedian(numbers), numbers)
