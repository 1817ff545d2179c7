"""Real-world tables as they come: odd CSV dialects and encodings, unique identifiers, constant,
mixed and infinite columns, and column types that cannot be learned. Each either works (with a
note saying what was assumed) or fails with one clear error naming the file or column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulacra import DataError, Metadata, Synthesizer, read_table, registry
from simulacra.cli import main
from simulacra.io import READ_NOTES
from simulacra.transforms.table import MIN_COUNT


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def notes(frame: pd.DataFrame) -> str:
    return " | ".join(frame.attrs[READ_NOTES])


# CSV dialects and encodings -------------------------------------------------------------------
def test_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.csv", 'a;b;c\n1,5;x;"1.234,5"\n2,25;y;12\n-3;z;7,5\n')
    frame = read_table(path)
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame["a"].tolist() == [1.5, 2.25, -3.0]
    assert frame["c"].tolist() == [1234.5, 12.0, 7.5]
    assert "separator ';'" in notes(frame) and "decimal commas in 'a', 'c'" in notes(frame)


def test_thousands_separators_are_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", 'n,amount,count\n1,"1,234","1,000"\n2,"12,345.6",12\n')
    frame = read_table(path)
    assert frame["amount"].tolist() == [1234.0, 12345.6]
    assert frame["count"].tolist() == [1000, 12] and frame["count"].dtype == np.int64
    assert "thousands separators in 'amount', 'count'" in notes(frame)
    assert Metadata.infer(frame)["amount"].kind == "numerical"


def test_tabs_with_quoted_separators_and_pipes(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, "t.csv", 'a\tb\n"x\ty"\t1\n"z"\t2\n'))
    assert frame["a"].tolist() == ["x\ty", "z"] and "separator 'tab'" in notes(frame)
    frame = read_table(write(tmp_path, "p.csv", "a|b|c\n1|2|x,y\n3|4|z\n"))
    assert frame["c"].tolist() == ["x,y", "z"]


def test_non_utf8_file_is_one_clear_error_unless_encoding_given(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "name,price\ncafé,1\nnaïve,2\n€uro,3\n".encode("cp1252"))
    with pytest.raises(DataError, match=r"w\.csv: not UTF-8 text.*--encoding latin-1"):
        read_table(path)
    frame = read_table(path, encoding="cp1252")
    assert frame["name"].tolist() == ["café", "naïve", "€uro"]
    assert "encoding cp1252 (as given)" in notes(frame)
    with pytest.raises(DataError, match="unknown encoding"):
        read_table(path, encoding="klingon")


def test_byte_order_marks(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, "b.csv", b"\xef\xbb\xbfa,b\n1,2\n"))
    assert list(frame.columns) == ["a", "b"] and "byte-order mark" in notes(frame)
    frame = read_table(write(tmp_path, "u.csv", "a;b\n1;é\n".encode("utf-16")))
    assert frame["b"].tolist() == ["é"] and "UTF-16" in notes(frame)


def test_trailing_separator_is_dropped_without_shifting(tmp_path: Path) -> None:
    for content in ("a,b,c\n1,2,x,\n4,5,y,\n", "a,b,c,\n1,2,x,\n4,5,y,\n"):
        frame = read_table(write(tmp_path, "t.csv", content))
        assert list(frame.columns) == ["a", "b", "c"]
        assert frame["a"].tolist() == [1, 4] and frame["c"].tolist() == ["x", "y"]
        assert "ends with a separator" in notes(frame)
    with pytest.raises(DataError, match="line 3 has 4 fields but the header has 3"):
        read_table(write(tmp_path, "t.csv", "a,b,c\n1,2,x,\n4,5,y,9\n"))
    with pytest.raises(DataError, match="line 2 has 4 fields"):  # pandas took 'a' as an index
        read_table(write(tmp_path, "t.csv", "a,b,c\n1,2,x,7\n4,5,y,9\n"))


def test_duplicate_column_names_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"d\.csv: column 'x' appears twice .*fields 1 and 3"):
        read_table(write(tmp_path, "d.csv", "x,y,x\n1,2,3\n"))


def test_null_spellings_and_infinities(tmp_path: Path) -> None:
    frame = read_table(
        write(tmp_path, "n.csv", "a,b,c\nNaN,inf,inf\nnull,-inf,inf\n,1.5,inf\n4,2,inf\n")
    )
    assert frame["a"].isna().sum() == 3
    assert np.isposinf(frame["b"][0]) and np.isneginf(frame["b"][1])
    meta = Metadata.infer(frame)
    assert meta["b"].kind == "numerical" and "infinite" in (meta["b"].note or "")
    assert meta["c"].kind == "constant" and meta["c"].value == float("inf")


def test_infinities_are_sampled_not_nulled() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=1_000)
    x[:100], x[100:150], x[150:200] = np.inf, -np.inf, np.nan
    table = pd.DataFrame({"x": x, "y": rng.normal(size=1_000)})
    synth = Synthesizer("copula", seed=0, verbose=False).fit(table).sample(4_000, seed=1)
    assert abs(np.isposinf(synth["x"]).mean() - 0.10) < 0.03
    assert abs(np.isneginf(synth["x"]).mean() - 0.05) < 0.02
    assert abs(synth["x"].isna().mean() - 0.05) < 0.02


def test_mixed_utc_offsets_become_utc(tmp_path: Path) -> None:
    content = (
        "t,v\n2024-01-01T00:00:00+01:00,1\n2024-06-01T00:00:00+02:00,2\n2024-03-01T10:00:00Z,3\n"
    )
    frame = read_table(write(tmp_path, "tz.csv", content))
    assert str(frame["t"].dtype).endswith("UTC]")
    assert frame["t"][0] == pd.Timestamp("2023-12-31T23:00:00Z")
    assert "converted to UTC" in notes(frame)
    # the same text handed over in memory infers without crashing
    text = pd.Series(["2024-01-01T00:00:00+01:00", "2024-06-01T00:00:00+02:00"] * 5)
    assert Metadata.infer(text.to_frame("t"))["t"].kind == "datetime"


# Parquet and JSON lines -----------------------------------------------------------------------
def test_parquet_decimals_and_durations_are_numbers(tmp_path: Path) -> None:
    from decimal import Decimal

    table = pa.table(
        {
            "price": pa.array([Decimal("1.25"), Decimal("2.50"), None], pa.decimal128(10, 2)),
            "wait": pa.array([1_000_000, 2_500_000, 60_000_000], pa.duration("us")),
        }
    )
    pq.write_table(table, tmp_path / "d.parquet")
    frame = read_table(tmp_path / "d.parquet")
    assert frame["price"].dtype == np.float64 and frame["price"][1] == 2.5
    assert frame["wait"].tolist() == [1.0, 2.5, 60.0]
    assert "decimal" in notes(frame) and "seconds" in notes(frame)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (pa.array([b"ab", b"cd"]), "holds binary data"),
        (pa.array([[1, 2], [3]]), "holds lists; flatten it or drop it"),
        (pa.array([{"a": 1}, {"a": 2}]), "holds nested records"),
    ],
)
def test_parquet_types_that_cannot_be_learned(tmp_path: Path, column: Any, message: str) -> None:
    pq.write_table(pa.table({"ok": [1, 2], "x": column}), tmp_path / "b.parquet")
    with pytest.raises(DataError, match=rf"b\.parquet: column 'x' {message}"):
        read_table(tmp_path / "b.parquet")


def test_nested_json_lines_are_refused_by_name(tmp_path: Path) -> None:
    rows = [{"a": 1, "tags": ["x", "y"]}, {"a": 2, "tags": ["z"]}]
    path = write(tmp_path, "n.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(DataError, match="n.jsonl: column 'tags' holds lists"):
        read_table(path)
    rows = [{"a": 1, "user": {"id": 3}}, {"a": 2, "user": {"id": 4}}]
    path = write(tmp_path, "o.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(DataError, match="column 'user' holds nested records"):
        read_table(path)


def test_durations_in_memory_are_refused_with_the_kind_to_use() -> None:
    frame = pd.DataFrame({"d": pd.to_timedelta([1, 2, 3], unit="s"), "a": [1, 2, 3]})
    with pytest.raises(DataError, match="'d' holds durations.*numerical"):
        Metadata.infer(frame)


# constant and mixed columns ------------------------------------------------------------------
def test_constant_columns_just_work(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 400
    table = pd.DataFrame(
        {
            "year": [2023] * n,
            "zero": np.where(rng.random(n) < 0.4, np.nan, 0.0),
            "empty": [None] * n,
            "flag": [True] * n,
            "x": rng.normal(size=n),
        }
    )
    meta = Metadata.infer(table)
    assert [meta[c].kind for c in ("year", "zero", "empty", "flag")] == ["constant"] * 4
    synth = Synthesizer("copula", seed=0, verbose=False).fit(table).sample(2_000, seed=1)
    assert synth["year"].unique().tolist() == [2023] and synth["year"].dtype == np.int64
    assert set(synth["zero"].dropna()) == {0.0}
    assert abs(synth["zero"].isna().mean() - table["zero"].isna().mean()) < 0.05
    assert synth["empty"].isna().all() and synth["flag"].all()


def test_mixed_numbers_and_text_are_categories(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    grades = rng.choice(["9", "10", "11", "12", "other", ">100"], 600, p=[0.2] * 4 + [0.1] * 2)
    path = tmp_path / "g.csv"
    pd.DataFrame({"grade": grades, "x": rng.normal(size=600)}).to_csv(path, index=False)
    table = read_table(path)
    col = Metadata.infer(table)["grade"]
    assert col.kind == "categorical" and "mixes numbers and text" in (col.note or "")
    synth = Synthesizer("copula", seed=0, verbose=False).fit(table).sample(1_000, seed=1)
    assert set(synth["grade"]) <= set(grades)


def test_cli_inspect_and_fit_take_hostile_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(0)
    n = 300
    lines = ["year;zero;grade;amount;t"]
    for i in range(n):
        grade = rng.choice(["9", "10", "11", "12", "n/a-code"])
        zero = "0" if i % 3 else ""
        offset = "+01:00" if i % 2 else "+02:00"
        lines.append(
            f"2023;{zero};{grade};{rng.integers(1, 99)},{i % 10};2024-01-01T0{i % 9}:00:00{offset}"
        )
    path = write(tmp_path, "hostile.csv", "\n".join(lines) + "\n")
    assert main_code(["inspect", str(path)], capsys) == 0
    model = tmp_path / "m.simulacra"
    assert main_code(["fit", "-m", "copula", str(path), "-o", str(model)], capsys) == 0
    out = tmp_path / "s.csv"
    assert main_code(["sample", str(model), "-n", "200", "-o", str(out)], capsys) == 0
    synth = pd.read_csv(out, sep=",")
    assert set(synth["year"]) == {2023}


def main_code(args: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", *args])
    err = capsys.readouterr().err
    code = exit_info.value.code
    assert "Traceback" not in err, err
    return code if isinstance(code, int) else 0


# identifiers and rare values are never re-emitted --------------------------------------------
def identifier_table(n: int = 2_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    letters, lower = list("ABCDEFGHJKLMNPRSTVWXYZ"), list("abcdefghijklmnopqrstuvwxyz")
    names: set[str] = set()
    while len(names) < n:
        stem = "".join(rng.choice(lower, rng.integers(3, 8)))
        names.add(stem + (str(rng.integers(0, 100)) if rng.random() < 0.6 else ""))
    plates = {
        "".join(rng.choice(letters, 2))
        + f"-{rng.integers(0, 1000):03d}-"
        + "".join(rng.choice(letters, 2))
        for _ in range(3 * n)
    }
    return pd.DataFrame(
        {
            "username": sorted(names),
            "token": ["".join(rng.choice(list("0123456789abcdef"), 16)) for _ in range(n)],
            "plate": sorted(plates)[:n],
            "city": rng.choice(["Paris", "Lyon", "Nice"], n),
            "x": rng.normal(size=n),
        }
    )


def test_unique_strings_are_inferred_as_generated_kinds() -> None:
    table = identifier_table()
    meta = Metadata.infer(table)
    assert meta["username"].kind == "text" and meta["username"].provider == "chars"
    assert meta["token"].kind == "id" and meta["token"].pattern == "{16 hex}"
    # 234 million possible plates for 2,000 rows: a random one is real in < 0.001% of rows
    assert meta["plate"].kind == "id"
    assert meta["plate"].pattern == "{2 letters}-{3 digits}-{2 letters}"
    # plates of many formats, or too few possible values for ids: a character model
    mixed = pd.Series([f"{p[:2]}{p[3:6]}" if i % 2 else p for i, p in enumerate(table["plate"])])
    assert Metadata.infer(mixed.to_frame("plate"))["plate"].provider == "chars"
    assert meta["city"].kind == "categorical"


def test_fit_and_sample_re_emit_no_real_identifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = identifier_table()
    path = tmp_path / "users.csv"
    table.to_csv(path, index=False)
    model, out = tmp_path / "m.simulacra", tmp_path / "s.csv"
    assert main_code(["fit", "-m", "copula", str(path), "-o", str(model)], capsys) == 0
    assert main_code(["sample", str(model), "-n", "2000", "-o", str(out)], capsys) == 0
    synth = pd.read_csv(out)
    for column in ("username", "token", "plate"):
        real = set(table[column])
        assert synth[column].isin(real).mean() == 0.0, column
        assert synth[column].nunique() > 1_900, column
    # the model file holds none of them either
    raw = model.read_bytes()
    assert not any(v.encode() in raw for v in table["token"].iloc[:200])


def test_no_synthesizer_emits_a_rare_category() -> None:
    rng = np.random.default_rng(0)
    n = 600
    common = rng.choice(["red", "green", "blue"], n)
    rare = [f"rare{i}" for i in range(10)]  # seen 1 .. 4 times each
    counts = [1, 1, 2, 2, 3, 3, 4, 4, 1, 2]
    values = np.concatenate([common[: n - sum(counts)], np.repeat(rare, counts)])
    table = pd.DataFrame({"colour": rng.permutation(values), "x": rng.normal(size=n)})
    assert table["colour"].value_counts().min() < MIN_COUNT
    for name in registry.names("table"):
        params = {
            k: v
            for k, v in {"epochs": 2, "batch_size": 100, "infer_schema": True}.items()
            if k in registry.get(name)._param_names()
        }
        syn = Synthesizer(name, seed=0, verbose=False, **params).fit(table)
        synth = syn.sample(2_000, seed=1)
        assert not synth["colour"].isin(rare).any(), name
