"""A synthesizer of a dataset of related tables: parents first, each child given its parent.

`DatasetSynthesizer(model="autoregressive").fit(tables, schema)` learns every table of a
dataset (`tables`: name -> frame; `schema`: keys and relations, inferred when not given) in
parent-before-child order (`DatasetSchema.order`):

- a table without parents (or whose every foreign key has empty cells) is a single table,
  learned by `model` on its own columns;
- a child is given its parent through its first foreign key without empty cells, either
  (`children="sequences"`) as sequences of its parent's rows (`synthesizers/sequences.py`):
  its rows ordered by the table's `order_by` column (else file order, as a hidden
  position), the context of each sequence the parent's own columns (prefixed `parent.`) and
  those of the parent's own parent (`grandparent.`), so the number of children per parent
  (zero included) and their values follow the parent's values; or (`children="rows"`, the
  default) as rows, each drawn given the same parent columns, its position and its number
  of siblings, which the parent's model learns as a hidden column (`children.py`);
- a child's other foreign keys point at sampled parent rows drawn with the real spread of
  children per parent row (the histogram of real counts) and the real share of empty cells.

`sample(scale)` samples `scale` times the real rows of every table without parents, then
each child given the sampled parents; primary keys are new (`keys.py`), and every foreign
key names a sampled parent row. Key columns are never modelled.

The model file holds each table's model state (`Synthesizer._get_state`) beside the schema;
only registered models are built when it is read (`modelfile.py`: no pickle).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import registry, seeding
from ..errors import DataError, ModelFileError, NotFittedError, ParameterError
from ..metadata import Metadata, infer_column
from ..modelfile import damaged_as_error, read_model, write_model
from ..synthesizers import Synthesizer
from ..synthesizers.base import CHUNK_ROWS
from . import children as rows_mode
from .infer import infer_schema
from .keys import KeyPlan, assign_parents, secondary_plan
from .schema import DatasetSchema, Relation

KIND = "dataset"
ORDER = rows_mode.POSITION  # a child's hidden position within its parent (file order)
SEQUENCE_MODEL = "autoregressive"  # the model that learns children (sequences or rows)
CHILDREN = ("rows", "sequences")  # how a child table is learned (the module docstring)
CHUNK_PARENTS = 10_000  # parent rows whose children are drawn together


class DatasetSynthesizer:
    """Learns and samples a dataset of related tables (see the module docstring).

    `model` learns the tables without parents; `children` says how child tables are learned
    ("rows" or "sequences"); `params` go to every table's model (epochs, time_budget...: each
    model takes those it has); `seed` seeds everything."""

    def __init__(
        self,
        *,
        model: str = SEQUENCE_MODEL,
        children: str = "rows",
        params: Mapping[str, Any] | None = None,
        seed: int = 0,
        verbose: bool = True,
    ) -> None:
        self.model = model
        self.children = children
        self.params = dict(params or {})
        self.seed = seed
        self.verbose = verbose
        self._calls = 0

    # fitting -----------------------------------------------------------------------------
    def fit(
        self,
        tables: Mapping[str, pd.DataFrame],
        schema: DatasetSchema | None = None,
        *,
        source: Mapping[str, Any] | None = None,
    ) -> DatasetSynthesizer:
        """Learn every table of `tables` (name -> DataFrame). `source` says where they came
        from, kept to write samples alike: "suffixes" (table -> file suffix) and
        "column_types" (table -> column -> SQL type, from `read_database`). Returns self."""
        seeding.check_seed(self.seed)
        registry.get(self.model, "table")  # an unknown model name fails before any work
        if self.children not in CHILDREN:
            raise ParameterError(
                f"children must be one of {', '.join(CHILDREN)}, not {self.children!r}"
            )
        _check_frames(tables)
        schema = schema if schema is not None else infer_schema(tables)
        check_dataset(tables, schema)
        self.schema_ = schema
        tables = self._with_counts(tables)
        self.source_ = dict(source or {})
        self.tables_: dict[str, dict[str, Any]] = {}
        self.models_: dict[str, Synthesizer | None] = {}
        for index, name in enumerate(schema.order()):
            plan, model = self._fit_table(index, name, tables)
            self.tables_[name], self.models_[name] = plan, model
        return self

    def _fit_table(
        self, index: int, name: str, tables: Mapping[str, pd.DataFrame]
    ) -> tuple[dict[str, Any], Synthesizer | None]:
        schema, frame = self.schema_, tables[name]
        table = schema.tables[name]
        own = own_columns(schema, name, frame)
        metadata = _own_metadata(table.metadata, frame, own)
        primary = _primary_relation(schema, name, frame)
        plan: dict[str, Any] = {
            "rows": len(frame),
            "columns": [str(c) for c in frame.columns if not _hidden(str(c))],
            "primary": primary.to_dict() if primary is not None else None,
            "keys": (
                KeyPlan.learn(frame[table.primary_key]).to_dict() if table.primary_key else None
            ),
            "secondary": [
                secondary_plan(r, frame, tables[r.parent])
                for r in schema.parents_of(name)
                if r != primary
            ],
        }
        seed = seeding.integer(self.seed, "dataset", index)
        if primary is None:
            if not own:
                return plan, None
            model = self._new_model(self.model, seed)
            model.fit(frame[own], metadata)
            return plan, model
        if self.children == "rows":
            return plan, self._fit_rows(primary, frame, own, metadata, dict(tables), seed)
        order = table.order_by or ORDER
        events = frame[[primary.child_key, *own]].copy()
        if table.order_by is None:
            events[ORDER] = frame.groupby(primary.child_key, sort=False).cumcount()
        columns = {primary.child_key: infer_column(primary.child_key, events[primary.child_key])}
        columns |= metadata.columns
        if table.order_by is None:  # a number even when no parent has two children
            columns[ORDER] = rows_mode.whole_number()
        context, context_metadata = self._context(primary, dict(tables))
        sequences: Any = self._new_model(  # a Sequences model: fit and sample take a context
            SEQUENCE_MODEL, seed, sequence_key=primary.child_key, sequence_index=order
        )
        sequences.fit(
            events,
            Metadata(columns, rules=metadata.rules),
            context=context,
            context_metadata=context_metadata,
        )
        return plan, sequences

    def _with_counts(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """`tables`, each parent (children="rows") with a hidden column counting its rows in
        each child table it is the first parent of."""
        out = dict(tables)
        if self.children != "rows":
            return out
        for name in self.schema_.order():
            primary = _primary_relation(self.schema_, name, tables[name])
            if primary is not None:
                out[primary.parent] = rows_mode.with_counts(out[primary.parent], primary, out[name])
        return out

    def _fit_rows(
        self,
        primary: Relation,
        frame: pd.DataFrame,
        own: list[str],
        metadata: Metadata,
        tables: dict[str, pd.DataFrame],
        seed: int,
    ) -> Synthesizer:
        """A child learned as rows given its parent (`children.py`)."""
        context, context_metadata = self._context(primary, tables)
        order = self.schema_.tables[primary.child].order_by
        rows = rows_mode.joined(frame, primary, context, own, order)
        rows, flags = rows_mode.with_same(rows, primary.parent, own)
        columns = {c: context_metadata[c] for c in context.columns if c != primary.child_key}
        columns[rows_mode.POSITION] = rows_mode.whole_number()
        columns |= metadata.columns | flags
        model = self._new_model(SEQUENCE_MODEL, seed)
        model.fit(rows, Metadata(columns, rules=metadata.rules))
        return model

    def _new_model(self, name: str, seed: int, **extra: Any) -> Synthesizer:
        accepted = registry.get(name, "table")._param_names()
        params = {k: v for k, v in self.params.items() if k in accepted}
        return Synthesizer(name, seed=seed, verbose=self.verbose, **params, **extra)

    def _context(
        self, relation: Relation, tables: dict[str, pd.DataFrame]
    ) -> tuple[pd.DataFrame, Metadata]:
        """The context of `relation`'s child sequences: one row per parent row, its key
        named as the child's foreign key, then the parent's (and its own parent's) columns."""
        schema = self.schema_
        parent = tables[relation.parent]
        frame = pd.DataFrame({relation.child_key: parent[relation.parent_key].to_numpy()})
        columns = {relation.child_key: infer_column(relation.child_key, frame[relation.child_key])}
        sources = [(relation.parent, parent)]
        above = _primary_relation(schema, relation.parent, parent)
        if above is not None:
            grand = tables[above.parent].set_index(above.parent_key)
            joined = grand.reindex(parent[above.child_key].to_numpy()).reset_index(drop=True)
            sources.append((above.parent, joined))
        for table, rows in sources:
            meta = schema.tables[table].metadata
            for column in own_columns(schema, table, rows):
                name = f"{table}.{column}"
                frame[name] = rows[column].to_numpy()
                if _hidden(column):
                    columns[name] = rows_mode.whole_number()
                elif meta is not None and column in meta:
                    columns[name] = meta[column]
                else:
                    columns[name] = infer_column(name, frame[name])
        return frame, Metadata(columns)

    # sampling ----------------------------------------------------------------------------
    def sample(self, scale: float = 1.0, seed: int | None = None) -> dict[str, pd.DataFrame]:
        """A synthetic dataset: `scale` times the real rows of each table without parents,
        each child's rows given its sampled parents. Same seed, same tables."""
        return {
            name: pd.concat(list(chunks), ignore_index=True)
            for name, chunks in self.iter_tables(scale, seed)
        }

    def iter_tables(
        self, scale: float = 1.0, seed: int | None = None, chunk_rows: int = CHUNK_ROWS
    ) -> Iterator[tuple[str, Iterator[pd.DataFrame]]]:
        """`sample` table by table, parents first: (name, chunks of its rows). A table with
        children is drawn whole (its rows are the next tables' context); a table without
        children comes in chunks (of `chunk_rows` rows, or of the children of
        `CHUNK_PARENTS` parent rows), drawn as they are read: read each table's chunks
        before the next table, and memory holds the tables with children and one chunk.
        With the default `chunk_rows`, the tables are `sample`'s."""
        self._check_fitted()
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
            raise ParameterError(f"scale must be a positive number, not {scale!r}")
        if seed is None:
            self._calls += 1
            base, call = self.seed, self._calls
        else:
            base, call = seeding.check_seed(seed), 0
        done: dict[str, pd.DataFrame] = {}  # tables with children, hidden columns included
        for index, name in enumerate(self.schema_.order()):
            parent = bool(self.schema_.children_of(name))
            rows = CHUNK_ROWS if parent else chunk_rows  # `sample`'s draws, whatever chunk_rows
            chunks = self._table_chunks(index, name, scale, done, (base, call), rows)
            shown = self.tables_[name]["columns"]
            if parent:
                done[name] = pd.concat(list(chunks), ignore_index=True)
                yield name, iter([done[name][shown]])
            else:
                yield name, (chunk[shown] for chunk in chunks)

    def _table_chunks(
        self,
        index: int,
        name: str,
        scale: float,
        done: dict[str, pd.DataFrame],
        key: tuple[int, int],
        chunk_rows: int,
    ) -> Iterator[pd.DataFrame]:
        """The rows of table `name`, chunk by chunk: drawn by its model (given the sampled
        parents), then its new primary keys and its second foreign keys; hidden columns
        (children="rows": counts of children) kept."""
        plan, model = self.tables_[name], self.models_[name]
        base, call = key
        seed = seeding.integer(base, "dataset", index, call)
        primary = Relation(**plan["primary"]) if plan["primary"] else None
        if primary is None:
            rows = max(1, round(scale * plan["rows"]))
            if model is not None:
                drawn = model.iter_sample(rows, seed=seed, chunk_rows=chunk_rows)
            else:
                drawn = (
                    pd.DataFrame(index=range(start, min(start + chunk_rows, rows)))
                    for start in range(0, rows, chunk_rows)
                )
        elif self.children == "rows":
            drawn = self._draw_rows(name, primary, done, seed)
        else:
            sequences: Any = model
            context, _ = self._context(primary, done)
            pairs = sequences.iter_sequences(
                context=context, seed=seed, chunk_entities=CHUNK_PARENTS
            )
            drawn = (events.drop(columns=[ORDER], errors="ignore") for events, _ in pairs)
        table_key = self.schema_.tables[name].primary_key
        offset = 0
        for k, frame in enumerate(drawn):
            frame = frame.reset_index(drop=True)
            if table_key is not None:
                frame[table_key] = KeyPlan.from_dict(plan["keys"]).make(len(frame), seed, offset)
            rng = seeding.rng(base, "dataset", index, call, k)
            for entry in plan["secondary"]:
                relation = Relation(**entry["relation"])
                parents = done[relation.parent][relation.parent_key].to_numpy()
                frame[relation.child_key] = assign_parents(
                    len(frame), parents, np.asarray(entry["degrees"]), entry["null_share"], rng
                )
            offset += len(frame)
            yield frame[plan["columns"] + [c for c in frame.columns if _hidden(str(c))]]

    def _draw_rows(
        self, name: str, primary: Relation, done: dict[str, pd.DataFrame], seed: int
    ) -> Iterator[pd.DataFrame]:
        """A child's rows given its sampled parents (children="rows"), the children of
        `CHUNK_PARENTS` parent rows at a time."""
        model: Any = self.models_[name]
        context, _ = self._context(primary, done)
        count = f"{primary.parent}.{rows_mode.count_name(name)}"
        own = [c for c in model.metadata_.columns if c not in context and c != rows_mode.POSITION]
        order = self.schema_.tables[name].order_by
        for k, start in enumerate(range(0, len(context), CHUNK_PARENTS)):
            part = rows_mode.skeleton(context.iloc[start : start + CHUNK_PARENTS], count, own)
            if len(part) == 0:
                continue
            key = part.pop(primary.child_key)
            filled = model.impute(part, seed=seeding.integer(seed, "dataset", k), nulls=True)
            filled = rows_mode.inherit(filled, primary.parent)
            filled.insert(0, primary.child_key, key.to_numpy())
            shown = [c for c in own if c in filled.columns]
            yield rows_mode.ordered(filled, primary.child_key, order)[[primary.child_key, *shown]]

    # saving ------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted dataset model to `path` atomically (no pickle)."""
        self._check_fitted()
        tables = {}
        for name, plan in self.tables_.items():
            model = self.models_[name]
            entry: dict[str, Any] = {"plan": plan}
            if model is not None:
                entry |= {
                    "model": model.name,
                    "params": model.get_params(),
                    "state": model._get_state(),
                }
            tables[name] = entry
        manifest = {"kind": KIND, "model": KIND, "params": self.get_params()}
        state = {"schema": self.schema_.to_dict(), "source": self.source_, "tables": tables}
        return write_model(path, manifest, state)

    @classmethod
    def load(cls, path: str | Path) -> DatasetSynthesizer:
        """Read a dataset model written by `save`; only registered table models are built."""
        manifest, state = read_model(path)
        if manifest["kind"] != KIND:
            raise ModelFileError(
                f"{path}: holds a {manifest['kind']} model '{manifest['model']}', not a dataset "
                "model"
            )
        with damaged_as_error(path):
            # files written before children="rows" learned every child as sequences
            self = cls(**{"children": "sequences", **manifest["params"]}, verbose=False)
            self.schema_ = DatasetSchema.from_dict(state["schema"], source=str(path))
            self.source_ = dict(state.get("source", {}))
            self.tables_, self.models_ = {}, {}
            for name in self.schema_.order():
                entry = state["tables"][name]
                self.tables_[name] = entry["plan"]
                model = None
                if "model" in entry:
                    params = {**entry["params"], "verbose": False}
                    model = Synthesizer(entry["model"], **params)
                    model._set_state(entry["state"])
                self.models_[name] = model
        return self

    def get_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "children": self.children,
            "params": self.params,
            "seed": self.seed,
        }

    def describe(self) -> dict[str, Any]:
        """What was learned: the schema, and per table its rows, model and fit."""
        self._check_fitted()
        tables = {}
        for name, plan in self.tables_.items():
            model = self.models_[name]
            tables[name] = {
                "rows": plan["rows"],
                "model": model.name if model is not None else None,
                "given": plan["primary"]["parent"] if plan["primary"] else None,
                "fit": model.describe().get("fit") if model is not None else None,
            }
        return {"schema": self.schema_.to_dict(), "tables": tables}

    def _check_fitted(self) -> None:
        if not hasattr(self, "tables_"):
            raise NotFittedError("dataset: call fit before sampling or saving")


