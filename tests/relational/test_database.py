"""Reading and writing datasets of several tables in a real PostgreSQL server (started by
the `postgres_server` fixture of conftest.py) and in SQLite files."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa

from simulacra.errors import DataError, DataNote
from simulacra.relational.connections import is_database_url
from simulacra.relational.database import read_database, write_database
from simulacra.relational.schema import DatasetSchema, Relation, TableSchema
from simulacra.relational.sql_types import parse_type

from .conftest import PASSWORD

TYPES = {
    "customers": {
        "id": "INTEGER NOT NULL",
        "name": "VARCHAR(40)",
        "signup": "DATE",
        "vip": "BOOLEAN NOT NULL",
        "balance": "NUMERIC(12,2)",
        "visits": "SMALLINT",
    },
    "products": {"sku": "VARCHAR(12) NOT NULL", "price": "DOUBLE PRECISION NOT NULL"},
    "orders": {
        "id": "BIGINT NOT NULL",
        "customer_id": "INTEGER NOT NULL",
        "referrer_id": "INTEGER",
        "sku": "VARCHAR(12)",
        "placed_at": "TIMESTAMP WITH TIME ZONE",
        "shipped": "TIMESTAMP",
        "gift": "BOOLEAN",
        "note": "TEXT",
    },
}
RELATIONS = [
    Relation("customers", "id", "orders", "customer_id"),
    Relation("customers", "id", "orders", "referrer_id"),
    Relation("products", "sku", "orders", "sku"),
]


def _dataset() -> tuple[dict[str, pd.DataFrame], DatasetSchema]:
    customers = pd.DataFrame(
        {
            "id": np.array([1, 2, 3, 4], dtype="int64"),
            "name": pd.Series(["Ada", None, "Émile", "O'Brien"], dtype="str"),
            "signup": pd.to_datetime(["2020-01-31", "2021-06-01", None, "1999-12-31"]).astype(
                "datetime64[us]"
            ),
            "vip": [True, False, False, True],
            "balance": [12.5, np.nan, -0.25, 1e9],
            "visits": pd.array([3, None, 0, 12], dtype="Int64"),
        }
    )
    products = pd.DataFrame({"sku": pd.Series(["A-1", "B-2"], dtype="str"), "price": [9.99, 1 / 3]})
    orders = pd.DataFrame(
        {
            "id": np.array([10, 11, 12, 5_000_000_000], dtype="int64"),
            "customer_id": np.array([1, 1, 3, 4], dtype="int64"),
            "referrer_id": pd.array([None, 2, 2, None], dtype="Int64"),
            "sku": pd.Series(["A-1", "B-2", None, "A-1"], dtype="str"),
            "placed_at": pd.to_datetime(
                [
                    "2024-03-01 10:00:00.123456+00:00",
                    "2024-03-02 23:59:59+02:00",
                    None,
                    "1970-01-01 00:00:00+00:00",
                ],
                utc=True,
                format="ISO8601",
            ).astype("datetime64[us, UTC]"),  # fmt: skip
            "shipped": pd.to_datetime(["2024-03-03 08:00", None, "2024-03-04 00:00", None]).astype(
                "datetime64[us]"
            ),
            "gift": pd.array([True, None, False, False], dtype="boolean"),
            "note": pd.Series(["fragile", None, "", "a\ttab, a\nnewline and \\"], dtype="str"),
        }
    )
    schema = DatasetSchema(
        {
            "orders": TableSchema("id"),
            "customers": TableSchema("id"),
            "products": TableSchema("sku"),
        },
        list(RELATIONS),
    )
    return {"customers": customers, "products": products, "orders": orders}, schema


def _table_names(url: str) -> list[str]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _assert_same(read: dict[str, pd.DataFrame], frames: dict[str, pd.DataFrame]) -> None:
    assert set(read) == set(frames)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(read[name], frame, check_exact=True, obj=name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://user:pw@localhost:5432/db", True),
        ("postgresql+psycopg://localhost/db", True),
        ("postgres://localhost/db", True),
        ("sqlite:///data/shop.db", True),
        ("duckdb:///shop.duckdb", True),  # recognised, then refused by read and write
        ("data/", False),
        ("orders.csv", False),
        ("C:\\data\\orders.parquet", False),
        ("https://example.org/orders.csv", False),
    ],
)
def test_is_database_url(text: str, expected: bool) -> None:
    assert is_database_url(text) is expected


def test_postgres_round_trip_keeps_rows_types_and_keys(postgres_url: str) -> None:
    frames, schema = _dataset()
    write_database(postgres_url, frames, schema, TYPES)
    read, read_schema, types = read_database(postgres_url)
    _assert_same(read, frames)
    assert {n: t.primary_key for n, t in read_schema.tables.items()} == {
        "customers": "id",
        "orders": "id",
        "products": "sku",
    }
    assert sorted(map(str, read_schema.relations)) == sorted(map(str, RELATIONS))
    assert all(t.metadata is None and t.order_by is None for t in read_schema.tables.values())
    assert types == TYPES


def test_postgres_to_postgres_keeps_the_source_types(
    postgres_url: str, new_database: Callable[[], str]
) -> None:
    frames, schema = _dataset()
    write_database(postgres_url, frames, schema, TYPES)
    with pytest.warns(DataNote, match=r"\(sku\) -> products\(sku\): 'products' is not read"):
        contents = read_database(postgres_url, ["orders", "customers"])
    assert list(contents.frames) == ["orders", "customers"]
    assert [str(r) for r in contents.schema.relations] == [str(r) for r in RELATIONS[:2]]
    copy_url = new_database()
    write_database(copy_url, contents.frames, contents.schema, contents.column_types)
    again = read_database(copy_url, ["customers", "orders"])
    assert again.column_types == {t: TYPES[t] for t in ("customers", "orders")}
    _assert_same(again.frames, contents.frames)


def test_types_follow_the_dtypes_without_column_types(postgres_url: str) -> None:
    frames, schema = _dataset()
    write_database(postgres_url, frames, schema)
    read, _, types = read_database(postgres_url)
    assert types["orders"] == {
        "id": "BIGINT NOT NULL",
        "customer_id": "BIGINT",  # a foreign key takes its parent key's type
        "referrer_id": "BIGINT",
        "sku": "TEXT",
        "placed_at": "TIMESTAMP WITH TIME ZONE",
        "shipped": "TIMESTAMP",
        "gift": "BOOLEAN",
        "note": "TEXT",
    }
    assert types["customers"]["balance"] == "DOUBLE PRECISION"
    assert types["customers"]["signup"] == "TIMESTAMP"
    _assert_same(read, frames)


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("orphan", 'violates foreign key constraint "orders_referrer_id_fkey" (Key (referrer_id)'),
        ("duplicate key", "duplicate key value violates unique constraint"),
        ("too long", "value too long for type character varying(12)"),
        ("not whole", "column 'customer_id': values that do not fit its integer type"),
        ("not a date", "column 'shipped': values that do not fit its timestamp type"),
    ],
)
def test_a_failed_load_leaves_no_table(postgres_url: str, problem: str, expected: str) -> None:
    frames, schema = _dataset()
    orders = frames["orders"]  # the last table loaded: the two before are rolled back too
    if problem == "orphan":
        orders.loc[3, "referrer_id"] = 99
    elif problem == "duplicate key":
        orders.loc[1, "id"] = 10
    elif problem == "too long":
        frames["products"].loc[1, "sku"] = "a very long product code"
        orders.loc[1, "sku"] = "a very long product code"
    elif problem == "not whole":
        orders["customer_id"] = [1.0, 1.5, 3.0, 4.0]
    else:
        orders["shipped"] = ["yesterday", None, None, None]
    table = "products" if problem == "too long" else "orders"
    with pytest.raises(DataError) as info:
        write_database(postgres_url, frames, schema, TYPES)
    message = str(info.value)
    assert f"loading table '{table}' failed, nothing was written" in message
    assert expected in message and "\n" not in message and PASSWORD not in message
    assert _table_names(postgres_url) == []


def test_an_existing_table_is_refused_before_any_work(postgres_url: str) -> None:
    frames, schema = _dataset()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE products (sku TEXT)")
        conn.execute("INSERT INTO products VALUES ('kept')")
    with pytest.raises(DataError, match="table products exists already; nothing was written"):
        write_database(postgres_url, frames, schema)
    assert _table_names(postgres_url) == ["products"]
    write_database(postgres_url, frames, schema, TYPES, if_exists="replace")
    _assert_same(read_database(postgres_url).frames, frames)
    with pytest.raises(DataError, match="exists already"):
        write_database(postgres_url, frames, schema, TYPES)


def test_names_that_need_quoting_and_empty_tables(postgres_url: str, tmp_path: Path) -> None:
    frames = {
        "Line Items": pd.DataFrame(
            {
                "Item ID": np.array([], dtype="int64"),
                'say "hi"': pd.Series([], dtype="str"),
                "when": pd.Series([], dtype="datetime64[us]"),
            }
        )
    }
    schema = DatasetSchema({"Line Items": TableSchema("Item ID")})
    for url in (postgres_url, f"sqlite:///{tmp_path / 'empty.db'}"):
        write_database(url, frames, schema)
        read, read_schema, _ = read_database(url, ["Line Items"])
        _assert_same(read, frames)
        assert read_schema.tables["Line Items"].primary_key == "Item ID"


def test_sqlite_values_that_do_not_fit_their_type(tmp_path: Path) -> None:
    path = tmp_path / "loose.db"
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1), ('many')")
        conn.commit()
    with pytest.raises(DataError, match=r"table 't', column 'n': values that do not fit"):
        read_database(f"sqlite:///{path}")


def test_types_outside_the_portable_list_are_read_as_text(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE events (id UUID PRIMARY KEY, payload JSONB, took INTERVAL, "
            "tags TEXT[], at TIME, level NUMERIC, mood VARCHAR)"
        )
        conn.execute(
            "INSERT INTO events VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', "
            """'{"k": [1, 2]}', '1 day 02:00:00', '{a,b}', '12:30:00', 1.5, NULL)"""
        )
    read, schema, types = read_database(postgres_url)
    assert types["events"] == {
        "id": "UUID NOT NULL",
        "payload": "JSONB",
        "took": "INTERVAL",
        "tags": "TEXT[]",
        "at": "TIME WITHOUT TIME ZONE",
        "level": "NUMERIC",
        "mood": "VARCHAR",
    }
    assert read["events"].iloc[0].tolist()[:3] == [
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        '{"k": [1, 2]}',
        "1 day 02:00:00",
    ]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE events")
    write_database(postgres_url, read, schema, types)
    again = read_database(postgres_url)
    assert again.column_types == types
    _assert_same(again.frames, read)


def test_foreign_keys_that_are_not_relations_are_noted(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE staff (id INT PRIMARY KEY, boss INT REFERENCES staff)")
        conn.execute("CREATE TABLE pairs (a INT, b INT, PRIMARY KEY (a, b))")
        conn.execute(
            "CREATE TABLE uses (x INT, y INT, who INT REFERENCES staff, "
            "FOREIGN KEY (x, y) REFERENCES pairs)"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, schema, _ = read_database(postgres_url)
        _, only_uses, _ = read_database(postgres_url, ["uses"])
    notes = [str(w.message) for w in caught if issubclass(w.category, DataNote)]
    assert schema.tables["pairs"].primary_key is None  # a composite key
    assert [str(r) for r in schema.relations] == ["uses.who -> staff.id"]
    assert any("foreign key (boss) -> staff(id) points at its own table" in n for n in notes)
    assert any("foreign key (x, y) -> pairs(a, b) spans several columns" in n for n in notes)
    assert any("'staff' is not read" in n for n in notes)
    assert only_uses.relations == []


def test_errors_are_one_line_without_the_password(postgres_url: str) -> None:
    with pytest.raises(DataError) as info:
        read_database(postgres_url, ["orders", "nothing"])
    assert str(info.value).startswith(
        f"postgresql://postgres:***@{postgres_url.split('@')[1]}: no table 'orders', 'nothing'"
    )
    dead = "postgresql://ann:" + PASSWORD + "@127.0.0.1:1/shop"
    with pytest.raises(DataError, match=r"^cannot connect to postgresql://ann:\*\*\*@") as info:
        read_database(dead)
    no_db = postgres_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(DataError, match='database "no_such_db" does not exist') as second:
        write_database(no_db, *_dataset())
    for error in (info.value, second.value):
        assert PASSWORD not in str(error) and "\n" not in str(error)
    for url, expected in [
        ("duckdb:///shop.duckdb", "duckdb databases are not supported"),
        ("mysql://root:" + PASSWORD + "@db/shop", "mysql databases are not supported"),
        ("postgresql+asyncpg://h/db", "the driver asyncpg is not supported"),
        ("sqlite:///no/such/file.db", "no such SQLite database file"),
        ("sqlite://", "an SQLite URL needs a file path"),
        ("orders.csv", "is not a database URL"),
        ("postgresql://u:" + PASSWORD + "@host:notaport/db", "is not a valid database URL"),
    ]:
        with pytest.raises(DataError, match=expected) as info:
            read_database(url)
        assert PASSWORD not in str(info.value)


def test_bad_frames_are_refused_before_connecting() -> None:
    frames, schema = _dataset()
    url = "postgresql://u@127.0.0.1:1/unused"
    with pytest.raises(DataError, match="no frame for products"):
        write_database(url, {k: v for k, v in frames.items() if k != "products"}, schema)
    with pytest.raises(DataError, match=r"column_types of table 'orders' name unknown"):
        write_database(url, frames, schema, {"orders": {"nope": "TEXT"}})
    with pytest.raises(DataError, match="'INT; DROP TABLE x' is not an SQL type name"):
        write_database(url, frames, schema, {"orders": {"note": "INT; DROP TABLE x"}})
    frames["orders"]["took"] = pd.to_timedelta([1, 2, 3, 4], unit="s")
    with pytest.raises(DataError, match=r"column 'took': no SQL type for a column of dtype"):
        write_database(url, frames, schema)


def test_parse_type_names() -> None:
    assert str(parse_type("numeric( 10 , 2 ) not null", "c")) == "NUMERIC(10,2) NOT NULL"
    assert parse_type("double  precision", "c").kind == "float"
    assert parse_type("timestamp with time zone", "c").kind == "timestamptz"
    assert parse_type("INTEGER[]", "c").kind == "other"
    with pytest.raises(DataError, match="wrong number of parameters"):
        parse_type("DATE(3)", "c")


def test_sqlite_round_trip(tmp_path: Path) -> None:
    frames, schema = _dataset()
    url = f"sqlite:///{tmp_path / 'out' / 'shop.db'}"
    write_database(url, frames, schema, TYPES)
    read, read_schema, types = read_database(url)
    # SQLite keeps no time zone: aware timestamps are stored, and read back, in UTC
    expected = {**frames, "orders": frames["orders"].copy()}
    expected["orders"]["placed_at"] = frames["orders"]["placed_at"].dt.tz_localize(None)
    _assert_same(read, expected)
    assert sorted(map(str, read_schema.relations)) == sorted(map(str, RELATIONS))
    assert types["orders"]["placed_at"] == "TIMESTAMP"
    assert types["customers"] == TYPES["customers"]
    with pytest.raises(DataError, match="exists already"):
        write_database(url, frames, schema)


def test_a_failed_sqlite_write_leaves_no_file_and_no_table(tmp_path: Path) -> None:
    frames, schema = _dataset()
    frames["orders"].loc[0, "customer_id"] = 42
    path = tmp_path / "shop.db"
    with pytest.raises(DataError, match="FOREIGN KEY constraint failed"):
        write_database(f"sqlite:///{path}", frames, schema)
    assert list(tmp_path.iterdir()) == []
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:  # an existing, empty file
        conn.exec_driver_sql("CREATE TABLE other (x INTEGER)")
        conn.commit()
    with pytest.raises(DataError, match="loading table 'orders' failed"):
        write_database(f"sqlite:///{path}", frames, schema)
    assert _table_names(f"sqlite:///{path}") == ["other"]


def test_100k_rows_load_in_seconds(postgres_url: str) -> None:
    n = 100_000
    rng = np.random.default_rng(0)
    parents = pd.DataFrame({"id": np.arange(1_000), "size": rng.normal(size=1_000)})
    children = pd.DataFrame(
        {
            "id": np.arange(n),
            "parent_id": rng.integers(0, 1_000, n),
            "amount": rng.normal(size=n),
            "label": pd.Series(rng.choice(["a", "b", None], n), dtype="str"),
            "at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(n), "s"),
        }
    )
    schema = DatasetSchema(
        {"parents": TableSchema("id"), "children": TableSchema("id")},
        [Relation("parents", "id", "children", "parent_id")],
    )
    start = time.perf_counter()
    write_database(postgres_url, {"parents": parents, "children": children}, schema)
    written = time.perf_counter() - start
    read = read_database(postgres_url).frames["children"]
    took = time.perf_counter() - start
    assert len(read) == n and read["label"].isna().sum() == children["label"].isna().sum()
    assert written < 20 and took < 40, (written, took)
