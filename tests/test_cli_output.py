"""What the command line prints: usage errors in one line, values as they are, no raw dicts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulacra.cli import main
from simulacra.registry import get, names


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", *args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "data.csv", "--nope"], "error: no such option: --nope"),
        (["fit"], "error: missing argument 'data' (see 'simulacra fit --help')"),
        (["sample", "m.simulacra", "-o", "s.csv"], "error: missing option '-n' / '--rows'"),
        (["sample", "m.simulacra", "-n", "many", "-o", "s.csv"], "invalid value for '-n'"),
        (["images", "fit"], "(see 'simulacra images fit --help')"),
        (["nocommand"], "error: no such command 'nocommand' (see 'simulacra --help')"),
    ],
)
def test_usage_errors_are_one_line_and_exit_1(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(args, capsys)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert "Usage:" not in err and "Try '" not in err


def test_a_group_without_a_command_shows_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    for args in ([], ["images"]):
        with pytest.raises(SystemExit) as done:
            main(args)
        out, err = capsys.readouterr()
        assert done.value.code == 0 and out.startswith("Usage: simulacra") and err == ""


def test_tables_print_brackets_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    from simulacra.cli.common import print_table

    print_table("[a title]", ["[x]", "value"], [["[carat, cut, color]", "[bold]b[/bold]"]])
    out = capsys.readouterr().out
    for text in ("[a title]", "[x]", "[carat, cut, color]", "[bold]b[/bold]"):
        assert text in out, text


def test_inspect_a_model_shows_its_lists(
    tmp_path: Path, diamonds: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    data, model = tmp_path / "d.csv", tmp_path / "m.simulacra"
    diamonds.sample(200, random_state=0).to_csv(data, index=False)
    assert run(["fit", str(data), "-m", "copula", "-o", str(model)], capsys)[0] == 0
    code, out, _ = run(["inspect", str(model)], capsys)
    assert code == 0 and "[carat, cut, color, clarity, depth, table, ..., z] (10 values)" in out


def test_images_fit_ends_with_readable_losses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    args = ["images", "fit", "digits", "--size", "8", "--epochs", "1", "--threads", "1"]
    code, out, err = run([*args, "-o", str(model)], capsys)
    assert code == 0, err
    assert "(1 epoch, cpu)" in out and "final losses: loss " in out and "{" not in out


def test_impute_help_names_every_model_that_can_impute(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["impute", "--help"], capsys)
    text = " ".join(out.split())
    able = [name for name in names("table") if hasattr(get(name), "impute")]
    assert code == 0 and "ddpm" in able
    assert f"(models that condition on any columns: {', '.join(able)})" in text