def _hidden(column: str) -> bool:
    return column.startswith(rows_mode.COUNT_PREFIX)


def own_columns(schema: DatasetSchema, table: str, frame: pd.DataFrame) -> list[str]:
    """A table's modelled columns: all but its keys."""
    keys = set(schema.key_columns(table))
    return [str(c) for c in frame.columns if str(c) not in keys]


def check_dataset(tables: Mapping[str, pd.DataFrame], schema: DatasetSchema) -> None:
    """One DataError naming the first thing that makes `tables` unusable with `schema`."""
    missing = [t for t in schema.tables if t not in tables]
    if missing:
        raise DataError(f"the dataset has no table '{missing[0]}' (the metadata names it)")
    extra = [t for t in tables if t not in schema.tables]
    if extra:
        raise DataError(f"table '{extra[0]}' is not in the dataset metadata")
    for name, table in schema.tables.items():
        frame = tables[name]
        names = [str(c) for c in frame.columns]
        for role, column in (("primary key", table.primary_key), ("order_by", table.order_by)):
            if column is not None and column not in names:
                raise DataError(f"table '{name}' has no column '{column}' ({role})")
        hidden = [
            n for n in names if n == ORDER or _hidden(n) or n.startswith(rows_mode.SAME_PREFIX)
        ]
        if hidden:
            raise DataError(f"table '{name}': the column name '{hidden[0]}' is reserved")
        key = table.primary_key
        if key is not None and (frame[key].isna().any() or not frame[key].is_unique):
            raise DataError(f"table '{name}': primary key '{key}' has empty or repeated values")
    for relation in schema.relations:
        child = tables[relation.child]
        if relation.child_key not in child.columns:
            raise DataError(f"table '{relation.child}' has no column '{relation.child_key}'")
        values = child[relation.child_key].dropna()
        known = values.isin(set(tables[relation.parent][relation.parent_key].tolist()))
        if not known.all():
            raise DataError(
                f"{relation}: {int((~known).sum()):,} rows name no row of '{relation.parent}' "
                f"(for example {values[~known].iloc[0]!r}); fix them or remove the relation"
            )


