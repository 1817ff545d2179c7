"""Align a real and a synthetic table (and a holdout) for evaluation.

Every metric group works on the same `Tables`: the shared columns that can be compared, with
numerical and datetime columns as float64 (nulls as NaN, datetimes as nanoseconds) and categorical
and boolean columns as pandas Categoricals whose categories are shared by all tables and ordered
by their frequency in the real table (so category code 0 is the real table's most common value).
A categorical or boolean column that every table writes as booleans, but in different ways
(True/False in one, 1/0 or 'true'/'false' in another), is compared as the same two values,
spelled as the real table spells them, with a note.
Id, PII, text and constant columns are left out and listed in `excluded` with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import seeding
from ..errors import DataError
from ..metadata import Metadata

NUMERICAL_KINDS = ("numerical", "datetime")
CATEGORICAL_KINDS = ("categorical", "boolean")
_REASONS = {
    "id": "id column (unique keys carry no distribution)",
    "pii": "personal data column (values are generated, not learned)",
    "text": "free-text column",
    "constant": "constant column",
}


@dataclass
class Tables:
    """The comparable columns of the real, synthetic and optional holdout tables."""

    real: pd.DataFrame
    synthetic: pd.DataFrame
    holdout: pd.DataFrame | None
    numerical: list[str]
    categorical: list[str]
    kinds: dict[str, str]
    excluded: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [c for c in self.real.columns if c in self.kinds]


def prepare(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    metadata: Metadata | None = None,
    holdout: pd.DataFrame | None = None,
    columns: Sequence[str] | None = None,
) -> Tables:
    """Check the tables against each other and convert their comparable columns.

    The real and synthetic tables must have the same columns, or `columns` names the subset to
    compare (each in both tables; the rest are listed in `excluded`): a synthetic table that
    drops columns cannot score well by leaving out what it got wrong. Raises DataError when a
    table is empty, when the holdout lacks a compared column, or when a column's values in one
    table do not fit its kind.
    """
    for label, frame in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        if frame is not None and (len(frame) == 0 or frame.shape[1] == 0):
            raise DataError(f"the {label} table is empty")
    real = real.rename(columns=str)
    synthetic = synthetic.rename(columns=str)
    shared = _compared_columns(real, synthetic, columns)
    if metadata is None:
        metadata = Metadata.infer(real[shared])
    excluded = {c: "not among the compared columns" for c in real.columns if c not in shared}
    excluded.update(
        {c: "only in the synthetic table" for c in synthetic.columns if c not in real.columns}
    )
    kinds: dict[str, str] = {}
    for name in shared:
        kind = metadata[name].kind if name in metadata else "missing"
        if kind in NUMERICAL_KINDS or kind in CATEGORICAL_KINDS:
            kinds[name] = kind
        else:
            excluded[name] = _REASONS.get(kind, "not in the metadata")
    if not kinds:
        raise DataError(
            "no shared column can be compared (every shared column is an id, PII, text or "
            "constant column)"
        )
    if holdout is not None:
        holdout = holdout.rename(columns=str)
        missing = [c for c in kinds if c not in holdout.columns]
        if missing:
            raise DataError(f"column '{missing[0]}' is in the real table but not in the holdout")
    numerical = [c for c, k in kinds.items() if k in NUMERICAL_KINDS]
    categorical = [c for c, k in kinds.items() if k in CATEGORICAL_KINDS]
    frames = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        frames["holdout"] = holdout
    converted: dict[str, dict[str, pd.Series]] = {label: {} for label in frames}
    notes: list[str] = []
    for name in numerical:
        fmt = (metadata[name].format or "mixed") if kinds[name] == "datetime" else None
        for label, frame in frames.items():
            converted[label][name] = as_numbers(frame[name], name, label, fmt)
    for name in categorical:
        labels = {label: as_labels(frame[name]) for label, frame in frames.items()}
        aligned = align_booleans(labels)
        if aligned is not labels:
            notes.append(_spelling_note(name, labels))
            labels = aligned
        order = labels["real"].value_counts().index.tolist()
        seen = set(order)
        for other in labels.values():
            extra = [v for v in pd.unique(other.dropna()) if v not in seen]
            order.extend(sorted(extra))
            seen.update(extra)
        for label, values in labels.items():
            converted[label][name] = pd.Series(
                pd.Categorical(values, categories=order), index=values.index, name=name
            )
    columns = [c for c in real.columns if c in kinds]

    def frame_of(label: str) -> pd.DataFrame:
        data = converted[label]
        return pd.DataFrame({c: data[c].reset_index(drop=True) for c in columns})

    return Tables(
        real=frame_of("real"),
        synthetic=frame_of("synthetic"),
        holdout=frame_of("holdout") if holdout is not None else None,
        numerical=numerical,
        categorical=categorical,
        kinds=kinds,
        excluded=excluded,
        notes=notes,
    )


def _compared_columns(
    real: pd.DataFrame, synthetic: pd.DataFrame, columns: Sequence[str] | None
) -> list[str]:
    """The columns to compare: every column when both tables have the same ones, else the
    explicit `columns`, each of which must be in both."""
    if columns is not None:
        chosen = [str(c) for c in columns]
        if not chosen:
            raise DataError("columns: give at least one column to compare")
        for label, frame in (("real", real), ("synthetic", synthetic)):
            absent = [c for c in chosen if c not in frame.columns]
            if absent:
                raise DataError(f"column '{absent[0]}' is not in the {label} table")
        return list(dict.fromkeys(chosen))
    missing = [c for c in real.columns if c not in set(synthetic.columns)]
    extra = [c for c in synthetic.columns if c not in set(real.columns)]
    if len(missing) == real.shape[1]:
        raise DataError(
            "the real and synthetic tables share no columns "
            f"(real: {_names(real.columns)}; synthetic: {_names(synthetic.columns)})"
        )
    if missing or extra:
        what = (
            f"lacks {_names(pd.Index(missing))} of the real table"
            if missing
            else f"has {_names(pd.Index(extra))}, not in the real table"
        )
        raise DataError(
            f"the synthetic table {what}; compare the same columns, or name a subset "
            "with columns=[...] (CLI: --columns a,b)"
        )
    return list(real.columns)


def as_numbers(
    values: pd.Series, name: str = "", label: str = "", fmt: str | None = None
) -> pd.Series:
    """Float64 values of a numerical or datetime column (datetimes as nanoseconds since 1970).

    Text is parsed as dates when `fmt` is given (a strptime format, or "mixed"), else as numbers.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = pd.to_datetime(values)
        return _stamps_as_numbers(stamps)
    if pd.api.types.is_bool_dtype(dtype):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(dtype):
        if fmt is None or fmt == "mixed":
            return pd.to_numeric(values).astype("float64")
        values = values.astype("Int64").astype("string")  # dates stored as numbers: 20240131
    if fmt is not None:
        stamps = pd.to_datetime(values, format=fmt, errors="coerce", utc="%z" in fmt or None)
        bad = stamps.isna() & values.notna()
        if bad.any():
            example = values[bad].iloc[0]
            raise DataError(
                f"column '{name}' is a datetime column ({fmt}) but the {label} table holds "
                f"{example!r}"
            )
        return _stamps_as_numbers(stamps)
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        example = values[bad].iloc[0]
        raise DataError(
            f"column '{name}' is numerical in the real table but the {label} table holds text "
            f"such as {example!r}"
        )
    return numbers.astype("float64")


