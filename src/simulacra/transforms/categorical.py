"""Categories and flags: frequency-ordered codes, a pooled tail, null as a category."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConditionError
from .column import DISCRETE, RARE_LABEL, ColumnTransform, _json_value
from .conditions import Condition


class CategoricalTransform(ColumnTransform):
    """Categories coded by frequency: the `max_categories` most frequent keep their own code;
    the rarer tail shares one "other" code and is re-drawn from its empirical distribution;
    null is a category of its own. The encoder is frequency intervals or one-hot."""

    kind = "categorical"

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        counts = series.value_counts(dropna=True, sort=True)
        # seen, but in fewer than min_count rows: pooled, never stored, never emitted as such
        rare = (counts > 0) & (counts < self.min_count)
        self.rare_count_ = float(counts[rare].sum())
        rare_values = set(counts.index[rare])
        counts = counts[~rare]
        top = counts.iloc[: self.max_categories]
        tail = counts.iloc[self.max_categories :]
        self.categories_ = [_json_value(v) for v in top.index]
        self.tail_values_ = [_json_value(v) for v in tail.index]
        self.tail_counts_ = tail.to_numpy(np.float64)
        self.has_null_ = bool(series.isna().any())
        dtype = series.dtype
        self.dtype_categories_ = (
            [_json_value(v) for v in dtype.categories if v not in rare_values]
            + ([RARE_LABEL] if self.rare_count_ and RARE_LABEL not in counts.index else [])
            if isinstance(dtype, pd.CategoricalDtype)
            else None
        )
        self.encoders = [self._encoder(DISCRETE[self.discrete]).fit(self.codes(series), rng)]
        return self

    @property
    def other_code(self) -> int:
        return len(self.categories_)

    @property
    def null_code(self) -> int:
        return len(self.categories_) + (1 if self.tail_values_ or self.rare_count_ else 0)

    def codes(self, series: pd.Series) -> np.ndarray:
        values = series.astype(object) if isinstance(series.dtype, pd.CategoricalDtype) else series
        codes = pd.Index(self.categories_, dtype=object).get_indexer(values).astype(np.int64)
        codes[(codes < 0) & series.notna().to_numpy()] = self.other_code
        codes[series.isna().to_numpy()] = self.null_code
        return codes

    def null_token(self, role: str) -> int | None:
        return self.null_code if role == "value" and self.has_null_ else None

    def condition(self, value: Any, start: int) -> Condition:
        typed = _as_category(value, self.categories_ + self.tail_values_)
        if typed is None or (isinstance(typed, float) and np.isnan(typed)):
            code = self.null_code if self.has_null_ else None
        elif typed in self.categories_:
            code = self.categories_.index(typed)
        else:
            code = self.other_code if typed in self.tail_values_ else None
        if code is None:
            shown = ", ".join(map(repr, self.categories_[:10]))
            more = "..." if len(self.categories_) > 10 else ""
            raise ConditionError(
                f"column '{self.name}' has no category {value!r} (known: {shown}{more})"
            )
        encoder = self.encoders[0]
        return Condition(
            self.name,
            typed,
            start,
            encoder.width,
            encoder.decode,
            code=code,
            bounds=encoder.score_bounds(code),
        )

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return self.encoders[0].encode(self.codes(series), rng)

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        codes = self.encoders[0].decode(encoded)
        table = np.array([*self.categories_, None, None], dtype=object)
        values = table[np.minimum(codes, len(table) - 1)]
        values[codes == self.null_code] = None
        other = codes == self.other_code
        if (self.tail_values_ or self.rare_count_) and other.any():
            tail = np.array([*self.tail_values_, self._rare_value()], dtype=object)
            weights = np.append(self.tail_counts_, self.rare_count_)
            values[other] = tail[rng.choice(len(tail), int(other.sum()), p=weights / weights.sum())]
        return self._restore_dtype(values)

    def _rare_value(self) -> Any:
        """What a pooled rare category decodes to: "other" in a text column, else the most
        frequent category (a number or flag cannot say "other")."""
        text = self.meta.dtype in ("object", "string", "str") or self.dtype_categories_ is not None
        if text and all(isinstance(c, str) for c in self.categories_):
            return RARE_LABEL
        return self.categories_[0] if self.categories_ else None

    def _restore_dtype(self, values: np.ndarray) -> pd.Series:
        dtype = self.meta.dtype
        nulls = pd.isna(values)
        if self.dtype_categories_ is not None:
            cat = pd.Categorical(values, categories=self.dtype_categories_)
            return pd.Series(cat, name=self.name)
        if dtype in ("bool", "boolean"):
            data = pd.array(values, dtype="boolean")
            return pd.Series(data, name=self.name).astype("bool" if not nulls.any() else "boolean")
        if dtype.lower().startswith(("int", "uint")):
            data = pd.array(values, dtype="Int64")
            target = dtype if not nulls.any() else dtype[0].upper() + dtype[1:]
            return pd.Series(data, name=self.name).astype(target)
        if dtype.startswith("float"):
            return pd.Series(values, name=self.name).astype(dtype)
        return pd.Series(values, name=self.name, dtype=dtype)

    def layout(self) -> list[tuple[str, str, int, bool]]:
        return [(r, a, w, True) for r, a, w in self.encoders[0].layout()]

    def describe(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            **self.encoders[0].describe(),
            "categories": len(self.categories_),
        }
        if self.tail_values_:
            out["tail"] = (
                f"{len(self.tail_values_)} rarer categories share one 'other' code "
                f"(top {self.max_categories} kept), re-drawn from their frequencies"
            )
        if self.rare_count_:
            out["rare"] = (
                f"{self.rare_count_:.0f} rows of categories seen in fewer than {self.min_count} "
                f"rows pooled; emitted as {self._rare_value()!r}, never as themselves"
            )
        return out

    def _state(self) -> dict[str, Any]:
        return {
            "categories": self.categories_,
            "tail_values": self.tail_values_,
            "tail_counts": self.tail_counts_,
            "has_null": self.has_null_,
            "rare_count": self.rare_count_,
            "dtype_categories": self.dtype_categories_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.categories_ = list(state["categories"])
        self.tail_values_ = list(state["tail_values"])
        self.tail_counts_ = np.asarray(state["tail_counts"], dtype=np.float64)
        self.has_null_ = state["has_null"]
        self.rare_count_ = float(state.get("rare_count", 0.0))
        self.dtype_categories_ = state["dtype_categories"]


class BooleanTransform(CategoricalTransform):
    kind = "boolean"


def _as_category(value: Any, known: list[Any]) -> Any:
    """Match a (possibly textual) condition value to the type of the known categories."""
    if value in known or not isinstance(value, str):
        return value
    for candidate in known:
        if str(candidate) == value or (
            isinstance(candidate, bool) and value.lower() == str(candidate).lower()
        ):
            return candidate
    return value
