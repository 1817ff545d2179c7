"""Starting a fit from a base model of a related table (`fit_from(base, table)`, `simulacra
fit small.csv --init base.simulacra`): few rows learn better from a model that has seen many.

Column by column, the new model takes what the base learned:
- a column of the same name and kind whose values the base's encoding holds (its categories
  include the table's, it has a null code where the table has nulls) keeps the base's
  metadata and encoding (bins, categories), and the network's weights for it start as the
  base's: the table's own bins would come from too few rows;
- the other columns (the base lacks them, or their kind or values differ) are encoded afresh
  and their weights start fresh; the base's columns that the table lacks are dropped.
Then the model trains on the table from those weights, at a smaller learning rate, stopping
early on its own held-out rows after the usual warm-up (the base's weights, before any step,
are the first candidate for the best epoch).

The base model's rows are a second source: its own privacy settings carry over, and the new
model's description states both (`describe()["init"]`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import registry
from ..errors import DataError, ParameterError
from ..metadata import MODELLED_KINDS, Metadata

if TYPE_CHECKING:
    from .base import Synthesizer


@dataclass
class Transfer:
    """A fit's base model, where it came from, and the columns encoded as in it."""

    base: Synthesizer
    source: str
    shared: list[str]
    columns: int = 0  # modelled columns of the new table (known once its encoding is fitted)

    def record(self) -> dict[str, Any]:
        """What the new model keeps about its start (JSON, saved in its file)."""
        return {
            "source": self.source,
            "model": self.base.name,
            "base_rows": self.base.fit_info_.get("rows"),
            "shared": list(self.shared),
            "columns": self.columns,
            "base_privacy": base_privacy(self.base),
        }


def start(model: Synthesizer, init: Synthesizer | str | Path) -> Transfer:
    """The base model of a fit by `model` (a fitted model, or the path of its file), or one
    clear error: a model that cannot start from a base, a base of another kind."""
    from .base import Synthesizer

    if not model._transfers:
        can = ", ".join(
            n for n in registry.names("table") if getattr(registry.get(n), "_transfers", False)
        )
        raise ParameterError(f"{model.name} cannot start from a base model (init); {can} can")
    if getattr(model, "epsilon", None) is not None:
        raise ParameterError(
            f"{model.name}: a fit with epsilon cannot start from a base model yet (init)"
        )
    if getattr(model, "sequence_key", None) is not None:
        raise ParameterError(f"{model.name}: sequences cannot start from a base model yet (init)")
    if isinstance(init, str | Path):
        source = Path(init).name
        base = Synthesizer.load(init, verbose=False)
    elif isinstance(init, Synthesizer):
        source = f"a fitted {init.name} model"
        base = init
    else:
        raise ParameterError(f"init must be a fitted model or a model file, not {init!r}")
    base._check_fitted()
    if base.name != model.name:
        raise ParameterError(
            f"init: {source} holds a '{base.name}' model, not '{model.name}' (a base model must "
            "be of the model being fitted)"
        )
    if getattr(base, "sequence_key", None) is not None:
        raise ParameterError(f"init: {source} learned sequences; a base model must learn rows")
    for name in model._base_params:  # the network's shape, when not given, is the base's
        if getattr(model, name) is None:
            setattr(model, name, base._setting(name))  # type: ignore[attr-defined]
    return Transfer(base, source, [])


def with_base_columns(metadata: Metadata, table: pd.DataFrame, base: Synthesizer) -> Metadata:
    """Inferred `metadata` with each column the base also models taken from the base's (kind,
    dtype, categories) where the table's values fit it; 100 rows may read a count as a
    category that thousands of rows read as a number."""
    columns = dict(metadata.columns)
    for name, column in base.metadata_.columns.items():
        if name not in columns or column.kind not in MODELLED_KINDS:
            continue
        try:
            Metadata({name: column}).check_table(table[[name]])
        except DataError:
            continue  # the table's values break the base's column: its own metadata stays
        columns[name] = column
    return Metadata(columns, rules=list(metadata.rules))


def shared_encodings(
    transfer: Transfer, table: pd.DataFrame, metadata: Metadata
) -> dict[str, dict[str, Any]]:
    """The base's column encodings (states) the new fit takes: same name and kind, values
    it holds. None shared is an error naming the base's columns."""
    base = transfer.base.transformer_
    modelled = {b.column for b in base.blocks_}
    given = {
        name: column.get_state()
        for name, column in base.columns_.items()
        if name in modelled
        and name in metadata.columns
        and metadata[name].kind == base.metadata[name].kind
        and column.can_encode(table[name])
    }
    if not given:
        raise DataError(
            f"init: {transfer.source} shares no column with the table (same name, kind and "
            f"values its encoding holds); its columns: {', '.join(sorted(modelled))}"
        )
    transfer.shared = list(given)
    return given


def base_privacy(base: Synthesizer) -> dict[str, Any]:
    """The base model's privacy as its own description states it (DP budget, or the
    protections of a fit without DP)."""
    model = base._describe()
    if model.get("privacy") is not None:
        return {"differential_privacy": model["privacy"]}
    if base.init_ is not None:  # a base itself started from another: both carry over
        return {"protections": model.get("protections"), "init": base.init_}
    return {"protections": model.get("protections", "none stated")}


def describe(record: dict[str, Any], rows: int, private: bool) -> dict[str, Any]:
    """The `init` entry of `describe()`: the start, and the privacy of both sources."""
    shared, columns = len(record["shared"]), record["columns"]
    return {
        "summary": f"initialised from {record['source']}: {shared} of {columns} columns shared",
        "shared_columns": record["shared"],
        "privacy": {
            "this table": f"{rows:,} rows; "
            + ("DP (see model.privacy)" if private else "no DP: see model.protections"),
            "base model's table": {
                "rows": record["base_rows"],
                "note": "the starting weights and the shared columns' encodings were learned "
                "from it: its own privacy settings carry over",
                **record["base_privacy"],
            },
        },
    }
