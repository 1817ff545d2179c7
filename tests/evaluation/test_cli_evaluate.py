"""`simulacra evaluate` on files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra.cli import main


def test_evaluate_writes_html_and_json(
    split_diamonds: tuple[pd.DataFrame, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    train, holdout = split_diamonds
    synth = train.sample(frac=1.0, replace=True, random_state=0)
    train.to_csv(tmp_path / "real.csv", index=False)
    holdout.to_csv(tmp_path / "test.csv", index=False)
    synth.to_parquet(tmp_path / "synth.parquet")
    args = ["evaluate", str(tmp_path / "real.csv"), str(tmp_path / "synth.parquet")]
    args += ["--holdout", str(tmp_path / "test.csv"), "--target", "cut", "--sensitive", "color"]
    # -o (alias --out, --report) names the HTML report; --quiet may follow the command
    args += ["-o", str(tmp_path / "r.html"), "--json", str(tmp_path / "s.json"), "--quiet"]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    assert "fidelity" in printed and "privacy" in printed
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["settings"]["target"] == "cut"
    assert scores["privacy"]["exact_copy_share"] > 0.5  # bootstrap of the training rows
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_evaluate_bad_target_is_one_line_error(
    small_diamonds: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small_diamonds.to_csv(tmp_path / "real.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", str(tmp_path / "real.csv"), str(tmp_path / "real.csv"), "--target", "no"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err  # status lines, when not quiet, then the one error line
    assert err.splitlines()[-1].startswith("error: target 'no'") and "Traceback" not in err


def test_evaluate_missing_table_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "synth.parquet"
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", str(missing), str(missing), "-q"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == f"error: {missing}: no such file\n"


def test_evaluate_names_the_files_model_and_command_it_judged(
    small_diamonds: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulacra import Synthesizer
    from simulacra.metadata import Metadata

    real = small_diamonds.iloc[:300]
    real.to_csv(tmp_path / "real.csv", index=False)
    real.sample(frac=1.0, random_state=0).to_csv(tmp_path / "synth.csv", index=False)
    Metadata.infer(real).save(tmp_path / "meta.json")
    Synthesizer("copula", seed=0, verbose=False).fit(real).save(tmp_path / "m.simulacra")
    args = [
        "evaluate", str(tmp_path / "real.csv"), str(tmp_path / "synth.csv"),
        "--metadata", str(tmp_path / "meta.json"), "--model", str(tmp_path / "m.simulacra"),
        "--json", str(tmp_path / "s.json"), "-o", str(tmp_path / "r.html"), "-q",
    ]  # fmt: skip
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 0
    settings = json.loads((tmp_path / "s.json").read_text())["settings"]
    assert settings["inputs"] == {
        "real": str(tmp_path / "real.csv"),
        "synthetic": str(tmp_path / "synth.csv"),
        "metadata": str(tmp_path / "meta.json"),
    }
    assert settings["model"] == f"copula ({tmp_path / 'm.simulacra'})"
    assert settings["command"].startswith(f"simulacra evaluate {tmp_path / 'real.csv'} ")
    assert f"--model {tmp_path / 'm.simulacra'}" in settings["command"]
    page = (tmp_path / "r.html").read_text()
    assert "(a table given in Python)" not in page and "not stated" not in page
    assert f"<dd>{tmp_path / 'synth.csv'}</dd>" in page and "<dt>command</dt>" in page
    assert "(model copula (" in " ".join(capsys.readouterr().out.split())  # rich wraps the title


def test_evaluate_refuses_the_training_file_as_holdout(
    small_diamonds: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = small_diamonds.drop_duplicates()
    real.to_csv(tmp_path / "real.csv", index=False)
    args = ["evaluate", str(tmp_path / "real.csv"), str(tmp_path / "real.csv"), "-q"]
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--holdout", str(tmp_path / "real.csv")])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the holdout is not unseen real rows: 100.0% of its")
    assert err.count("\n") == 1


def test_evaluate_scores_pairs_by_the_users_metadata_and_lists_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulacra.metadata import Metadata

    rng = np.random.default_rng(0)
    n = 600
    term = rng.choice([12, 24, 36, 48, 60, 72], n)
    real = pd.DataFrame({"term": term, "rate": term / 10 + rng.normal(0, 1, n)})
    real.to_csv(tmp_path / "real.csv", index=False)
    real.sample(frac=1.0, random_state=1).to_csv(tmp_path / "synth.csv", index=False)
    metadata = Metadata.infer(real)
    assert metadata["term"].kind == "numerical"
    metadata.set_kind("term", "categorical")
    metadata.save(tmp_path / "meta.json")
    args = ["evaluate", str(tmp_path / "real.csv"), str(tmp_path / "synth.csv")]
    args += ["--metadata", str(tmp_path / "meta.json"), "--json", str(tmp_path / "s.json"), "-q"]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 0
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["settings"]["columns"] == {"term": "categorical", "rate": "numerical"}
    assert scores["settings"]["kinds_from"] == "the metadata given"
    [pair] = scores["fidelity"]["pairs"]
    assert pair["columns"] == ["term", "rate"] and pair["kinds"] == ["categorical", "numerical"]
    assert pair["metric"] == "contingency similarity" and pair["sdmetrics_default"] is True
    convention = scores["fidelity"]["pair_trends_convention"]
    assert convention["used"] == "all pairs" and convention["pairs_in_sdmetrics_default"] == 1
    printed = " ".join(capsys.readouterr().out.split())
    assert "note: pair trends: the mean over every column pair (1: 1.0000)" in printed
    assert "averages only the pairs whose real |r| > 0.5 or Cramér's V > 0.3 (1: 1.0000)" in printed
