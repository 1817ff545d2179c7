"""Values that a column's kind does not lead one to expect: text tokens among numbers, many
rare categories, extreme outliers, infinities beside fixed decimals, integers near 2^64,
metadata that contradicts the rows, and tables to impute whose column is empty in every row.
Each either works as a user would expect (with a note where something was assumed) or is
refused with one clear error naming the column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulacra import DataError, Metadata, Synthesizer, read_table
from simulacra.cli import main
from simulacra.errors import DataNote


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`simulacra --quiet ARGS`: (exit status, stderr); never a traceback."""
    with pytest.raises(SystemExit) as info:
        main(["--quiet", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    code = info.value.code
    return (code if isinstance(code, int) else 0), err


def test_uint64_near_two_to_the_64_is_not_sampled_as_zero(tmp_path: Path) -> None:
    # issue 23, item 17: the float nearest those integers is 2^64, which wrapped to 0
    rng = np.random.default_rng(0)
    values = np.uint64(2**64 - 1_000) - rng.integers(0, 500, 300).astype(np.uint64)
    path = tmp_path / "u.parquet"
    pq.write_table(pa.table({"u": pa.array(values, pa.uint64()), "x": rng.normal(size=300)}), path)
    table = read_table(path)
    synth = Synthesizer("copula", seed=0, verbose=False).fit(table).sample(500, seed=1)
    assert synth["u"].dtype == np.uint64
    assert (synth["u"] >= np.uint64(2**64 - 4_096)).all()  # within float64's resolution


def test_an_infinity_beside_fixed_decimals_is_modelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 23, item 21: the value grid's arithmetic overflowed on inf (OverflowError)
    rng = np.random.default_rng(0)
    lines = ["price,n"] + [f"{v:.2f},{rng.integers(0, 9)}" for v in rng.normal(50, 10, 300)]
    lines[10], lines[20] = "inf,3", "-inf,4"
    path = tmp_path / "inf.csv"
    path.write_text("\n".join(lines) + "\n")
    model, out = tmp_path / "m.simulacra", tmp_path / "s.csv"
    assert run(["fit", str(path), "-m", "copula", "-o", str(model)], capsys)[0] == 0
    assert run(["sample", str(model), "-n", "3000", "-o", str(out)], capsys)[0] == 0
    price = pd.read_csv(out)["price"]
    finite = price[np.isfinite(price)]
    assert np.isposinf(price).any() and np.isneginf(price).any()
    assert (finite.round(2) == finite).all() and finite.between(0, 100).all()


def test_impute_fills_a_column_empty_in_every_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 23, item 27: refused as "no values (all null); set its kind to 'constant'"
    rng = np.random.default_rng(0)
    n = 300
    grade = rng.choice(["a", "b", "c"], n)
    table = pd.DataFrame({"x": rng.normal(size=n), "grade": grade, "k": rng.integers(0, 50, n)})
    data, gaps = tmp_path / "full.csv", tmp_path / "gaps.csv"
    table.to_csv(data, index=False)
    holes = table.head(20).copy()
    holes["grade"], holes["k"] = None, np.nan
    holes.to_csv(gaps, index=False)
    model, out = tmp_path / "m.simulacra", tmp_path / "filled.csv"
    fit = ["fit", str(data), "-m", "autoregressive", "--epochs", "2", "-o", str(model)]
    assert run(fit, capsys)[0] == 0
    assert run(["impute", str(model), str(gaps), "-o", str(out)], capsys)[0] == 0
    filled = pd.read_csv(out)
    assert filled.notna().all().all() and set(filled["grade"]) <= {"a", "b", "c"}
    assert filled["x"].tolist() == pytest.approx(holes["x"].tolist())
    assert filled["k"].between(0, 49).all()
    # written as the model's integers, not as the floats the empty column was read as (8.0)
    assert out.read_text().splitlines()[1].split(",")[2].isdigit()


def incomes(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(10, 0.5, n), 2).astype(object)
    income[17] = "unknown"
    return pd.DataFrame({"income": income, "age": rng.integers(18, 80, n)})


def test_a_stray_text_token_among_numbers_becomes_null_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 23, item 15: one 'unknown' among 199 incomes made the column generated text
    path = tmp_path / "inc.csv"
    incomes().to_csv(path, index=False)
    with pytest.warns(DataNote, match="'income': numbers, apart from the text 'unknown' in 1 row"):
        col = Metadata.infer(read_table(path))["income"]
    assert col.kind == "numerical" and col.null_values == ["unknown"]
    assert col.null_share == pytest.approx(1 / 200) and "'unknown'" in (col.note or "")
    model, out = tmp_path / "m.simulacra", tmp_path / "s.csv"
    code, err = run(["fit", str(path), "-m", "copula", "-o", str(model)], capsys)
    assert code == 0 and "note: column 'income': numbers, apart from the text 'unknown'" in err
    assert run(["sample", str(model), "-n", "500", "-o", str(out)], capsys)[0] == 0
    synth = pd.read_csv(out)
    assert synth["income"].dtype == np.float64 and synth["income"].notna().mean() > 0.95
    # inspect shows the note in its table, once
    assert run(["inspect", str(path)], capsys)[1] == ""


def test_more_than_a_few_tokens_keep_a_column_categorical() -> None:
    rng = np.random.default_rng(0)
    codes = rng.choice(["9", "10", "11", "12", "other"], 600, p=[0.2, 0.2, 0.2, 0.3, 0.1])
    assert Metadata.infer(pd.DataFrame({"grade": codes}))["grade"].kind == "categorical"
    spelled = np.array([str(v) for v in rng.normal(size=300)], dtype=object)
    spelled[:4] = ["n/a", "?", "unknown", "none"]  # four spellings: not stray tokens
    assert Metadata.infer(pd.DataFrame({"x": spelled}))["x"].kind != "numerical"


def test_metadata_that_contradicts_the_rows_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 23, item 23: bounds 50..60 for ages 18-79 piled 243 of 300 rows onto the bounds
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"age": rng.integers(18, 80, 300), "city": rng.choice(["a", "b"], 300)})
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    meta = Metadata.infer(table)
    meta["age"].min, meta["age"].max = 50.0, 60.0
    outside = int((~table["age"].between(50, 60)).sum())
    meta_path = meta.save(tmp_path / "meta.json")
    model = tmp_path / "m.simulacra"
    code, err = run(
        ["fit", str(path), "-m", "copula", "--metadata", str(meta_path), "-o", str(model)], capsys
    )
    assert code == 1 and not model.exists()
    assert (
        f"column 'age': {outside:,} of 300 rows lie outside the metadata's bounds [50, 60]" in err
    )
    assert "(the values run from 18 to 79)" in err
    meta = Metadata.infer(table)
    meta["city"].categories = ["a"]
    with pytest.raises(DataError, match="'city': .* rows hold values outside .*'categories'"):
        Synthesizer("copula", verbose=False).fit(table, meta)
    meta = Metadata.infer(table).set_kind("city", "numerical")
    with pytest.raises(DataError, match="'city' is numerical in the metadata, but 300 of 300"):
        Synthesizer("copula", verbose=False).fit(table, meta)


