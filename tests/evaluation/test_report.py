"""`evaluate` end to end: perfect fidelity and worst privacy for copies, the JSON keys other
tools read, a self-contained HTML page, seeds, and clear errors for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulacra
from simulacra.errors import DataError, ParameterError
from simulacra.evaluation import Limits
from simulacra.evaluation.html import render
from simulacra.evaluation.prepare import prepare

SMALL = Limits(model_rows=1_000, query_rows=500, reference_rows=2_000, knn_rows=500)
TINY = Limits(model_rows=300, query_rows=200, reference_rows=500, knn_rows=200, attack_targets=50)


@pytest.fixture(scope="module")
def copy_report(split_diamonds: tuple[pd.DataFrame, pd.DataFrame]) -> simulacra.Report:
    train, holdout = split_diamonds
    return simulacra.evaluate(
        train,
        train.copy(),
        holdout=holdout,
        target="cut",
        sensitive="color",
        limits=SMALL,
        verbose=False,
    )


def test_a_copy_scores_perfect_fidelity_and_worst_privacy(copy_report: simulacra.Report) -> None:
    s = copy_report.scores
    assert s["fidelity"]["column_shapes"] == 1.0
    assert s["fidelity"]["column_pair_trends"] == pytest.approx(1.0)
    assert s["privacy"]["exact_copy_share"] == 1.0
    assert s["privacy"]["membership_auc"] > 0.95
    assert s["privacy"]["dcr_synthetic_p5"] < 1e-6 < s["privacy"]["dcr_holdout_p5"]
    assert s["privacy"]["share_closer_than_holdout_p5"] == 1.0
    assert s["privacy"]["verdict"] == "high risk"
    assert s["utility"]["ratio"] == pytest.approx(1.0)
    assert s["diversity"]["knn_precision"] == 1.0 and s["diversity"]["knn_recall"] == 1.0
    assert s["bias"]["target_balance"]["max_difference"] == 0.0


def test_json_has_the_documented_keys(copy_report: simulacra.Report, tmp_path: Path) -> None:
    data = json.loads(copy_report.to_json(tmp_path / "scores.json").read_text())
    assert set(data) >= {"fidelity", "utility", "diversity", "privacy", "bias"}
    for area, key in [
        ("fidelity", "column_shapes"),
        ("fidelity", "column_pair_trends"),
        ("fidelity", "detection_auc"),
        ("utility", "ratio"),
        ("privacy", "exact_copy_share"),
        ("privacy", "membership_auc"),
        ("privacy", "dcr_synthetic_p5"),
        ("privacy", "dcr_holdout_p5"),
    ]:
        assert isinstance(data[area][key], float), (area, key)
    assert data["settings"]["limits"]["model_rows"] == 1_000
    assert len(data["fidelity"]["pairs"]) == 45


def test_html_is_self_contained(copy_report: simulacra.Report, tmp_path: Path) -> None:
    page = copy_report.to_html(tmp_path / "report.html").read_text()
    # marginals, heatmaps, DCR, worst pairs
    assert page.count("data:image/png;base64,") == 10 + 3 + 1 + 4
    assert "http://" not in page and "https://" not in page and "<script" not in page
    for area in ("Fidelity", "Utility", "Diversity", "Privacy", "Bias"):
        assert f"<h2>{area}</h2>" in page


def test_summary_names_every_area(copy_report: simulacra.Report) -> None:
    lines = copy_report.summary().splitlines()
    assert [line.split()[0] for line in lines[1:]] == [
        "fidelity",
        "utility",
        "diversity",
        "privacy",
        "bias",
        "overall",
    ]


def test_same_seed_same_scores(small_diamonds: pd.DataFrame) -> None:
    synth = small_diamonds.sample(frac=1.0, replace=True, random_state=2).reset_index(drop=True)
    first = simulacra.evaluate(small_diamonds, synth, target="price", limits=SMALL, verbose=False)
    second = simulacra.evaluate(small_diamonds, synth, target="price", limits=SMALL, verbose=False)
    views = [report.scores for report in (first, second)]
    for view in views:  # a copy: the report itself is unchanged
        for timing in ("seconds", "step_seconds", "date"):
            view["settings"].pop(timing)
    assert json.dumps(views[0]) == json.dumps(views[1])
    assert "seconds" in first.scores["settings"]


def test_left_out_columns_are_named(small_diamonds: pd.DataFrame) -> None:
    real = small_diamonds.assign(order_id=np.arange(len(small_diamonds)))
    synth = small_diamonds.assign(order_id=np.arange(len(small_diamonds)) + 10**6, extra=1)
    with pytest.raises(DataError, match="synthetic table has extra, not in the real table"):
        simulacra.evaluate(real, synth, limits=SMALL, verbose=False)
    report = simulacra.evaluate(
        real, synth, limits=SMALL, verbose=False, columns=list(real.columns)
    )
    excluded = report.scores["settings"]["excluded_columns"]
    assert excluded["order_id"].startswith("id column")
    assert excluded["extra"] == "only in the synthetic table"
    assert any("columns were compared" in n for n in report.scores["settings"]["notes"])
    assert "order_id" not in report.scores["fidelity"]["columns"]
    assert report.scores["utility"]["ratio"] is None
    assert report.scores["privacy"]["membership_auc"] is None


def test_datetime_columns_compare_as_numbers() -> None:
    days = pd.date_range("2021-01-01", periods=300, freq="D")
    real = pd.DataFrame({"day": days, "n": np.arange(300.0)})
    synth = pd.DataFrame({"day": days.strftime("%Y-%m-%d"), "n": np.arange(300.0)})
    report = simulacra.evaluate(real, synth, limits=SMALL, verbose=False)
    assert report.scores["fidelity"]["columns"]["day"]["shape"] == 1.0


def test_no_shared_columns_is_an_error() -> None:
    with pytest.raises(DataError, match="share no columns"):
        simulacra.evaluate(pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"b": [1, 2]}))


def test_mismatched_types_are_an_error(small_diamonds: pd.DataFrame) -> None:
    synth = small_diamonds.assign(price="expensive")
    with pytest.raises(DataError, match="column 'price' is numerical .* 'expensive'"):
        simulacra.evaluate(small_diamonds, synth)


def test_missing_target_is_an_error(small_diamonds: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="target 'churn' is not a column"):
        simulacra.evaluate(small_diamonds, small_diamonds, target="churn")


def test_holdout_without_a_shared_column_is_an_error(small_diamonds: pd.DataFrame) -> None:
    with pytest.raises(
        DataError, match="column 'price' is in the real table but not in the holdout"
    ):
        simulacra.evaluate(
            small_diamonds, small_diamonds, holdout=small_diamonds.drop(columns="price")
        )


def test_tables_can_be_paths(small_diamonds: pd.DataFrame, tmp_path: Path) -> None:
    small_diamonds.to_csv(tmp_path / "real.csv", index=False)
    small_diamonds.to_parquet(tmp_path / "synth.parquet")
    report = simulacra.evaluate(
        tmp_path / "real.csv", str(tmp_path / "synth.parquet"), limits=SMALL, verbose=False
    )
    assert report.scores["fidelity"]["column_shapes"] == 1.0


def test_a_target_alone_is_an_error() -> None:
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataError, match="only compared column"):
        simulacra.evaluate(frame, frame, target="y")


def test_dates_stored_as_numbers_compare_as_dates() -> None:
    days = pd.date_range("2021-12-25", periods=20, freq="D")
    real = pd.DataFrame({"order_date": days.strftime("%Y%m%d").astype(int), "n": range(20)})
    tables = prepare(real, real)
    assert tables.kinds["order_date"] == "datetime"
    numbers = tables.real["order_date"].to_numpy()
    # one day apart everywhere, across the turn of the year (20211231 -> 20220101)
    assert np.all(np.diff(numbers) == 86_400 * 10**9)


def test_wide_tables_fold_the_long_parts_away() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame(rng.normal(size=(120, 27)), columns=[f"c{i}" for i in range(27)])
    synth = pd.DataFrame(rng.normal(size=(120, 27)), columns=real.columns)
    page = render(simulacra.evaluate(real, synth, limits=SMALL, verbose=False))
    assert "The other 15 columns" in page
    assert "Real and synthetic associations" in page
    assert page.count("data:image/png;base64,") == 27 + 3 + 1 + 4


def test_limits_are_checked() -> None:
    with pytest.raises(ParameterError, match="Limits.model_rows"):
        Limits(model_rows=0)
    with pytest.raises(ParameterError, match="holdout_share"):
        Limits(holdout_share=1.5)


def test_an_inconclusive_privacy_verdict_shows_no_number() -> None:
    rng = np.random.default_rng(1)

    def table(n: int, spread: float = 1.0) -> pd.DataFrame:
        return pd.DataFrame({c: rng.normal(0.0, spread, n) for c in "abc"})

    # synthetic rows far from every real row: low distances prove nothing
    report = simulacra.evaluate(
        table(400), table(400, 6.0), holdout=table(200), limits=TINY, verbose=False
    )
    privacy = report.scores["privacy"]
    assert privacy["verdict"] == "inconclusive" and privacy["score"] is None
    assert privacy["sentence"].startswith("No score: synthetic rows sit")
    card = render(report).split("<h3>privacy</h3>")[1].split("</div>")[0]
    assert "<span class='score' title='inconclusive: see below'>—</span>" in card
    assert re.search(r"\d\.\d\d</span>", card) is None
    line = next(x for x in report.summary().splitlines() if x.startswith("privacy"))
    assert line.split()[1:3] == ["—", "inconclusive:"]


def test_the_python_api_keeps_its_wording_when_told_nothing(small_diamonds: pd.DataFrame) -> None:
    report = simulacra.evaluate(small_diamonds, small_diamonds, limits=TINY, verbose=False)
    settings = report.scores["settings"]
    assert settings["inputs"] == {} and settings["model"] is None and settings["command"] is None
    page = render(report)
    assert "<dd>(a table given in Python)</dd>" in page and "<dd>not stated</dd>" in page
    assert report.summary().startswith("area")
    named = simulacra.evaluate(
        small_diamonds, small_diamonds, limits=TINY, verbose=False, model="copula",
        inputs={"real": "train.csv", "synthetic": "s.parquet"}, command="run.py --fast",
    )  # fmt: skip
    assert named.summary().splitlines()[0] == "judged: s.parquet against train.csv; model copula"
    page = render(named)
    assert "<dd>train.csv</dd>" in page and "<dd>run.py --fast</dd>" in page


def test_a_holdout_that_is_the_training_table_is_refused(
    split_diamonds: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, _ = split_diamonds
    shuffled = train.sample(frac=1.0, random_state=3)
    with pytest.raises(DataError, match=r"the holdout is not unseen real rows: 100\.0% of its"):
        simulacra.evaluate(train, train, holdout=shuffled, limits=TINY, verbose=False)


def test_a_holdout_that_overlaps_the_training_rows_is_flagged_everywhere(
    split_diamonds: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = split_diamonds
    mixed = pd.concat([holdout.iloc[:400], train.iloc[:100]], ignore_index=True)  # 20% seen
    synth = train.sample(frac=1.0, replace=True, random_state=4).reset_index(drop=True)
    report = simulacra.evaluate(train, synth, holdout=mixed, limits=TINY, verbose=False)
    s = report.scores
    overlap = s["privacy"]["holdout_overlap"]
    assert overlap["contaminated"] and overlap["overlap"] == pytest.approx(0.2, abs=0.01)
    assert s["reference"]["holdout_overlap"] == overlap
    [warning] = s["settings"]["warnings"]
    assert "20.0% of its 500 rows are exact copies of the 1,500 training rows" in warning
    assert s["privacy"]["score"] is None and s["privacy"]["sentence"].startswith("No score:")
    assert "the references above are too good" in s["fidelity"]["sentence"]
    assert "the references above are too good" in s["diversity"]["sentence"]
    assert f"WARNING: {warning}" in report.summary().splitlines()
    page = render(report)
    assert "<div class='warn' role='alert'>Warning: the holdout overlaps" in page
    assert "<td class='n bad'>20.00%</td>" in page


def test_natural_duplicates_are_not_an_overlap() -> None:
    rng = np.random.default_rng(5)

    def table(n: int) -> pd.DataFrame:  # 12 possible rows: most rows repeat others
        return pd.DataFrame({"a": rng.choice(list("xyz"), n), "b": rng.integers(0, 4, n)})

    report = simulacra.evaluate(
        table(600), table(600), holdout=table(200), limits=TINY, verbose=False
    )
    overlap = report.scores["privacy"]["holdout_overlap"]
    assert overlap["copy_share"] == 1.0 and overlap["chance_share"] == 1.0
    assert not overlap["contaminated"] and report.scores["settings"]["warnings"] == []


@pytest.mark.parametrize(
    ("real_rows", "synthetic_rows", "short"), [(3, 50, "real"), (50, 1, "synthetic")]
)
def test_tables_too_short_to_evaluate_are_one_error_naming_them(
    real_rows: int, synthetic_rows: int, short: str
) -> None:
    """Issue 23: a one-row synthetic table gave scikit-learn's n_neighbors ValueError."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=60), "c": rng.choice(["a", "b"], 60)})
    with pytest.raises(DataError, match=f"the {short} table has"):
        simulacra.evaluate(table.iloc[:real_rows], table.iloc[:synthetic_rows])
