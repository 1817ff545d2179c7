"""Database URLs and connections for `database.py`: which URLs name a database, parsing them
(PostgreSQL through psycopg 3, SQLite files; other databases recognised and refused with one
line), opening a connection (SQLite with foreign keys enforced and DDL inside the
transaction), and error text that never shows the password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..errors import DataError

# URL scheme -> SQLAlchemy driver name; the schemes of UNSUPPORTED are recognised, refused
DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
}
UNSUPPORTED = ("duckdb", "mysql", "mariadb", "mssql", "oracle", "snowflake", "redshift")
_SCHEME = re.compile(r"^([a-z][a-z0-9]*)(\+[a-z0-9_]+)?://", re.IGNORECASE)


def is_database_url(text: str) -> bool:
    """Whether `text` names a database (`postgresql://...`, `sqlite:///file.db`) rather than
    a file or folder. URLs of databases simulacra does not support (`duckdb:///`,
    `mysql://`) count too, so that reading them fails with a clear line."""
    match = _SCHEME.match(text.strip())
    return match is not None and (match.group(1).lower() in {*DRIVERS, *UNSUPPORTED})


def parse_url(url: str) -> sa.URL:
    match = _SCHEME.match(url.strip())
    if match is None:
        raise DataError(
            f"'{safe_url(url)}' is not a database URL (postgresql://user@host/dbname or "
            "sqlite:///file.db)"
        )
    scheme = match.group(0)[:-3].lower()
    if match.group(1).lower() not in DRIVERS:
        raise DataError(
            f"{safe_url(url)}: {match.group(1)} databases are not supported; simulacra reads and "
            "writes PostgreSQL (postgresql://...) and SQLite (sqlite:///file.db)"
        )
    if scheme not in DRIVERS:
        raise DataError(
            f"{safe_url(url)}: the driver {match.group(2)[1:]} is not supported; write "
            f"{match.group(1)}:// (simulacra connects through "
            f"{'psycopg' if scheme.startswith('postgres') else 'sqlite3'})"
        )
    try:
        parsed = sa.make_url(url.strip())
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise DataError(f"'{safe_url(url)}' is not a valid database URL") from exc
    return parsed.set(drivername=DRIVERS[scheme])


def sqlite_path(parsed: sa.URL, url: str) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise DataError(f"{safe_url(url)}: an SQLite URL needs a file path (sqlite:///file.db)")
    return Path(parsed.database)


@contextmanager
def connection(parsed: sa.URL, url: str) -> Iterator[sa.Connection]:
    """A connection to the database, closed (and its engine disposed) afterwards."""
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    else:
        timeout = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=timeout)
    try:
        try:
            conn = engine.connect()
        except sa.exc.DBAPIError as exc:
            raise DataError(
                f"cannot connect to {safe_url(url)}: {error_text(exc, parsed)}"
            ) from exc
        with conn:
            yield conn
    finally:
        engine.dispose()


def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    # pysqlite's own transaction handling commits before DDL: take it over, so that the
    # CREATE TABLEs roll back with the rows; and enforce foreign keys, off by default
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def error_text(exc: BaseException, parsed: sa.URL) -> str:
    """The database's own one-line account of an error, without the password."""
    orig = getattr(exc, "orig", None) or exc
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        detail = getattr(diag, "message_detail", None)
        text = f"{primary} ({detail})" if detail else primary
    else:
        lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
        text = lines[0] if lines else type(orig).__name__
    if parsed.password:
        text = text.replace(str(parsed.password), "***")
    return text


def safe_url(url: str) -> str:
    """`url` with its password (in the address or as a parameter) replaced by ***."""
    text = re.sub(r"(://[^:/@]*:).*@(?=[^@]*$)", r"\1***@", url.strip())
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", text)
