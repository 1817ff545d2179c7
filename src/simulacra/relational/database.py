"""Read a dataset of several tables from a database, and write one into a database.

Databases are named by URL: PostgreSQL as `postgresql://user:password@host:port/dbname`
(through psycopg 3; `postgres://` and `postgresql+psycopg://` too) and SQLite files as
`sqlite:///relative/path.db` or `sqlite:////absolute/path.db`. Other database URLs (DuckDB,
MySQL...) are recognised and refused with one line.

`read_database` takes the tables' primary keys and foreign keys from the database's own
constraints, and each column's SQL type as a portable name (`relational.sql_types`), so
that `write_database` creates the tables again with the same types, keys and NOT NULL
constraints. Writing happens in one transaction: whatever fails (a value of the wrong type,
a foreign key pointing at no row, a table that exists), nothing is left behind. Error
messages name the database without its password.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, Literal, NamedTuple

import pandas as pd
import psycopg
import sqlalchemy as sa
from psycopg import sql

from .. import _interrupt
from .._atomic import atomic_path
from ..errors import DataError, DataNote, MetadataError, ParameterError
from ..io import first_line
from .connections import connection, error_text, parse_url, safe_url, sqlite_path
from .schema import DatasetSchema, Relation, TableSchema
from .sql_types import SqlType, database_values, frame_column, parse_type, reflected_type
from .sql_types import type_of_dtype as _type_of_dtype

_LOAD_CHUNK = 10_000


class DatabaseContents(NamedTuple):
    """What `read_database` returns: the tables' rows, their keys and relations, and each
    column's SQL type name by table and column (for `write_database`'s `column_types`)."""

    frames: dict[str, pd.DataFrame]
    schema: DatasetSchema
    column_types: dict[str, dict[str, str]]


def read_database(url: str, tables: list[str] | None = None) -> DatabaseContents:
    """Read `tables` (default: every table of the database's default schema) into frames.

    Returns the frames (integer columns as int64, or Int64 where nulls occur; NUMERIC and
    floating columns as float64; booleans as bool or boolean; DATE and TIMESTAMP as
    datetime64[us]; TIMESTAMP WITH TIME ZONE as datetime64[us, UTC]; text, and types with no
    pandas counterpart such as UUID or JSON, as str), a `DatasetSchema` with each table's
    single-column primary key (None where it has none or several columns) and a relation
    for each single-column foreign key between two of the tables read to the parent's
    primary key (others are reported as `DataNote` warnings), and the column types. Tables
    with a primary key are read in its order. The schema's metadata fields are left None.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed, url)
        if not path.is_file():
            raise DataError(f"{safe_url(url)}: no such SQLite database file '{path}'")
    with connection(parsed, url) as conn:
        try:
            return _read(conn, url, tables)
        except sa.exc.DBAPIError as exc:
            raise DataError(f"{safe_url(url)}: reading failed: {error_text(exc, parsed)}") from exc


def write_database(
    url: str,
    tables: dict[str, pd.DataFrame],
    schema: DatasetSchema,
    column_types: dict[str, dict[str, str]] | None = None,
    *,
    if_exists: Literal["fail", "replace"] = "fail",
) -> None:
    """Create `schema`'s tables in the database at `url` and load `tables`' rows into them,
    all in one transaction: if anything fails, no table is created or changed.

    Each column gets the SQL type named in `column_types[table][column]` (as returned by
    `read_database`, e.g. `NUMERIC(10,2)` or `VARCHAR(40) NOT NULL`), else one for its dtype
    (BIGINT, DOUBLE PRECISION, BOOLEAN, TIMESTAMP [WITH TIME ZONE], TEXT); a foreign key
    column with no type named takes its parent key's. Each table gets its primary key and
    a FOREIGN KEY constraint for each relation; parents are created and loaded before
    their children. `if_exists="fail"` refuses, before any work, when one of the tables
    exists already; `"replace"` drops those tables in the same transaction. A new SQLite
    file is written beside its path and renamed into place only when complete.
    """
    if if_exists not in ("fail", "replace"):
        raise ParameterError(f"if_exists must be 'fail' or 'replace', not {if_exists!r}")
    parsed = parse_url(url)
    metadata = _table_definitions(tables, schema, column_types or {})
    if parsed.get_backend_name() != "sqlite":
        _write(parsed, url, metadata, tables, if_exists)
        return
    path = sqlite_path(parsed, url)
    if path.exists():
        _write(parsed, url, metadata, tables, if_exists)
        return
    with atomic_path(path) as tmp:
        _write(parsed.set(database=str(tmp)), url, metadata, tables, if_exists)


# -- reading -------------------------------------------------------------------------------


def _read(conn: sa.Connection, url: str, tables: list[str] | None) -> DatabaseContents:
    inspector = sa.inspect(conn)
    stored = inspector.get_table_names()
    if tables is None:
        names = sorted(stored)
        if not names:
            raise DataError(f"{safe_url(url)}: the database has no tables")
    else:
        names = list(dict.fromkeys(tables))
        if not names:
            raise DataError(f"{safe_url(url)}: no table named to read")
        readable = set(stored) | set(inspector.get_view_names())
        unknown = [n for n in names if n not in readable]
        if unknown:
            listed = ", ".join(sorted(stored)[:20]) or "none"
            raise DataError(
                f"{safe_url(url)}: no table {', '.join(repr(n) for n in unknown)} "
                f"(its tables: {listed})"
            )
    frames: dict[str, pd.DataFrame] = {}
    types: dict[str, dict[str, SqlType]] = {}
    keys: dict[str, str | None] = {}
    for name in names:
        columns = inspector.get_columns(name)
        types[name] = {
            c["name"]: _with_not_null(reflected_type(c["type"], conn.dialect), c["nullable"])
            for c in columns
        }
        primary = inspector.get_pk_constraint(name).get("constrained_columns") or []
        keys[name] = primary[0] if len(primary) == 1 else None
        frames[name] = _read_table(conn, url, name, columns, types[name], keys[name])
    relations = _relations(inspector, names, keys)
    try:
        schema = DatasetSchema({n: TableSchema(keys[n]) for n in names}, relations)
    except MetadataError as exc:
        raise DataError(f"{safe_url(url)}: {exc}") from exc
    column_types = {n: {c: str(t) for c, t in types[n].items()} for n in names}
    return DatabaseContents(frames, schema, column_types)


def _with_not_null(sql_type: SqlType, nullable: bool) -> SqlType:
    return SqlType(sql_type.name, sql_type.kind, not_null=not nullable)


def _read_table(
    conn: sa.Connection,
    url: str,
    name: str,
    columns: list[Any],
    types: dict[str, SqlType],
    primary_key: str | None,
) -> pd.DataFrame:
    table = sa.Table(name, sa.MetaData(), *(sa.Column(c["name"], c["type"]) for c in columns))
    selected: list[Any] = []
    for column in table.columns:
        kind = types[column.name].kind
        if kind == "other":  # no pandas counterpart (UUID, JSON, INTERVAL...): its text
            selected.append(sa.cast(column, sa.Text).label(column.name))
        elif kind == "float":  # Decimal-free on every driver
            selected.append(sa.type_coerce(column, sa.Double()).label(column.name))
        else:
            selected.append(column)
    query = sa.select(*selected)
    if primary_key is not None:
        query = query.order_by(table.c[primary_key])
    try:
        rows = conn.execute(query).fetchall()
    except ValueError as exc:  # SQLite: a date or timestamp stored in a form not read
        raise DataError(
            f"{safe_url(url)}: table '{name}': a value could not be read ({exc})"
        ) from exc
    values = list(zip(*rows, strict=True)) if rows else [() for _ in types]
    columns_read = {}
    for column_name, column_values in zip(types, values, strict=True):
        try:
            columns_read[column_name] = frame_column(list(column_values), types[column_name].kind)
        except (TypeError, ValueError, OverflowError) as exc:  # SQLite keeps any value anywhere
            raise DataError(
                f"{safe_url(url)}: table '{name}', column '{column_name}': values that do not "
                f"fit its type {types[column_name]} ({first_line(exc)})"
            ) from exc
    return pd.DataFrame(columns_read)


def _relations(
    inspector: sa.Inspector, names: list[str], keys: dict[str, str | None]
) -> list[Relation]:
    relations: list[Relation] = []
    for child in names:
        for fk in inspector.get_foreign_keys(child):
            parent = fk["referred_table"]
            columns, referred = fk["constrained_columns"], fk["referred_columns"]
            target = f"{parent}({', '.join(referred)})"
            where = f"table '{child}': foreign key ({', '.join(columns)}) -> {target}"
            if fk.get("referred_schema") not in (None, inspector.default_schema_name):
                _note(f"{where} is in another schema; not kept as a relation")
            elif len(columns) != 1:
                _note(f"{where} spans several columns; not kept as a relation")
            elif parent == child:
                _note(f"{where} points at its own table; not kept as a relation")
            elif parent not in names:
                _note(f"{where}: '{parent}' is not read; the column is kept as data")
            elif [keys[parent]] != referred:
                _note(f"{where} is not the primary key of '{parent}'; not kept as a relation")
            else:
                relation = Relation(parent, referred[0], child, columns[0])
                if relation not in relations:
                    relations.append(relation)
    return relations


def _note(text: str) -> None:
    warnings.warn(text, DataNote, stacklevel=5)


# -- writing -------------------------------------------------------------------------------


def _table_definitions(
    tables: dict[str, pd.DataFrame],
    schema: DatasetSchema,
    column_types: dict[str, dict[str, str]],
) -> sa.MetaData:
    """The tables to create, checked against the frames before any connection is made;
    each column's `SqlType` is in its `info["sql_type"]`."""
    _check_tables(tables, schema, column_types)
    metadata = sa.MetaData()
    types: dict[str, dict[str, SqlType]] = {}
    for name in schema.order():
        types[name] = _column_types(name, tables[name], schema, column_types.get(name, {}), types)
        primary_key = schema.tables[name].primary_key
        sa.Table(
            name,
            metadata,
            *(
                sa.Column(
                    column,
                    sql_type.to_sqlalchemy(),
                    primary_key=column == primary_key,
                    nullable=not sql_type.not_null and column != primary_key,
                    autoincrement=False,
                    info={"sql_type": sql_type},
                )
                for column, sql_type in types[name].items()
            ),
            *(
                sa.ForeignKeyConstraint([r.child_key], [metadata.tables[r.parent].c[r.parent_key]])
                for r in schema.parents_of(name)
            ),
        )
    return metadata


def _check_tables(
    tables: dict[str, pd.DataFrame],
    schema: DatasetSchema,
    column_types: dict[str, dict[str, str]],
) -> None:
    missing = [t for t in schema.tables if t not in tables]
    extra = [t for t in tables if t not in schema.tables]
    if missing or extra:
        parts = [f"no frame for {', '.join(missing)}"] if missing else []
        parts += [f"no schema for {', '.join(extra)}"] if extra else []
        raise DataError(f"the frames do not match the schema's tables: {'; '.join(parts)}")
    stray = [t for t in column_types if t not in schema.tables]
    if stray:
        raise DataError(f"column_types names tables not written: {', '.join(stray)}")
    for name, frame in tables.items():
        names = list(frame.columns)
        if len(set(names)) != len(names) or not all(isinstance(c, str) for c in names):
            raise DataError(f"table '{name}': column names must be distinct strings")
        unknown = [c for c in column_types.get(name, {}) if c not in names]
        if unknown:
            raise DataError(f"column_types of table '{name}' name unknown columns {unknown}")
        needed = [schema.tables[name].primary_key, *(r.child_key for r in schema.parents_of(name))]
        absent = [c for c in needed if c is not None and c not in names]
        if absent:
            raise DataError(f"table '{name}' has no key column {', '.join(absent)}")


def _column_types(
    name: str,
    frame: pd.DataFrame,
    schema: DatasetSchema,
    given: dict[str, str],
    done: dict[str, dict[str, SqlType]],
) -> dict[str, SqlType]:
    """Table `name`'s column types: as `given`, else a foreign key its parent key's type
    (from `done`, the parents' types; nulls allowed), else one for the column's dtype."""
    parent_types = {
        r.child_key: _with_not_null(done[r.parent][r.parent_key], nullable=True)
        for r in schema.parents_of(name)
    }
    types = {}
    for column in frame.columns:
        where = f"table '{name}', column '{column}'"
        if column in given:
            types[column] = parse_type(given[column], where)
        elif column in parent_types:
            types[column] = parent_types[column]
        else:
            types[column] = _type_of_dtype(frame[column].dtype, where)
    return types


def _write(
    target: sa.URL,
    url: str,
    metadata: sa.MetaData,
    frames: dict[str, pd.DataFrame],
    if_exists: str,
) -> None:
    names = list(metadata.tables)
    with connection(target, url) as conn:
        try:
            existing = [n for n in names if n in set(sa.inspect(conn).get_table_names())]
            conn.rollback()
        except sa.exc.DBAPIError as exc:
            raise DataError(f"{safe_url(url)}: {error_text(exc, target)}") from exc
        if existing and if_exists == "fail":
            raise DataError(
                f"{safe_url(url)}: table {', '.join(existing)} exists already; nothing was "
                "written (write into another database, or replace the tables)"
            )
        step = "creating the tables"
        try:
            with conn.begin():
                if existing:
                    step = "dropping the existing tables"
                    stored = sa.MetaData()
                    stored.reflect(conn, only=existing)
                    stored.drop_all(conn)
                step = "creating the tables"
                metadata.create_all(conn, checkfirst=False)
                for name in names:
                    step = f"loading table '{name}'"
                    _load(conn, metadata.tables[name], frames[name])
                _interrupt.check()
        except (sa.exc.DBAPIError, psycopg.Error) as exc:  # COPY raises psycopg's own
            raise DataError(
                f"{safe_url(url)}: {step} failed, nothing was written: {error_text(exc, target)}"
            ) from exc
        except DataError as exc:
            raise DataError(f"{safe_url(url)}: {step} failed, nothing was written: {exc}") from exc


def _load(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    _interrupt.check()
    postgres = conn.dialect.name == "postgresql"
    columns = [
        database_values(
            frame[c.name],
            c.info["sql_type"].kind,
            f"table '{table.name}', column '{c.name}'",
            naive_utc=not postgres,
        )
        for c in table.columns
    ]
    rows = zip(*columns, strict=True)
    if postgres:
        _copy(conn, table, rows)
        return
    names = [c.name for c in table.columns]
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(dict(zip(names, row, strict=True)))
        if len(chunk) == _LOAD_CHUNK:
            conn.execute(table.insert(), chunk)
            chunk = []
            _interrupt.check()
    if chunk:
        conn.execute(table.insert(), chunk)


def _copy(conn: sa.Connection, table: sa.Table, rows: Iterator[tuple[Any, ...]]) -> None:
    """Load rows with PostgreSQL's COPY through psycopg, inside the open transaction."""
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name), names)
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for count, row in enumerate(rows, 1):
            copy.write_row(row)
            if count % _LOAD_CHUNK == 0:
                _interrupt.check()
