"""Utility: does a model trained on synthetic rows predict real rows as well as one trained on
real rows? (train on synthetic, test on real, against train on real, test on real.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score, roc_auc_score

from ._space import FeatureSpace, model_matrix
from ._threads import one_thread

PRIMARY = {"classification": "f1", "regression": "r2"}


def classification_scores(
    y_true: np.ndarray, predicted: np.ndarray, proba: np.ndarray, classes: np.ndarray
) -> dict[str, float | None]:
    """Accuracy = share of correct labels (range [0, 1]); F1 = unweighted mean over the true
    classes of 2 * precision * recall / (precision + recall) (range [0, 1]); ROC AUC = mean over
    classes of the one-vs-rest AUC of the predicted probability, over the classes that occur in
    `y_true` alongside other classes (range [0, 1], 0.5 is chance; None when no class qualifies).
    `proba[:, j]` is the probability of `classes[j]`.
    """
    labels = np.unique(y_true)
    aucs = []
    for label in labels:
        positive = y_true == label
        if positive.all():
            continue
        column = np.flatnonzero(classes == label)
        score = proba[:, column[0]] if len(column) else np.zeros(len(y_true))
        aucs.append(roc_auc_score(positive, score))
        if len(labels) == 2:
            break  # both one-vs-rest AUCs of a binary target are the same number
    return {
        "accuracy": float(accuracy_score(y_true, predicted)),
        "f1": float(f1_score(y_true, predicted, labels=labels, average="macro", zero_division=0)),
        "roc_auc": float(np.mean(aucs)) if aucs else None,
    }


def regression_scores(y_true: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    """R2 = 1 - sum (y - y_hat)^2 / sum (y - mean y)^2 (range (-inf, 1], 1 is perfect, 0 is the
    mean's score); MAE = mean |y - y_hat| (range [0, inf), in the target's units)."""
    return {
        "r2": float(r2_score(y_true, predicted)),
        "mae": float(mean_absolute_error(y_true, predicted)),
    }


@one_thread
def utility_scores(
    train_real: pd.DataFrame,
    train_synthetic: pd.DataFrame,
    test: pd.DataFrame,
    target: str,
    task: str,
    categorical: Sequence[str],
    seed: int = 0,
) -> dict[str, Any]:
    """Train a linear model and a gradient-boosting model on real rows and on synthetic rows,
    score both on the same real test rows. For each model and metric,
    ratio = score(trained on synthetic) / score(trained on real); `ratio` overall is the mean of
    the models' ratios of the primary metric (macro F1 for classification, R2 for regression),
    clipped to [0, 1.5] (its range). Around 1 means the synthetic rows are as useful as the
    real ones.
    """
    features = [c for c in train_real.columns if c != target]
    space = FeatureSpace(columns=features, categorical=categorical).fit(train_real)
    y_test = _target(test[target], task)
    models: dict[str, dict[str, Any]] = {}
    for model_name in ("linear", "boosting"):
        scores = {}
        for source, train in (("real", train_real), ("synthetic", train_synthetic)):
            y_train = _target(train[target], task)
            scores[source] = _fit_and_score(
                model_name, task, space, features, categorical, train, y_train, test, y_test, seed
            )
        ratios = {
            metric: _ratio(scores["synthetic"][metric], scores["real"][metric], metric)
            for metric in scores["real"]
        }
        models[model_name] = {**scores, "ratio": ratios}
    primary = PRIMARY[task]
    primaries = [m["ratio"][primary] for m in models.values() if m["ratio"][primary] is not None]
    trivial = trivial_scores(_target(train_real[target], task), y_test, task)
    gains = [
        g
        for m in models.values()
        if (g := relative_gain(m["synthetic"][primary], m["real"][primary], trivial[primary]))
        is not None
    ]
    below_chance = [
        name
        for name, m in models.items()
        if m["synthetic"].get("roc_auc") is not None and m["synthetic"]["roc_auc"] < 0.5
    ]
    return {
        "task": task,
        "target": target,
        "primary_metric": primary,
        "models": models,
        "trivial": trivial,
        "ratio": float(np.clip(np.mean(primaries), 0.0, 1.5)) if primaries else None,
        "gain": float(np.mean(gains)) if gains else None,
        "below_chance": below_chance,
    }


def trivial_scores(y_train: np.ndarray, y_test: np.ndarray, task: str) -> dict[str, float | None]:
    """Scores of the model that ignores every feature: the real training rows' most frequent
    class (classification; its ROC AUC is 0.5 by definition) or their mean (regression; R2 near
    0). Any model worth training beats it. Ranges as in `classification_scores` and
    `regression_scores`."""
    if task == "classification":
        values, counts = np.unique(y_train, return_counts=True)
        majority = values[np.argmax(counts)]
        scores = classification_scores(
            y_test, np.full(len(y_test), majority), np.ones((len(y_test), 1)), values[:1]
        )
        return {**scores, "roc_auc": 0.5 if scores["roc_auc"] is not None else None}
    return regression_scores(y_test, np.full(len(y_test), float(np.mean(y_train))))


def relative_gain(
    synthetic: float | None, real: float | None, trivial: float | None
) -> float | None:
    """(score_synth - score_trivial) / (score_real - score_trivial), clipped to range [0, 1.5]: the
    share of the real model's lead over the trivial model that the synthetic model keeps.
    0 means no better than always predicting the majority class (or the mean), 1 as good as
    training on real rows. None when the real model does not beat the trivial one."""
    if synthetic is None or real is None or trivial is None or real - trivial <= 1e-9:
        return None
    return float(np.clip((synthetic - trivial) / (real - trivial), 0.0, 1.5))


def _fit_and_score(
    model_name: str,
    task: str,
    space: FeatureSpace,
    features: list[str],
    categorical: Sequence[str],
    train: pd.DataFrame,
    y_train: np.ndarray,
    test: pd.DataFrame,
    y_test: np.ndarray,
    seed: int,
) -> dict[str, float | None]:
    if model_name == "linear":
        x_train, x_test = space.transform(train), space.transform(test)
    else:
        x_train = model_matrix(train, features, categorical)
        x_test = model_matrix(test, features, categorical)
    classes = np.unique(y_train)
    if task == "classification":
        if len(classes) < 2:  # a model cannot learn from one class: it predicts that class
            proba = np.ones((len(y_test), 1))
            return classification_scores(y_test, np.full(len(y_test), classes[0]), proba, classes)
        model: Any = (
            LogisticRegression(max_iter=300)
            if model_name == "linear"
            else _boosting_classifier(features, categorical, seed)
        )
        model.fit(x_train, y_train)
        return classification_scores(
            y_test, model.predict(x_test), model.predict_proba(x_test), model.classes_
        )
    model = (
        Ridge(alpha=1e-3)
        if model_name == "linear"
        else HistGradientBoostingRegressor(
            categorical_features=_mask(features, categorical), random_state=seed
        )
    )
    model.fit(x_train, y_train)
    return regression_scores(y_test, model.predict(x_test))


def _boosting_classifier(
    features: list[str], categorical: Sequence[str], seed: int
) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        categorical_features=_mask(features, categorical), random_state=seed
    )


def _mask(features: list[str], categorical: Sequence[str]) -> np.ndarray | None:
    mask = np.array([f in categorical for f in features], dtype=bool)
    return mask if mask.any() else None


def _target(values: pd.Series, task: str) -> np.ndarray:
    if task == "classification":
        return values.cat.codes.to_numpy().astype(np.int64)  # nulls are class -1
    numbers = values.to_numpy(np.float64)
    return np.where(np.isnan(numbers), np.nanmedian(numbers), numbers)


def _ratio(synthetic: float | None, real: float | None, metric: str) -> float | None:
    if synthetic is None or real is None:
        return None
    if metric == "mae":  # lower is better: real / synthetic keeps "1 = as good, < 1 = worse"
        return float(real / synthetic) if synthetic > 0 else None
    return float(synthetic / real) if real > 0 else None
