"""What every hostile input must get from the CLI: exit status 1, one `error:` line, no output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from simulacra.cli import main

Refused = Callable[[list[str], Path], str]


@pytest.fixture
def refused(capsys: pytest.CaptureFixture[str]) -> Refused:
    """`refused(args, target)` runs `simulacra --quiet ARGS`, checks exit status 1, a single
    `error:` line on stderr, nothing on stdout and no `target` file, and returns the line."""

    def run(args: list[str], target: Path) -> str:
        with pytest.raises(SystemExit) as info:
            main(["--quiet", *args])
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert info.value.code == 1, captured.err
        assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
        assert not target.exists() and captured.out == ""
        return lines[0]

    return run