def _check_frames(tables: Mapping[str, pd.DataFrame]) -> None:
    if not isinstance(tables, Mapping) or not tables:
        raise DataError("fit needs a mapping of table names to pandas DataFrames")
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise DataError(
                f"table '{name}' must be a pandas DataFrame, not {type(frame).__name__}"
            )
        if len(frame) == 0:
            raise DataError(f"table '{name}' has no rows")


def _primary_relation(schema: DatasetSchema, name: str, frame: pd.DataFrame) -> Relation | None:
    """The relation a child is learned as sequences of: its first foreign key without empty
    cells (None: a table without parents, or whose foreign keys all have empty cells)."""
    for relation in schema.parents_of(name):
        if relation.child_key in frame.columns and not frame[relation.child_key].isna().any():
            return relation
    return None


def _own_metadata(metadata: Metadata | None, frame: pd.DataFrame, own: list[str]) -> Metadata:
    """The metadata of a table's `own` columns; hidden counts of children are integers."""
    hidden = {c: rows_mode.whole_number() for c in own if _hidden(c)}
    shown = [c for c in own if c not in hidden]
    if metadata is None:
        inferred = Metadata.infer(frame[shown]) if shown else Metadata({})
        return Metadata({**inferred.columns, **hidden}, rules=inferred.rules)
    missing = [c for c in shown if c not in metadata]
    if missing:
        raise DataError(f"column '{missing[0]}' is in the table but not in its metadata")
    return Metadata({**{c: metadata[c] for c in shown}, **hidden}, rules=metadata.rules)
