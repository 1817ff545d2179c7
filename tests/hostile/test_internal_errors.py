"""Inputs whose error reached users as Python's own (`error: ValueError: expected non-negative
integer`, `OverflowError`, a scikit-learn message): each is now refused where the input is
checked, with one line naming the problem (issue 23, the principle on internal exceptions)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import DataError, ParameterError, Synthesizer, seeding
from simulacra.errors import ClusterError

Refused = Callable[[list[str], Path], str]  # the `refused` fixture of conftest.py


@pytest.fixture
def fitted(tmp_path: Path) -> tuple[Path, Path]:
    """A small table (a, b, integers c) and a copula model of it."""
    rng = np.random.default_rng(0)
    n = 200
    table = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.choice(["x", "y"], n), "c": rng.integers(0, 50, n)}
    )
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    model = tmp_path / "m.simulacra"
    Synthesizer("copula", verbose=False).fit(table).save(model)
    return data, model


def test_a_negative_seed_is_named(fitted: tuple[Path, Path], refused: Refused) -> None:
    _, model = fitted
    out = model.parent / "s.csv"
    line = refused(["sample", str(model), "-n", "5", "--seed", "-1", "-o", str(out)], out)
    assert line == "error: seed must be a non-negative integer, not -1"
    report = model.parent / "r.json"
    line = refused(
        ["images", "evaluate", "digits", "digits", "--seed", "-1", "--json", str(report)], report
    )
    assert line == "error: seed must be a non-negative integer, not -1"
    with pytest.raises(ParameterError, match="seed must be a non-negative integer, not -3"):
        Synthesizer.load(model).sample(5, seed=-3)
    with pytest.raises(ParameterError, match="not 1.5"):
        seeding.rng(1.5, "sample")  # type: ignore[arg-type]


def test_an_infinite_condition_on_integers_is_outside_the_range(
    fitted: tuple[Path, Path], refused: Refused
) -> None:
    _, model = fitted
    out = model.parent / "s.csv"
    args = ["sample", str(model), "-n", "5", "--condition", "c=1e400", "-o", str(out)]
    assert "condition c='1e400' is outside the learned range [0, 49]" in refused(args, out)


def test_a_one_row_table_is_refused_by_evaluate(
    fitted: tuple[Path, Path], refused: Refused
) -> None:
    data, _ = fitted
    one = data.parent / "one.csv"
    pd.read_csv(data).head(1).to_csv(one, index=False)
    report = data.parent / "r.json"
    line = refused(["evaluate", str(data), str(one), "--json", str(report)], report)
    assert line == f"error: {one}: has 1 row; evaluate needs at least 2 in each table"


def test_bad_partition_counts_are_refused_before_a_cluster_starts(
    fitted: tuple[Path, Path], refused: Refused, tmp_path: Path
) -> None:
    _, model = fitted
    out = tmp_path / "parts"
    for count in ("0", "-1"):
        args = ["sample", str(model), "-n", "5", "--engine", "dask", "--partitions", count]
        line = refused([*args, "-o", str(out)], out)
        assert line == f"error: partitions must be a positive integer, not {count}"
    spec = tmp_path / "spec.yaml"
    spec.write_text("columns:\n  x: {distribution: normal}\n")
    args = ["generate", str(spec), "-n", "5", "--engine", "dask", "--partitions", "0"]
    assert "partitions must be a positive integer" in refused([*args, "-o", str(out)], out)


def test_a_cluster_that_cannot_start_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import dask.distributed

    from simulacra.scale.cluster import dask_client

    def broken(**kwargs: object) -> None:
        raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(dask.distributed, "LocalCluster", broken)
    expected = r"could not start \(Nanny failed to start.\); start one and give --scheduler"
    with pytest.raises(ClusterError, match=expected), dask_client(workers=1):
        pass


def test_values_too_large_for_a_mixture_of_modes_are_named() -> None:
    # ctgan and tvae said "ValueError: array must not contain infs or NaNs" (sklearn's GMM)
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": np.r_[rng.normal(size=99), 1e300], "b": rng.normal(size=100)})
    with pytest.raises(DataError, match="column 'a': values as large as 1e\\+300 overflow"):
        Synthesizer("ctgan", epochs=1, verbose=False).fit(table)
    assert len(Synthesizer("copula", verbose=False).fit(table).sample(10)) == 10