def as_labels(values: pd.Series) -> pd.Series:
    """String labels of a categorical column; whole-number floats print as integers (1.0 -> '1')
    so that the same category read from CSV and from Parquet compares equal. Nulls stay NaN."""
    present = values.notna()
    out = pd.Series(np.nan, index=values.index, dtype=object)
    kept = values[present]
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = kept.astype("float64")
        if len(numbers) and bool((numbers == np.round(numbers)).all()):
            kept = numbers.astype("int64")
    out[present] = kept.astype(str).to_numpy(dtype=object)
    return out


_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


def align_booleans(labels: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """The labels of one column in each table (`as_labels`, the real table under "real"), with
    True and False spelled as the real table spells them, when every table holds only boolean
    spellings (True/False, 1/0, 'true'/'false' in any case) and not all spell them alike.
    Returns `labels` itself when there is nothing to align."""
    found = {label: _truth(values) for label, values in labels.items()}
    truths = {label: truth for label, truth in found.items() if truth is not None}
    if len(truths) < len(found):
        return labels
    spellings = {label: set(values.dropna()) for label, values in labels.items()}
    if all(s <= spellings["real"] for s in spellings.values()):
        return labels
    real, real_truth = labels["real"], truths["real"]
    numeric = set(real.dropna()) <= {"0", "1"}
    spelling: dict[bool, str] = {}
    for value in (True, False):
        written = real[real_truth == value]
        default = str(int(value)) if numeric else str(value)
        spelling[value] = str(written.mode().iloc[0]) if len(written) else default
    return {label: truth.map(spelling).astype(object) for label, truth in truths.items()}


def _truth(values: pd.Series) -> pd.Series | None:
    """True/False (None where null) of labels that all spell a boolean, else None."""
    lowered = values.dropna().str.lower()
    if not lowered.isin(_TRUE | _FALSE).all():
        return None
    out = pd.Series(None, index=values.index, dtype=object)
    out[lowered.index] = lowered.isin(_TRUE).to_numpy()
    return out


def _spelling_note(name: str, labels: dict[str, pd.Series]) -> str:
    written = "; ".join(
        f"{label} {'/'.join(sorted(set(values.dropna()), reverse=True))}"
        for label, values in labels.items()
    )
    return (
        f"column '{name}' writes its booleans differently ({written}): compared as the same "
        "two values"
    )


def _stamps_as_numbers(stamps: pd.Series) -> pd.Series:
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    numbers = stamps.astype("datetime64[ns]").astype("int64").astype("float64")
    return numbers.where(stamps.notna(), np.nan)


def subsample(frame: pd.DataFrame, cap: int, seed: int, purpose: int) -> pd.DataFrame:
    """At most `cap` rows drawn without replacement, in table order, from the evaluation's
    stream `purpose` of `seed` (see `simulacra.seeding`)."""
    if len(frame) <= cap:
        return frame
    rng = seeding.rng(seed, "evaluation", purpose)
    rows = np.sort(rng.choice(len(frame), size=cap, replace=False))
    return frame.iloc[rows].reset_index(drop=True)


def codes(values: pd.Series) -> np.ndarray:
    """Category codes of a Categorical series with nulls as the last code (n_categories)."""
    raw = values.cat.codes.to_numpy().astype(np.int64)
    raw[raw < 0] = len(values.cat.categories)
    return raw


def _names(columns: pd.Index) -> str:
    names = [str(c) for c in columns]
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
