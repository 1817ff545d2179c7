"""`simulacra fit` without -m: the ensemble within a time budget (ddpm under
SMALL_TABLE_ROWS rows, mst under --epsilon), said on a note line; --time-budget reaches the
models that train in epochs and is refused by name for those that do not."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Synthesizer
from simulacra.cli import main
from simulacra.cli.choice import DEFAULT_BUDGET, SMALL_TABLE_ROWS, budget_params, choose_model


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def write_table(path: Path, rows: int) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    table = pd.DataFrame({"x": x.round(3), "y": (x + rng.normal(scale=0.5, size=rows)).round(3)})
    table["group"] = np.where(table["x"] > 0, "high", "low")
    table.to_csv(path, index=False)
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_table(tmp_path / "real.csv", 400)


def test_choice_follows_the_options() -> None:
    assert choose_model(None, None, "local", None)[0] == "ensemble"
    assert choose_model(None, None, "local", None, SMALL_TABLE_ROWS)[0] == "ensemble"
    assert choose_model(None, None, "local", None, SMALL_TABLE_ROWS - 1)[0] == "ddpm"
    assert choose_model(None, 1.0, "local", None, 50)[0] == "mst"  # DP first
    assert choose_model("copula", None, "local", None, 50) == ("copula", None)
    assert choose_model(None, 1.0, "local", None)[0] == "mst"
    assert choose_model(None, None, "dask", None)[0] == "autoregressive"
    assert choose_model(None, None, "local", "patient_id")[0] == "autoregressive"
    assert choose_model("copula", None, "local", None) == ("copula", None)
    assert budget_params("ensemble", True, None) == {"time_budget": DEFAULT_BUDGET}
    assert budget_params("autoregressive", False, None) == {}  # -m: no limit unless asked
    assert budget_params("ddpm", False, 30.0) == {"time_budget": 30.0}
    assert budget_params("mst", True, None) == {}


def test_fit_without_a_model_fits_ddpm_on_a_small_table(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    code, out, err = run(["fit", str(data), "--epochs", "2", "-o", str(model)], capsys)
    assert code == 0, err
    assert f"note: model ddpm: 400 rows, under {SMALL_TABLE_ROWS:,}: too few" in err
    assert "fitted ddpm on 400 rows" in out
    fitted = Synthesizer.load(model)
    assert fitted.name == "ddpm" and fitted.time_budget == DEFAULT_BUDGET
    assert fitted.describe()["fit"]["rows"] == 400  # every row learned, none held out


def test_fit_without_a_model_fits_the_ensemble_in_its_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_table(tmp_path / "real.csv", SMALL_TABLE_ROWS)
    model = tmp_path / "m.simulacra"
    began = time.perf_counter()
    code, out, err = run(["fit", str(data), "--time-budget", "20", "-o", str(model)], capsys)
    seconds = time.perf_counter() - began
    assert code == 0, err
    assert "note: model ensemble: members combined by a discriminator" in err
    assert "fitted ensemble" in out
    fitted = Synthesizer.load(model)
    assert fitted.name == "ensemble" and fitted.time_budget == 20
    assert seconds <= 20 + 10  # and the imports, reading and writing
    described = fitted.describe()["model"]
    shares, left_out = described["kept_share"], described.get("left_out", {})
    assert set(shares) | set(left_out) == set(fitted.members)
    assert abs(sum(shares.values()) - 1) < 1e-3


def test_time_budget_is_refused_for_models_without_epochs(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["-q", "fit", str(data), "-m", "copula", "--time-budget", "5"]
    code, _, err = run([*args, "-o", str(tmp_path / "m.simulacra")], capsys)
    assert code != 0
    assert "--time-budget: copula does not train in epochs" in err
    assert not (tmp_path / "m.simulacra").exists()


def test_epsilon_without_a_model_fits_mst(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.simulacra"
    args = ["fit", str(data), "--epsilon", "1", "--infer-schema", "-o", str(model)]
    code, _, err = run(args, capsys)
    assert code == 0, err
    assert "note: model mst" in err
    assert Synthesizer.load(model).name == "mst"
