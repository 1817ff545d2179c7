from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import DataError, Metadata, MetadataError
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
    with pytest.raises(DataError, match="'a' is constant"):
        Metadata.infer(frame.assign(a=5.0)).check_table(frame.assign(a=5.0))
    with pytest.raises(DataError, match="1 row"):
        meta.check_table(frame.iloc[:1])


def test_all_null_and_mixed_columns_are_errors() -> None:
    with pytest.raises(DataError, match="'e' has no values"):
        Metadata.infer(pd.DataFrame({"e": [None, None], "a": [1, 2]}))
    mixed = pd.Series(["1", "2", "3"] * 10 + ["n/a"], name="m")
    with pytest.raises(DataError, match="'m' mixes numbers and text"):
        Metadata.infer(mixed.to_frame())
    objects = pd.Series([1, "a", 2.5] * 5, dtype=object, name="o")
    with pytest.raises(DataError, match="'o' mixes text"):
        Metadata.infer(objects.to_frame())


def test_high_cardinality_inference_is_fast_and_categorical() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 100_000, 300_000).astype(str)
    frame = pd.DataFrame({"code": np.char.add("c", values), "v": rng.normal(size=300_000)})
    meta = Metadata.infer(frame)
    assert meta["code"].kind == "categorical"
    assert meta["code"].cardinality and meta["code"].cardinality > 90_000
