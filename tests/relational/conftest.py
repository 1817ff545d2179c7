"""A throwaway PostgreSQL server for the database tests, from the `pgserver` wheel (a dev
dependency that ships PostgreSQL's binaries): initdb into a temporary folder, started on a
free local port, stopped and removed after the session. As root (initdb refuses root) the
server runs as the unprivileged user `nobody`. A server that cannot start fails the tests
that need it; SIMULACRA_SKIP_POSTGRES=1 skips them instead."""

from __future__ import annotations

import importlib.util
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "s3cret-pw"  # trust authentication ignores it; the tests check it is never shown
_numbers = itertools.count()


class PostgresServer:
    """initdb, pg_ctl start and stop, as `nobody` when the tests run as root."""

    def __init__(self) -> None:
        spec = importlib.util.find_spec("pgserver")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("the pgserver package is not installed (pip install -e '.[dev]')")
        self.bin = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
        self.user: dict[str, Any] = {}
        if os.geteuid() == 0:  # initdb refuses root: the server runs as nobody, from /tmp
            nobody = pwd.getpwnam("nobody")
            self.user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            self.folder = Path(tempfile.mkdtemp(prefix="simulacra-pg-", dir="/tmp"))
            try:
                os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)
                self.bin = self._reachable(self.bin)
            except BaseException:
                shutil.rmtree(self.folder, ignore_errors=True)
                raise
        else:
            self.folder = Path(tempfile.mkdtemp(prefix="simulacra-pg-"))
        self.data = self.folder / "data"
        with socket.socket() as probe:  # a free port; the server takes it a moment later
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def _reachable(self, bin: Path) -> Path:
        """`bin`, or where nobody cannot run it (a checkout under root's home, mode 700) a
        copy of the binaries, libraries and share files in the server's folder."""
        try:
            check = subprocess.run(
                [str(bin / "postgres"), "--version"], capture_output=True, timeout=30, **self.user
            )
            if check.returncode == 0:
                return bin
        except OSError:
            pass
        package = bin.parent.parent  # site-packages/pgserver: binaries find their libraries
        copy = self.folder / "pkg" / "pgserver"  # at $ORIGIN/../../../pgserver.libs
        skip = shutil.ignore_patterns("include", "*.a")
        shutil.copytree(package / "pginstall", copy / "pginstall", ignore=skip)
        shutil.copytree(package.parent / "pgserver.libs", copy.parent / "pgserver.libs")
        for root, folders, _ in os.walk(self.folder / "pkg"):
            for name in [".", *folders]:
                os.chmod(Path(root) / name, 0o755)
        return copy / "pginstall" / "bin"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.folder,
            **self.user,
        )
        if result.returncode != 0:
            log = self.folder / "log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {result.stderr.strip()} {tail}".strip())

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "start", "-w", "-t", "30", "-D", str(self.data),
                  "-l", str(self.folder / "log"), "-o", options)  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.data))
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if os.environ.get("SIMULACRA_SKIP_POSTGRES") == "1":
        pytest.skip("SIMULACRA_SKIP_POSTGRES=1: the tests that need PostgreSQL are skipped")
    server = None
    try:
        server = PostgresServer()
        server.start()
    except (OSError, KeyError, RuntimeError, subprocess.SubprocessError) as exc:
        if server is not None:
            server.stop()
        pytest.fail(
            f"could not start a PostgreSQL server for the tests: {exc} "
            "(set SIMULACRA_SKIP_POSTGRES=1 to skip these tests)",
            pytrace=False,
        )
    yield server
    server.stop()


@pytest.fixture
def new_database(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """Creates new, empty databases on the test server (dropped afterwards): their URLs."""
    import psycopg

    made: list[str] = []

    def make() -> str:
        made.append(f"test_{os.getpid()}_{next(_numbers)}")
        with psycopg.connect(postgres_server.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{made[-1]}"')
        return postgres_server.url(made[-1])

    yield make
    with psycopg.connect(postgres_server.url(), autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(new_database: Callable[[], str]) -> str:
    """The URL of a new, empty database on the test server."""
    return new_database()