def zips(n: int = 1_000, seed: int = 0) -> pd.DataFrame:
    """375 zip codes of very unequal frequency: 40% of rows hold one seen under 5 times."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(np.arange(10_000, 99_999), 375, replace=False)
    weights = rng.pareto(1.2, 375) + 1
    zip_code = rng.choice(codes, n, p=weights / weights.sum())
    return pd.DataFrame({"zip": zip_code, "x": rng.normal(size=n)})


def test_pooled_rows_of_a_number_column_never_collapse_onto_one_value() -> None:
    # issue 23, item 16: 804 of 1,000 synthetic rows got the most frequent zip
    table = zips()
    counts = table["zip"].value_counts()
    rare = counts[counts < 5]
    meta = Metadata.infer(table).set_kind("zip", "categorical")
    with pytest.warns(DataNote, match=rf"'zip': {rare.sum()} of 1,000 rows hold one of"):
        syn = Synthesizer("copula", seed=0, verbose=False).fit(table, meta)
    synth = syn.sample(2_000, seed=1)
    shares = synth["zip"].value_counts(normalize=True)
    real = counts / len(table)
    assert not synth["zip"].isin(rare.index).any()
    assert shares.iloc[0] < real.iloc[0] + 0.1  # the mode gets about its own share, no more
    assert synth["zip"].nunique() > 0.8 * (len(counts) - len(rare))
    assert "kept categories drawn by their frequency" in syn.describe()["columns"]["zip"]["rare"]
    # text keeps its pooled label
    text = table.assign(zip=table["zip"].astype(str))
    meta = Metadata.infer(text).set_kind("zip", "categorical")
    with pytest.warns(DataNote, match="those rows read 'other'"):
        syn = Synthesizer("copula", seed=0, verbose=False).fit(text, meta)
    assert (syn.sample(2_000, seed=1)["zip"] == "other").mean() > 0.2


def test_a_float_column_declared_categorical_works(tmp_path: Path) -> None:
    # issue 23, item 16: every value was rare, so every row came out null
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"price": np.round(rng.normal(50, 10, 500), 2), "x": rng.normal(size=500)})
    meta = Metadata.infer(table).set_kind("price", "categorical")
    with pytest.warns(DataNote, match="'price': declared categorical, .* modelled as numerical"):
        syn = Synthesizer("copula", seed=0, verbose=False).fit(table, meta)
    assert meta["price"].kind == "categorical"  # the metadata given is left as it was
    assert syn.metadata_["price"].kind == "numerical"
    synth = Synthesizer.load(syn.save(tmp_path / "m.simulacra")).sample(500, seed=1)
    assert synth["price"].notna().all() and synth["price"].between(15, 85).all()
    assert synth["price"].nunique() > 200


def test_the_copula_never_comes_near_a_lone_outlier() -> None:
    # issue 23, item 20: one income of 9,876,543.21 (next largest 83,216) came back within 3.2%
    rng = np.random.default_rng(0)
    income = np.minimum(np.round(rng.lognormal(10, 0.5, 1_000), 2), 83_216.0)
    income[5] = 9_876_543.21
    table = pd.DataFrame({"income": income, "age": rng.integers(18, 80, 1_000)})
    syn = Synthesizer("copula", seed=0, verbose=False).fit(table)
    synth = syn.sample(20_000, seed=1)
    ordered = np.sort(income)
    assert synth["income"].max() <= ordered[-5]  # inside the 5 most extreme values
    assert synth["income"].min() >= ordered[4]
    assert synth["income"].quantile(0.98) > 0.98 * np.quantile(income, 0.98)  # the tail kept
