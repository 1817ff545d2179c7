"""`run_benchmark`: cells written one by one and skipped on a rerun, JSON and a leaderboard."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulacra.cli.benchmarking import parse_model, parse_models, run_benchmark
from simulacra.errors import DataError, ParameterError
from simulacra.evaluation import Limits

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
    assert "<svg" in page and "Best: <b>copula (the highest realism" in page
    assert "http" not in page and "holdout (real rows)" in page  # the reference row
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


def test_a_model_list_is_split_as_the_help_says() -> None:
    assert parse_models("copula,tvae:epochs=5") == ["copula", "tvae:epochs=5"]
    assert parse_models("tvae:epochs=5,batch_size=200;copula | ctgan") == [
        "tvae:epochs=5,batch_size=200",
        "copula",
        "ctgan",
    ]
    with pytest.raises(ParameterError, match="'epochs=5' after 'copula' belongs to no model"):
        parse_models("copula,epochs=5")


def test_a_failed_run_leaves_no_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "bench" / "run"
    with pytest.raises(ParameterError, match="unknown model 'nope'"):
        run_benchmark(["copula", "nope"], ["wa_churn"], out, verbose=False)
    with pytest.raises(ParameterError, match="no parameter 'epochz'"):
        run_benchmark(["tvae:epochz=5"], ["wa_churn"], out, verbose=False)
    with pytest.raises(ParameterError, match="schema must be public"):  # fails while fitting
        run_benchmark(["mst:epsilon=1"], ["wa_churn"], out, rows=200, verbose=False)
    assert list(tmp_path.iterdir()) == []


def test_a_table_file_with_its_target(tmp_path: Path, churn: pd.DataFrame) -> None:
    path = tmp_path / "mine.csv"
    churn.sample(300, random_state=0).to_csv(path, index=False)
    with pytest.raises(DataError, match="--target 'nope' is not a column"):
        run_benchmark(["copula"], [str(path)], tmp_path / "a", target="nope", verbose=False)
    assert not (tmp_path / "a").exists()
    with pytest.raises(ParameterError, match="bundled tables have their own"):
        run_benchmark(["copula"], ["wa_churn"], tmp_path / "b", target="churn", verbose=False)
    with pytest.raises(DataError, match="missing.csv: no such file"):
        run_benchmark(["copula"], [str(tmp_path / "missing.csv")], tmp_path / "c", verbose=False)
    result = run_benchmark(
        ["copula"], [str(path)], tmp_path / "d", target="churn", limits=SMALL, verbose=False
    )
    (cell,) = result["cells"]
    assert cell["table"] == str(path) and cell["utility"] is not None
    assert result["targets"] == {str(path): "churn"}
    page = (tmp_path / "d" / "leaderboard.html").read_text()
    assert "utility predicts 'churn'" in page


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
