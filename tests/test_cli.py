"""The command line: happy path, and one clear error line for each kind of bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import simulacra
from simulacra import ModelFileError, ParameterError, Synthesizer, read_table
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
    run(["fit", "-m", "copula", str(data), "-o", str(model)], capsys)
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
    "twice.csv": ("a,a\n1,2\n3,4\n", "column 'a' appears twice"),
    "ragged.csv": ("a,b\n1,2\n3,4,5\n", "has 3 fields but the header has 2"),
}


@pytest.mark.parametrize("name", sorted(BAD_TABLES))
def test_bad_tables_get_one_line(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    content, message = BAD_TABLES[name]
    path = tmp_path / name
    path.write_text(content)
    model = tmp_path / "m.simulacra"
    code, _, err = run(["fit", "-m", "copula", str(path), "-o", str(model)], capsys)
    assert code != 0
    assert message in err and err.startswith("error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not model.exists()


def test_bad_model_files_and_conditions(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    run(["fit", "-m", "copula", str(data), "-o", str(model)], capsys)
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
        [
            "fit",
            "-m",
            "copula",
            str(data),
            "--metadata",
            str(meta_path),
            "-o",
            str(tmp_path / "m.simulacra"),
        ],
        capsys,
    )
    assert code != 0 and "'weight' is in the metadata but not in the table" in err


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(Exception, match="is empty"):
        main(["--debug", "fit", "-m", "copula", str(empty), "-o", str(tmp_path / "m.simulacra")])


def test_progress_is_shown_and_silenced(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    run(["fit", "-m", "copula", str(data), "-o", str(model)], capsys)
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


@pytest.fixture
def small(tmp_path: Path, diamonds: pd.DataFrame) -> Path:
    path = tmp_path / "small.csv"
    diamonds.sample(300, random_state=1).to_csv(path, index=False)
    return path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out == f"simulacra {simulacra.__version__}\n"


def test_global_flags_after_the_command(
    tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    for flag in ("--quiet", "-q"):
        with pytest.raises(SystemExit) as done:
            main(["fit", "-m", "copula", str(small), "-o", str(model), flag])
        assert done.value.code in (0, None) and model.exists()
    args = ["sample", str(model), "-n", "250000", "-o", str(tmp_path / "s.parquet")]
    with pytest.raises(SystemExit):
        main([*args, "--quiet"])
    assert "sampling" not in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(args)  # the quiet of the previous call does not stick
    assert "sampling copula" in capsys.readouterr().err
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(Exception, match="is empty"):
        main(["fit", "-m", "copula", str(empty), "-o", str(model), "--debug"])
    with pytest.raises(ModelFileError, match="no such model file"):  # a sub-app's command
        main(["images", "sample", str(tmp_path / "none.simulacra"), "-o", str(tmp_path), "--debug"])
    code, out, _ = run(["reproduce", "paper", "--help", "-q"], capsys)
    assert code == 0 and "--claim-seeds" in out
    # after `--` the flags are arguments, not options
    code, _, err = run(["inspect", "--", "--debug"], capsys)
    assert code == 1 and err.startswith("error: --debug: unknown table format")


def test_out_on_every_command_that_writes(
    tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for option in ("-o", "--out", "--output"):
        model = tmp_path / f"m{option}.simulacra"
        code, _, err = run(["fit", "-m", "copula", str(small), option, str(model)], capsys)
        assert code == 0 and model.exists(), err
        table = tmp_path / f"s{option}.csv"
        code, _, err = run(["sample", str(model), "-n", "20", option, str(table)], capsys)
        assert code == 0 and len(read_table(table)) == 20, err
    for option in ("-o", "--out", "--json"):
        meta = tmp_path / f"meta{option}.json"
        code, _, _ = run(["inspect", str(small), option, str(meta)], capsys)
        assert code == 0 and "columns" in json.loads(meta.read_text())
    for command in (["demo"], ["reproduce", "paper"], ["images", "evaluate"], ["evaluate"]):
        code, out, _ = run([*command, "--help"], capsys)
        assert code == 0 and "-o, --out" in out, command
    for command in (["images", "fit"], ["images", "sample"], ["generate"]):
        code, out, _ = run([*command, "--help"], capsys)
        assert code == 0 and "-o, --out, --output" in out, command


def test_help_says_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    from simulacra.experiments.claim import QUICK_EPOCHS

    def help_of(command: list[str]) -> str:
        code, out, _ = run([*command, "--help"], capsys)
        assert code == 0
        return " ".join(out.split())

    out = help_of(["fit"])
    assert "default: chosen for the table: the ensemble" in out and "[default: 0]" in out
    assert "--time-budget" in out
    # the shared options' help comes from the models' declarations, one default per model
    assert "(default: ctgan, tvae 300; autoregressive None: 300, 20 with DP; ddpm 200;" in out
    assert "copula, mst, ensemble have none)" in out
    assert "(default: ctgan, tvae, autoregressive None: no DP; mst 1.0;" in out
    assert (
        "copula, ctgan, tvae, autoregressive" in out and "(default: inferred from the table)" in out
    )
    assert f"(default {QUICK_EPOCHS}, a quick run" in help_of(["reproduce", "paper"])
    out = help_of(["images", "fit"])
    assert "vae, convvae, gan" in out and "[default: vae]" in out
    assert "(default: vae 50; convvae, gan 30; diffusion 40)" in out


def test_inspect_params_shows_a_models_declared_parameters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["inspect", "--params", "ddpm", "--json", str(tmp_path / "p.json")], capsys
    )
    assert code == 0, err
    assert "table model 'ddpm' (conditions, impute, streams, gpu)" in out
    for text in ("sampling_steps", "an integer in [1, 100000]", "200"):
        assert text in out, text
    described = json.loads((tmp_path / "p.json").read_text())
    assert [row["name"] for row in described["params"]] == Synthesizer("ddpm")._param_names()
    code, _, err = run(["inspect", "--params", "gpt"], capsys)
    assert code == 1 and "unknown model 'gpt'" in err


def test_inspect_a_table_model(
    tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    run(["fit", str(small), "-m", "copula", "-o", str(model), "--seed", "3"], capsys)
    code, out, err = run(["inspect", str(model), "--json", str(tmp_path / "d.json")], capsys)
    assert code == 0, err
    assert f"{model}: table model 'copula'" in out
    for text in ("params", "marginals", "empirical", "columns (10)", "quantile", "frequency"):
        assert text in out, text
    assert "10 x 10 values" in out  # the correlation matrix, shortened
    described = json.loads((tmp_path / "d.json").read_text())
    assert described == json.loads(json.dumps(Synthesizer.load(model).describe()))
    assert described["params"]["seed"] == 3 and described["columns"]["cut"]["categories"] == 5
    # a model file is found by its content too, whatever its name
    renamed = tmp_path / "model.bin"
    renamed.write_bytes(model.read_bytes())
    code, out, _ = run(["inspect", str(renamed)], capsys)
    assert code == 0 and "table model 'copula'" in out


def test_inspect_a_neural_model_shows_networks_and_training(
    tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "t.simulacra"
    code, _, err = run(
        ["fit", str(small), "-m", "tvae", "--epochs", "3", "--batch-size", "100", "-o", str(model)],
        capsys,
    )
    assert code == 0, err
    code, out, _ = run(["inspect", str(model), "-o", str(tmp_path / "t.json")], capsys)
    assert code == 0 and "table model 'tvae'" in out
    assert "encoder_" in out and "decoder_" in out and "seconds_per_epoch" in out
    described = json.loads((tmp_path / "t.json").read_text())
    assert described == json.loads(json.dumps(Synthesizer.load(model).describe()))
    assert described["model"]["epochs_trained"] == 3
    losses = described["model"]["history"]
    assert losses and all(set(values) == {"first", "last"} for values in losses.values())
    for name, values in losses.items():
        assert name in out and f"{values['last']:.4g}" in out


def test_print_details_handles_any_nesting(capsys: pytest.CaptureFixture[str]) -> None:
    from simulacra.cli.common import print_details

    details = {
        "kind": "images",
        "image_shape": [28, 28],
        "fit": {"images": 1797, "seconds": 1.23456789, "epoch_seconds": list(range(20))},
        "parameters": {"encoder": {"weights": 1000, "layers": 3}, "decoder": {"weights": 900}},
        "nested": {"deeper": {"a": 1, "b": [1.5, 2.5]}, "flag": True},
        "empty": {},
        "missing": None,
    }
    print_details("an image model", details)
    out = capsys.readouterr().out
    for text in ("an image model", "[28, 28]", "1.235", "(20 values)", "parameters (2)"):
        assert text in out, text
    for text in ("weights", "layers", "deeper", "[1.5, 2.5]", "True", "missing"):
        assert text in out, text


def test_spinner_shows_and_gives_way_to_progress_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from simulacra import _progress

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    monkeypatch.setattr(_progress, "_console", lambda: console)
    with _progress.quiet(False), _progress.status("reading big.csv"):
        spinner = _progress._spinner.get()
        assert spinner is not None
        for _ in _progress.track(range(3), "inferring metadata", 3):
            assert not spinner._live.is_started  # paused while the bar is shown
        assert spinner._live.is_started
    assert "reading big.csv" in screen.getvalue() and "inferring metadata" in screen.getvalue()
    screen.truncate(0)
    with _progress.quiet(), _progress.status("reading big.csv"):
        assert _progress._spinner.get() is None
    assert screen.getvalue() == ""


def test_unknown_model_parameter_is_one_line(
    tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    for extra, name in ((["--epochs", "5"], "epochs"), (["--param", "nope=1"], "nope")):
        code, _, err = run(["fit", str(small), "-m", "copula", *extra, "-o", str(model)], capsys)
        assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert err.startswith(f"error: copula has no parameter '{name}' (its parameters: ")
        assert "marginals" in err and not model.exists()
    with pytest.raises(ParameterError, match="tvae has no parameter 'lr'"):
        Synthesizer("tvae", lr=0.1)


def test_file_errors_name_the_file(
    tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    run(["fit", "-m", "copula", str(small), "-o", str(model)], capsys)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not a parquet file at all")
    cases = [
        (["fit", str(tmp_path / "none.csv"), "-o", str(model)], "none.csv: no such file"),
        (["fit", str(folder), "-o", str(model)], f"{folder}: cannot be read as csv"),
        (["fit", str(garbage), "-o", str(model)], f"{garbage}: cannot be read as parquet"),
        (["inspect", str(tmp_path / "none.simulacra")], "none.simulacra: no such model file"),
        (
            ["fit", "-m", "copula", str(small), "--metadata", str(tmp_path), "-o", str(model)],
            f"{tmp_path}: Is a directory",
        ),
        (
            ["sample", str(model), "-n", "5", "-o", str(small / "s.csv")],
            f"{small}: is a file, not a folder",
        ),
        (["sample", str(model), "-n", "5", "-o", str(folder)], f"{folder}: is a folder"),
    ]
    for args, message in cases:
        code, _, err = run(args, capsys)
        assert code == 1 and err.startswith("error: ") and message in err, (args, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unexpected_errors_are_one_line_too() -> None:
    from simulacra.cli import error_line

    line = error_line(RuntimeError("first\n  second"))
    assert line == "RuntimeError: first second (--debug shows the traceback)"
    assert error_line(PermissionError(13, "Permission denied", "/x/y.csv")) == (
        "/x/y.csv: Permission denied"
    )
    assert error_line(ParameterError("a\nb")) == "a b"


def test_inspect_an_image_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simulacra.images import ImageSynthesizer, load_images

    images = load_images("digits", size=8)
    model = ImageSynthesizer("vae", epochs=1, threads=1, verbose=False).fit(images)
    path = model.save(tmp_path / "digits.simulacra")
    code, out, err = run(["inspect", str(path), "--out", str(tmp_path / "d.json")], capsys)
    assert code == 0, err
    assert f"{path}: images model 'vae'" in out
    for text in ("image_shape", "[8, 8]", "encoder", "final_losses", "reconstruction"):
        assert text in out, text
    described = json.loads((tmp_path / "d.json").read_text())
    assert described["kind"] == "images" and described["epochs_trained"] == 1


@pytest.mark.parametrize("settings", [["-m", "autoregressive", "--epochs", "3"], ["-m", "copula"]])
def test_impute_fills_only_the_missing_cells(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str], settings: list[str]
) -> None:
    model = tmp_path / "m.simulacra"
    fit = ["fit", str(data), *settings, "-o", str(model)]
    assert run(fit, capsys)[0] == 0
    table = pd.read_csv(data)
    gaps = table.copy()
    gaps.loc[::3, "cut"] = None
    gaps.loc[1::3, "price"] = None
    gaps.to_csv(tmp_path / "gaps.csv", index=False)
    filled_path = tmp_path / "filled.csv"
    code, out, err = run(
        ["impute", str(model), str(tmp_path / "gaps.csv"), "-o", str(filled_path)], capsys
    )
    assert code == 0, err
    assert "filled 2,000 of 2,000 missing cells" in out
    filled = pd.read_csv(filled_path)
    assert filled[["cut", "price"]].notna().all().all()
    assert set(filled["cut"]) <= set(table["cut"])
    kept = gaps.notna()
    pd.testing.assert_frame_equal(
        filled[kept].dropna(how="all"), gaps[kept].dropna(how="all"), check_dtype=False
    )


def test_impute_with_a_model_that_cannot(
    tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "c.simulacra"
    assert run(["fit", "-m", "mst", str(small), "-o", str(model)], capsys)[0] == 0
    code, _, err = run(["impute", str(model), str(small), "-o", str(tmp_path / "f.csv")], capsys)
    assert code == 1 and "cannot impute" in err and err.count("\n") == 1
    assert not (tmp_path / "f.csv").exists()
