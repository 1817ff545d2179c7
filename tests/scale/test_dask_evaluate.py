"""`evaluate --engine dask`: column shapes and pair trends from summaries of every row,
everything else on seeded samples, and the report says which is which."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client

from simulacra.evaluation.html import render
from simulacra.scale.evaluating import evaluate_dask, frequency_distance, sketch_distance
from simulacra.scale.summaries import summarise_categories, summarise_numbers

from .test_dask_sample import run


def test_distances_of_summaries() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=20_000), rng.normal(0.5, 1, size=20_000)
    exact = np.abs(
        np.searchsorted(np.sort(x), np.sort(np.r_[x, y]), "right") / len(x)
        - np.searchsorted(np.sort(y), np.sort(np.r_[x, y]), "right") / len(y)
    ).max()
    assert sketch_distance(summarise_numbers(x), summarise_numbers(y)) == pytest.approx(
        exact, abs=0.01
    )
    a = summarise_categories(pd.Series(["a"] * 6 + ["b"] * 4))
    b = summarise_categories(pd.Series(["a"] * 3 + ["b"] * 6 + [None]))
    assert frequency_distance(a, b) == pytest.approx(0.3)


@pytest.fixture(scope="module")
def synthetic_files(tmp_path_factory: pytest.TempPathFactory, files: Path) -> Path:
    """A 'synthetic' dataset: the real rows with price shuffled (its shape kept, its
    relations to the other columns broken), in two files."""
    table = pd.concat([pd.read_parquet(p) for p in sorted(files.glob("*.parquet"))])
    table = table.reset_index(drop=True)
    table["price"] = table["price"].sample(frac=1.0, random_state=0).to_numpy()
    folder = tmp_path_factory.mktemp("synth")
    for i, rows in enumerate(np.array_split(np.arange(len(table)), 2)):
        table.iloc[rows].to_parquet(folder / f"part_{i}.parquet", index=False)
    return folder


def test_evaluate_on_dask(client: Client, files: Path, synthetic_files: Path) -> None:
    report = evaluate_dask(
        files / "*.parquet", synthetic_files / "*.parquet", sample_rows=2_000, verbose=False
    )
    settings = report.scores["settings"]
    assert settings["rows"]["real"] == settings["rows"]["synthetic"] == 12_000
    assert settings["sample_rows"] == {"real": 2_000, "synthetic": 2_000}
    whole = settings["whole_table"]
    assert whole["column_shapes"]["price"] > 0.99  # same values, other rows
    assert whole["column_shapes"]["cut"] == pytest.approx(1.0)
    assert whole["pair_trends"]["carat / price"] < 0.6  # rho 0.92 -> ~0
    assert whole["pair_trends"]["carat / x"] == pytest.approx(1.0)
    assert any("whole_table" in note and "12,000" in note for note in settings["notes"])
    page = render(report)
    assert "<h2>Every row</h2>" in page and "all 12,000 real" in page
    assert "use every row of the seeded samples" in page


def test_cli_evaluate_on_dask(
    client: Client,
    files: Path,
    synthetic_files: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scores = tmp_path / "scores.json"
    args = ["evaluate", str(files / "*.parquet"), str(synthetic_files / "*.parquet")]
    args += ["--engine", "dask", "--scheduler", client.scheduler.address]
    code, text, err = run([*args, "--sample-rows", "1500", "--json", str(scores)], capsys)
    assert code == 0, err
    assert "whole tables, from summaries: column shapes" in text
    saved = json.loads(scores.read_text())
    assert saved["settings"]["sample_rows"]["real"] == 1_500
