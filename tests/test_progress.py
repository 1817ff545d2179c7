"""Progress without a terminal (a pipe, a log file): plain lines as the work goes."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from simulacra import _progress
from simulacra.cli import main


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What a pipe on stderr would receive."""
    text = io.StringIO()
    console = Console(file=text, width=100)
    assert not console.is_terminal
    monkeypatch.setattr(_progress, "_console", lambda: console)
    return text


def test_a_status_prints_its_line_when_it_starts(screen: io.StringIO) -> None:
    with _progress.quiet(False), _progress.status("reading big.csv"):
        assert screen.getvalue() == "reading big.csv ...\n"
    with _progress.quiet(), _progress.status("reading big.csv"):
        pass
    assert screen.getvalue() == "reading big.csv ...\n"


def test_progress_lines_come_as_the_work_goes(screen: io.StringIO) -> None:
    with _progress.quiet(False):
        for i in _progress.track(range(20), "encoding", total=20):
            if i == 10:  # ten done: lines for 0% and each tenth so far, nothing more
                lines = screen.getvalue().splitlines()
                assert lines[0].startswith("encoding: 0/20 (0%)") and len(lines) == 6
                assert lines[-1].startswith("encoding: 10/20 (50%)")
    last = screen.getvalue().splitlines()[-1]
    assert last.startswith("encoding: 20/20 (100%)") and len(screen.getvalue().splitlines()) == 11


def test_silent_tasks_and_unknown_totals_still_report(
    screen: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_progress, "PLAIN_SECONDS", 0.0)
    with _progress.quiet(False), _progress.new_progress() as progress:
        task = progress.add_task("merging", total=None, info="parts")
        progress.advance(task, 3)
    assert screen.getvalue().splitlines() == [
        "merging: 0 parts, 0:00:00",
        "merging: 3 parts, 0:00:00",
        "merging: 3 parts, 0:00:00, done",
    ]
    with _progress.quiet(False), _progress.new_progress(verbose=False) as progress:
        progress.advance(progress.add_task("hidden", total=2, info=""))
    assert "hidden" not in screen.getvalue()


def test_rows_are_counted_as_chunks_are_taken(screen: io.StringIO) -> None:
    chunks = [pd.DataFrame({"a": range(n)}) for n in (40, 40, 20)]
    with _progress.quiet(False):
        taken = list(_progress.track_rows(chunks, "sampling m", total=100))
    assert taken == chunks
    lines = screen.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "sampling m: 0/100 (0%) rows",
        "sampling m: 40/100 (40%) rows",
        "sampling m: 80/100 (80%) rows",
        "sampling m: 100/100 (100%) rows",
    ]


def test_a_small_sample_shows_its_rows_when_piped(
    tmp_path: Path, diamonds: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    data, model, out = tmp_path / "d.csv", tmp_path / "m.simulacra", tmp_path / "s.csv"
    diamonds.sample(200, random_state=0).to_csv(data, index=False)
    with pytest.raises(SystemExit):
        main(["-q", "fit", str(data), "-m", "copula", "-o", str(model)])
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["sample", str(model), "-n", "5000", "-o", str(out)])
    err = capsys.readouterr().err
    assert done.value.code in (0, None)
    assert f"loading {model} ...\n" in err
    assert f"sampling copula into {out}: 0/5,000 (0%) rows" in err
    assert f"sampling copula into {out}: 5,000/5,000 (100%) rows" in err


def test_time_left_of_training_that_may_stop_early_reads_as_a_bound() -> None:
    from rich.progress import Progress

    from simulacra._progress import _remaining

    column = _remaining()()
    with Progress(disable=True) as progress:
        capped = progress.add_task("training", total=300, at_most=True)
        planned = progress.add_task("training", total=20)
        for task_id in (capped, planned):
            progress.advance(task_id, 5)
        tasks = {t.id: t for t in progress.tasks}
        assert column.render(tasks[capped]).plain.startswith("≤")
        assert not column.render(tasks[planned]).plain.startswith("≤")


def test_a_quiet_model_infers_long_tables_without_progress(
    screen: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulacra import Metadata, Synthesizer
    from simulacra import metadata as metadata_module

    monkeypatch.setattr(metadata_module, "LONG_ROWS", 10)
    table = pd.DataFrame({"x": range(50), "g": ["a", "b"] * 25})
    with _progress.quiet(False):
        Synthesizer("copula", verbose=False).fit(table)
        assert "inferring metadata" not in screen.getvalue()
        Metadata.infer(table)  # the function itself still reports on a long table
        assert "inferring metadata" in screen.getvalue()
