from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra import DataError, Metadata, MetadataError, Synthesizer
from simulacra.metadata import FORMAT_VERSION

from .mixed_table import mixed_table

EXPECTED = {
    "id": "id",
    "story_id": "id",
    "age": "numerical",
    "x": "numerical",
    "score": "numerical",
    "when": "datetime",
    "day": "datetime",
    "date_int": "datetime",
    "created": "datetime",
    "flag": "boolean",
    "cat": "categorical",
    "email": "pii",
    "owner": "pii",
    "level": "numerical",
    "city": "categorical",
}


def test_kinds_are_inferred() -> None:
    meta = Metadata.infer(mixed_table())
    for name, kind in EXPECTED.items():
        assert meta[name].kind == kind, name
    assert meta["story_id"].pattern == "US{6 digits}"
    assert meta["created"].format == "%Y-%m-%d %H:%M:%S"
    assert meta["date_int"].format == "%Y%m%d"
    assert meta["when"].timezone == "Europe/Paris"
    assert meta["email"].provider == "email"
    assert meta["owner"].provider == "name"
    assert meta["x"].decimals == 3
    assert meta["age"].integer is True
    assert 0.05 < meta["age"].null_share < 0.15


def test_numbers_and_codes_are_not_taken_for_ids_or_pii() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "price": rng.permutation(5000).astype(float) + 0.5,  # unique floats
            "count": rng.permutation(5000),  # unique ints, no id-like name
            "name": rng.choice(["Widget", "Gadget", "Doohickey"], 5000),  # product names
            "zip": rng.choice(["75001", "10115", "02134"], 5000),
        }
    )
    meta = Metadata.infer(frame)
    assert meta["price"].kind == "numerical"
    assert meta["count"].kind == "numerical"
    assert meta["name"].kind == "categorical"
    assert meta["zip"].kind == "categorical"


def test_camel_case_name_columns_are_pii_and_a_few_capitalised_words_are_not() -> None:
    """Baseball's players name their people 'nameFirst' and 'nameLast': found by the words
    camelCase joins; a column of three capitalised words is a category whatever its name."""
    rng = np.random.default_rng(1)
    firsts = [f"{a}{b}" for a in ("Al", "Bo", "Cy", "Ed", "Hank", "Joe", "Lou", "Ty") for b in (
        "", "ie", "by", "an", "ric", "ton", "vin", "dell")]  # fmt: skip
    lasts = [f"{a}{b}" for a in ("Ruth", "Cobb", "Mays", "Aaron", "Young", "Bench") for b in (
        "", "s", "son", "er", "ley", "ford", "man", "ski", "o'Neil")]  # fmt: skip
    frame = pd.DataFrame(
        {
            "nameFirst": rng.choice(firsts, 2000),
            "nameLast": rng.choice(lasts, 2000),
            "firstChoice": rng.choice(["Red", "Green", "Blue"], 2000),
            "lastStatus": rng.choice(["Active", "Closed", "Pending"], 2000),
        }
    )
    meta = Metadata.infer(frame)
    assert (meta["nameFirst"].kind, meta["nameFirst"].provider) == ("pii", "first_name")
    assert (meta["nameLast"].kind, meta["nameLast"].provider) == ("pii", "last_name")
    assert meta["firstChoice"].kind == "categorical" and meta["lastStatus"].kind == "categorical"


def test_json_round_trip_and_override(tmp_path: Path) -> None:
    meta = Metadata.infer(mixed_table())
    meta.set_kind("level", "categorical")
    path = meta.save(tmp_path / "meta.json")
    back = Metadata.load(path)
    assert back == meta
    assert back["level"].kind == "categorical"


def test_newer_version_and_bad_entries_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    path.write_text(f'{{"format_version": {FORMAT_VERSION + 1}, "columns": {{}}}}')
    with pytest.raises(MetadataError, match="newer"):
        Metadata.load(path)
    with pytest.raises(MetadataError, match="unknown column kind"):
        Metadata.from_dict({"columns": {"a": {"kind": "colour", "dtype": "str"}}})
    with pytest.raises(MetadataError, match="unknown fields"):
        Metadata.from_dict({"columns": {"a": {"kind": "numerical", "dtype": "int64", "x": 1}}})


def test_check_table_names_the_problem() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"]})
    meta = Metadata.infer(frame)
    with pytest.raises(DataError, match="'c' is in the table but not in the metadata"):
        meta.check_table(frame.assign(c=1))
    with pytest.raises(DataError, match="'b' is in the metadata but not in the table"):
        meta.check_table(frame[["a"]])
    # metadata that calls a constant column numerical is refused; inference makes it constant
    with pytest.raises(DataError, match="'a' is constant"):
        meta.check_table(frame.assign(a=5.0))
    with pytest.raises(DataError, match="'a' has no values"):
        meta.check_table(frame.assign(a=np.nan))
    Metadata.infer(frame.assign(a=5.0)).check_table(frame.assign(a=5.0))
    with pytest.raises(DataError, match="1 row"):
        meta.check_table(frame.iloc[:1])


