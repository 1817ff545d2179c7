"""`sample --engine dask` of a sequence model: partitions of whole chunks of entities, the same
events and context rows as a local sample, event ids numbered over the whole sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client

from simulacra import DataError, ParameterError, Synthesizer
from simulacra.scale.commands import sample_to_dataset
from simulacra.scale.sequences import write_sequences
from simulacra.synthesizers.sequences import Sequences

from .test_dask_sample import run

SETTINGS = {"sequence_key": "player", "sequence_index": "season", "seed": 0, "verbose": False}


def _tables(players: int = 150) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    context = pd.DataFrame(
        {
            "player": [f"p{i:04d}" for i in range(players)],
            "born": rng.integers(1900, 2000, players),
            "hand": rng.choice(["L", "R"], players, p=[0.3, 0.7]),
        }
    )
    seasons = rng.integers(1, 6, players)
    events = pd.DataFrame(
        {
            "player": np.repeat(context["player"], seasons),
            "season": np.concatenate([np.arange(k) for k in seasons]),
            "event_id": [f"E{i:06d}" for i in rng.permutation(seasons.sum())],
            "team": rng.choice(["a", "b", "c"], seasons.sum()),
            "score": rng.normal(0, 1, seasons.sum()),
        }
    )
    return events, context


def _local(model: Sequences, n: int | None, **options: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, context rows) of a local sample in chunks, as the Dask one is cut."""
    pairs = list(model.iter_sequences(n, **options))  # type: ignore[arg-type]
    return (
        pd.concat([e for e, _ in pairs], ignore_index=True),
        pd.concat([c for _, c in pairs], ignore_index=True),
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sequences, Path]:
    events, context = _tables()
    model = Synthesizer("autoregressive", **SETTINGS, epochs=3)
    model.fit(events, context=context)  # type: ignore[call-arg]
    path = tmp_path_factory.mktemp("sequences") / "m.simulacra"
    model.save(path)
    return model, path  # type: ignore[return-value]


def test_events_and_context_equal_a_local_sample_ids_numbered_over_all_chunks(
    client: Client, saved: tuple[Sequences, Path], tmp_path: Path
) -> None:
    model, path = saved
    assert model.numbers_events  # event_id is generated: a first pass counts the events
    out = tmp_path / "events"
    plan, folder = write_sequences(
        client, path, 110, out, seed=4, partitions=2, chunk_entities=25, context_output=None
    )
    assert len(plan.bounds) == 2 and plan.bounds[-1][1] == 5  # 5 chunks of entities
    assert folder == tmp_path / "events-context"
    local, local_context = _local(model, 110, seed=4, chunk_entities=25)
    events = pd.read_parquet(out)
    context = pd.read_parquet(tmp_path / "events-context")
    pd.testing.assert_frame_equal(events, local, check_dtype=False)
    pd.testing.assert_frame_equal(context, local_context, check_dtype=False)
    assert events["event_id"].is_unique and context["player"].is_unique
    assert len(context) == 110 and set(events["player"]) == set(context["player"])
    assert len(list(out.glob("*.parquet"))) == 2


def test_the_events_of_given_entities_equal_a_local_sample(
    client: Client, saved: tuple[Sequences, Path], tmp_path: Path
) -> None:
    model, path = saved
    _, context = _tables(70)
    context = context.assign(player=[f"new{i}" for i in range(70)])
    out = tmp_path / "given"
    plan, folder = write_sequences(
        client, path, None, out, seed=5, partitions=2, chunk_entities=25, context=context
    )
    assert len(plan.bounds) == 2 and folder is None and not (tmp_path / "given-context").exists()
    local, _ = _local(model, None, seed=5, chunk_entities=25, context=context)
    events = pd.read_parquet(out)
    pd.testing.assert_frame_equal(events, local, check_dtype=False)
    assert set(events["player"]) <= set(context["player"]) and events["event_id"].is_unique
    with pytest.raises(DataError, match="asked for 10 entities but the context table has 70"):
        write_sequences(client, path, 10, tmp_path / "bad", context=context)


def test_conditions_hold_and_a_partition_boundary_changes_nothing(
    client: Client, saved: tuple[Sequences, Path], tmp_path: Path
) -> None:
    _, path = saved
    tables: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    for parts in (1, 3):
        out = tmp_path / f"p{parts}"
        write_sequences(
            client, path, 75, out, seed=1, partitions=parts, chunk_entities=25,
            conditions={"hand": "L"},
        )  # fmt: skip
        tables.append((pd.read_parquet(out), pd.read_parquet(tmp_path / f"p{parts}-context")))
    pd.testing.assert_frame_equal(tables[0][0], tables[1][0])
    assert (tables[1][1]["hand"] == "L").all()


def test_cli_samples_sequences_on_dask(
    client: Client,
    saved: tuple[Sequences, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, path = saved
    address = client.scheduler.address
    out = tmp_path / "synth"
    args = ["sample", str(path), "-n", "40", "-o", str(out), "--seed", "2"]
    code, text, err = run([*args, "--engine", "dask", "--scheduler", address], capsys)
    assert code == 0, err
    assert "the events of 40 entities in 1 Parquet file" in text
    assert f"(their context rows to {out}-context/)" in text
    local, local_context = Synthesizer.load(path).sample_sequences(40, seed=2)
    pd.testing.assert_frame_equal(pd.read_parquet(out), local, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(f"{out}-context"), local_context)
    # the events of given entities
    _, context = _tables(30)
    context.to_csv(tmp_path / "c.csv", index=False)
    given = ["--context", str(tmp_path / "c.csv"), "--engine", "dask", "--scheduler", address]
    code, text, err = run([*args[:2], "-o", str(tmp_path / "x"), "--seed", "2", *given], capsys)
    assert code == 0, err
    assert "the events of 30 entities in 1 Parquet file" in text and "context rows" not in text
    model = Synthesizer.load(path)
    local, _ = model.sample_sequences(seed=2, context=pd.read_csv(tmp_path / "c.csv"))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "x"), local, check_dtype=False)
    assert not (tmp_path / "x-context").exists()


def test_bad_counts_name_entities(saved: tuple[Sequences, Path], tmp_path: Path) -> None:
    _, path = saved
    with pytest.raises(ParameterError, match="at most 1 for 40 entities"):
        sample_to_dataset(path, 40, tmp_path / "out", partitions=2)
    with pytest.raises(DataError, match="number of entities must be a positive integer"):
        sample_to_dataset(path, 0, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_model_without_context_writes_events_only(client: Client, tmp_path: Path) -> None:
    events, _ = _tables(80)
    model = Synthesizer("autoregressive", **SETTINGS, epochs=2).fit(events.drop(columns="event_id"))
    path = tmp_path / "m.simulacra"
    model.save(path)
    assert not model.numbers_events  # type: ignore[attr-defined]
    out = tmp_path / "events"
    write_sequences(client, path, 30, out, seed=2, partitions=2, chunk_entities=10)
    local, _ = _local(model, 30, seed=2, chunk_entities=10)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(pd.read_parquet(out), local, check_dtype=False)
    assert not (tmp_path / "events-context").exists()
    with pytest.raises(ParameterError, match="samples none"):
        write_sequences(client, path, 30, tmp_path / "e2", context_output=tmp_path / "c")
    assert not (tmp_path / "e2").exists() and not (tmp_path / "c").exists()
