"""The schema of a dataset of several tables: each table's primary key (and, for a child
table, the column that orders its rows within a parent), the relations between tables (a
child's foreign key naming a parent's primary key) and each table's column metadata.

The JSON form (`simulacra inspect data/ --json meta.json`, `fit data/ --metadata meta.json`):

    {"format_version": 1,
     "tables": {"players": {"primary_key": "id", "columns": {...}},
                "fielding": {"primary_key": null, "order_by": "year", "columns": {...}}},
     "relations": [{"parent": "players", "parent_key": "id",
                    "child": "fielding", "child_key": "player_id"}]}

`columns` (and `rules`) are a table's `Metadata` in its own JSON form, without the key
columns; `order_by` is optional.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._atomic import atomic_path
from ..errors import MetadataError
from ..io import read_json_file
from ..metadata import Metadata

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Relation:
    """`child.child_key` holds values of `parent.parent_key` (a foreign key)."""

    parent: str
    parent_key: str
    child: str
    child_key: str

    def to_dict(self) -> dict[str, str]:
        return {
            "parent": self.parent,
            "parent_key": self.parent_key,
            "child": self.child,
            "child_key": self.child_key,
        }

    def __str__(self) -> str:
        return f"{self.child}.{self.child_key} -> {self.parent}.{self.parent_key}"


@dataclass
class TableSchema:
    """One table: its primary key (None: none), the column ordering a child's rows within
    its parent (None: file order carries no meaning) and its other columns' metadata."""

    primary_key: str | None = None
    order_by: str | None = None
    metadata: Metadata | None = None

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"primary_key": self.primary_key}
        if self.order_by is not None:
            entry["order_by"] = self.order_by
        if self.metadata is not None:
            own = self.metadata.to_dict()
            entry["columns"] = own["columns"]
            if own.get("rules"):
                entry["rules"] = own["rules"]
        return entry


@dataclass
class DatasetSchema:
    """Tables by name (in the dataset's order) and the relations between them."""

    tables: dict[str, TableSchema]
    relations: list[Relation] = field(default_factory=list)

    def __post_init__(self) -> None:
        for relation in self.relations:
            for table in (relation.parent, relation.child):
                if table not in self.tables:
                    raise MetadataError(f"relation {relation}: no table '{table}'")
            if self.tables[relation.parent].primary_key != relation.parent_key:
                raise MetadataError(
                    f"relation {relation}: '{relation.parent_key}' is not the primary key "
                    f"of '{relation.parent}'"
                )
            if relation.parent == relation.child:
                raise MetadataError(
                    f"relation {relation}: a table pointing at itself is not supported"
                )
        self.order()  # refuses cycles

    def parents_of(self, table: str) -> list[Relation]:
        """The relations in which `table` is the child, in declared order."""
        return [r for r in self.relations if r.child == table]

    def children_of(self, table: str) -> list[Relation]:
        """The relations in which `table` is the parent, in declared order."""
        return [r for r in self.relations if r.parent == table]

    def key_columns(self, table: str) -> list[str]:
        """The table's primary key and foreign keys (regenerated, never modelled)."""
        primary = self.tables[table].primary_key
        keys = [primary] if primary is not None else []
        return [*keys, *(r.child_key for r in self.parents_of(table) if r.child_key not in keys)]

    def order(self) -> list[str]:
        """The tables with every parent before its children (ties in dataset order)."""
        done: list[str] = []
        pending = list(self.tables)
        while pending:
            ready = [t for t in pending if all(r.parent in done for r in self.parents_of(t))]
            if not ready:
                raise MetadataError(
                    f"the relations between {', '.join(pending)} form a cycle; "
                    "a dataset's relations must run from parents to children"
                )
            done.append(ready[0])
            pending.remove(ready[0])
        return done

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "tables": {name: table.to_dict() for name, table in self.tables.items()},
            "relations": [r.to_dict() for r in self.relations],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "dataset metadata") -> DatasetSchema:
        if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
            raise MetadataError(f"{source}: not simulacra dataset metadata (no 'tables' entry)")
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise MetadataError(
                f"{source}: dataset metadata format version {version} is newer than this "
                f"simulacra reads ({FORMAT_VERSION}); upgrade simulacra"
            )
        tables = {}
        for name, entry in data["tables"].items():
            if not isinstance(entry, dict):
                raise MetadataError(f"{source}: table '{name}' must be an object")
            unknown = set(entry) - {"primary_key", "order_by", "columns", "rules"}
            if unknown:
                raise MetadataError(
                    f"{source}: table '{name}' has unknown fields {sorted(unknown)}"
                )
            metadata = None
            if "columns" in entry:
                own = {"columns": entry["columns"], "rules": entry.get("rules")}
                metadata = Metadata.from_dict(own, source=f"{source}: table '{name}'")
            tables[str(name)] = TableSchema(
                _text_or_none(entry.get("primary_key"), source, name, "primary_key"),
                _text_or_none(entry.get("order_by"), source, name, "order_by"),
                metadata,
            )
        relations = []
        for entry in data.get("relations", []):
            fields_ = ("parent", "parent_key", "child", "child_key")
            if not isinstance(entry, dict) or set(entry) != set(fields_):
                raise MetadataError(
                    f"{source}: each relation needs exactly {', '.join(fields_)}: {entry!r}"
                )
            if not all(isinstance(entry[f], str) for f in fields_):
                raise MetadataError(f"{source}: a relation's fields are table and column names")
            relations.append(Relation(*(entry[f] for f in fields_)))
        try:
            return cls(tables, relations)
        except MetadataError as exc:
            raise MetadataError(f"{source}: {exc}") from exc

    def save(self, path: str | Path) -> Path:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.to_dict(), indent=2, default=str))
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> DatasetSchema:
        return cls.from_dict(read_json_file(path, "dataset metadata file"), source=str(path))


def _text_or_none(value: Any, source: str, table: str, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise MetadataError(f"{source}: table '{table}': '{name}' must be a column name or null")
