"""The paper's claim itself: a model trained on synthetic rows does about as well on real rows.

For each experiment and each registered synthesizer: fit the synthesizer on the real training
rows, sample as many synthetic rows, train the experiment's model on them, and score it on the
real held-out rows (train-synthetic-test-real), beside the same model trained on the real rows.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

import numpy as np
import pandas as pd

from ..metadata import Column, Metadata
from ..synthesizers import Synthesizer
from ..synthesizers.registry import get, names
from .protocol import Experiment

# Epochs for neural synthesizers, kept small so `simulacra reproduce paper` stays under 2 minutes
# on a 2-core CPU: the neural models are under-trained here, and the report says so.
QUICK_EPOCHS = 5
HEADLINE = {"binary": "test_accuracy", "multiclass": "test_accuracy", "regression": "r2"}


def synthesizer_params(name: str, seed: int, epochs: int = QUICK_EPOCHS) -> dict[str, Any]:
    """Constructor parameters for a quick run: the seed, quiet, and few epochs where it has any."""
    accepted = inspect.signature(get(name).__init__).parameters
    params: dict[str, Any] = {"seed": seed}
    if "verbose" in accepted:
        params["verbose"] = False
    if "epochs" in accepted:
        params["epochs"] = epochs
    return params


def _metadata(experiment: Experiment, train: pd.DataFrame) -> Metadata:
    metadata = Metadata.infer(train)
    if experiment.task == "multiclass":
        classes = int(train[experiment.target].nunique())
        metadata.columns[experiment.target] = Column(
            "categorical", str(train[experiment.target].dtype), cardinality=classes
        )
    return metadata


def _as_target(
    experiment: Experiment, synthetic: pd.DataFrame, train: pd.DataFrame
) -> pd.DataFrame:
    """Synthetic rows with the target in the real target's type (labels rounded to classes)."""
    out = synthetic[list(train.columns)].copy()
    target = out[experiment.target]
    if experiment.task == "multiclass":
        classes = np.sort(train[experiment.target].unique())
        values = pd.to_numeric(target, errors="coerce").fillna(classes[0]).to_numpy(dtype=float)
        out[experiment.target] = np.clip(np.round(values), classes[0], classes[-1]).astype(np.int64)
    elif experiment.task == "binary":
        out[experiment.target] = target.astype(str).str.lower().isin(["true", "1", "1.0"])
    return out.dropna()


def synthetic_vs_real(
    experiment: Experiment,
    train: pd.DataFrame,
    test: pd.DataFrame,
    seed: int,
    synthesizers: list[str] | None = None,
    epochs: int = QUICK_EPOCHS,
) -> list[dict[str, Any]]:
    """One row per synthesizer: real-trained and synthetic-trained scores on the real test rows."""
    metric = HEADLINE[experiment.key]
    real = experiment.fit_and_score(train, test, seed).scores[metric]
    rows = []
    for name in synthesizers if synthesizers is not None else names():
        started = time.perf_counter()
        row: dict[str, Any] = {
            "experiment": experiment.key,
            "synthesizer": name,
            "seed": seed,
            "metric": metric,
            "real": real,
        }
        try:
            model = Synthesizer(name, **synthesizer_params(name, seed, epochs))
            model.fit(train, _metadata(experiment, train))
            synthetic = _as_target(experiment, model.sample(len(train), seed=seed), train)
            score = experiment.fit_and_score(synthetic, test, seed).scores[metric]
            row.update(synthetic=score, gap=real - score, error=None)
        except Exception as exc:  # a failing synthesizer is reported, not fatal to the run
            row.update(
                synthetic=float("nan"),
                gap=float("nan"),
                error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            )
        row["seconds"] = round(time.perf_counter() - started, 2)
        rows.append(row)
    return rows
