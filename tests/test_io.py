import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import DataError, read_table, write_table
from simulacra._atomic import atomic_path
from simulacra.io import READ_NOTES, write_chunks


@pytest.mark.parametrize("ext", ["csv", "parquet", "jsonl"])
def test_round_trip_by_extension(tmp_path: Path, ext: str) -> None:
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"], "c": [0.5, 1.5, np.nan]})
    path = write_table(frame, tmp_path / f"t.{ext}")
    back = read_table(path)
    assert list(back.columns) == ["a", "b", "c"]
    assert back["a"].tolist() == [1, 2, 3]
    assert back["b"].tolist() == ["x", "y", "z"]
    assert back["c"].isna().tolist() == [False, False, True]


def test_integers_with_nulls_come_back_as_integers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("n,f\n1,0.5\n,1.5\n3,2.5\n")
    back = read_table(path)
    assert str(back["n"].dtype) == "Int64"
    assert back["n"].tolist()[::2] == [1, 3]
    assert back["f"].dtype == np.float64


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty"), ("a,b\n", "no rows")],
)
def test_empty_and_header_only_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown table format"):
        read_table(tmp_path / "t.xlsx")
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "missing.csv")


def test_failed_stream_leaves_no_file(tmp_path: Path) -> None:
    def chunks():
        yield pd.DataFrame({"a": [1, 2]})
        raise RuntimeError("boom")

    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError):
        write_chunks(chunks(), target)
    assert list(tmp_path.iterdir()) == []


def test_chunks_stream_into_one_parquet(tmp_path: Path) -> None:
    parts = [pd.DataFrame({"a": np.arange(i * 10, i * 10 + 10)}) for i in range(3)]
    back = read_table(write_chunks(iter(parts), tmp_path / "s.parquet"))
    assert back["a"].tolist() == list(range(30))


def test_written_files_get_the_usual_mode(tmp_path: Path) -> None:
    path = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_read_notes_say_what_was_assumed(tmp_path: Path) -> None:
    plain = read_table(write_table(pd.DataFrame({"a": [1, 2]}), tmp_path / "p.csv"))
    assert plain.attrs[READ_NOTES] == []
    path = tmp_path / "eu.csv"
    path.write_bytes("name;price\nmüsli;1,5\ncafé;2\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8 text.*--encoding"):
        read_table(path)
    frame = read_table(path, encoding="latin-1")
    assert frame["name"].tolist() == ["müsli", "café"]
    assert frame["price"].tolist() == [1.5, 2.0]
    assert frame.attrs[READ_NOTES] == [
        "encoding latin-1 (as given)",
        "separator ';'",
        "numbers with decimal commas in 'price'",
    ]


def test_parquet_round_trip_keeps_infinities(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.0, np.inf, -np.inf]})
    back = read_table(write_table(frame, tmp_path / "i.parquet"))
    assert back["x"].tolist() == [1.0, np.inf, -np.inf]


def _dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temp_files_of_dead_writers_are_removed_by_the_next_write(tmp_path: Path) -> None:
    # issue 23, item 28: `kill -9` during a write left a hidden temp file no run removed
    target = tmp_path / "g.parquet"
    host = re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname())[:32]
    dead = tmp_path / f".g.parquet.{_dead_pid()}-{host}.abcd1234.tmp"
    alive = tmp_path / f".g.parquet.{os.getppid()}-{host}.efgh5678.tmp"
    elsewhere = tmp_path / f".g.parquet.{_dead_pid()}-another-host.ijkl9012.tmp"
    other = tmp_path / ".g.parquet.notes.tmp"
    for path in (dead, alive, elsewhere, other):
        path.write_bytes(b"partial")
    seen: list[str] = []
    with atomic_path(target) as tmp:
        seen.append(tmp.name)
        tmp.write_bytes(b"x")
    assert not dead.exists()
    assert alive.exists() and elsewhere.exists() and other.exists()
    assert seen[0].startswith(f".g.parquet.{os.getpid()}-{host}.") and target.exists()


def test_a_parquet_file_named_csv_is_named_as_parquet(tmp_path: Path) -> None:
    # issue 23, item 30: it got advice about text encodings (--encoding latin-1)
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(path)
    with pytest.raises(DataError, match=r"t\.csv: is a Parquet file, not CSV text.*t\.parquet"):
        read_table(path)
    (tmp_path / "t.jsonl").write_bytes(path.read_bytes())
    with pytest.raises(DataError, match=r"is a Parquet file, not JSON lines"):
        read_table(tmp_path / "t.jsonl")
    parquet = tmp_path / "t.parquet"
    parquet.write_bytes(path.read_bytes())
    assert read_table(parquet)["a"].tolist() == [1, 2]
