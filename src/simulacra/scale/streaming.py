"""Training a neural model on a Dask DataFrame from streamed minibatches.

1. Metadata and the TableTransformer come from the per-partition summaries, as for the copula
   (`fitting.fit_summaries`, without the partial sums); the pilot sample, encoded, builds the
   networks.
2. Each epoch visits the partitions in the order of stream ("shuffle", epoch), grouped into
   buffers of at least `BUFFER_ROWS` rows (whole partitions, consecutive in the table). A
   worker encodes its partition (stream ("encode", i), as in `fitting._moments`) and sends
   back float32 arrays; the client shuffles each buffer with stream ("shuffle", epoch, b) and
   trains on it in minibatches (`NeuralSynthesizer.fit_batches`) while the next buffer
   loads.
3. Training stops after the model's `epochs` passes or `steps` optimiser steps.

The client holds the model, one buffer and the next; a worker one partition. Memory does not
grow with the table. Same seed, same partitions: same model bytes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import seeding
from .._memory import release_memory
from ..errors import ParameterError
from ..metadata import Metadata
from .fitting import Pilot, encode_blocks, fit_summaries, rebuild_transformer

if TYPE_CHECKING:
    import dask.dataframe as dd

    from ..synthesizers.neural import NeuralSynthesizer

BUFFER_ROWS = 200_000

Plan = tuple[dict[str, Any], dict[str, Any]]


def fit_streamed(
    synthesizer: NeuralSynthesizer,
    frame: dd.DataFrame,
    metadata: Metadata | None = None,
    *,
    steps: int | None = None,
    buffer_rows: int = BUFFER_ROWS,
    picked: Pilot | None = None,
) -> NeuralSynthesizer:
    """Fit `synthesizer` on `frame` without materialising it (see the module docstring);
    `picked`: its pilot rows, already picked (`fitting.fit_summaries`)."""
    if getattr(synthesizer, "epsilon", None) is not None:
        raise ParameterError(
            f"{synthesizer.name}: differential privacy does not fit on Dask (DP-SGD needs "
            "Poisson batches over every row); use --engine local"
        )
    if steps is not None and (isinstance(steps, bool) or steps < 1):
        raise ParameterError(f"steps must be a positive integer, not {steps!r}")
    started = time.perf_counter()
    fitted = fit_summaries(synthesizer, frame, metadata, moments=False, picked=picked)
    pilot = fitted.transformer.encode(fitted.sample)
    fitted_metadata, transformer, rows = fitted.metadata, fitted.transformer, fitted.rows
    plan = (fitted_metadata.to_dict(), transformer.get_state())
    parts = frame.to_delayed()
    groups = buffer_groups(fitted.lengths, buffer_rows)
    seed = synthesizer.seed
    del fitted  # the pilot rows and summaries: not held while training
    release_memory()

    def epoch(e: int) -> Iterator[np.ndarray]:
        return stream_buffers(parts, groups, plan, seed, e)

    return synthesizer.fit_batches(
        fitted_metadata, transformer, pilot, epoch, steps=steps, rows=rows, started=started
    )


def buffer_groups(lengths: list[int], rows: int) -> list[list[int]]:
    """Consecutive partitions grouped until each group holds at least `rows` rows (the last
    may hold fewer); empty partitions are left out."""
    groups: list[list[int]] = []
    current: list[int] = []
    held = 0
    for i, n in enumerate(lengths):
        if not n:
            continue
        current.append(i)
        held += n
        if held >= rows:
            groups.append(current)
            current, held = [], 0
    if current:
        groups.append(current)
    return groups


def stream_buffers(
    parts: list[Any], groups: list[list[int]], plan: Plan, seed: int, epoch: int
) -> Iterator[np.ndarray]:
    """Epoch `epoch`'s buffers of encoded rows, each shuffled; the next one loads (on the
    cluster) while the caller trains on the current one."""
    order = seeding.rng(seed, "shuffle", epoch).permutation(len(groups))
    with ThreadPoolExecutor(1) as pool:
        pending: Future[np.ndarray] | None = None
        for b, g in enumerate(order):
            if pending is None:
                pending = pool.submit(_load, parts, groups[g], plan, seed)
            data = pending.result()
            pending = None
            if b + 1 < len(order):
                pending = pool.submit(_load, parts, groups[order[b + 1]], plan, seed)
            shuffle = seeding.rng(seed, "shuffle", epoch, b)
            yield data[shuffle.permutation(len(data))]
            del data
            release_memory()  # what the last buffer and its loading freed (see _memory.py)


def _load(parts: list[Any], group: list[int], plan: Plan, seed: int) -> np.ndarray:
    import dask

    tasks = [dask.delayed(_encode_partition)(parts[i], plan, seed, i) for i in group]
    arrays = dask.compute(*tasks)
    return np.concatenate(arrays) if len(arrays) > 1 else arrays[0]


def _encode_partition(part: pd.DataFrame, plan: Plan, seed: int, index: int) -> np.ndarray:
    """Partition `index` encoded with stream ("encode", index), as float32 (half the bytes
    on the wire; tokens and scores need no more)."""
    transformer = rebuild_transformer(plan)
    rng = seeding.rng(seed, "encode", index)
    out = np.empty((len(part), transformer.width_), dtype=np.float32)
    start = 0
    for block in encode_blocks(part, transformer, rng):
        out[start : start + len(block)] = block
        start += len(block)
    return out
