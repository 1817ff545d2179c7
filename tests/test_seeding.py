"""Named random streams: the spawn tree of one SeedSequence, no collisions, same seed same bytes."""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from safetensors.numpy import load as load_arrays

from simulacra import Synthesizer, seeding


def test_a_stream_is_the_child_that_spawn_gives_at_its_path() -> None:
    root = np.random.SeedSequence(7)
    by_spawn = root.spawn(seeding.STREAMS["sample"] + 1)[-1].spawn(3)[2].spawn(5)[4]
    assert np.array_equal(
        seeding.sequence(7, "sample", 2, 4).generate_state(8), by_spawn.generate_state(8)
    )


def test_streams_never_share_state() -> None:
    paths = [(), (0,), (1,), (0, 0), (1, 0), (0, 1), (1, 2, 0)]
    states = {
        (seed, name, path): tuple(seeding.sequence(seed, name, *path).generate_state(4))
        for seed, name, path in itertools.product([0, 1, 2], seeding.STREAMS, paths)
    }
    assert len(set(states.values())) == len(states)
    # the collision numpy entropy lists had: [s, 2, 0] padded equals [s, 2]
    assert np.random.default_rng([3, 2, 0]).random() == np.random.default_rng([3, 2]).random()
    assert seeding.rng(3, "sample", 2, 0).random() != seeding.rng(3, "sample", 2).random()


def test_unknown_stream_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown random stream"):
        seeding.rng(0, "nope")


def test_integer_seeds_are_repeatable_63_bit() -> None:
    a = seeding.integer(5, "torch")
    assert a == seeding.integer(5, "torch") and 0 <= a < 2**63
    assert a != seeding.integer(6, "torch") != seeding.integer(5, "torch", 1)


@pytest.fixture(scope="module")
def copula() -> Synthesizer:
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    table = pd.DataFrame(
        {"x": x, "y": 2 * x + rng.normal(size=400), "c": rng.choice(["a", "b"], 400)}
    )
    return Synthesizer("copula", seed=3, verbose=False).fit(table)


def test_unseeded_calls_differ_from_each_other_and_from_seeded_ones(copula: Synthesizer) -> None:
    first, second = copula.sample(50), copula.sample(50)
    seeded = copula.sample(50, seed=copula.seed)
    assert not first.equals(second)
    assert not first.equals(seeded) and not second.equals(seeded)


def test_each_chunk_has_its_own_stream(copula: Synthesizer) -> None:
    chunks = list(copula.iter_sample(250, seed=9, chunk_rows=100))
    assert [len(c) for c in chunks] == [100, 100, 50]
    again = list(copula.iter_sample(250, seed=9, chunk_rows=100))
    for a, b in zip(chunks, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert not chunks[0].iloc[:50].reset_index(drop=True).equals(chunks[2])
    # the first chunk of a 100-row-chunked sample is the first chunk of any such sample
    pd.testing.assert_frame_equal(chunks[0], copula.sample(100, seed=9))


def test_same_seed_same_model_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"x": rng.gamma(2.0, size=300), "c": rng.choice(["u", "v"], 300)})
    paths = []
    for k in range(2):
        syn = Synthesizer("tvae", epochs=2, batch_size=100, seed=4, verbose=False).fit(table)
        paths.append(syn.save(tmp_path / f"m{k}.simulacra"))
    arrays = []
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            saved = load_arrays(archive.read("arrays.safetensors"))
        # everything but the wall-clock times of the training history
        arrays.append({k: v for k, v in saved.items() if "seconds" not in k})
    assert arrays[0].keys() == arrays[1].keys() and len(arrays[0]) > 5
    for key, value in arrays[0].items():
        assert value.tobytes() == arrays[1][key].tobytes(), key