def test_constant_all_null_and_mixed_columns_are_modelled() -> None:
    frame = pd.DataFrame(
        {"e": [None] * 4, "year": [2023] * 4, "zero": [0.0, np.nan, 0.0, np.nan], "a": [1, 2, 3, 4]}
    )
    meta = Metadata.infer(frame)
    assert meta["e"].kind == "constant" and meta["e"].value is None and meta["e"].null_share == 1
    assert meta["year"].kind == "constant" and meta["year"].value == 2023
    assert meta["zero"].kind == "constant" and meta["zero"].null_share == 0.5
    assert "constant" in (meta["zero"].note or "")
    mixed = pd.Series(["1", "2", "3"] * 10 + ["n/a"], name="m")
    col = Metadata.infer(mixed.to_frame())["m"]
    assert col.kind == "categorical" and "mixes numbers and text" in (col.note or "")
    objects = pd.Series([1, "a", 2.5] * 5, dtype=object, name="o")
    assert Metadata.infer(objects.to_frame())["o"].kind == "categorical"


def test_notes_keep_the_json_format(tmp_path: Path) -> None:
    meta = Metadata.infer(pd.DataFrame({"year": [2023] * 3, "a": [1, 2, 3]}))
    back = Metadata.load(meta.save(tmp_path / "m.json"))
    assert back == meta and back.to_dict()["format_version"] == 1
    assert back["year"].extra["note"].startswith("constant")


def test_high_cardinality_inference_is_fast_and_categorical() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 100_000, 300_000).astype(str)
    frame = pd.DataFrame({"code": np.char.add("c", values), "v": rng.normal(size=300_000)})
    meta = Metadata.infer(frame)
    assert meta["code"].kind == "categorical"
    assert meta["code"].cardinality and meta["code"].cardinality > 90_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"min": "abc"}, "column 'a': 'min' must be a finite number, not 'abc'"),
        ({"min": float("nan")}, "'min' must be a finite number, not nan"),
        ({"min": 5.0, "max": 1.0}, r"'min' \(5\) is above 'max' \(1\)"),
        ({"decimals": -1}, "'decimals' must be a whole number of at least 0, not -1"),
        ({"integer": "yes"}, "'integer' must be true or false, not 'yes'"),
        ({"null_share": 2}, r"'null_share' must be a number in \[0, 1\], not 2"),
        ({"format": 5}, "'format' must be text, not 5"),
        ({"extra": "x"}, "'extra' must be a mapping, not 'x'"),
    ],
)
def test_hand_edited_fields_of_the_wrong_type_are_refused_by_name(
    change: dict[str, object], message: str
) -> None:
    # issue 23 (internal exceptions): "min": "abc" was "ValueError: could not convert string
    # to float" deep in a fit, "format": 5 a TypeError; -1 decimals or a null share of 2 fitted
    data = Metadata.infer(pd.DataFrame({"a": [0.5, 1.5, 2.5]})).to_dict()
    data["columns"]["a"].update(change)
    with pytest.raises(MetadataError, match=message):
        Metadata.from_dict(data, source="m.json")


def test_rules_are_saved_as_version_2_and_older_files_still_load(tmp_path: Path) -> None:
    table = pd.DataFrame({"start": [1, 2, 3], "end": [2, 3, 5]})
    meta = Metadata(Metadata.infer(table).columns, rules=["start <= end"])
    back = Metadata.load(meta.save(tmp_path / "m.json"))
    assert back.rules == ["start <= end"] and back == meta
    assert back.to_dict()["format_version"] == 2
    plain = Metadata.infer(table).to_dict()
    assert plain["format_version"] == 1 and "rules" not in plain
    assert Metadata.from_dict(plain).rules == []
    with pytest.raises(MetadataError, match="'rules' must be a list of rule texts"):
        Metadata.from_dict({**plain, "rules": "start <= end"})
    with pytest.raises(MetadataError, match="'rules' must be a list"):
        Metadata.from_dict({**plain, "rules": ["", 3]})


def test_python_decimals_are_numbers_sampled_as_floats(tmp_path: Path) -> None:
    """`pd.read_sql` gives NUMERIC columns as Python Decimals: they are numbers (learned, not
    modelled as text, which sampled '81.0.15'), sampled as float64 like the Parquet and
    database readers read decimals; empty cells stay empty as often."""
    rng = np.random.default_rng(0)
    prices = np.round(rng.gamma(2.0, 20.0, 400), 2)
    table = pd.DataFrame(
        {
            "price": [Decimal(str(p)) if k % 10 else None for k, p in enumerate(prices)],
            "units": [Decimal(int(u)) for u in rng.integers(1, 9, 400)],
            "shop": rng.choice(["a", "b", "c"], 400),
        }
    )
    meta = Metadata.infer(table)
    assert (meta["price"].kind, meta["price"].dtype, meta["price"].decimals) == (
        "numerical",
        "float64",
        2,
    )
    assert meta["units"].kind == "numerical" and meta["units"].integer
    assert "Decimal" in meta["price"].extra["note"]
    model = Synthesizer("copula", verbose=False, seed=0).fit(table)
    model.save(tmp_path / "m.simulacra")
    sample = Synthesizer.load(tmp_path / "m.simulacra").sample(400, seed=1)
    assert sample["price"].dtype == np.float64 and sample["units"].dtype == np.float64
    real = table["price"].dropna().astype(float)
    assert stats.ks_2samp(sample["price"].dropna(), real).statistic < 0.15
    assert abs(sample["price"].isna().mean() - 0.1) < 0.05
    assert set(sample["units"]) <= set(range(1, 9))
