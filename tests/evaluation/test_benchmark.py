"""`run_benchmark`: cells written one by one and skipped on a rerun, JSON and a leaderboard."""

from __future__ import annotations

import json
import os
import sys
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


def test_a_peer_without_its_interpreter_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SDV_PYTHON", raising=False)
    result = run_benchmark(["sdv-ctgan"], ["wa_churn"], tmp_path, rows=200, verbose=False)
    assert result["cells"] == [
        {"table": "wa_churn", "model": "sdv-ctgan", "skipped": result["cells"][0]["skipped"]}
    ]
    assert "SDV_PYTHON is not set" in result["cells"][0]["skipped"]
    assert not (tmp_path / "cells" / "wa_churn__sdv-ctgan.json").exists()  # a later run fills it
    page = (tmp_path / "leaderboard.html").read_text()
    assert "sdv-ctgan: skipped, SDV_PYTHON is not set" in page


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SDV_PYTHON"), reason="SDV_PYTHON is not set")
def test_an_sdv_peer_runs_in_its_own_interpreter(tmp_path: Path) -> None:
    result = run_benchmark(
        ["sdv-gaussiancopula"], ["wa_churn"], tmp_path, rows=500, limits=SMALL, verbose=False
    )
    cell = result["cells"][0]
    assert not cell.get("skipped") and 0 <= cell["realism"] <= 1 and cell["fit_seconds"] > 0
    assert "sdv" not in sys.modules  # SDV never loads in our process
