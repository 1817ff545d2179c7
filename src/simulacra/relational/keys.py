"""New primary keys for a sampled table, never the real ones.

Integer keys continue after the largest real key (`start`: real keys and sampled ones never
meet, and a sampled dataset can be appended to the real one); text keys follow the real
keys' pattern (`ids.infer_pattern`) with its last placeholder one character wider, so that
they look like the real ones and are never one of them, when it leaves `ID_ROOM` times more
ids than rows; else twelve hexadecimal digits. Each sample call draws its keys from its
own seeded stream.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..ids import IdPattern, generate_ids, infer_pattern
from ..metadata import ID_ROOM
from .schema import Relation

FALLBACK_PATTERN = "{12 hex}"
SAMPLE_KEYS = 2_000  # real keys read to infer a pattern
_WIDTH = re.compile(r"\{(\d+) (digits|letters|lower|hex)\}")


@dataclass(frozen=True)
class KeyPlan:
    """How a table's primary keys are made: integers from `start`, or text of `pattern`."""

    integer: bool
    start: int = 0
    pattern: str = FALLBACK_PATTERN

    @classmethod
    def learn(cls, keys: pd.Series) -> KeyPlan:
        if pd.api.types.is_integer_dtype(keys.dtype):
            return cls(True, start=int(keys.max()) + 1 if len(keys) else 1)
        text = keys.astype(str)
        sample = text.sample(min(len(text), SAMPLE_KEYS), random_state=0).tolist()
        pattern = infer_pattern(sample)
        if pattern is None or "{int}" in pattern:
            return cls(False)
        pattern = _one_wider(pattern)
        space = IdPattern.parse(pattern).space
        roomy = space is None or space >= ID_ROOM * len(text)
        return cls(False, pattern=pattern if roomy else FALLBACK_PATTERN)

    def make(self, count: int, seed: int, offset: int = 0) -> np.ndarray:
        """Keys number `offset` .. `offset + count - 1` of this plan under `seed`."""
        if self.integer:
            return np.arange(self.start + offset, self.start + offset + count, dtype=np.int64)
        return generate_ids(self.pattern, offset, count, seed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyPlan:
        return cls(bool(data["integer"]), int(data["start"]), str(data["pattern"]))


def _one_wider(pattern: str) -> str:
    """`pattern` with its last fixed-width placeholder one character wider ("AC{5 digits}"
    -> "AC{6 digits}"): every real key matched the narrower pattern, so no new key can be
    a real one, and the keys keep their look."""
    found = list(_WIDTH.finditer(pattern))
    if not found:
        return pattern
    last = found[-1]
    wider = f"{{{int(last.group(1)) + 1} {last.group(2)}}}"
    return pattern[: last.start()] + wider + pattern[last.end() :]


def children_per_parent(
    child: pd.DataFrame, parent: pd.DataFrame, relation: Relation
) -> np.ndarray:
    """The number of `child` rows naming each `parent` row through `relation` (zero
    included), in the parent rows' order."""
    counts = child[relation.child_key].value_counts()
    keys = parent[relation.parent_key].tolist()
    return counts.reindex(keys, fill_value=0).to_numpy(np.int64)


def secondary_plan(relation: Relation, child: pd.DataFrame, parent: pd.DataFrame) -> dict[str, Any]:
    """What assigning a second foreign key needs: the histogram of children per parent row
    (zero included) and the share of empty cells."""
    per_parent = children_per_parent(child, parent, relation)
    return {
        "relation": relation.to_dict(),
        "degrees": np.bincount(per_parent).astype(np.float64),
        "null_share": float(child[relation.child_key].isna().mean()),
    }


def assign_parents(
    count: int,
    parents: np.ndarray,
    degrees: np.ndarray,
    null_share: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Parent keys for `count` child rows: each parent row gets a number of children drawn
    from the histogram `degrees` (degrees[k]: real parent rows with k children), children
    go to parents in proportion; a `null_share` of rows get no parent."""
    out = np.full(count, None, dtype=object)
    if len(parents) == 0:
        return out
    filled = rng.random(count) >= null_share
    weights = rng.choice(len(degrees), size=len(parents), p=degrees / degrees.sum())
    weights = weights.astype(np.float64)
    if weights.sum() == 0:
        weights[:] = 1.0
    chosen = rng.choice(len(parents), size=int(filled.sum()), p=weights / weights.sum())
    out[filled] = parents[chosen]
    if pd.api.types.is_integer_dtype(parents.dtype) and filled.all():
        return out.astype(parents.dtype)
    return out
