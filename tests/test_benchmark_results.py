"""benchmarks/results/: one folder per benchmark, every result stamped with its run, no paths."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
RESULTS = BENCHMARKS / "results"
ABSOLUTE = ("/work/", "/home/", "/root/", "/tmp/", "/Users/")
TEXT = (".json", ".md", ".html", ".txt", ".log", ".csv")


def pending(path: Path) -> bool:
    """Results files waiting for their move into a folder (none now)."""
    return False


def results(*suffixes: str) -> list[Path]:
    found = (p for p in RESULTS.rglob("*") if p.is_file() and p.name.endswith(suffixes))
    return sorted(p for p in found if not pending(p))


def name(path: Path) -> str:
    return path.relative_to(RESULTS).as_posix()


def load_common() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_common", BENCHMARKS / "common.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_results_holds_only_one_folder_per_benchmark() -> None:
    loose = [p.name for p in RESULTS.iterdir() if not p.is_dir() and not pending(p)]
    assert loose == []


@pytest.mark.parametrize("path", results(".json"), ids=name)
def test_every_results_json_says_its_code_version_date_and_command(path: Path) -> None:
    record = json.loads(path.read_text())
    assert record["machine"]["code_version"]
    assert record["machine"]["date"]
    assert record["command"]


@pytest.mark.parametrize("path", results(".md"), ids=name)
def test_every_results_markdown_opens_with_its_run(path: Path) -> None:
    lines = path.read_text().splitlines()[:5]
    assert any(line.startswith("Run: ") and "command: `" in line for line in lines)


@pytest.mark.parametrize("path", results(*TEXT), ids=name)
def test_no_results_file_holds_an_absolute_path(path: Path) -> None:
    text = path.read_text(errors="replace")
    assert [p for p in ABSOLUTE if p in text] == []


def test_write_results_stamps_the_run_in_the_benchmark_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    common = load_common()
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    script = str(BENCHMARKS / "bench_example.py")
    monkeypatch.setattr("sys.argv", [script, "--rows", "5", "--out=/tmp/somewhere/x.csv"])
    folder = common.write_results("example", {"rows": [1]}, "# Title\n\nBody.", folder="bench")
    record = json.loads((folder / "example.json").read_text())
    assert folder == tmp_path / "bench"
    expected = "python benchmarks/bench_example.py --rows 5 '--out=<elsewhere>/x.csv'"
    assert record["command"] == expected
    assert {"code_version", "date", "platform", "cpus"} <= set(record["machine"])
    assert record["rows"] == [1]
    title, blank, run, *rest = (folder / "example.md").read_text().splitlines()
    assert (title, blank, rest) == ("# Title", "", ["", "Body."])
    assert run.startswith("Run: code ") and run.endswith("command: `" + record["command"] + "`.")


def test_a_table_merges_rows_of_one_committed_code_version_only() -> None:
    common = load_common()
    assert common.merge_refusal({"a": "abc1234", "b": "abc1234"}) is None
    assert "abc1234" in common.merge_refusal({"a": "abc1234", "b": "def5678"})
    assert common.merge_refusal({"a": "abc1234+changes", "b": "abc1234+changes"})
