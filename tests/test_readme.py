"""The README's "First five minutes" commands run as written, in order, in a fresh folder.

`make demo` is what the block starts with; here it is the command it runs after the set-up
(`simulacra demo --out demo_output`), since the test already runs inside the virtual
environment. Every other line runs as the README shows it, through this interpreter's
`simulacra`, and must exit 0 and write what it says it writes.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def first_five_minutes() -> list[list[str]]:
    """The block's commands as argument lists: continuation lines joined, comments dropped."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## First five minutes", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "the First five minutes section has no bash block"
    joined = block.group(1).replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in joined.splitlines() if line.strip()]


def test_the_block_starts_with_make_demo_and_calls_simulacra() -> None:
    commands = first_five_minutes()
    assert commands[0] == ["make", "demo"]
    assert all(c[0] == "simulacra" for c in commands[1:]) and len(commands) >= 5


def test_first_five_minutes_run_as_written(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    commands = first_five_minutes()
    for command in [["simulacra", "demo", "--out", "demo_output"], *commands[1:]]:
        done = subprocess.run(
            [sys.executable, "-m", "simulacra", *command[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"{shlex.join(command)}:\n{done.stderr[-2000:]}"
        out = command[command.index("-o") + 1] if "-o" in command else None
        if out is not None:
            assert (tmp_path / out).stat().st_size > 0, f"{shlex.join(command)} wrote nothing"
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<html" in report.lower() and "demo_output/real.csv" in report
