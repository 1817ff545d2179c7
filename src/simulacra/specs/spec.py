"""Dataset specifications: parsing, up-front validation, and generation.

A specification is a mapping (from YAML or JSON)::

    name: example            # optional
    rows: 1000               # default row count (optional)
    columns:
      x: {distribution: normal, mean: 0, sd: 1}
      y: {formula: "2*x + normal(0, 0.1)"}
      plan: {categories: {basic: 0.7, pro: 0.3}, missing: 0.05}

Each column names its `type` or lets a distinctive key imply it (`formula`, `template`,
`pattern`, `provider`, `categories`, `value`, `distribution`). Every column may also take
`missing` (share of nulls), `when` (a formula: rows where it is false become null), `hidden`
(computed and usable by other columns, left out of the output) and `description`.
Formulas, templates, `when` and `after` see every column's full values; nulls are applied last.
Columns are computed in dependency order; unknown references and cycles are errors.
Every column draws from its own generator seeded by (seed, column name), so adding a column
does not change the others, and the same seed gives the same table.

Every size a spec decides is bounded (see source.py for the text itself): rows (MAX_ROWS,
streamed in chunks of CHUNK_ROWS), columns (MAX_COLUMNS, hidden ones included), and per column
type the limits named in columns.py, text.py, blocks.py, distributions.py and formula.py.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import seeding
from .._progress import new_progress
from ..errors import ParameterError, SimulacraError
from .blocks import ClassificationSpec, CorrelatedSpec
from .columns import (
    BooleanSpec,
    CategoricalSpec,
    Chunk,
    ColumnSpec,
    ConstantSpec,
    DateSpec,
    DatetimeSpec,
    FormulaSpec,
    IdSpec,
    NumberSpec,
)
from .formula import Formula, parse_formula
from .source import load_text, read_file
from .text import FakerSpec, TemplateSpec

TYPES: dict[str, type[ColumnSpec]] = {
    cls.type: cls
    for cls in (
        NumberSpec,
        FormulaSpec,
        CategoricalSpec,
        BooleanSpec,
        ConstantSpec,
        IdSpec,
        DateSpec,
        DatetimeSpec,
        FakerSpec,
        TemplateSpec,
        CorrelatedSpec,
        ClassificationSpec,
    )
}
_ALIASES = {"numerical": "number", "category": "categorical", "bool": "boolean", "text": "template"}
_IMPLIED = (
    ("formula", "formula"),
    ("template", "template"),
    ("pattern", "id"),
    ("provider", "faker"),
    ("categories", "categorical"),
    ("value", "constant"),
    ("distribution", "number"),
)
TOP_KEYS = frozenset({"name", "description", "rows", "columns"})  # the seed is a call argument
MAX_ROWS = 1_000_000_000
MAX_COLUMNS = 1_000  # columns a spec makes, hidden ones included
CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class Shared:
    """Options every column takes."""

    missing: float
    when: Formula | None
    hidden: bool


@dataclass
class Spec:
    """A validated specification: generators in dependency order and their shared options."""

    name: str
    description: str
    rows: int | None
    generators: list[ColumnSpec]
    shared: dict[str, Shared]
    order: list[str]  # output column names, in declaration order

    @property
    def columns(self) -> list[str]:
        """The output columns (hidden ones left out), in the order they were declared."""
        return [c for c in self.order if not self.shared[self._owner(c)].hidden]

    def _owner(self, column: str) -> str:
        for gen in self.generators:
            if column in gen.outputs:
                return gen.name
        raise KeyError(column)

    def generate(self, n: int | None = None, seed: int = 0) -> pd.DataFrame:
        """A table of `n` rows (default: the spec's `rows`); same seed, same table."""
        chunks = list(self.iter_generate(n, seed))
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    def iter_generate(
        self, n: int | None = None, seed: int = 0, verbose: bool = False
    ) -> Iterator[pd.DataFrame]:
        """The rows of `generate(n, seed)` in chunks of CHUNK_ROWS, for streaming to a file.

        Memory stays bounded by one chunk. Draws shared by all rows (Faker pools, class means,
        correlation signs, the id permutation) are made once, so ids stay unique and class means
        stay fixed across chunks; streamed or collected, the same seed gives the same rows.
        """
        n = self.rows if n is None else n
        if n is None:
            raise ParameterError(f"spec '{self.name}': give a number of rows")
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_ROWS:
            raise ParameterError(
                f"number of rows must be an integer in [1, {MAX_ROWS:,}], not {n!r}"
            )
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ParameterError(f"seed must be an integer >= 0, not {seed!r}")
        n, seed = int(n), int(seed)
        return self._chunks(n, seed, self.shared_draws(n, seed), verbose)

    def shared_draws(self, n: int, seed: int) -> dict[str, Any]:
        """The draws every chunk of an `n`-row dataset shares (Faker pools, class means,
        the id permutation), per column, from each column's set-up stream: what
        `generate_chunk` needs besides its own streams."""
        return {gen.name: gen.setup(_rng(seed, gen.name, 3), n) for gen in self.generators}

    def _chunks(
        self, n: int, seed: int, states: dict[str, Any], verbose: bool
    ) -> Iterator[pd.DataFrame]:
        show = verbose and n > CHUNK_ROWS  # a bar only when there is more than one chunk
        with new_progress(show) as progress:
            task = progress.add_task(f"generating {self.name}", total=n, info="rows")
            for k, start in enumerate(range(0, n, CHUNK_ROWS)):
                rows = min(CHUNK_ROWS, n - start)
                yield self.generate_chunk(k, rows, seed, states)
                progress.advance(task, rows)

    def generate_chunk(self, k: int, n: int, seed: int, states: dict[str, Any]) -> pd.DataFrame:
        """Chunk k (`n` rows from row `k * CHUNK_ROWS`) of the dataset of `seed` whose
        `shared_draws` are `states`: every column from its own streams for chunk k, so any
        process can make any chunk and the rows equal `iter_generate`'s."""
        offset = k * CHUNK_ROWS
        values: dict[str, np.ndarray] = {}
        for gen in self.generators:
            chunk = Chunk(n, _rng(seed, gen.name, 0, k), offset, states[gen.name])
            made = _generate(gen, values, chunk)
            values.update({name: np.asarray(v) for name, v in made.items()})
        frame = {}
        for gen in self.generators:
            shared = self.shared[gen.name]
            if shared.hidden:
                continue
            keep = np.ones(n, dtype=bool)
            if shared.when is not None:
                when = shared.when.evaluate(values, n, _rng(seed, gen.name, 2, k))
                keep &= np.asarray(when, dtype=bool)
            if shared.missing > 0:
                keep &= _rng(seed, gen.name, 1, k).random(n) >= shared.missing
            for name in gen.outputs:
                frame[name] = _series(values[name], keep, getattr(gen, "format", None))
        return pd.DataFrame({name: frame[name] for name in self.columns})


def _generate(gen: ColumnSpec, values: dict[str, np.ndarray], chunk: Chunk) -> dict[str, Any]:
    """`gen.generate`, with numpy's refusals (a parameter out of a sampler's range, an array
    that cannot be made) turned into one error naming the column."""
    try:
        return gen.generate(values, chunk)
    except (ValueError, OverflowError, TypeError, MemoryError) as exc:
        if isinstance(exc, SimulacraError):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ParameterError(f"column '{gen.name}': cannot be generated ({first})") from exc


def _rng(seed: int, name: str, stream: int, chunk: int = 0) -> np.random.Generator:
    """Stream `stream` (0 values, 1 nulls, 2 `when`, 3 set-up) of column `name`, chunk `chunk`."""
    return seeding.rng(seed, "spec", zlib.crc32(name.encode("utf-8")), stream, chunk)


def _series(array: np.ndarray, keep: np.ndarray, fmt: str | None) -> pd.Series:
    """The final column: dtype kept, nulls where `keep` is False, dates formatted if asked."""
    has_nulls = not keep.all()
    if array.dtype.kind == "M":
        series = pd.Series(array.astype("datetime64[ns]"))
        if has_nulls:
            series[~keep] = pd.NaT
        if fmt is not None:
            text = series.dt.strftime(fmt)
            return text.astype(object).where(series.notna(), None)
        return series
    if not has_nulls:
        return pd.Series(array)
    if array.dtype.kind in "iu":
        return pd.Series(pd.array(array, dtype="Int64")).mask(~keep)
    if array.dtype.kind == "b":
        return pd.Series(pd.array(array, dtype="boolean")).mask(~keep)
    if array.dtype.kind == "f":
        return pd.Series(np.where(keep, array, np.nan))
    text = array.astype(object)
    text[~keep] = None
    return pd.Series(text, dtype=object)


def load_spec(source: str | Path | Mapping[str, Any]) -> Spec:
    """A Spec from a mapping, a YAML/JSON file path, or YAML/JSON text."""
    if isinstance(source, Spec):
        return source
    if isinstance(source, Mapping):
        return parse_spec(source)
    path = Path(source)
    text = str(source)
    where = "spec"
    if "\n" not in text and path.suffix.lower() in (".yaml", ".yml", ".json"):
        text, where = read_file(path), str(path)
    data = load_text(text, where)
    if not isinstance(data, Mapping):
        raise ParameterError(f"{where}: a specification must be a mapping with a 'columns' key")
    return parse_spec(data, where)


def parse_spec(data: Mapping[str, Any], source: str = "spec") -> Spec:
    """Validate a specification mapping and order its columns; errors name the column, or
    `source` (the file) for the spec as a whole."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ParameterError(
            f"{source}: unknown key '{unknown[0]}' (use {', '.join(sorted(TOP_KEYS))})"
        )
    columns = data.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        raise ParameterError(f"{source}: 'columns' must be a non-empty mapping of name to options")
    rows = data.get("rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
        raise ParameterError(f"{source}: 'rows' must be a positive integer, not {rows!r}")
    if rows is not None and rows > MAX_ROWS:
        raise ParameterError(f"{source}: 'rows' is {rows:,}, more than the limit of {MAX_ROWS:,}")
    generators: list[ColumnSpec] = []
    shared: dict[str, Shared] = {}
    for name, options in columns.items():
        if not isinstance(name, str) or not name.strip():
            raise ParameterError(f"{source}: column names must be non-empty text, not {name!r}")
        if not isinstance(options, Mapping):
            raise ParameterError(f"column '{name}': options must be a mapping, not {options!r}")
        gen = TYPES[_type_of(name, options)](name, options)
        generators.append(gen)
        shared[name] = _shared(name, options)
        made = sum(len(g.outputs) for g in generators)
        if made > MAX_COLUMNS:
            raise ParameterError(
                f"{source}: {made:,} columns or more, more than the limit of {MAX_COLUMNS:,}"
            )
    order = [out for gen in generators for out in gen.outputs]
    duplicates = sorted({c for c in order if order.count(c) > 1})
    if duplicates:
        raise ParameterError(f"{source}: column '{duplicates[0]}' is defined twice")
    ordered = _dependency_order(generators, shared, set(order))
    spec = Spec(
        str(data.get("name", "spec")),
        str(data.get("description", "")),
        rows,
        ordered,
        shared,
        order,
    )
    spec.generate(2, seed=0)  # a dry run finds type errors (text in arithmetic...) up front
    return spec


def _type_of(name: str, options: Mapping[str, Any]) -> str:
    kind = options.get("type")
    if kind is None:
        kind = next((t for key, t in _IMPLIED if key in options), None)
        if kind is None:
            raise ParameterError(f"column '{name}': say its 'type' (one of {', '.join(TYPES)})")
    kind = _ALIASES.get(kind, kind)
    if kind not in TYPES:
        raise ParameterError(
            f"column '{name}': unknown type '{kind}' (use one of {', '.join(TYPES)})"
        )
    return str(kind)


def _shared(name: str, options: Mapping[str, Any]) -> Shared:
    missing = options.get("missing", 0.0)
    if isinstance(missing, bool) or not isinstance(missing, int | float) or not 0 <= missing < 1:
        raise ParameterError(
            f"column '{name}': 'missing' must be a share in [0, 1), not {missing!r}"
        )
    when = options.get("when")
    hidden = options.get("hidden", False)
    if not isinstance(hidden, bool):
        raise ParameterError(f"column '{name}': 'hidden' must be true or false")
    return Shared(float(missing), parse_formula(when, name) if when is not None else None, hidden)


def _dependency_order(
    generators: list[ColumnSpec], shared: dict[str, Shared], known: set[str]
) -> list[ColumnSpec]:
    """Generators sorted so each comes after the columns it reads; cycles are named."""
    owner = {out: gen.name for gen in generators for out in gen.outputs}
    needs: dict[str, list[str]] = {}
    for gen in generators:
        refs = list(gen.depends)
        when = shared[gen.name].when
        for ref in refs:
            if ref not in known:
                raise ParameterError(f"column '{gen.name}' refers to unknown column '{ref}'")
        if when is not None:
            for ref in when.names:
                if ref not in known:
                    raise ParameterError(
                        f"column '{gen.name}': 'when' refers to unknown column '{ref}'"
                    )
        needs[gen.name] = [owner[r] for r in refs]
    by_name = {gen.name: gen for gen in generators}
    done: list[ColumnSpec] = []
    state: dict[str, int] = {}  # 1: visiting, 2: done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name) :] + [name]
            raise ParameterError(
                f"spec: columns refer to each other in a cycle: {' -> '.join(cycle)}"
            )
        state[name] = 1
        for dep in needs[name]:
            visit(dep, [*path, name])
        state[name] = 2
        done.append(by_name[name])

    for gen in generators:
        visit(gen.name, [])
    return done
