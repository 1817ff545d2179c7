"""The interface every synthesizer shares: fit, sample, save, load, describe.

A synthesizer declares its parameters (`Param`s, params.py); its constructor only stores them.
`fit` infers or takes the Metadata, fits a TableTransformer, and hands the encoded matrix to
`_fit_encoded`. `sample`
draws encoded rows with `_sample_encoded` chunk by chunk and decodes them. Subclasses only
implement those two methods and their state; everything else is shared.

Rules (`rules` and the metadata's) are kept by every model alike: `ruled.py` reparametrises
the table before the TableTransformer and turns decoded rows back after, so every rule holds
by construction.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .. import seeding
from .._memory import release_memory
from .._progress import new_progress
from ..errors import DataError
from ..metadata import Metadata
from ..model import Model
from ..params import Interval, Kind, Param
from ..transforms import TableTransformer
from ..transforms.conditions import Conditions
from ..transforms.table import MIN_COUNT
from . import ruled, transfer

CHUNK_ROWS = 100_000


class Synthesizer(Model):
    """Base class of every table synthesizer; `Synthesizer(name, **params)` builds one by name."""

    kind = "table"
    _family = True
    tags = frozenset({"conditions"})
    _transformer: ClassVar[dict[str, str]] = {"continuous": "quantile", "discrete": "frequency"}
    max_categories = Param(
        1_000,
        Interval(2, None, integer=True),
        "a column's most frequent categories kept apart; the rest share one",
    )
    min_count = Param(
        MIN_COUNT,
        Interval(1, None, integer=True),
        "categories seen in fewer rows are pooled, never stored or emitted",
    )
    rules = Param[list[str] | None](
        None,
        Kind(list, optional=True),
        "rules every sampled row keeps, beside the metadata's: 'start <= end', "
        "'total = price * quantity', 'fixed: city, zip', 'a in 0..100', 'if a = x then b = y'",
        "the metadata's only",
    )
    rules_: ruled.RulePlan | None = None
    # whether a fit may start from a base model's weights (`init`, transfer.py)
    _transfers: ClassVar[bool] = False
    # parameters a fit from a base model takes from it when left unset (its network's shape)
    _base_params: ClassVar[tuple[str, ...]] = ()
    init_: dict[str, Any] | None = None  # where a fit started (`transfer.Transfer.record`)
    distilled_: dict[str, Any] | None = None  # the teacher of a distilled model (`distil.py`)

    def _transformer_params(self) -> dict[str, Any]:
        return dict(self._transformer)

    # fitting -----------------------------------------------------------------------------
    def fit(self, table: pd.DataFrame, metadata: Metadata | None = None) -> Synthesizer:
        """Learn `table`. Metadata is inferred when not given. Returns self."""
        return self._fit_rows(self._encode_for_fit(table, metadata))

    def _encode_for_fit(self, table: pd.DataFrame, metadata: Metadata | None) -> np.ndarray:
        """What a fit does before training: metadata, rules, the transformer fitted, and the
        rows encoded (`_encode_rows`). A caller that built `table` for the fit (a sequence
        model's step rows) can drop it before `_fit_rows` trains."""
        self._check_params()
        if not isinstance(table, pd.DataFrame):
            raise DataError(f"fit needs a pandas DataFrame, not {type(table).__name__}")
        self._fit_began = time.perf_counter()
        start: transfer.Transfer | None = self.__dict__.get("_transfer")  # set by `fit_from`
        self.metadata_ = metadata if metadata is not None else self.infer_metadata(table)
        if start is not None and metadata is None:
            self.metadata_ = transfer.with_base_columns(self.metadata_, table, start.base)
        private = self._transformer_params().get("privacy") is not None
        self.rules_, table, modelled = ruled.plan_rules(self, table, self.metadata_, private)
        given = transfer.shared_encodings(start, table, modelled) if start is not None else None
        self.transformer_ = self.new_transformer(modelled).fit(table, given=given)
        if start is not None:
            start.columns = len({b.column for b in self.transformer_.blocks_})
        if self.rules_ is not None:
            self.rules_.learn(self.transformer_)
        self.metadata_ = self.transformer_.metadata  # a column may be modelled otherwise
        return self._encode_rows(table)

    def _encode_rows(self, table: pd.DataFrame) -> np.ndarray:
        """The rows as the model trains on them: the transformer's encoded matrix."""
        return self.transformer_.encode(table)

    def _fit_rows(self, encoded: np.ndarray) -> Synthesizer:
        """Train on the `encoded` rows (`_encode_for_fit`)."""
        start: transfer.Transfer | None = self.__dict__.get("_transfer")
        self._fit_encoded(encoded, seeding.rng(self.seed, "fit"))
        self.init_ = start.record() if start is not None else None
        self.distilled_ = None  # `distil.distil` records its teacher after this fit
        self.fit_info_: dict[str, Any] = {
            "rows": len(encoded),
            "seconds": round(time.perf_counter() - self._fit_began, 3),
        }
        self._calls = 0
        return self

    def fit_from(
        self,
        base: Synthesizer | str | Path,
        table: pd.DataFrame,
        metadata: Metadata | None = None,
    ) -> Synthesizer:
        """Learn `table` starting from `base`, a fitted model of a related table (or its
        file): the columns it shares with `table` start from its encodings and weights, the
        others afresh (`transfer.py`; `simulacra fit --init`). Returns self."""
        self._check_params()
        self._transfer = transfer.start(self, base)
        try:
            return self.fit(table, metadata)
        finally:
            del self._transfer  # the base model is not kept, only what `init_` says

    def infer_metadata(self, table: pd.DataFrame) -> Metadata:
        """The metadata this model infers for `table` when none is given."""
        return Metadata.infer(table, verbose=bool(self.verbose))

    def new_transformer(self, metadata: Metadata, verbose: bool | None = None) -> TableTransformer:
        """The unfitted TableTransformer this model encodes `metadata`'s columns with (its
        encoders, bins, category limits and seed): what `fit` fits, and what the Dask engine
        fits from merged summaries."""
        return TableTransformer(
            metadata,
            max_categories=self.max_categories,
            seed=self.seed,
            verbose=self.verbose if verbose is None else verbose,
            **{"min_count": self.min_count, **self._transformer_params()},
        )

    def _fit_encoded(self, data: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _sample_encoded(
        self, n: int, conditions: Conditions, rng: np.random.Generator
    ) -> np.ndarray:
        raise NotImplementedError

    def _is_fitted(self) -> bool:
        return hasattr(self, "transformer_")

    # sampling ----------------------------------------------------------------------------
    def sample(
        self, n: int, conditions: Mapping[str, Any] | None = None, seed: int | None = None
    ) -> pd.DataFrame:
        """`n` synthetic rows; every row meets `conditions` ({column: value}).

        The same `seed` gives the same rows; without one, each call draws new rows from a
        stream fixed by the synthesizer's own seed.
        """
        chunks = list(self.iter_sample(n, conditions, seed))
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    def iter_sample(
        self,
        n: int,
        conditions: Mapping[str, Any] | None = None,
        seed: int | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> Iterator[pd.DataFrame]:
        """The rows of `sample(n, conditions, seed)` in chunks of `chunk_rows`, for streaming."""
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise DataError(f"number of rows must be a positive integer, not {n!r}")
        typed = self.encode_conditions(conditions)
        key = (seeding.check_seed(seed), 0) if seed is not None else (self.seed, self._next_call())
        return self._chunks(int(n), typed, key, chunk_rows)

    def _chunks(
        self, n: int, conditions: Conditions, key: tuple[int, int], chunk_rows: int
    ) -> Iterator[pd.DataFrame]:
        """The chunks themselves (a generator, so `iter_sample` checks its input eagerly).
        Chunk k draws from stream ("sample", call, k) of the seed (see `seeding`)."""
        seed, call = key
        with new_progress(self.verbose and n > chunk_rows) as progress:
            task = progress.add_task(f"sampling {self.name}", total=n, info="rows")
            for k, start in enumerate(range(0, n, chunk_rows)):
                rows = min(chunk_rows, n - start)
                frame = self.sample_chunk(k, rows, conditions, seed=seed, call=call, start=start)
                release_memory()  # what drawing the chunk freed (see _memory.py)
                progress.advance(task, rows)
                yield frame

    def sample_chunk(
        self,
        k: int,
        rows: int,
        conditions: Conditions,
        *,
        seed: int,
        call: int = 0,
        start: int | None = None,
    ) -> pd.DataFrame:
        """Chunk k of a sample: `rows` rows drawn from stream ("sample", call, k) of `seed`,
        ids decoded from row `start` (default `k * CHUNK_ROWS`), meeting `conditions` (from
        `encode_conditions`). Any process can draw any chunk: `sample(n, seed=s)` is chunks
        0, 1, ... of call 0 of s, which is how Dask writes a sample partition by partition."""
        self._check_fitted()
        rng = seeding.rng(seed, "sample", call, k)
        offset = k * CHUNK_ROWS if start is None else start
        if self.rules_ is not None:
            rules_rng = seeding.rng(seed, "sample", call, k, ruled.RULES_PATH)
            return ruled.sample_chunk(self, rows, conditions, rng, offset, rules_rng)
        encoded = self._sample_encoded(rows, conditions, rng)
        frame = self.transformer_.decode(encoded, rng, offset=offset)
        conditions.apply(frame)
        return frame

    # imputation (the models tagged "impute" share these) -------------------------------
    def _missing_cells(self, table: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per modelled column of `table`, which of its rows are empty (to be filled)."""
        ruled.refuse_impute(self)
        modelled = {b.column for b in self.transformer_.blocks_}
        return {
            name: table[name].isna().to_numpy()
            for name in self.transformer_.columns_
            if name in table and name in modelled
        }

    def _impute_rng(self, seed: int | None) -> np.random.Generator:
        """The stream an `impute` call draws from (chunk 0 of a `sample` call's stream)."""
        key = (int(seed), 0) if seed is not None else (self.seed, self._next_call())
        return seeding.rng(key[0], "sample", key[1], 0)

    @staticmethod
    def _filled(
        table: pd.DataFrame, decoded: pd.DataFrame, missing: dict[str, np.ndarray]
    ) -> pd.DataFrame:
        """`table` with its `missing` cells taken from `decoded`; a column left with no empty
        cell takes the model's dtype (a column empty in every row was read as floats)."""
        out = table.copy()
        for name, rows in missing.items():
            if not rows.any():
                continue
            dtype = decoded[name].dtype
            column = out[name].astype(dtype, errors="ignore")
            column[rows] = decoded[name][rows].to_numpy()
            if column.dtype != dtype and not column.isna().any():
                column = column.astype(dtype, errors="ignore")
            out[name] = column
        return out

    def _next_call(self) -> int:
        self._calls = getattr(self, "_calls", 0) + 1
        return self._calls

    def encode_conditions(self, conditions: Mapping[str, Any] | None) -> Conditions:
        """Conditions typed against what was learned (a ConditionError names a bad one)."""
        self._check_fitted()
        if self.rules_ is not None:
            return ruled.encode_conditions(self, conditions)
        return self.transformer_.encode_conditions(conditions)

    # persistence -------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {
            "metadata": self.metadata_.to_dict(),
            "transformer": self.transformer_.get_state(),
            "model": self._get_model_state(),
            "fit_info": self.fit_info_,
            **({"rules": self.rules_.get_state()} if self.rules_ is not None else {}),
            **({"init": self.init_} if self.init_ is not None else {}),
            **({"distilled": self.distilled_} if self.distilled_ is not None else {}),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.metadata_ = Metadata.from_dict(state["metadata"])
        self.transformer_ = TableTransformer.from_state(self.metadata_, state["transformer"])
        self._set_model_state(state["model"])
        self.fit_info_ = state["fit_info"]
        self.rules_ = ruled.RulePlan.from_state(state["rules"]) if "rules" in state else None
        self.init_ = state.get("init")
        self.distilled_ = state.get("distilled")
        self._calls = 0

    def _entry(self) -> dict[str, Any]:
        """This fitted model inside another's state (an ensemble's member, a sequence model's
        context model): its name, parameters and own state (`_from_entry` reads it back)."""
        return {"name": self.name, "params": self.get_params(), "state": self._get_state()}

    @staticmethod
    def _from_entry(entry: dict[str, Any]) -> Synthesizer:
        """The model an `_entry` holds (the caller checks its name first)."""
        model = Synthesizer(entry["name"], **entry["params"])
        model._set_state(entry["state"])
        return model

    @classmethod
    def load(cls, path: str | Path, **params: Any) -> Synthesizer:
        """Read a table model written by `save`; only registered synthesizers are built."""
        model: Synthesizer = super().load(path, **params)
        return model

    def _get_model_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def _set_model_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """What was learned: per-column encodings (and marginals), model details, fit time."""
        self._check_fitted()
        return {
            "kind": self.kind,
            "synthesizer": self.name,
            "params": self.get_params(),
            "fit": self.fit_info_,
            "columns": self.transformer_.describe(),
            "model": self._describe(),
            **({"rules": self.rules_.describe()} if self.rules_ is not None else {}),
            **(
                {"init": transfer.describe(self.init_, self.fit_info_["rows"], self._private())}
                if self.init_ is not None
                else {}
            ),
            **({"distilled_from": self.distilled_} if self.distilled_ is not None else {}),
        }

    def _private(self) -> bool:
        """Whether this fit learned its table with differential privacy."""
        return self.transformer_.privacy is not None

    def _describe(self) -> dict[str, Any]:
        return {}
