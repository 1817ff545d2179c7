"""Conditional sampling by vectorised rejection, for models that cannot condition exactly.

Candidate rows are drawn in batches and checked in encoded space: a categorical condition
needs the row's decoded category code; a numerical condition needs the decoded value within
`NUMBER_WINDOW` of the column's learned range around the requested value (the base class then
sets the exact value, so the other columns come from rows the model made near that value).
The checks are `Conditions.meets`, from the TableTransformer: no model decodes by itself.
Batch sizes follow the acceptance rate seen so far; when fewer than one candidate in
`MAX_DRAWS_PER_ROW` is accepted, a ConditionError says the condition is too rare.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import ConditionError
from ..transforms.conditions import Conditions

MAX_DRAWS_PER_ROW = 1_000
MAX_BATCH = 200_000
MIN_DRAWS = 10_000


def sample_meeting(
    generate: Callable[[int, np.random.Generator], np.ndarray],
    n: int,
    conditions: Conditions,
    rng: np.random.Generator,
) -> np.ndarray:
    """`n` encoded rows from `generate(rows, rng)` that meet `conditions`, by rejection."""
    if not conditions:
        return generate(n, rng)
    kept: list[np.ndarray] = []
    have = drawn = 0
    batch = n
    limit = MAX_DRAWS_PER_ROW * n + MIN_DRAWS
    while have < n:
        if drawn >= limit:
            wanted = conditions.describe()
            raise ConditionError(
                f"conditions {wanted} are too rare for this model: {have} of {drawn:,} drawn "
                f"rows met them (need {n}); relax the conditions or use the copula"
            )
        rows = generate(batch, rng)
        drawn += batch
        good = rows[conditions.meets(rows)]
        kept.append(good)
        have += len(good)
        rate = max(have / drawn, 1 / MAX_DRAWS_PER_ROW)
        batch = int(min(max((n - have) / rate * 1.2 + 64, 256), MAX_BATCH, limit - drawn + 1))
    return np.concatenate(kept)[:n]
