"""`make setup` and `make demo` leave a `simulacra` command a new shell finds, say how to
activate the environment, and say what pip installs before its quiet minutes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import simulacra

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str, path: str, home: Path) -> str:
    env = {**os.environ, "PATH": path, "HOME": str(home)}
    env.pop("MAKEFLAGS", None)
    done = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_launcher_goes_into_the_first_writable_folder_on_path(tmp_path: Path) -> None:
    off_path, on_path = tmp_path / "off", tmp_path / "on"
    path = f"{on_path}:/usr/bin:/bin"
    venv = f"VENV={sys.prefix}"
    out = make(
        "-s", "launcher", venv, f"LAUNCHER_DIRS={off_path} {on_path}", path=path, home=tmp_path
    )
    link = on_path / "simulacra"
    assert f"linked {link} -> {sys.prefix}/bin/simulacra" in out and link.is_symlink()
    assert not off_path.exists()
    assert out.splitlines()[-1] == f"  source {sys.prefix}/bin/activate"
    # a new shell, with nothing activated, finds the command
    shell = subprocess.run(
        ["sh", "-c", "simulacra --version"],
        env={"PATH": path, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert shell.stdout == f"simulacra {simulacra.__version__}\n"
    again = make("-s", "launcher", venv, f"LAUNCHER_DIRS={on_path}", path=path, home=tmp_path)
    assert "already links to" in again


def test_launcher_never_replaces_another_program(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "simulacra").write_text("#!/bin/sh\necho someone else's\n")
    out = make(
        "-s", "launcher", f"VENV={sys.prefix}", f"LAUNCHER_DIRS={folder}",
        path=f"{folder}:/usr/bin:/bin", home=tmp_path,
    )  # fmt: skip
    assert "is another program; left alone" in out and "none of" in out
    assert (folder / "simulacra").read_text().endswith("someone else's\n")
    assert out.splitlines()[-1] == f"  source {sys.prefix}/bin/activate"


def test_setup_says_what_pip_installs_and_demo_ends_with_the_activation_line(
    tmp_path: Path,
) -> None:
    dirs = f"LAUNCHER_DIRS={tmp_path / 'bin'}"
    path = os.environ["PATH"]
    # -n: print the commands only; -W: as if pyproject.toml had changed, so pip would run
    setup = make("-n", "-W", "pyproject.toml", "setup", dirs, path=path, home=tmp_path)
    assert setup.index("takes a few minutes") < setup.index("pip install")
    demo = make("-n", "demo", dirs, path=path, home=tmp_path).splitlines()
    ran = next(i for i, line in enumerate(demo) if "simulacra demo" in line)
    assert any("scripts/link_launcher.sh" in line for line in demo[ran:])
    assert demo[-1] == 'echo "  source .venv/bin/activate"'
    assert not (tmp_path / "bin").exists()  # -n ran nothing
