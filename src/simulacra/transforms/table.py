"""The TableTransformer: one reversible transform per column, fitted once, stored with the model."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import seeding
from .._progress import LONG_ROWS, track
from .._values import holds_decimals
from ..errors import ConditionError, DataError, DataNote
from ..io import refused_values
from ..metadata import MODELLED_KINDS, Metadata
from .base import Block
from .categorical import CategoricalTransform
from .columns import CONTINUOUS, DISCRETE, TRANSFORMS, ColumnTransform
from .conditions import Conditions
from .tokens import BINS

if TYPE_CHECKING:
    from ..privacy.budget import PrivacyBudget

MAX_CATEGORIES = 1_000
# categories seen in fewer rows than this are pooled, never emitted as themselves
MIN_COUNT = 5


class TableTransformer:
    """Encode a table into one float matrix for a model, and decode model output back.

    `continuous` picks the encoder of numerical and datetime columns ("quantile", "parametric",
    "minmax", "gmm", "bins"); `discrete` that of categorical and boolean columns ("frequency",
    "onehot", "codes"). Categories seen in fewer than `min_count` rows (default `MIN_COUNT`,
    5) are pooled and never stored or emitted as themselves: they decode to "other" in a text
    column, else to kept categories drawn by their frequency (a column of numbers declared
    categorical whose every value is pooled is modelled as numerical: `_fit_column`);
    `min_count` also prunes the character model of "chars" text columns. `bins` is the
    number of quantile bins of "bins".
    Every column of the metadata is handled; unknown or missing columns are an error.

    `privacy` (a `privacy.PrivacyBudget`) selects the differentially private path
    (`transforms/dp.py`): every statistic comes from public metadata or from Gaussian
    histograms that spend the budget's metadata share, and after `fit` `metadata` holds only
    the schema and those statistics (what a DP model stores). The fit opens the run's
    `ledger_` (`privacy.PrivacyLedger`), in which the model then spends the rest, and
    releases a noisy row count, `rows_`, the only row count a DP model uses.
    """

    def __init__(
        self,
        metadata: Metadata,
        *,
        continuous: str = "quantile",
        discrete: str = "frequency",
        max_categories: int = MAX_CATEGORIES,
        min_count: int = MIN_COUNT,
        bins: int = BINS,
        seed: int = 0,
        verbose: bool = True,
        privacy: PrivacyBudget | None = None,
    ) -> None:
        if continuous not in CONTINUOUS:
            raise ValueError(f"continuous must be one of {sorted(CONTINUOUS)}, not {continuous!r}")
        if discrete not in DISCRETE:
            raise ValueError(f"discrete must be one of {sorted(DISCRETE)}, not {discrete!r}")
        self.metadata = metadata
        self.continuous = continuous
        self.discrete = discrete
        self.max_categories = max_categories
        self.min_count = min_count
        self.bins = bins
        self.seed = seed
        self.verbose = verbose
        self.privacy = privacy

    def _new(self, name: str) -> ColumnTransform:
        meta = self.metadata[name]
        kinds = TRANSFORMS
        if self.privacy is not None:
            from .dp import DP_TRANSFORMS

            kinds = DP_TRANSFORMS
        return kinds[meta.kind](
            name,
            meta,
            self.continuous,
            self.discrete,
            self.max_categories,
            min_count=self.min_count,
            bins=self.bins,
        )

    def fit(
        self, table: pd.DataFrame, given: Mapping[str, dict[str, Any]] | None = None
    ) -> TableTransformer:
        """Learn each column's transform from `table`; a column in `given` takes that fitted
        state instead (a base model's encoding, `synthesizers/transfer.py`)."""
        self._check_values(table)
        table = without_decimals(table)
        self.metadata.check_table(table, private=self.privacy is not None)
        rng = seeding.rng(self.seed, "transform")
        names = self._track(self.metadata.names, "fitting transforms", len(table))
        if self.privacy is not None:
            if given:
                raise ValueError("a DP transformer learns every column from its budget")
            return self._fit_private(table, names, rng)
        given = given or {}
        self.columns_ = {
            name: self._new(name).set_state(given[name])
            if name in given
            else self._fit_column(name, table[name], rng)
            for name in names
        }
        self._layout()
        return self

    def _fit_column(
        self, name: str, series: pd.Series, rng: np.random.Generator
    ) -> ColumnTransform:
        """The fitted transform of one column. A column of numbers declared categorical whose
        every value is too rare to keep (each in fewer than `min_count` rows: prices, ids)
        would have no category left to emit: it is modelled as numerical instead, `metadata`
        says so (a new Metadata; the one given is not changed) and a DataNote warns."""
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            column = self._new(name).fit(series, rng)
        numbers = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        )
        if not (isinstance(column, CategoricalTransform) and column.pools_everything and numbers):
            for warning in said:  # as if not caught
                warnings.warn(warning.message, warning.category, stacklevel=3)
            return column
        note = (
            f"declared {column.kind}, but none of its values is held by {self.min_count} rows "
            "or more, so every row would be pooled and no category emitted: modelled as "
            "numerical"
        )
        warnings.warn(f"column '{name}': {note}", DataNote, stacklevel=3)
        finite = series[np.isfinite(series.astype("float64"))]
        integer = bool((finite == finite.round()).all())
        meta = replace(
            self.metadata[name],
            kind="numerical",
            integer=integer,
            decimals=0 if integer else None,
            cardinality=None,
            categories=None,
            extra={**self.metadata[name].extra, "note": note},
        )
        self.metadata = Metadata({**self.metadata.columns, name: meta})
        return self._new(name).fit(series, rng)

    def _fit_private(
        self, table: pd.DataFrame, names: Iterator[str], rng: np.random.Generator
    ) -> TableTransformer:
        """The DP fit: each column's statistics from public metadata or Gaussian noise."""
        from ..privacy.ledger import PrivacyLedger
        from .dp import DPStatistics, public_metadata

        assert self.privacy is not None
        self.ledger_ = PrivacyLedger(self.privacy)
        stats = DPStatistics(self.ledger_, self.metadata, len(table))
        self.rows_ = stats.rows
        self.columns_ = {}
        for name in names:
            column = self._new(name)
            column.stats = stats  # type: ignore[attr-defined]
            self.columns_[name] = column.fit(table[name], rng)
        self.metadata = public_metadata(self.columns_)
        for name, column in self.columns_.items():
            column.meta = self.metadata[name]
        self.privacy_ = stats.describe()
        self._layout()
        return self

    def _check_values(self, table: pd.DataFrame) -> None:
        """The table's columns are the metadata's, and no column whose values are learned
        (modelled, or a constant's value) holds Python objects that cannot be (lists,
        records, bytes: `io.refused_values`)."""
        self.metadata.check_columns(table)
        for name, column in self.metadata.columns.items():
            learned = column.kind in MODELLED_KINDS or column.kind == "constant"
            problem = refused_values(table[name]) if learned else None
            if problem is not None:
                raise DataError(f"column '{name}' {problem}")

    def learn_column(self, name: str, stats: Any, rng: np.random.Generator) -> None:
        """Learn column `name` again from statistics gathered elsewhere (`statistics.py`:
        the Dask engine's merged summaries), keeping its other fitted parts."""
        self.columns_[name].learn(stats, rng)  # type: ignore[attr-defined]
        self._layout()

    def _track(self, names: list[str], label: str, rows: int) -> Iterator[str]:
        return track(names, label, len(names), self.verbose and rows >= LONG_ROWS)

    def _layout(self) -> None:
        blocks, start = [], 0
        for name, column in self.columns_.items():
            for role, activation, width, discrete in column.layout():
                blocks.append(Block(name, role, activation, start, width, discrete))
                start += width
        self.blocks_ = blocks
        self.width_ = start

    def encode(
        self,
        table: pd.DataFrame,
        rng: np.random.Generator | None = None,
        dtype: type[np.floating[Any]] = np.float64,
    ) -> np.ndarray:
        """The encoded matrix (rows x `width_`, of `dtype`), seeded so the same table gives
        the same matrix. Only the columns (and cells holding lists or records) are checked:
        any cell may be empty (a table to impute). A table encoded in parts passes one `rng`
        (`encoding_rng`) to every part, so the parts draw one stream."""
        self._check_values(table)
        table = without_decimals(table)
        rng = self.encoding_rng() if rng is None else rng
        names = self._track(list(self.columns_), "encoding", len(table))
        # filled column by column: at most one column's part beside the matrix (the parts
        # stacked at the end doubled the peak: 1.9 GB for 1.2M step rows x 101)
        encoded = np.empty((len(table), self.width_), dtype)
        start = 0
        for name in names:
            part = self.columns_[name].encode(table[name], rng)
            encoded[:, start : start + part.shape[1]] = part
            start += part.shape[1]
        if start != self.width_:
            raise AssertionError(f"encoded {start} columns, expected {self.width_}")
        return encoded

    def encoding_rng(self) -> np.random.Generator:
        """The random stream `encode` draws from (fillers of empty cells, mixture modes)."""
        return seeding.rng(self.seed, "encode")

    def decode(
        self, encoded: np.ndarray, rng: np.random.Generator, offset: int = 0
    ) -> pd.DataFrame:
        """Decode model output into a table with every column, dtype and null share restored.

        `offset` is the index of the first row in the whole sample, so ids stay unique when a
        large sample is made chunk by chunk.
        """
        if encoded.ndim != 2 or encoded.shape[1] != self.width_:
            raise DataError(f"encoded array has shape {encoded.shape}; expected (n, {self.width_})")
        columns, start = {}, 0
        for name, col in self.columns_.items():
            width = sum(w for _, _, w, _ in col.layout())
            columns[name] = col.decode(encoded[:, start : start + width], rng, offset)
            start += width
        return pd.DataFrame(columns)

    def encode_conditions(self, conditions: Mapping[str, Any] | None) -> Conditions:
        """Type and place each {column: value}; a ConditionError names a condition that is
        on an unknown or generated column, or asks for a value never learned."""
        typed = []
        for name, value in (conditions or {}).items():
            if name not in self.columns_:
                known = ", ".join(self.columns_)
                raise ConditionError(f"condition on unknown column '{name}' (columns: {known})")
            starts = [b.start for b in self.blocks_ if b.column == name]
            typed.append(self.columns_[name].condition(value, starts[0] if starts else 0))
        return Conditions(typed)

    def column_slice(self, name: str) -> slice:
        blocks = [b for b in self.blocks_ if b.column == name]
        if not blocks:
            raise DataError(f"column '{name}' is not modelled (kind {self.metadata[name].kind})")
        return slice(blocks[0].start, blocks[-1].stop)

    def describe(self) -> dict[str, Any]:
        return {name: col.describe() for name, col in self.columns_.items()}

    def describe_privacy(self) -> dict[str, Any] | None:
        """The DP statistics' budget and noise, or None for a transformer without privacy."""
        if self.privacy is None:
            return None
        return {**self.privacy.to_dict(), **getattr(self, "privacy_", {})}

    def get_state(self) -> dict[str, Any]:
        return {
            "continuous": self.continuous,
            "discrete": self.discrete,
            "max_categories": self.max_categories,
            "min_count": self.min_count,
            "bins": self.bins,
            "seed": self.seed,
            "columns": {name: col.get_state() for name, col in self.columns_.items()},
            **({"privacy": self.describe_privacy()} if self.privacy is not None else {}),
        }

    @classmethod
    def from_state(cls, metadata: Metadata, state: dict[str, Any]) -> TableTransformer:
        privacy = None
        if state.get("privacy") is not None:
            from ..privacy.budget import PrivacyBudget

            privacy = PrivacyBudget.from_dict(state["privacy"])
        self = cls(
            metadata,
            continuous=state["continuous"],
            discrete=state["discrete"],
            max_categories=state["max_categories"],
            min_count=state.get("min_count", 1),
            bins=state.get("bins", BINS),
            seed=state["seed"],
            privacy=privacy,
        )
        if privacy is not None:
            self.privacy_ = {
                k: v for k, v in state["privacy"].items() if k not in privacy.to_dict()
            }
            self.rows_ = int(self.privacy_.get("rows", 0))
        self.columns_ = {
            name: self._new(name).set_state(col) for name, col in state["columns"].items()
        }
        self._layout()
        return self


def without_decimals(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with its columns of Python Decimals (`_values.holds_decimals`) as float64, as
    metadata infers them: a category or constant learned from a Decimal would be no value a
    model file (JSON) can hold."""
    decimal = [name for name in table.columns if holds_decimals(table[name])]
    if not decimal:
        return table
    out = table.copy(deep=False)
    for name in decimal:
        out[name] = pd.to_numeric(out[name])
    return out
