"""The differentially private path of the TableTransformer (`TableTransformer(privacy=...)`).

Every statistic a DP column transform keeps is public metadata (a column marked `public:
true`: its `min`/`max` and `categories`) or post-processing of one Gaussian-mechanism histogram
of the column (`privacy.mechanisms`), never the raw data:

- numbers and datetimes: the range (public, or noisy power-of-two buckets), a noisy histogram
  of the values and the null count; the usual encoder (quantile bins, quantile-to-normal,
  Bayesian GMM modes, min-max) is then fitted on a surrogate sample drawn from that histogram,
  rounded to the column's declared decimals. No raw minimum, maximum, quantile, point mass or
  value grid reaches the model file.
- categories: noisy counts of the public list (booleans' True/False, or `categories` of a
  column marked public; a pandas Categorical's own list is data, not public), or of the
  observed values, of which only those above `mechanisms.category_threshold` are kept (no
  raw-count `min_count`). Rows of categories that were not kept share an "other" code only
  when their noisy number is significant (else they count as the most frequent category), so
  noise alone never invents a category. The noisy count of each code is kept (`code_counts_`,
  saved with the transformer): CTGAN's conditional vector reuses it.
- ids, PII and text: regenerated as usual; their null share is a noisy count, and a text
  column's character model (which reads real strings) becomes Faker sentences.
- constants: the value declared in public metadata, or the value found by the same noisy
  threshold as categories (a value held by one row is never released); else null.
- the number of rows: one more noisy count (`DPStatistics.rows`), the only row count a DP
  model uses or stores.

What the DP path takes as given is the schema: column names, kinds, dtypes, integer-ness and
decimals, datetime formats and time zones, id patterns. It comes from the user's metadata, or,
when the user opts in (`infer_schema=True`), from inference over the rows, which publishes it
as it is. The saved Metadata is this schema plus the DP null shares (`public_metadata`).
"""

from __future__ import annotations

from .columns import ColumnTransform
from .dp_categories import (
    DPBooleanTransform,
    DPCategoricalTransform,
    DPConstantTransform,
    DPFakerTransform,
    DPIdTransform,
    DPTextTransform,
)
from .dp_column import DPColumn, DPStatistics, public_categories, public_metadata
from .dp_numbers import DPDatetimeTransform, DPNumericalTransform

__all__ = [
    "DP_TRANSFORMS",
    "DPColumn",
    "DPStatistics",
    "public_categories",
    "public_metadata",
]

DP_TRANSFORMS: dict[str, type[ColumnTransform]] = {
    cls.kind: cls
    for cls in (
        DPNumericalTransform,
        DPDatetimeTransform,
        DPCategoricalTransform,
        DPBooleanTransform,
        DPIdTransform,
        DPFakerTransform,
        DPTextTransform,
        DPConstantTransform,
    )
}
