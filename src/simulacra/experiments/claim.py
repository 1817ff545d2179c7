"""The paper's claim itself: a model trained on synthetic rows does about as well on real rows.

For each experiment and each registered synthesizer: fit the synthesizer on the real training
rows, sample as many synthetic rows, train the experiment's model on them, and score it on the
real held-out rows (train-synthetic-test-real), beside the same model trained on the real rows.
Each (experiment, seed, synthesizer) is an independent, seeded job, so jobs can run in worker
processes while the experiments run, with the same results.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any

import numpy as np
import pandas as pd

from ..metadata import Column, Metadata
from ..registry import get, names
from ..synthesizers import Synthesizer
from .protocol import EXPERIMENTS, Experiment

BY_KEY = {e.key: e for e in EXPERIMENTS}

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


def claim_row(experiment_key: str, seed: int, name: str, epochs: int) -> dict[str, Any]:
    """Fit synthesizer `name` on the experiment's real training rows for `seed`, train the model
    on as many synthetic rows, and score it on the real test rows.

    A top-level function of plain arguments, so a worker process can run it. A failing
    synthesizer is reported in the row (`error`), not fatal to the reproduction.
    """
    experiment = BY_KEY[experiment_key]
    train, test = experiment.data(seed)
    started = time.perf_counter()
    row: dict[str, Any] = {
        "experiment": experiment.key,
        "synthesizer": name,
        "seed": seed,
        "metric": HEADLINE[experiment.key],
    }
    try:
        model = Synthesizer(name, **synthesizer_params(name, seed, epochs))
        model.fit(train, _metadata(experiment, train))
        synthetic = _as_target(experiment, model.sample(len(train), seed=seed), train)
        score = experiment.fit_and_score(synthetic, test, seed).scores[row["metric"]]
        row.update(synthetic=score, error=None)
    except Exception as exc:  # any synthesizer failure is a result to report, not a crash
        first = str(exc).splitlines()[0] if str(exc) else ""
        row.update(synthetic=float("nan"), error=f"{type(exc).__name__}: {first}")
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row


ClaimJob = tuple[str, int, str]  # experiment key, seed, synthesizer name


def claim_jobs(seeds: int, synthesizers: list[str] | None = None) -> list[ClaimJob]:
    """Every (experiment, seed, synthesizer) of the claim, in report order."""
    chosen = synthesizers if synthesizers is not None else names()
    return [(e.key, s, name) for s in range(seeds) for e in EXPERIMENTS for name in chosen]


@contextmanager
def claim_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for the claim (None: run in this process). Spawned, not forked, because
    forking a process that already runs PyTorch threads can deadlock."""
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        yield pool


def default_workers() -> int:
    """Worker processes for the claim: 1 (run in this process).

    Measured on the 2-core reference machine while other work ran (load ~4.5): 88 s in one
    process against 102 s with 2 workers, which pay for spawning and importing PyTorch twice and
    compete for the same cores; extra workers only pay off on idle machines with spare cores.
    """
    return 1
