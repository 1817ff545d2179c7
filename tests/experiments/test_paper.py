"""`reproduce paper` on one seed: the table, the readings, the claim and all three figures."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulacra import registry
from simulacra.cli import main
from simulacra.experiments import reproduce_paper
from simulacra.experiments.claim import claim_jobs, claim_row, synthesizer_params
from simulacra.experiments.mlp import MLPClassifier, MLPConfig
from simulacra.experiments.protocol import MULTICLASS
from simulacra.registry import get, names

FIGURES = [
    "figure1_decision_boundary.png",
    "figure2_predicted_vs_actual.png",
    "table1_confusion_matrix.png",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("paper")
    results = reproduce_paper(out, seeds=1, synthesizers=["copula"], verbose=False, workers=1)
    return results, out


def test_table_has_every_paper_figure(results: tuple[dict[str, Any], Path]) -> None:
    res, _ = results
    reported = {(r["experiment"], r["metric"]): r for r in res["table"] if r["paper"] is not None}
    assert set(reported) == {
        ("binary", "train_accuracy"),
        ("binary", "test_accuracy"),
        ("binary", "f1"),
        ("multiclass", "train_accuracy"),
        ("multiclass", "test_accuracy"),
        ("regression", "r2"),
        ("regression", "mse"),
        ("regression", "mae"),
    }
    assert all(r["why"] for r in res["table"])
    regression = {r["metric"]: r["mean"] for r in res["table"] if r["experiment"] == "regression"}
    assert regression["r2"] > 0.998 and 0.008 < regression["mse"] < 0.012
    binary = {r["metric"]: r["mean"] for r in res["table"] if r["experiment"] == "binary"}
    assert binary["test_accuracy"] > 0.93
    multi = {r["metric"]: r["mean"] for r in res["table"] if r["experiment"] == "multiclass"}
    assert 0.8 < multi["test_accuracy"] <= 1.0


def test_files_are_written(results: tuple[dict[str, Any], Path]) -> None:
    res, out = results
    for name in FIGURES:
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    saved = json.loads((out / "results.json").read_text())
    assert saved["table"] == json.loads(json.dumps(res["table"]))
    markdown = (out / "results.md").read_text()
    assert "| regression | MSE | 0.11 |" in markdown and "variance 0.1" in markdown


def test_claim_rows_for_each_experiment(results: tuple[dict[str, Any], Path]) -> None:
    res, _ = results
    rows = res["claim"]
    assert [r["experiment"] for r in rows] == ["binary", "multiclass", "regression"]
    for row in rows:
        assert row["error"] is None, row["error"]
        assert row["gap"] == pytest.approx(row["real"] - row["synthetic"])
    assert rows[2]["synthetic"] > 0.95  # the copula keeps a linear relation


def test_synthesizer_params_pass_epochs_only_where_accepted() -> None:
    assert synthesizer_params("copula", 3) == {"seed": 3, "verbose": False}
    for name in names():
        accepted = inspect.signature(get(name).__init__).parameters
        assert ("epochs" in synthesizer_params(name, 0, epochs=2)) == ("epochs" in accepted)


def test_claim_jobs_cover_every_registered_synthesizer() -> None:
    jobs = claim_jobs(2)
    assert len(jobs) == 2 * 3 * len(names())
    assert {name for _, _, name in jobs} == set(names())


def test_claim_row_scores_and_reports_a_failing_synthesizer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = claim_row("binary", 0, "copula", 1)
    assert row["error"] is None and 0.5 < row["synthetic"] <= 1.0
    monkeypatch.setitem(
        registry.REGISTRY["table"], "broken", "simulacra.experiments.claim:NoSuchModel"
    )
    row = claim_row("binary", 0, "broken", 1)
    assert np.isnan(row["synthetic"]) and row["error"].startswith("AttributeError")


def test_mlp_is_deterministic_and_learns() -> None:
    train, test = MULTICLASS.data(0)
    x, y = MULTICLASS.xy(train.iloc[:800])
    xt, yt = MULTICLASS.xy(test)
    config = MLPConfig(epochs=3)
    a = MLPClassifier(classes=5, config=config, seed=1).fit(x, y).predict(xt)
    b = MLPClassifier(classes=5, config=config, seed=1).fit(x, y).predict(xt)
    np.testing.assert_array_equal(a, b)
    assert (a == yt).mean() > 0.6


def test_cli_reproduce_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(
            [
                "--quiet",
                "reproduce",
                "paper",
                "--seeds",
                "1",
                "--out",
                str(tmp_path),
                "-m",
                "copula",
            ]
        )
    assert info.value.code in (0, None)
    out = capsys.readouterr().out
    assert "paper vs measured" in out and "train on synthetic" in out and "0.95" in out
    assert all((tmp_path / name).exists() for name in FIGURES)


@pytest.mark.slow
def test_worker_processes_give_the_same_claim(
    results: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    res, _ = results
    parallel = reproduce_paper(tmp_path, seeds=1, synthesizers=["copula"], verbose=False, workers=2)
    keys = ("experiment", "synthesizer", "real", "synthetic", "gap")
    assert [[r[k] for k in keys] for r in parallel["claim"]] == [
        [r[k] for k in keys] for r in res["claim"]
    ]
