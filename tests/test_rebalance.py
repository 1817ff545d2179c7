"""rebalance: real rows kept, minority classes topped up to the ratio, clear errors."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from simulacra import DataError, ParameterError, Synthesizer, read_table, rebalance
from simulacra.cli import main


@pytest.fixture(scope="module")
def small_churn(churn: pd.DataFrame) -> pd.DataFrame:
    return churn.sample(1_500, random_state=0).reset_index(drop=True)


@pytest.mark.parametrize("ratio", [1.0, 0.5])
def test_classes_reach_the_ratio_and_real_rows_come_first(
    small_churn: pd.DataFrame, ratio: float
) -> None:
    syn = Synthesizer("copula", seed=0, verbose=False).fit(small_churn)
    out = rebalance(small_churn, "churn", syn, ratio=ratio, seed=1)
    pd.testing.assert_frame_equal(out.iloc[: len(small_churn)], small_churn)
    counts = out["churn"].value_counts()
    majority = small_churn["churn"].value_counts().max()
    assert counts.max() == majority
    assert counts.min() == math.ceil(ratio * majority)
    extra = out.iloc[len(small_churn) :]
    assert (extra["churn"] == small_churn["churn"].value_counts().idxmin()).all()
    assert extra.dtypes.equals(small_churn.dtypes)


def test_unfitted_or_named_synthesizer_is_fitted_on_the_table(small_churn: pd.DataFrame) -> None:
    table = small_churn.iloc[:400]
    syn = Synthesizer("tvae", epochs=2, batch_size=100, verbose=False)
    out = rebalance(table, "churn", syn)
    assert hasattr(syn, "transformer_")
    counts = out["churn"].value_counts()
    assert counts.min() == counts.max()
    named = rebalance(table, "churn", "copula", ratio=0.8)
    assert named["churn"].value_counts().min() == math.ceil(0.8 * counts.max())


def test_bad_arguments_name_the_problem(small_churn: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="nope"):
        rebalance(small_churn, "nope", "copula")
    for ratio in (0, 1.5, "1"):
        with pytest.raises(ParameterError, match="ratio"):
            rebalance(small_churn, "churn", "copula", ratio=ratio)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="two classes"):
        rebalance(small_churn.assign(churn="No"), "churn", "copula")


def test_cli_fit_epochs_and_sample_rebalance(
    small_churn: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, model, out = tmp_path / "churn.csv", tmp_path / "m.simulacra", tmp_path / "bal.csv"
    small_churn.iloc[:400].to_csv(data, index=False)
    args = ["--quiet", "fit", str(data), "-m", "tvae", "--epochs", "3", "--batch-size", "100"]
    with pytest.raises(SystemExit) as done:
        main([*args, "-o", str(model)])
    assert done.value.code in (0, None)
    assert Synthesizer.load(model).get_params()["epochs"] == 3
    with pytest.raises(SystemExit) as done:
        main(
            [
                "--quiet",
                "sample",
                str(model),
                "-n",
                "300",
                "-o",
                str(out),
                "--rebalance",
                "churn",
                "--ratio",
                "0.5",
            ]
        )
    assert done.value.code in (0, None), capsys.readouterr().err
    counts = read_table(out)["churn"].value_counts()
    assert counts.sum() >= 300
    assert counts.min() >= math.ceil(0.5 * counts.max())
