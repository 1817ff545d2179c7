"""`simulacra benchmark`: the examples of its own help run as written."""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd
import pytest

from simulacra.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", *args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def help_examples(capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    code, out, _ = run(["benchmark", "--help"], capsys)
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("simulacra benchmark ")]


def test_the_examples_of_the_help_run(
    tmp_path: Path, churn: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = help_examples(capsys)
    assert first[:3] == ["benchmark", "--models", "copula,tvae:epochs=5"]
    out_dir = tmp_path / "bench"
    code, out, err = run([*first[:-1], str(out_dir), "--rows", "200"], capsys)
    assert code == 0, err
    assert "copula" in out and "tvae:epochs=5" in out and "holdout (real rows)" in out
    assert "best on wa_churn: " in out and "highest realism" in out
    assert sorted(p.name for p in (out_dir / "cells").iterdir()) == [
        "wa_churn__copula.json",
        "wa_churn__tvae_epochs_5.json",
    ]
    # the second example: the user's own table file, with its target
    churn.sample(200, random_state=0).to_csv(tmp_path / "data.csv", index=False)
    args = [tmp_path / "data.csv" if a == "data.csv" else a for a in second[:-1]]
    code, out, err = run([*map(str, args), str(tmp_path / "own"), "--models", "copula"], capsys)
    assert code == 0, err
    assert f"best on {tmp_path / 'data.csv'}: copula" in out


def test_a_failed_benchmark_leaves_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "bench"
    code, _, err = run(["benchmark", "--models", "copula,nope", "-o", str(out_dir)], capsys)
    assert code == 1 and err.startswith("error: unknown model 'nope' (use one of copula")
    code, _, err = run(
        ["benchmark", "--models", "mst:epsilon=1", "--rows", "100", "-o", str(out_dir)], capsys
    )
    assert code == 1 and "schema must be public" in err
    assert not out_dir.exists()
