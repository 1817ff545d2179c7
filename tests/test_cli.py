"""The command line: happy path, and one clear error line for each kind of bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from simulacra import ModelFileError, Synthesizer, read_table
from simulacra.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", *args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


@pytest.fixture
def data(tmp_path: Path, diamonds: pd.DataFrame) -> Path:
    path = tmp_path / "real.csv"
    diamonds.sample(3_000, random_state=0).to_csv(path, index=False)
    return path


def test_inspect_fit_sample(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["inspect", str(data), "--json", str(tmp_path / "m.json")], capsys)
    assert code == 0 and "categorical" in out and "numerical" in out
    meta = json.loads((tmp_path / "m.json").read_text())
    assert meta["columns"]["cut"]["kind"] == "categorical"
    model = tmp_path / "m.simulacra"
    code, out, _ = run(
        [
            "fit",
            str(data),
            "-m",
            "copula",
            "-o",
            str(model),
            "--metadata",
            str(tmp_path / "m.json"),
        ],
        capsys,
    )
    assert code == 0 and model.exists()
    for ext in ("parquet", "csv", "jsonl"):
        target = tmp_path / f"s.{ext}"
        args = ["sample", str(model), "-n", "1200", "-o", str(target), "--condition", "cut=Ideal"]
        code, _, err = run(args, capsys)
        assert code == 0, err
        frame = read_table(target)
        assert len(frame) == 1200 and (frame["cut"] == "Ideal").all()


def test_same_seed_gives_byte_identical_files(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    run(["fit", str(data), "-o", str(model)], capsys)
    for name in ("a", "b"):
        run(
            ["sample", str(model), "-n", "500", "-o", str(tmp_path / f"{name}.csv"), "--seed", "7"],
            capsys,
        )
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_help_lists_commands_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for command in ("inspect", "fit", "sample", "demo"):
        assert command in out
    code, out, _ = run(["sample", "--help"], capsys)
    assert "Examples" in out and "--condition" in out


BAD_TABLES = {
    "empty.csv": ("", "is empty"),
    "header.csv": ("a,b\n", "no rows"),
    "one_row.csv": ("a,b\n1,x\n", "1 row"),
    "all_null.csv": ("a,b\n1,\n2,\n3,\n", "'b' has no values"),
    "constant.csv": ("a,b\n1,x\n2,x\n3,x\n", "'b' is constant"),
    "mixed.csv": (
        "a,b\n" + "".join(f"{i},{i}\n" for i in range(30)) + "31,oops\n",
        "'b' mixes numbers and text",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_TABLES))
def test_bad_tables_get_one_line(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    content, message = BAD_TABLES[name]
    path = tmp_path / name
    path.write_text(content)
    model = tmp_path / "m.simulacra"
    code, _, err = run(["fit", str(path), "-o", str(model)], capsys)
    assert code != 0
    assert message in err and err.startswith("error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not model.exists()


def test_bad_model_files_and_conditions(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    run(["fit", str(data), "-o", str(model)], capsys)
    out = tmp_path / "s.parquet"

    truncated = tmp_path / "truncated.simulacra"
    truncated.write_bytes(model.read_bytes()[:200])
    newer = tmp_path / "newer.simulacra"
    with zipfile.ZipFile(model) as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.namelist():
            payload = src.read(item)
            if item == "manifest.json":
                manifest = json.loads(payload)
                manifest["format_version"] = 99
                payload = json.dumps(manifest).encode()
            dst.writestr(item, payload)
    cases = [
        (["sample", str(truncated), "-n", "5", "-o", str(out)], "corrupt or truncated"),
        (["sample", str(newer), "-n", "5", "-o", str(out)], "version 99 is newer"),
        (
            ["sample", str(model), "-n", "5", "-o", str(out), "--condition", "colour=J"],
            "unknown column 'colour'",
        ),
        (["sample", str(model), "-n", "5", "-o", str(out), "--condition", "cut"], "name=value"),
        (["sample", str(model), "-n", "0", "-o", str(out)], "positive integer"),
    ]
    for args, message in cases:
        code, _, err = run(args, capsys)
        assert code != 0 and message in err, (args, err)
        assert "Traceback" not in err
        assert not out.exists()


def test_unknown_column_in_metadata(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meta_path = tmp_path / "m.json"
    run(["inspect", str(data), "--json", str(meta_path)], capsys)
    meta = json.loads(meta_path.read_text())
    meta["columns"]["weight"] = {"kind": "numerical", "dtype": "float64"}
    meta_path.write_text(json.dumps(meta))
    code, _, err = run(
        ["fit", str(data), "--metadata", str(meta_path), "-o", str(tmp_path / "m.simulacra")],
        capsys,
    )
    assert code != 0 and "'weight' is in the metadata but not in the table" in err


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(Exception, match="is empty"):
        main(["--debug", "fit", str(empty), "-o", str(tmp_path / "m.simulacra")])


def test_progress_is_shown_and_silenced(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    run(["fit", str(data), "-o", str(model)], capsys)
    args = ["sample", str(model), "-n", "250000", "-o", str(tmp_path / "s.parquet")]
    with pytest.raises(SystemExit):
        main(args)
    assert "sampling copula" in capsys.readouterr().err
    code, _, err = run(args, capsys)  # run() adds --quiet
    assert code == 0 and "sampling" not in err


def test_image_model_is_not_a_table_model(tmp_path: Path) -> None:
    from simulacra.modelfile import write_model

    manifest = {"kind": "images", "model": "vae", "params": {}}
    path = write_model(tmp_path / "img.simulacra", manifest, {})
    with pytest.raises(ModelFileError, match="not a table model"):
        Synthesizer.load(path)
