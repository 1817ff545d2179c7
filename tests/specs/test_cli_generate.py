"""`simulacra generate`: scenarios, spec files, same bytes for the same seed, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulacra import read_table
from simulacra.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["--quiet", *args])
    captured = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["generate", "--list"], capsys)
    assert code == 0 and "user-stories" in out and "paper-regression" in out


def test_scenario_and_spec_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["generate", "paper-binary", "-n", "50", "-o", str(tmp_path / "b.csv")], capsys
    )
    assert code == 0 and "50 rows x 21 columns" in out
    assert read_table(tmp_path / "b.csv").shape == (50, 21)
    spec = tmp_path / "spec.yaml"
    spec.write_text("columns:\n  x: {distribution: gamma, shape: 2}\n  y: {formula: 'x * 2'}\n")
    for name in ("a.parquet", "b.parquet"):
        code, _, _ = run(
            ["generate", str(spec), "-n", "100", "-o", str(tmp_path / name), "--seed", "4"], capsys
        )
        assert code == 0
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("columns:\n  y: {formula: \"__import__('os')\"}\n")
    code, _, err = run(["generate", str(spec), "-n", "5", "-o", str(tmp_path / "x.csv")], capsys)
    assert code == 1 and err.startswith("error: column 'y': unknown function '__import__'")
    assert not (tmp_path / "x.csv").exists()
    code, _, err = run(["generate", "paper-binary"], capsys)
    assert code == 1 and "-o OUTPUT" in err
    code, _, err = run(
        ["generate", str(tmp_path / "none.yaml"), "-o", str(tmp_path / "x.csv")], capsys
    )
    assert code == 1 and "no such specification file" in err


def test_out_alias_and_flags_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for option in ("-o", "--out", "--output"):
        target = tmp_path / f"g{option}.csv"
        with pytest.raises(SystemExit) as info:
            main(["generate", "paper-binary", "-n", "30", option, str(target), "-q"])
        assert info.value.code in (0, None)
        assert read_table(target).shape == (30, 21)
    assert capsys.readouterr().err == ""
