"""Categories and flags: frequency-ordered codes, a pooled tail, null as a category."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConditionError, DataError, DataNote
from .column import DISCRETE, RARE_LABEL, ColumnTransform
from .conditions import Condition
from .statistics import CategoryStats, category_stats

# a fit that pools at least this share of a column's rows says so (`errors.DataNote`)
POOLED_NOTE_SHARE = 0.05


class CategoricalTransform(ColumnTransform):
    """Categories coded by frequency: the `max_categories` most frequent keep their own code;
    the rarer tail shares one "other" code and is re-drawn from its empirical distribution;
    null is a category of its own. The encoder is frequency intervals or one-hot.

    Categories seen in fewer than `min_count` rows are pooled, never stored or emitted: a
    pooled row decodes to "other" in a text column, and in a column of numbers or flags
    (which cannot say "other") to a kept category drawn by its frequency, so pooled rows
    never collapse onto one real value. Pooling `POOLED_NOTE_SHARE` of the rows or more is
    a `DataNote` warning."""

    kind = "categorical"
    counts_: np.ndarray | None = None  # rows of each kept category (None: a model saved before)

    def fit(self, series: pd.Series, rng: np.random.Generator) -> ColumnTransform:
        return self.learn(category_stats(series), rng)

    def learn(self, stats: CategoryStats, rng: np.random.Generator) -> ColumnTransform:
        """Learn from a column's statistics, exact, DP or merged (`statistics.py`): values in
        frequency order (ties as given), the first `max_categories` kept with codes of their
        own, the rest a tail sharing "other"; without a pooled count given, values seen in
        fewer than `min_count` rows are pooled (never stored, never emitted as such)."""
        order = sorted(stats.counts.items(), key=lambda kv: -kv[1])  # stable: ties as given
        if stats.pooled is None:
            rare = [(v, c) for v, c in order if 0 < c < self.min_count]
            kept = [(v, c) for v, c in order if c >= self.min_count]
            self.rare_count_ = float(sum(c for _, c in rare) + stats.dropped)
        else:
            rare, kept = [], [(v, c) for v, c in order if c > 0]
            self.rare_count_ = float(stats.pooled)
        top, tail = kept[: self.max_categories], kept[self.max_categories :]
        self.categories_ = [v for v, _ in top]
        self.counts_ = np.array([c for _, c in top], dtype=np.float64)
        self.tail_values_ = [v for v, _ in tail]
        self.tail_counts_ = np.array([c for _, c in tail], dtype=np.float64)
        self.has_null_ = bool(stats.nulls > 0)
        self.dtype_categories_ = None
        if stats.listed is not None:
            rare_values = {v for v, _ in rare}
            known = {v for v, _ in kept}
            self.dtype_categories_ = [v for v in stats.listed if v not in rare_values] + (
                [RARE_LABEL] if self.rare_count_ and RARE_LABEL not in known else []
            )
        code_counts = [*self.counts_]
        if self.tail_values_ or self.rare_count_:
            code_counts.append(float(self.tail_counts_.sum()) + self.rare_count_)
        if self.has_null_:
            code_counts.append(float(stats.nulls))
        encoder = self._encoder(DISCRETE[self.discrete])
        self.encoders = [encoder.fit_counts(np.array(code_counts, dtype=np.float64))]
        total = sum(c for _, c in order) + stats.nulls
        if stats.pooled is None and self.rare_count_ >= POOLED_NOTE_SHARE * total:
            note = (
                f"column '{self.name}': {self.rare_count_:,.0f} of {total:,.0f} rows hold "
                f"one of {len(rare):,} values seen in fewer than {self.min_count} rows "
                f"each: pooled, never emitted as themselves; {self._pooled_as()}"
            )
            warnings.warn(note, DataNote, stacklevel=2)
        return self

    @property
    def pools_everything(self) -> bool:
        """Whether every non-null row was pooled, so no category is left to emit."""
        return bool(self.rare_count_) and not self.categories_ and not self.tail_values_

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
        if not pd.api.types.is_scalar(value):  # an array has no truth value to compare
            raise ConditionError(f"condition {self.name}={value!r}: give one category")
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

    def can_encode(self, series: pd.Series) -> bool:
        """Every value a kept category, or pooled where rarer ones are (an 'other' code),
        and a null code if there are nulls."""
        nulls = series.isna().to_numpy()
        unknown = (self.codes(series) == self.other_code) & ~nulls
        pooled = bool(self.tail_values_ or self.rare_count_)
        return (pooled or not unknown.any()) and (self.has_null_ or not nulls.any())

    def encode(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        codes = self.codes(series)
        known = len(self.categories_) + bool(self.tail_values_ or self.rare_count_) + self.has_null_
        if getattr(self.encoders[0], "tokens", None) is None and codes.max(initial=0) >= known:
            # a token encoder passes an unknown code on (a model then treats it as missing)
            raise DataError(
                f"column '{self.name}' holds a value (or a null) unseen when fitted, with no "
                "code to stand for it"
            )
        return self.encoders[0].encode(codes, rng)

    def decode(self, encoded: np.ndarray, rng: np.random.Generator, offset: int) -> pd.Series:
        codes = self.encoders[0].decode(encoded)
        table = np.array([*self.categories_, None, None], dtype=object)
        values = table[np.minimum(codes, len(table) - 1)]
        values[codes == self.null_code] = None
        other = codes == self.other_code
        if (self.tail_values_ or self.rare_count_) and other.any():
            tail = np.array([*self.tail_values_, self._rare_value()], dtype=object)
            weights = np.append(self.tail_counts_, self.rare_count_)
            picks = rng.choice(len(tail), int(other.sum()), p=weights / weights.sum())
            values[other] = tail[picks]
            if self._draws_pooled():
                pooled = np.flatnonzero(other)[picks == len(tail) - 1]
                kept = np.asarray(self.counts_, dtype=np.float64)
                drawn = rng.choice(len(kept), len(pooled), p=kept / kept.sum())
                values[pooled] = np.array(self.categories_, dtype=object)[drawn]
        return self._restore_dtype(values)

    def _is_text(self) -> bool:
        text = self.meta.dtype in ("object", "string", "str") or self.dtype_categories_ is not None
        return text and all(isinstance(c, str) for c in self.categories_)

    def _draws_pooled(self) -> bool:
        """Whether pooled rows are drawn from the kept categories by frequency: in a column
        of numbers or flags (which cannot say "other") fitted with the counts kept."""
        return not self._is_text() and self.counts_ is not None and len(self.categories_) > 0

    def _rare_value(self) -> Any:
        """What a pooled rare category decodes to: "other" in a text column; elsewhere the
        most frequent category, which `decode` replaces by draws from the kept categories
        (`_draws_pooled`) unless the model was saved without their counts."""
        if self._is_text():
            return RARE_LABEL
        return self.categories_[0] if self.categories_ else None

    def _pooled_as(self) -> str:
        if self._is_text():
            return f"those rows read {RARE_LABEL!r}"
        if self._draws_pooled():
            return "those rows get kept categories drawn by their frequency"
        return f"those rows read {self._rare_value()!r}"

    def _restore_dtype(self, values: np.ndarray) -> pd.Series:
        dtype = self.meta.dtype
        nulls = pd.isna(values)
        if self.dtype_categories_ is not None:
            cat = pd.Categorical(values, categories=self.dtype_categories_)
            return pd.Series(cat, name=self.name)
        if dtype in ("bool", "boolean"):
            data = pd.array(values, dtype="boolean")
            # a nullable column stays nullable in a chunk that happens to hold no null
            plain = dtype == "bool" and not nulls.any()
            return pd.Series(data, name=self.name).astype("bool" if plain else "boolean")
        if dtype.lower().startswith(("int", "uint")):
            nullable = dtype[0].upper() + dtype[1:]  # UInt64 holds what Int64 cannot
            data = pd.array(values, dtype=nullable)
            return pd.Series(data, name=self.name).astype(dtype if not nulls.any() else nullable)
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
                f"rows pooled, never emitted as themselves; {self._pooled_as()}"
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
            **({"counts": self.counts_} if self.counts_ is not None else {}),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.categories_ = list(state["categories"])
        self.tail_values_ = list(state["tail_values"])
        self.tail_counts_ = np.asarray(state["tail_counts"], dtype=np.float64)
        self.has_null_ = state["has_null"]
        self.rare_count_ = float(state.get("rare_count", 0.0))
        self.dtype_categories_ = state["dtype_categories"]
        counts = state.get("counts")
        self.counts_ = None if counts is None else np.asarray(counts, dtype=np.float64)


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
