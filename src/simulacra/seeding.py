"""Every random stream in simulacra: a named child of one `numpy.random.SeedSequence`.

A stream is addressed by the user's seed, a name and a path of integers:

    rng(seed, "sample", call, chunk)  ==  default_rng(SeedSequence(seed).spawn(...)[...])

`sequence(seed, name, *path)` is the child that `SeedSequence(seed).spawn` would give at
`(STREAMS[name], *path)`: the spawn key holds the whole path, so two streams share bits only if
their names and paths are equal (unlike entropy lists, which numpy pads with zeros, so
`default_rng([s, 2, 0])` would equal `default_rng([s, 2])`).

name        path                 what it feeds
----------  -------------------  -----------------------------------------------------------
transform   -                    fitting column transforms (mixture modes, id/PII seeds)
            2, partition         Dask fit: the keys that pick the pilot rows of a partition
encode      -                    encoding a training table (jitter in category intervals)
            partition            Dask fit: encoding one partition (partial sums, streaming)
fit         -                    a model's own numpy draws while fitting
torch       -                    PyTorch's generators while training (weights, batches, noise)
sample      call, chunk          one chunk of one `sample` call (tables and images)
ids         column seed, offset  the ids of one chunk of an id column
faker       column seed          the Faker pool of a PII or text column
rebalance   k                    the k-th batch of minority rows added by `rebalance`
evaluation  purpose              one seeded subsample or classifier of `evaluate`
spec        column, part, chunk  one column of a specification dataset, one chunk
images      purpose              image datasets and metrics (subsamples, feature classifier)
experiments purpose              the paper reproduction (Monte Carlo readings, MLP weights)
shuffle     epoch[, buffer]      streamed training on Dask: the order of an epoch's buffers of
                                 partitions, and the order of rows inside buffer b
sequences   call                 the keys of one `sample` call of a sequence model
ensemble    call, chunk, member  member j's share of chunk k's pool in an ensemble
dataset     table[, call]        a dataset's table model seeds (fit); its keys and secondary
                                 foreign keys (one `sample` call)

`sample` calls with an explicit seed use call 0 of that seed; calls without one use 1, 2, ...
of the model's own seed, so no unseeded call repeats a seeded one or another unseeded one.
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError

STREAMS: dict[str, int] = {
    "transform": 0,
    "encode": 1,
    "fit": 2,
    "torch": 3,
    "sample": 4,
    "ids": 5,
    "faker": 6,
    "rebalance": 7,
    "evaluation": 8,
    "spec": 9,
    "images": 10,
    "experiments": 11,
    "shuffle": 12,
    "sequences": 13,
    "ensemble": 14,
    "dataset": 15,
    "context": 16,  # a sequence model's context model: its seed, and each chunk's rows
}


def check_seed(seed: object) -> int:
    """`seed` as an int, or a ParameterError unless it is a non-negative integer (what
    `SeedSequence` takes: a negative seed was a ValueError from deep inside numpy)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, not {seed!r}")
    return int(seed)


def sequence(seed: int, name: str, *path: int) -> np.random.SeedSequence:
    """The child of `SeedSequence(seed)` for stream `name` at `path`."""
    if name not in STREAMS:
        raise KeyError(f"unknown random stream {name!r} (known: {', '.join(STREAMS)})")
    key = (STREAMS[name], *(int(p) for p in path))
    return np.random.SeedSequence(check_seed(seed), spawn_key=key)


def rng(seed: int, name: str, *path: int) -> np.random.Generator:
    """A numpy generator on stream `name` at `path` of `seed`."""
    return np.random.default_rng(sequence(seed, name, *path))


def integer(seed: int, name: str, *path: int) -> int:
    """A 63-bit integer from stream `name` at `path` (to seed PyTorch or Faker)."""
    words = sequence(seed, name, *path).generate_state(2, np.uint64)
    return int(words[0] >> np.uint64(1))
