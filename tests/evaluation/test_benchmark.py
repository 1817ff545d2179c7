"""`run_benchmark`: cells written one by one and skipped on a rerun, JSON and a leaderboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulacra.errors import ParameterError
from simulacra.evaluation import Limits
from simulacra.evaluation.benchmark import parse_model, run_benchmark

SMALL = Limits(model_rows=300, query_rows=200, reference_rows=500, knn_rows=200)


def test_a_benchmark_resumes_and_writes_a_leaderboard(tmp_path: Path) -> None:
    result = run_benchmark(
        ["copula"], ["wa_churn"], tmp_path, rows=500, limits=SMALL, verbose=False
    )
    cell_path = tmp_path / "cells" / "wa_churn__copula.json"
    cell = json.loads(cell_path.read_text())
    assert result["cells"] == [cell]
    assert 0 <= cell["realism"] <= 1 and 0 <= cell["dcr_share"] <= 1
    page = (tmp_path / "leaderboard.html").read_text()
    assert "<svg" in page and "Best: <b>copula</b>" in page and "http" not in page
    stamp = cell_path.stat().st_mtime_ns
    again = run_benchmark(["copula"], ["wa_churn"], tmp_path, rows=500, limits=SMALL, verbose=False)
    assert cell_path.stat().st_mtime_ns == stamp and again["cells"] == [cell]
    assert json.loads((tmp_path / "benchmark.json").read_text())["cells"] == [cell]


def test_model_specs_and_unknown_tables() -> None:
    assert parse_model("tvae:epochs=5,batch_size=200") == (
        "tvae",
        {"epochs": 5, "batch_size": 200},
    )
    with pytest.raises(ParameterError, match="KEY=VALUE"):
        parse_model("tvae:epochs")
    with pytest.raises(ParameterError, match="unknown table"):
        run_benchmark(["copula"], ["nope"], "unused", verbose=False)
